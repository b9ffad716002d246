// Redelivery dedupe (state/dedupe_memory.h): the cost of one Repeat() probe for a fresh record and
// for a redelivered one, and the memory per remembered record (reported as the counter
// "bytes_per_record"), with N records remembered, as a shard holds them within the horizon.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/hash.h"
#include "state/dedupe_memory.h"

namespace privmon::bench {
namespace {

auto Never() {
  return [](uint32_t, Seconds32) { return false; };
}

void BM_Dedupe_FreshRecords(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  double bytes_per_record = 0;
  for (auto _ : state) {
    state.PauseTiming();
    DedupeMemory memory;
    state.ResumeTiming();
    for (uint64_t i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(memory.Repeat(Mix64(i + 1), 1'700'000'000, 0, Never()));
    }
    bytes_per_record = static_cast<double>(memory.MemoryBytes()) / static_cast<double>(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["bytes_per_record"] = bytes_per_record;
}

void BM_Dedupe_Redelivered(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  DedupeMemory memory;
  for (uint64_t i = 0; i < n; ++i) memory.Repeat(Mix64(i + 1), 1'700'000'000, 0, Never());
  for (auto _ : state) {
    for (uint64_t i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(memory.Repeat(Mix64(i + 1), 1'700'000'000, 0, Never()));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["bytes_per_record"] =
      static_cast<double>(memory.MemoryBytes()) / static_cast<double>(n);
}

BENCHMARK(BM_Dedupe_FreshRecords)->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(BM_Dedupe_Redelivered)->Arg(1 << 16)->Arg(1 << 20);

}  // namespace
}  // namespace privmon::bench
