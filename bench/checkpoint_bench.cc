// Checkpoints (docs/operations.md section 5): the shard-side work at a cut (what the cut's pause
// costs: the whole save before session 12, the snapshot copy since), save plus encoding plus CRC,
// and decode plus restore, for N accounts in one shard (1% privileged,
// 4 known values, 2 dedupe entries and one timer per privileged account, as a busy shard holds).
// Counters: bytes_per_account on disk; the times are per whole checkpoint.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/checkpoint_format.h"
#include "core/hash.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"
#include "pipeline/checkpoint_store.h"
#include "state/checkpoint_codec.h"

namespace privmon::bench {
namespace {

// One tenant for every record (its hash, as the records carry it).
const uint64_t kTenant = Mix64(7);

// One shard writer holding N synthetic accounts' records, as a shard's SaveState would write.
CheckpointShardWriter Synthetic(uint64_t n) {
  CheckpointShardWriter w(0);
  std::string buf;
  PrivilegedState ps;
  ps.upn.assign("adm_someone@contoso.onmicrosoft.com");
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t key = Mix64(i + 1);
    AccountState st;
    st.first_seen = 1'700'000'000;
    st.last_seen = st.first_seen + static_cast<Seconds32>(i % 86400);
    const bool privileged = i % 100 == 0;
    buf.clear();
    EncodeAccount(buf, kTenant, st, privileged ? &ps : nullptr);
    w.Add(kCkAccount, CheckpointRoute::kByKey, key, buf);
    for (uint64_t k = 0; k < 4; ++k) {
      buf.clear();
      PutU64(buf, kTenant);
      PutU32(buf, st.last_seen);
      w.Add(kCkKnownValue, CheckpointRoute::kByOrigin, Mix64(key + k), buf);
    }
    for (uint64_t k = 0; k < 2; ++k) {
      buf.clear();
      PutU32(buf, st.last_seen);
      PutU64(buf, kTenant);
      w.Add(kCkDedupe, CheckpointRoute::kByOrigin, Mix64(key ^ (k + 99)), buf);
    }
    if (privileged) {
      Timer t;
      t.due = 1'800'000'000'000'000;
      t.account = key;
      buf.clear();
      PutU64(buf, kTenant);
      PutRaw(buf, t);
      w.Add(kCkTimer, CheckpointRoute::kByKey, key, buf);
    }
  }
  return w;
}

struct Engine {
  std::shared_ptr<const CompiledConfig> config = BuiltinDefaultConfig();
  PipelineStats stats{1, 1, 10};
  SpscQueue<Alert> alerts{64};
  DetectionEngine engine{config, alerts, stats.shards[0], stats.tenants};
};

// An engine restored from N synthetic accounts (each record type, as Synthetic writes them); null
// after SkipWithError.
std::unique_ptr<Engine> Restored(benchmark::State& state, uint64_t n) {
  const CheckpointShardWriter input = Synthetic(n);
  CheckpointHeader h;
  h.layout = kStateLayout;
  h.shards = 1;
  const std::string file = EncodeCheckpoint(h, {&input});
  DecodedCheckpoint cp;
  auto e = std::make_unique<Engine>();
  std::string why = DecodeCheckpoint(file, kStateLayouts, &cp);
  if (why.empty()) why = RestoreCheckpoint(cp, {&e->engine});
  if (!why.empty() || e->engine.accounts().size() != n) {
    state.SkipWithError(("restore: " + why).c_str());
    return nullptr;
  }
  return e;
}

// Restore into a fresh engine, then the shard's save at the cut, then encode (CRC included).
void BM_Checkpoint_SaveAndEncode(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  auto restored = Restored(state, n);
  if (restored == nullptr) return;
  Engine& e = *restored;
  CheckpointHeader h;
  h.layout = kStateLayout;
  h.shards = 1;
  std::size_t bytes = 0;
  for (auto _ : state) {
    CheckpointShardWriter out(0);
    e.engine.SaveState(out);
    const std::string encoded = EncodeCheckpoint(h, {&out});
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  state.counters["bytes_per_account"] = static_cast<double>(bytes) / static_cast<double>(n);
  state.counters["accounts"] = static_cast<double>(e.engine.accounts().size());
}

// What a shard's events waited for at each cut until session 12: its whole state encoded into a
// fresh writer on the shard's thread (SaveState).
void BM_Checkpoint_ShardSaveAtCut(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  auto e = Restored(state, n);
  if (e == nullptr) return;
  for (auto _ : state) {
    CheckpointShardWriter out(0);
    e->engine.SaveState(out);
    benchmark::DoNotOptimize(out.partitions().data());
  }
}

// What they wait for now (session 12): the copy (SnapshotState), in steady state (its buffers
// kept from the previous cut); the encoding runs on the control thread.
void BM_Checkpoint_ShardSnapshotAtCut(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  auto e = Restored(state, n);
  if (e == nullptr) return;
  const double state_bytes = static_cast<double>(e->engine.MemoryBytes());
  e->engine.SnapshotState();  // the first cut sizes the buffers
  for (auto _ : state) benchmark::DoNotOptimize(e->engine.SnapshotState());
  // The engine's memory per account without the copy, and what the copy adds (held between cuts).
  state.counters["state_bytes_per_account"] = state_bytes / static_cast<double>(n);
  state.counters["snapshot_bytes_per_account"] =
      (static_cast<double>(e->engine.MemoryBytes()) - state_bytes) / static_cast<double>(n);
}

// The start of a run: checksums checked, every record routed and loaded.
void BM_Checkpoint_DecodeAndRestore(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  const CheckpointShardWriter input = Synthetic(n);
  CheckpointHeader h;
  h.layout = kStateLayout;
  h.shards = 1;
  const std::string file = EncodeCheckpoint(h, {&input});
  for (auto _ : state) {
    state.PauseTiming();
    auto e = std::make_unique<Engine>();
    state.ResumeTiming();
    DecodedCheckpoint cp;
    std::string why = DecodeCheckpoint(file, kStateLayouts, &cp);
    if (why.empty()) why = RestoreCheckpoint(cp, {&e->engine});
    if (!why.empty() || e->engine.accounts().size() != n) {
      state.SkipWithError(("restore: " + why).c_str());
      break;
    }
    state.PauseTiming();
    e.reset();
    state.ResumeTiming();
  }
  state.counters["bytes"] = static_cast<double>(file.size());
  state.counters["bytes_per_account"] = static_cast<double>(file.size()) / static_cast<double>(n);
}

BENCHMARK(BM_Checkpoint_SaveAndEncode)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_Checkpoint_ShardSaveAtCut)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK(BM_Checkpoint_ShardSnapshotAtCut)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK(BM_Checkpoint_DecodeAndRestore)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

}  // namespace
}  // namespace privmon::bench
