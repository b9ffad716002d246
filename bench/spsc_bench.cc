// SPSC queue cost for the pipeline's payload (ShardMessage: an Event and its route roles): a push
// and a pop on one thread (the queue's own cost, no cache-line transfer), and a producer pushing
// while another thread pops (what a parse thread and a shard pay per event, cache traffic
// included). Items are messages; bytes are sizeof(ShardMessage) per message.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "pipeline/pipeline.h"
#include "pipeline/spsc_queue.h"

namespace privmon::bench {
namespace {

constexpr int kBatch = 1024;
constexpr std::size_t kCapacity = 16384;  // the builtin pipeline.queue_capacity

void SetCounts(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * static_cast<int64_t>(sizeof(ShardMessage)));
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
  SetCounts(state);
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
  SetCounts(state);
}

BENCHMARK(BM_Spsc_PushPopOneThread);
BENCHMARK(BM_Spsc_PushPopTwoThreads)->UseRealTime();

}  // namespace
}  // namespace privmon::bench
