#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test suite.
#   scripts/test.sh           release build + all tests (what CI runs, plus the sanitizer passes)
#   PRIVMON_QUICK=1 scripts/test.sh   release build + tests only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
JOBS=$(nproc)
start=$(date +%s)

stage_start=$start
stage() {  # prints the time the previous stage took, then names the next one
  local now; now=$(date +%s)
  [ -n "${STAGE:-}" ] && echo "== stage '$STAGE' took $((now - stage_start))s"
  stage_start=$now; STAGE=$1
  [ -n "$1" ] && echo "== $1"
  return 0
}

stage "lint (clang-format, include layering, headers on their own)"
bash scripts/lint.sh

# Benchmarks stay out of the test build (scripts/bench.sh builds them). -g1: line tables only,
# enough for backtraces, a fifth less compile time than -g. Unity production libraries and test
# binaries (PRIVMON_UNITY_LIBS, PRIVMON_UNITY_TESTS): their shared headers are parsed once per 8
# files; the test files were 7x the compile CPU of the production sources, one TU each.
stage "release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVMON_BUILD_BENCH=OFF \
  -DPRIVMON_UNITY_LIBS=ON -DPRIVMON_UNITY_TESTS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
ninja -C build -j "$JOBS"

# clang-tidy reads a per-file compile database: a configure-only tree without unity files. It runs
# at low priority beside the release tests (which mostly wait on processes and sockets) and is
# joined before the sanitizer passes.
cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVMON_BUILD_BENCH=OFF \
  -DPRIVMON_UNITY_LIBS=OFF >/dev/null
tidy_log=build/clang-tidy.log
nice -n 15 bash scripts/tidy.sh build-tidy >"$tidy_log" 2>&1 &
tidy_pid=$!

# As many tests as cores: the suite mostly waits (0.8 of a core at -j2), and clang-tidy fills the
# rest. At twice the cores the tests took 422 s instead of ~600 but clang-tidy then needed 307 s
# after them instead of ~50 (session 26): the two together are bound by the machine's CPU.
stage "release tests"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 300

stage "clang-tidy (joined)"
if ! wait "$tidy_pid"; then
  cat "$tidy_log"
  echo "clang-tidy failed"
  exit 1
fi
tail -1 "$tidy_log"

if [ "${PRIVMON_QUICK:-0}" != "1" ]; then
  if [ -x scripts/sanitizer-tests.sh ]; then
    stage "sanitizer passes"
    bash scripts/sanitizer-tests.sh
  fi
  if [ -x scripts/fuzz.sh ]; then
    stage "fuzzing"
    bash scripts/fuzz.sh
  fi
fi
stage ""
echo "== all tests passed in $(( $(date +%s) - start ))s"
