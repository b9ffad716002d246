#!/usr/bin/env bash
# The benchmark command: installs what is missing, builds Release with benchmarks into build-bench
# and runs the benchmarks named as arguments (default: all), each output to bench/results/<name>.txt
# with the machine's `uptime` (load average) before and after, since the machine may be shared:
#   micro       Google Benchmark micro benchmarks, privmon_bench (~2 min)
#   checkpoint  checkpoint bytes per account, save+encode and decode+restore at 1M accounts
#               (privmon_checkpoint_bench; PRIVMON_BENCH_10M=1 adds 10M accounts: minutes)
#   macro       ceiling vs scan vs run+replay, latency at half load with and without checkpoints,
#               bytes per account (privmon_macro, ~5-10 min on 2 cores)
#   months      RSS and tracked accounts per simulated month, idle eviction on, then off
#               (privmon_months, ~1 min each)
#   kafka       Kafka source vs scan vs a bare librdkafka consumer on the mock cluster
#               (privmon_kafka_bench, ~2-5 min)
# Examples:
#   scripts/bench.sh                                  everything BENCHMARKS.md reports
#   scripts/bench.sh checkpoint months                two of them
#   MACRO_ARGS="--only latency" scripts/bench.sh macro    latency rows 3, 4, 4c only
#   PRIVMON_MARCH=haswell scripts/bench.sh            another -march (build-bench-haswell)
# MACRO_ARGS, MONTHS_ARGS and KAFKA_ARGS pass options to the harnesses (see each file's header).
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
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(micro checkpoint macro months kafka)
targets=(privmon)
for w in "${which[@]}"; do
  case "$w" in
    micro) targets+=(privmon_bench) ;;
    checkpoint) targets+=(privmon_checkpoint_bench) ;;
    macro) targets+=(privmon_macro) ;;
    months) targets+=(privmon_months) ;;
    kafka) targets+=(privmon_kafka_bench) ;;
    *) echo "bench.sh: unknown benchmark '$w' (micro checkpoint macro months kafka)" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$dir" -G Ninja "${cmake_args[@]}" >/dev/null
ninja -C "$dir" -j "$(nproc)" "${targets[@]}"
mkdir -p "$results"

# run NAME COMMAND...: the command's output, between two `uptime` lines, to the terminal and
# $results/NAME.txt (appended when NAME repeats within this invocation).
declare -A started
run() {
  local name=$1 out="$results/$1.txt"
  shift
  [ -z "${started[$name]:-}" ] && : >"$out" && started[$name]=1
  { echo "uptime before: $(uptime)"; echo "command: $*"; } | tee -a "$out"
  "$@" | tee -a "$out"
  echo "uptime after: $(uptime)" | tee -a "$out"
}

for w in "${which[@]}"; do
  echo "== $w"
  case "$w" in
    micro) run micro "$dir/privmon_bench" --benchmark_min_time=0.3 ;;
    checkpoint)
      filter='/1000000/'
      [ -n "${PRIVMON_BENCH_10M:-}" ] && filter='.'
      run checkpoint "$dir/privmon_checkpoint_bench" --benchmark_filter="$filter" ;;
    # shellcheck disable=SC2086
    macro) run macro "$dir/privmon_macro" ${MACRO_ARGS:-} ;;
    months)
      # shellcheck disable=SC2086
      run months "$dir/privmon_months" --eviction on ${MONTHS_ARGS:-}
      # shellcheck disable=SC2086
      run months "$dir/privmon_months" --eviction off ${MONTHS_ARGS:-} ;;
    # shellcheck disable=SC2086
    kafka) run kafka "$dir/privmon_kafka_bench" ${KAFKA_ARGS:-} ;;
  esac
done
