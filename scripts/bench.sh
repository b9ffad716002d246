#!/usr/bin/env bash
# The benchmark command: installs what is missing, builds Release with benchmarks into build-bench,
# runs the Google Benchmark micro benchmarks (~2 min) and the macro harness (~5-10 min on 2 cores),
# writes both outputs to bench/results/ and prints the macro table (the one in BENCHMARKS.md).
#   scripts/bench.sh                          what BENCHMARKS.md reports
#   PRIVMON_MARCH=haswell scripts/bench.sh    the same with another -march (build-bench-haswell)
#   MACRO_ARGS="--records 50000 --reps 1" scripts/bench.sh   a quicker, rougher run
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null

dir=build-bench
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DPRIVMON_BUILD_BENCH=ON -DPRIVMON_BUILD_TESTS=OFF)
results=bench/results
if [ -n "${PRIVMON_MARCH:-}" ]; then
  dir="build-bench-${PRIVMON_MARCH}"
  cmake_args+=("-DPRIVMON_MARCH=${PRIVMON_MARCH}")
  results="bench/results/march-${PRIVMON_MARCH}"
fi
cmake -S . -B "$dir" -G Ninja "${cmake_args[@]}" >/dev/null
ninja -C "$dir" -j "$(nproc)" privmon privmon_bench privmon_macro
mkdir -p "$results"

echo "== micro benchmarks"
"$dir/privmon_bench" --benchmark_min_time=0.3 | tee "$results/micro.txt"

echo "== macro harness"
# shellcheck disable=SC2086
"$dir/privmon_macro" ${MACRO_ARGS:-} | tee "$results/macro.txt"
