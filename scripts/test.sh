#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test suite.
#   scripts/test.sh           release build + all tests (what CI runs, plus the sanitizer passes)
#   PRIVMON_QUICK=1 scripts/test.sh   release build + tests only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
JOBS=$(nproc)
start=$(date +%s)

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  ninja -C "$dir" -j "$JOBS"
}

echo "== release build and tests"
build build
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 300

if [ "${PRIVMON_QUICK:-0}" != "1" ]; then
  if [ -x scripts/sanitizer-tests.sh ]; then bash scripts/sanitizer-tests.sh; fi
  if [ -x scripts/fuzz.sh ]; then bash scripts/fuzz.sh; fi
fi
echo "== all tests passed in $(( $(date +%s) - start ))s"
