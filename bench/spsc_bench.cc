// SPSC queue cost for the pipeline's payload. BM_ShardQueue_*: the parse-thread-to-shard queue
// (pipeline/shard_queue.h) with a sign-in of typical string lengths: a push packs it into a 256 B
// slot and its 213 string bytes into the queue's arena, a drain unpacks it into a reused scratch
// Event (what a shard does before its handler). BM_Spsc_*: the unpacked baseline, a whole
// ShardMessage (a ~1.2 KB Event and its roles, what the shard queues carried before issue 15)
// through boost's spsc_queue. Each has a push and a pop on one thread (the queue's own cost, no
// cache-line transfer), and a producer pushing while another thread pops (what a parse thread and a
// shard pay per event, cache traffic included). Items are messages; bytes are what a message moves.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "pipeline/packed_event.h"
#include "pipeline/pipeline.h"
#include "pipeline/shard_queue.h"
#include "pipeline/spsc_queue.h"

namespace privmon::bench {
namespace {

constexpr int kBatch = 1024;
constexpr std::size_t kCapacity = 16384;  // the builtin pipeline.queue_capacity

void SetCounts(benchmark::State& state, std::size_t bytes_per_message) {
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * static_cast<int64_t>(bytes_per_message));
}

// A user sign-in as a parser fills it (Event{}: zeros past each string).
Event TypicalSignIn() {
  Event e{};
  e.kind = EventKind::kSignIn;
  e.tenant_id.assign("11111111-2222-3333-4444-555555555555");
  e.tenant_hash = 1;
  e.record_id.assign("6f1b3c2e-9a4d-4e7b-8c1f-2d3e4f5a6b7c");
  e.account.id.assign("0a1b2c3d-4e5f-6789-abcd-ef0123456789");
  e.account.upn.assign("adele.vance@contoso.com");
  e.account.key = 2;
  e.signin.device_id.assign("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6");
  e.signin.device_label.assign("Windows 10 / Edge 120");
  e.signin.city.assign("Redmond");
  e.signin.ip_text.assign("203.0.113.7");
  e.signin.client_app_name.assign("Browser");
  e.fingerprint = 3;
  return e;
}

void BM_ShardQueue_PushDrainOneThread(benchmark::State& state) {
  ShardQueue q(kCapacity);
  Event e = TypicalSignIn();
  ShardScratch scratch;
  uint64_t sum = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      e.sequence = static_cast<uint64_t>(k);
      q.push(e, kRouteAccount);
      q.consume_all_ahead(
          0,
          [&](const PackedEvent& p, const char* strings) {
            Unpack(p, strings, &scratch.message.event);
            sum += scratch.message.event.sequence;
          },
          [](const PackedEvent&) {});
    }
    benchmark::DoNotOptimize(sum);
  }
  SetCounts(state, sizeof(PackedEvent) + PackedStringBytes(e));
}

void BM_ShardQueue_PushDrainTwoThreads(benchmark::State& state) {
  ShardQueue q(kCapacity);
  std::atomic<bool> done{false};
  std::jthread consumer([&] {
    ShardScratch scratch;
    uint64_t sum = 0;
    while (!done.load(std::memory_order_acquire) || q.read_available() > 0) {
      const std::size_t n = q.consume_all_ahead(
          kPrefetchDistance,
          [&](const PackedEvent& p, const char* strings) {
            Unpack(p, strings, &scratch.message.event);
            sum += scratch.message.event.sequence;
          },
          [&](const PackedEvent& p) { UnpackFixed(p, &scratch.ahead); });
      if (n == 0) std::this_thread::yield();
    }
    benchmark::DoNotOptimize(sum);
  });
  Event e = TypicalSignIn();
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      e.sequence = static_cast<uint64_t>(k);
      while (!q.push(e, kRouteAccount)) std::this_thread::yield();
    }
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  SetCounts(state, sizeof(PackedEvent) + PackedStringBytes(e));
}

void BM_Spsc_PushPopOneThread(benchmark::State& state) {
  SpscQueue<ShardMessage> q(kCapacity);
  ShardMessage m;
  ShardMessage out;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      m.event.sequence = static_cast<uint64_t>(k);
      q.push(m);
      q.pop(out);
    }
    benchmark::DoNotOptimize(out.event.sequence);
  }
  SetCounts(state, sizeof(ShardMessage));
}

void BM_Spsc_PushPopTwoThreads(benchmark::State& state) {
  SpscQueue<ShardMessage> q(kCapacity);
  std::atomic<bool> done{false};
  std::jthread consumer([&] {
    ShardMessage out;
    uint64_t sum = 0;
    while (!done.load(std::memory_order_acquire) || q.read_available() > 0) {
      if (q.pop(out)) {
        sum += out.event.sequence;
      } else {
        std::this_thread::yield();
      }
    }
    benchmark::DoNotOptimize(sum);
  });
  ShardMessage m;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      m.event.sequence = static_cast<uint64_t>(k);
      while (!q.push(m)) std::this_thread::yield();
    }
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  SetCounts(state, sizeof(ShardMessage));
}

BENCHMARK(BM_ShardQueue_PushDrainOneThread);
BENCHMARK(BM_ShardQueue_PushDrainTwoThreads)->UseRealTime();
BENCHMARK(BM_Spsc_PushPopOneThread);
BENCHMARK(BM_Spsc_PushPopTwoThreads)->UseRealTime();

}  // namespace
}  // namespace privmon::bench
