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

stage "lint (clang-format, include layering; headers on their own: beside the tests)"
bash scripts/lint.sh quick

# Benchmarks stay out of the test build (scripts/bench.sh builds them). -g1: line tables only,
# enough for backtraces, a fifth less compile time than -g. Unity production libraries and test
# binaries (PRIVMON_UNITY_LIBS, PRIVMON_UNITY_TESTS): their shared headers are parsed once per 8
# files; the test files were 7x the compile CPU of the production sources, one TU each.
stage "release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVMON_BUILD_BENCH=OFF \
  -DPRIVMON_UNITY_LIBS=ON -DPRIVMON_UNITY_TESTS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
ninja -C build -j "$JOBS"

quick=${PRIVMON_QUICK:-0}
[ -x scripts/sanitizer-tests.sh ] || quick_san=1
[ -x scripts/fuzz.sh ] || quick_fuzz=1

# Jobs beside the tests. The test passes mostly wait on processes and sockets (the release tests
# use 0.8 of a core at -j2): the builds they need next and clang-tidy run beside them at low
# priority, so the machine's CPU is busy while the tests wait. Each job logs to build/ci-logs/ and
# leaves NAME.done ("exit-status seconds"); the stage that needs a job joins it and prints its time.
logs=build/ci-logs
rm -rf "$logs"
mkdir -p "$logs"
declare -A job_pid
kill_tree() {  # PID: the process and its descendants
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
# A failing stage ends the run: the jobs still running beside it end with it.
trap 'for p in "${job_pid[@]}" ${chain_pid:-}; do kill_tree "$p"; done' EXIT
done_file() {  # NAME STATUS SECONDS (written whole: join polls for it)
  echo "$2 $3" >"$logs/$1.done.tmp" && mv "$logs/$1.done.tmp" "$logs/$1.done"
}
job() {  # NAME NICENESS COMMAND...: runs COMMAND in the background
  local name=$1 niceness=$2
  shift 2
  ( s=$(date +%s); rc=0
    nice -n "$niceness" "$@" >"$logs/$name.log" 2>&1 || rc=$?
    done_file "$name" "$rc" "$(( $(date +%s) - s ))"
    exit "$rc" ) &
  job_pid[$name]=$!
}
chain() {  # NAME...: runs the jobs' commands (fn_NAME) one after another, stops at a failure
  local names=("$@") i rc s
  for ((i = 0; i < ${#names[@]}; i++)); do
    s=$(date +%s); rc=0
    "fn_${names[i]//-/_}" >"$logs/${names[i]}.log" 2>&1 || rc=$?
    done_file "${names[i]}" "$rc" "$(( $(date +%s) - s ))"
    if [ "$rc" -ne 0 ]; then  # the later jobs are not run, and fail when joined
      for ((i = i + 1; i < ${#names[@]}; i++)); do
        echo "not run: an earlier job of its chain failed" >"$logs/${names[i]}.log"
        done_file "${names[i]}" 125 0
      done
      return "$rc"
    fi
  done
}
join() {  # NAME: waits for the job, prints its time, fails with its log when it failed
  local name=$1 rc secs waited; waited=$(date +%s)
  if [ -n "${job_pid[$name]:-}" ]; then wait "${job_pid[$name]}" || true; fi
  while [ ! -f "$logs/$name.done" ]; do sleep 2; done
  read -r rc secs <"$logs/$name.done"
  echo "== job '$name' took ${secs}s beside the tests (joined after $(( $(date +%s) - waited ))s wait)"
  if [ "$rc" -ne 0 ]; then
    cat "$logs/$name.log"
    echo "job '$name' failed (exit $rc)"
    exit 1
  fi
}

# clang-tidy reads a configure-only tree's unity files (scripts/tidy.sh: the heavy headers parsed
# once per 8 sources; it was the run's longest job, ~1,300 s beside the tests). It runs at the
# lowest priority (after the tests and the builds they need) and is joined at the end.
cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVMON_BUILD_BENCH=OFF \
  -DPRIVMON_BUILD_TESTS=OFF -DPRIVMON_UNITY_LIBS=ON >/dev/null
tidy_log=build/clang-tidy.log
job clang-tidy 19 bash scripts/tidy.sh build-tidy
# A compile of each header alone (~200 of them): CPU the waiting tests leave idle, joined at the end.
job lint-headers 15 bash scripts/lint.sh headers
# The sanitizer builds and the fuzz target, one after another at a priority between the tests'
# and clang-tidy's, in the order the passes below need them.
fn_asan_build() { nice -n 10 bash scripts/sanitizer-tests.sh build asan; }
fn_tsan_build() { nice -n 10 bash scripts/sanitizer-tests.sh build tsan; }
fn_fuzz_build() { PRIVMON_FUZZ_STEP=build nice -n 10 bash scripts/fuzz.sh; }
chain_jobs=()
if [ "$quick" != "1" ]; then
  [ -n "${quick_san:-}" ] || chain_jobs+=(asan-build)
  [ -n "${quick_fuzz:-}" ] || chain_jobs+=(fuzz-build)
  [ -n "${quick_san:-}" ] || chain_jobs+=(tsan-build)
fi
if [ ${#chain_jobs[@]} -gt 0 ]; then
  chain "${chain_jobs[@]}" &
  chain_pid=$!
fi

# As many tests as cores: the suite mostly waits, and the jobs above fill the rest. At twice the
# cores the tests took 422 s instead of ~600 but clang-tidy then needed 307 s after them instead
# of ~50 (session 26): the tests and the jobs together are bound by the machine's CPU.
stage "release tests"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 300

if [ "$quick" != "1" ]; then
  if [ -z "${quick_san:-}" ]; then
    stage "ASan+UBSan tests (whole suite but the process tests)"
    join asan-build
    bash scripts/sanitizer-tests.sh test asan
  fi
  if [ -z "${quick_fuzz:-}" ]; then
    # libFuzzer runs for a fixed wall time on one core, beside the TSan tests.
    stage "fuzz build (joined)"
    join fuzz-build
    job fuzz-run 0 env PRIVMON_FUZZ_STEP=run bash scripts/fuzz.sh
  fi
  if [ -z "${quick_san:-}" ]; then
    stage "TSan tests (pipeline and sinks)"
    join tsan-build
    bash scripts/sanitizer-tests.sh test tsan
  fi
  if [ -z "${quick_fuzz:-}" ]; then
    stage "fuzzing (joined)"
    join fuzz-run
    tail -25 "$logs/fuzz-run.log"
  fi
fi

stage "headers compile on their own (joined)"
join lint-headers
tail -1 "$logs/lint-headers.log"
stage "clang-tidy (joined)"
join clang-tidy
cp "$logs/clang-tidy.log" "$tidy_log"
tail -1 "$tidy_log"
stage ""
echo "== all tests passed in $(( $(date +%s) - start ))s"
