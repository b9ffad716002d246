#!/usr/bin/env bash
# clang-tidy (.clang-tidy) on every production source file and the project headers they
# include; any finding fails. Needs a configured build's compile database:
#   scripts/tidy.sh BUILD_DIR        (scripts/test.sh: a configure-only tree, build-tidy)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/tidy.sh BUILD_DIR}
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json"; exit 2; }
mapfile -t prod < <(git ls-files '*.cc' | grep -v -E '^(tests|bench)/')
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# GCC-only warning flags in the database are not clang-tidy's business.
run-clang-tidy -p "$build" -quiet -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option \
  "${prod[@]}" >"$log" 2>&1 || true
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*:[0-9]+:[0-9]+: (warning|error):' |
           sort -u || true)
if [ -n "$findings" ]; then
  echo "$findings"
  echo "clang-tidy: $(echo "$findings" | wc -l) finding(s) in ${#prod[@]} files"
  exit 1
fi
echo "clang-tidy: ${#prod[@]} files clean in $(( $(date +%s) - start ))s"
