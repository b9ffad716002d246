#!/usr/bin/env bash
# Sanitizer passes: the whole suite under ASan+UBSan, the pipeline and sink tests (the threaded
# ones) under TSan. Each in its own build directory.
#   scripts/sanitizer-tests.sh                 both passes: build and test ASan, then TSan
#   scripts/sanitizer-tests.sh build|test asan|tsan   one step (scripts/test.sh builds beside the
#                                              release tests and tests when the build is done)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
san_build() {  # DIR SANITIZERS TARGETS...
  local dir=$1 san=$2; shift 2
  # -O1 -g1: half the compile time of -O2 -g, still optimized enough for the sanitizers. Unity
  # production libraries and test binaries (PRIVMON_UNITY_LIBS, PRIVMON_UNITY_TESTS): their
  # shared headers parsed once per 8 files.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVMON_SANITIZE="$san" \
    -DPRIVMON_UNITY_LIBS=ON -DPRIVMON_UNITY_TESTS=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DPRIVMON_BUILD_BENCH=OFF >/dev/null
  ninja -C "$dir" -j "$JOBS" "$@"
}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"

asan_build() {
  # Process-heavy tests (label "process": tests/process, tests/kafka, the demo) run in the release
  # pass only, so their binaries are not built here (their discovery placeholders are skipped).
  local asan_targets=(privmon) d f
  for d in tests/*/; do
    f=$(basename "$d")
    case $f in process | kafka) continue ;; esac
    compgen -G "$d*_test.cc" >/dev/null && asan_targets+=("test_$f")
  done
  san_build build-asan address,undefined "${asan_targets[@]}"
}
asan_test() {
  # One more test than cores: the process-light suite still waits on sockets and sleeps.
  ctest --test-dir build-asan --output-on-failure -j "$((JOBS + 1))" --timeout 600 \
    -E 'PrometheusServer|_NOT_BUILT' -LE 'process|outside_slice'
}
# tests/detectors start no thread (one engine per shard): nothing there for TSan to see.
tsan_build() { san_build build-tsan thread privmon test_pipeline test_sinks; }
tsan_test() {
  ctest --test-dir build-tsan --output-on-failure -j "$JOBS" --timeout 600 -L 'pipeline|sinks'
}

if [ $# -eq 2 ]; then
  case "$1 $2" in
    "build asan") asan_build ;;
    "test asan") asan_test ;;
    "build tsan") tsan_build ;;
    "test tsan") tsan_test ;;
    *) echo "usage: $0 [build|test asan|tsan]"; exit 2 ;;
  esac
  exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [build|test asan|tsan]"; exit 2; }
echo "== ASan+UBSan: whole suite"
asan_build
asan_test
echo "== TSan: pipeline and sink tests"
tsan_build
tsan_test
