#!/usr/bin/env bash
# clang-tidy (.clang-tidy) on every production source file and the project headers they
# include; any finding fails. Needs a configured build's compile database:
#   scripts/tidy.sh BUILD_DIR        (scripts/test.sh: a configure-only tree, build-tidy)
# With PRIVMON_UNITY_LIBS=ON in BUILD_DIR (as scripts/test.sh configures it), clang-tidy reads the
# unity files (8 sources each): the heavy headers (simdjson, Boost, prometheus-cpp) are parsed once
# per 8 sources, not once per source, and the sources' own findings are reported as a header's
# are (the header filter below names them too). Measured in session 32 on the same 131 sources and
# checks: 217 s of CPU instead of 709 s file by file, the same (no) findings; a finding put in a
# source is reported at its line either way. Every git-tracked production source must be in a file
# clang-tidy reads, or this fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/tidy.sh BUILD_DIR}
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json"; exit 2; }
start=$(date +%s)
# The rules library's sources include the embedded rule files, generated at build time (a
# configure-only tree has not made them yet; its unity file includes them).
if [ -f "$build/build.ninja" ] && grep -q 'generated/rules/builtin_rule_files.cc' "$build/build.ninja"; then
  ninja -C "$build" generated/rules/builtin_rule_files.cc >/dev/null
fi
# What clang-tidy reads: each unity file, and each production source compiled on its own.
mapfile -t files < <(python3 - "$build" <<'EOF'
import json, os, subprocess, sys
build = sys.argv[1]
prod = set(os.path.abspath(f) for f in subprocess.check_output(
    ["git", "ls-files", "*.cc"], text=True).split() if not f.startswith(("tests/", "bench/")))
covered, files = set(), []
for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
    f = os.path.abspath(os.path.join(entry["directory"], entry["file"]))
    if "/Unity/unity_" in f:
        included = [line.split('"')[1] for line in open(f) if line.startswith("#include")]
        if not any(os.path.abspath(i) in prod for i in included):
            continue  # a unity file of test or bench sources
        covered.update(os.path.abspath(i) for i in included)
    elif f not in prod:
        continue
    covered.add(f)
    if f not in files:
        files.append(f)
missing = sorted(prod - covered)
if missing:
    sys.exit("tidy.sh: production sources no compile command reads: " + " ".join(missing))
print("\n".join(files))
EOF
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# GCC-only warning flags in the database are not clang-tidy's business. The header filter adds
# the sources (.cc) to .clang-tidy's headers: in a unity file they are included.
run-clang-tidy -p "$build" -quiet -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option \
  -header-filter='/(core|parsers|pipeline|state|rules|detectors|sinks|metrics|app)/[a-z0-9_]+\.(h|cc)$' \
  "${files[@]}" >"$log" 2>&1 || true
# A unity file includes sources by design: bugprone-suspicious-include there is no finding.
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*:[0-9]+:[0-9]+: (warning|error):' |
           grep -v -E '/Unity/unity_[0-9]+_cxx\.cxx:.*\[bugprone-suspicious-include\]$' |
           sort -u || true)
nsources=$(git ls-files '*.cc' | grep -c -v -E '^(tests|bench)/')
if [ -n "$findings" ]; then
  echo "$findings"
  echo "clang-tidy: $(echo "$findings" | wc -l) finding(s) in ${nsources} sources"
  exit 1
fi
echo "clang-tidy: ${nsources} sources clean (${#files[@]} files read) in $(( $(date +%s) - start ))s"
