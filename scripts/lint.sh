#!/usr/bin/env bash
# Code habits, checked in CI before anything is built:
#   1. clang-format (the repo's .clang-format: Google-based, 100 columns) on every C++ file;
#   2. the include layering: a folder includes only from folders before it in the data flow;
#   3. every header compiles on its own (includes what it uses);
# (clang-tidy needs a compile database: scripts/tidy.sh BUILD_DIR, run by scripts/test.sh.)
#   scripts/lint.sh           all three
#   scripts/lint.sh quick     1 and 2 (seconds; scripts/test.sh runs them before the build)
#   scripts/lint.sh headers   3 (a compile per header: scripts/test.sh runs it beside the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
part=${1:-all}
case $part in all | quick | headers) ;; *) echo "usage: $0 [all|quick|headers]"; exit 2 ;; esac

if [ "$part" != headers ]; then
  mapfile -t cxx < <(git ls-files '*.cc' '*.h')
  echo "-- clang-format (${#cxx[@]} files)"
  clang-format --dry-run --Werror "${cxx[@]}"

  echo "-- include layering"
  python3 scripts/check_layering.py
fi
[ "$part" = quick ] && exit 0

echo "-- headers compile on their own"
hdr_dir=$(mktemp -d)
trap 'rm -rf "$hdr_dir"' EXIT
git ls-files '*.h' | grep -v -E '^(tests|bench)/' | \
  HDR_DIR=$hdr_dir xargs -P "$JOBS" -I{} bash -c '
    src="$HDR_DIR/$(echo "$1" | tr / _).cc"
    printf "#include \"%s\"\n#include \"%s\"\n" "$1" "$1" > "$src"
    c++ -std=c++20 -fsyntax-only -I. -Wall -Wextra -Werror \
      -Wno-missing-field-initializers "$src" || { echo "header does not compile alone: $1"; exit 255; }' _ {}
echo "   ok"
