// Detection engine cost per event, with the parser and queues out of the way: DetectionEngine::
// OnEvent over a steady-state stream of user sign-ins (every account already known) for N = 10k
// and 1M accounts, with state bytes per account as counters; and rule evaluation for privileged
// accounts (every rule on, one sign-in in four a bad password so threshold rules and alerts run).
// BM_Engine_SteadySignInBatched/N/D: the same stream handed over as a shard drains its queue
// (pipeline/shard_queue.h): windows of events, the engine's Prefetch hint D events ahead (D = 0:
// no hint). 10M accounts (~1.4 GB, ~30 s to warm) only with PRIVMON_BENCH_10M=1 set.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/signin_stream.h"
#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"
#include "pipeline/spsc_queue.h"
#include "pipeline/spsc_ring.h"

namespace privmon::bench {
namespace {

constexpr int kBatch = 1024;  // events per benchmark iteration

// One shard's engine with its alert queue and counters, fed from the calling thread.
struct Shard {
  Shard(uint64_t accounts, uint32_t failure_every, EventTime step_us)
      : alerts(1u << 14), tenants(16), stream(accounts, failure_every, step_us) {
    engine = std::make_unique<DetectionEngine>(BuiltinDefaultConfig(), alerts, stats, tenants);
  }
  void Feed(const Event& e) { engine->OnEvent(e, kRouteAccount); }
  // What a shard does between two drains of its queues: advance the watermark (firing due timers,
  // e.g. absence checks) to the builtin allowed lateness behind the stream, and let the sink thread
  // take the alerts.
  void Drain() {
    engine->OnWatermark(stream.time() - 300 * kMicrosPerSecond);
    alerts.consume_all([this](const Alert& a) { alert_count += a.count; });
  }

  SpscQueue<Alert> alerts;
  ShardStats stats;
  TenantCounters tenants;
  SignInStream stream;
  std::unique_ptr<DetectionEngine> engine;
  uint64_t alert_count = 0;
};

// Event time per sign-in: 1 s unless PRIVMON_BENCH_STEP_US says otherwise. At 1 s an account
// comes back every N seconds; beyond the 14-day idle horizon (N > 1.2M) it was evicted and starts
// over, so a small step (10 ms) keeps 10M accounts in steady state.
EventTime StepUs() {
  const char* v = std::getenv("PRIVMON_BENCH_STEP_US");
  return v != nullptr ? std::atoll(v) : kMicrosPerSecond;
}

// Built once per (accounts, privileged) and kept: warming 1M accounts takes a while and Google
// Benchmark calls the function several times to pick an iteration count.
Shard& Warm(uint64_t accounts, bool privileged) {
  static std::map<std::pair<uint64_t, bool>, std::unique_ptr<Shard>> cache;
  auto& slot = cache[{accounts, privileged}];
  if (!slot) {
    // Privileged: each account comes back every accounts/10 s, so five bad passwords fall in
    // PRIV-SI-01's 10-minute window and the rule fires (then is suppressed for an hour).
    slot = privileged ? std::make_unique<Shard>(accounts, 4, kMicrosPerSecond / 10)
                      : std::make_unique<Shard>(accounts, 0, StepUs());
    if (privileged) {
      for (uint64_t i = 0; i < accounts; ++i) slot->Feed(slot->stream.AdminRegistration(i));
    }
    for (uint64_t i = 0; i < accounts; ++i) slot->Feed(slot->stream.Next());
    slot->Drain();
  }
  return *slot;
}

void Run(benchmark::State& state, Shard& shard) {
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) shard.Feed(shard.stream.Next());
    shard.Drain();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * static_cast<int64_t>(sizeof(Event)));
  const double n = static_cast<double>(shard.engine->accounts().size());
  state.counters["accounts"] = n;
  state.counters["table_bytes_per_account"] =
      static_cast<double>(shard.engine->accounts().MemoryBytes()) / n;
  state.counters["engine_bytes_per_account"] = static_cast<double>(shard.engine->MemoryBytes()) / n;
  state.counters["sizeof_AccountState"] = sizeof(AccountState);
  state.counters["alerts"] = static_cast<double>(shard.alert_count);
}

void BM_Engine_SteadySignIn(benchmark::State& state) {
  Run(state, Warm(static_cast<uint64_t>(state.range(0)), false));
}

// Events per drained window: a shard drains whatever its queue holds; 128 events (~140 KB) fit L2.
constexpr int kWindow = 128;

void BM_Engine_SteadySignInBatched(benchmark::State& state) {
  Shard& shard = Warm(static_cast<uint64_t>(state.range(0)), false);
  const auto distance = static_cast<std::size_t>(state.range(1));
  std::vector<Event> window(kWindow, shard.stream.last());
  DetectionEngine& engine = *shard.engine;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; k += kWindow) {
      for (Event& e : window) shard.stream.NextInto(e);
      ForEachAhead(
          window.size(), distance, [&](std::size_t i) -> const Event& { return window[i]; },
          [&](const Event& e) { engine.OnEvent(e, kRouteAccount); },
          [&](const Event& e) { engine.Prefetch(e, kRouteAccount); });
    }
    shard.Drain();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["accounts"] = static_cast<double>(engine.accounts().size());
  state.counters["distance"] = static_cast<double>(distance);
  state.counters["alerts"] = static_cast<double>(shard.alert_count);
}

void BM_Engine_PrivilegedRules(benchmark::State& state) {
  Run(state, Warm(static_cast<uint64_t>(state.range(0)), true));
}

BENCHMARK(BM_Engine_SteadySignIn)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_Engine_SteadySignInBatched)
    ->Args({10'000, 0})
    ->Args({10'000, 8})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 4})
    ->Args({1'000'000, 8})
    ->Args({1'000'000, 16});

// 10M accounts: ~1.4 GB and ~30 s to warm, so only on request.
const bool kTenMillion = [] {
  if (std::getenv("PRIVMON_BENCH_10M") == nullptr) return false;
  benchmark::RegisterBenchmark("BM_Engine_SteadySignIn/10000000",
                               [](benchmark::State& st) { Run(st, Warm(10'000'000, false)); });
  for (const int d : {0, 8, 16}) {
    benchmark::RegisterBenchmark("BM_Engine_SteadySignInBatched", BM_Engine_SteadySignInBatched)
        ->Args({10'000'000, d});
  }
  return true;
}();

// One more account count, PRIVMON_BENCH_ACCOUNTS=N (one-at-a-time and batched with distance 8).
const bool kExtraCount = [] {
  const char* v = std::getenv("PRIVMON_BENCH_ACCOUNTS");
  if (v == nullptr) return false;
  const auto n = static_cast<uint64_t>(std::atoll(v));
  benchmark::RegisterBenchmark(("BM_Engine_SteadySignIn/" + std::to_string(n)).c_str(),
                               [n](benchmark::State& st) { Run(st, Warm(n, false)); });
  for (const int d : {0, 8}) {
    benchmark::RegisterBenchmark("BM_Engine_SteadySignInBatched", BM_Engine_SteadySignInBatched)
        ->Args({static_cast<int64_t>(n), d});
  }
  return true;
}();
BENCHMARK(BM_Engine_PrivilegedRules)->Arg(1'000);

}  // namespace
}  // namespace privmon::bench
