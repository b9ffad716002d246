#!/usr/bin/env bash
# Builds the libFuzzer parser target with clang + ASan/UBSan and runs it for a bounded time over
# the parser test data as seeds. Exits non-zero when the fuzzer finds a crash.
#   PRIVMON_FUZZ_SECONDS (default 60), PRIVMON_FUZZ_JOBS (default 1)
#   PRIVMON_FUZZ_STEP: build, run or all (default; scripts/test.sh builds beside the tests and runs
#   the fuzzer later)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
seconds="${PRIVMON_FUZZ_SECONDS:-60}"
step="${PRIVMON_FUZZ_STEP:-all}"

# Unity production libraries (PRIVMON_UNITY_LIBS, as in the other builds of scripts/test.sh): the
# same code and instrumentation, their shared headers parsed once per 8 files.
if [ "$step" != run ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPRIVMON_BUILD_FUZZ=ON -DPRIVMON_BUILD_TESTS=OFF -DPRIVMON_BUILD_BENCH=OFF \
    -DPRIVMON_UNITY_LIBS=ON -DPRIVMON_SANITIZE=address,undefined >/dev/null
  ninja -C "$build" -j"${PRIVMON_FUZZ_BUILD_JOBS:-2}" parser_fuzz
fi
[ "$step" != build ] || exit 0

# Seeds: a scratch copy (libFuzzer writes new inputs into its first corpus directory).
corpus="$build/fuzz-corpus"
mkdir -p "$corpus"
find "$root/tests/data/parsers" -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.log' \) \
  -size -64k -exec cp -n {} "$corpus/" \;
# NDJSON files become one seed per line so each seed is a single message.
find "$root/tests/data/parsers" -type f \( -name '*.ndjson' -o -name '*.log' \) | while read -r f; do
  split -l 1 -a 4 "$f" "$corpus/$(basename "$f")."
done
# The field-fault regressions hold the message shapes met in real deployments (query responses,
# nested envelopes, stringified records...): one seed per line too.
for f in "$root"/tests/regressions/*/input.ndjson; do
  split -l 1 -a 4 "$f" "$corpus/$(basename "$(dirname "$f")")."
done

# Inputs that once broke the parser or this harness (tests/fuzz/seeds), replayed first.
cp "$root"/tests/fuzz/seeds/* "$corpus/"

rm -rf "$build/fuzz-artifacts"
mkdir -p "$build/fuzz-artifacts"
status=0
"$build/parser_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 "$corpus" || status=$?
# CI keeps only the log's tail: end it with each failing input, so it can be replayed anywhere
# (base64 -d > crash; build-fuzz/parser_fuzz crash).
for f in "$build"/fuzz-artifacts/*; do
  [ -f "$f" ] || continue
  echo "fuzz.sh: failing input $(basename "$f") ($(stat -c %s "$f") bytes), base64:"
  head -c 8192 "$f" | base64 -w 0
  echo
done
exit "$status"
