// The queue from a parse thread to a shard: ShardMessage (an event, or a progress or input mark)
// in an SpscRing, and the shard's drain of it. The drain hands every message to the shard's
// handler in queue order and, kPrefetchDistance messages ahead, shows each event to the consumer's
// Prefetch hint, so the state the event will touch (account table, known values, dedupe memory)
// is on its way from DRAM while the messages before it are handled. The hint never changes what
// the consumer does: same order, same handling, same state and alerts as without it
// (tests/pipeline/shard_prefetch_test.cc). Called only from the shard's thread; O(1) per message,
// no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/event.h"
#include "pipeline/event_consumer.h"
#include "pipeline/spsc_ring.h"

namespace privmon {

// An event for the shard (roles != 0), or a progress mark (roles == 0: event.tenant_hash,
// event.time = the newest event time of that tenant on clock source event.sequence), or an input
// mark (roles == kInputMarkRoles: event.time = the newest event time of any tenant on clock
// source event.sequence; the state topic's marks, pipeline/progress_marks.h).
inline constexpr uint8_t kInputMarkRoles = 0x80;
struct ShardMessage {
  Event event;
  uint8_t roles = 0;
};

using ShardQueue = SpscRing<ShardMessage>;

// How many messages ahead of the one handled the consumer's Prefetch sees. A sign-in makes about
// four DRAM misses at 10M accounts; eight events of ~100-200 ns each cover a miss's latency
// without evicting what was prefetched (bench/engine_bench.cc BM_Engine_SteadySignInBatched).
inline constexpr std::size_t kPrefetchDistance = 8;

inline bool IsEventMessage(const ShardMessage& m) {
  return m.roles != 0 && m.roles != kInputMarkRoles;
}

// Drains every message queued now into handle(message), in order, with the look-ahead above.
template <class Handle>
std::size_t DrainShardQueue(ShardQueue& queue, EventConsumer& consumer, Handle&& handle,
                            std::size_t distance = kPrefetchDistance) {
  return queue.consume_all_ahead(distance, handle, [&](const ShardMessage& m) {
    if (IsEventMessage(m)) consumer.Prefetch(m.event, m.roles);
  });
}

}  // namespace privmon
