// The queue from a parse thread to a shard, and the shard's drain of it. A message is an event for
// the shard, or a progress or input mark. It travels packed (pipeline/packed_event.h): a 256 B
// PackedEvent slot in an SpscRing, its string bytes in a byte arena owned by the same queue, so a
// push copies the fixed fields and the strings' present bytes instead of a ~1.4 KB Event. The
// drain unpacks each message into the shard's scratch ShardMessage (one per shard, reused, so it
// stays in cache) and hands it to the shard's handler in queue order; kPrefetchDistance messages
// ahead it shows the consumer's Prefetch hint each event's fixed fields (a second scratch Event,
// its strings left empty), so the state the event will touch (account table, known values,
// dedupe memory) is on its way from DRAM while the messages before it are handled. The hint never
// changes what the consumer does: same order, same handling, same state and alerts as without it
// (tests/pipeline/shard_prefetch_test.cc).
// Threads: exactly one parse thread pushes (push, write_available) and exactly one shard thread
// drains (DrainShardQueue, read_available, empty); lock-free and wait-free, no allocation after
// construction. Cost: O(fields + string bytes) per push and per message drained.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/event.h"
#include "pipeline/event_consumer.h"
#include "pipeline/packed_event.h"
#include "pipeline/spsc_ring.h"

namespace privmon {

// An event for the shard (roles != 0), or a progress mark (roles == 0: event.tenant_hash,
// event.time = the newest event time of that tenant on clock source event.sequence), or an input
// mark (roles == kInputMarkRoles: event.time = the newest event time of any tenant on clock
// source event.sequence; the state topic's marks, pipeline/progress_marks.h; or, at
// TenantClocks::kEndedInput, the input's end: Pipeline::EndHold). The unpacked form: what the
// drain hands the handler.
inline constexpr uint8_t kInputMarkRoles = 0x80;
// A checkpoint cut's marker (roles == kCutMarkRoles: event.sequence = the cut's epoch): this parse
// thread's stream is cut here, every message before it precedes the cut, every one after it
// follows (Pipeline::Cut; the shard stops draining the queue there until it is aligned).
inline constexpr uint8_t kCutMarkRoles = 0x40;
struct ShardMessage {
  Event event;
  uint8_t roles = 0;
};

// A shard's unpack targets, reused by every drain of every queue of that shard. Zeroed at
// construction, and Unpack keeps the bytes past each string zero: the message's FixedStrings are
// byte for byte those of the parser's Event.
struct ShardScratch {
  ShardMessage message{};  // the message handed to the handler
  Event ahead{};           // the fixed fields of the message shown to Prefetch (strings empty)
};

// How many messages ahead of the one handled the consumer's Prefetch sees. A sign-in makes about
// four DRAM misses at 10M accounts; eight events of ~100-200 ns each cover a miss's latency
// without evicting what was prefetched (bench/engine_bench.cc BM_Engine_SteadySignInBatched).
inline constexpr std::size_t kPrefetchDistance = 8;

inline bool IsEventMessage(uint8_t roles) {
  return roles != 0 && roles != kInputMarkRoles && roles != kCutMarkRoles;
}
inline bool IsEventMessage(const ShardMessage& m) { return IsEventMessage(m.roles); }

class ShardQueue {
 public:
  // Arena bytes per slot when none are given: about twice the strings of a typical sign-in or
  // audit (~200-250 B), so the slots, not the arena, normally bound what is queued. The arena is
  // capacity x 512 B rounded up to a power of two, at least 4 KiB (any one event's strings, at
  // most kMaxPackedStringBytes = 1080 B, always fit an empty arena) and at most 1 GiB: 8 MiB at
  // the builtin queue_capacity 16384, beside 4 MiB of slots (pages touched when first used).
  static constexpr std::size_t kArenaBytesPerSlot = 512;

  explicit ShardQueue(std::size_t capacity)
      : ShardQueue(capacity, std::min(capacity, SpscByteArena::kMaxBytes / kArenaBytesPerSlot) *
                                 kArenaBytesPerSlot) {}
  ShardQueue(std::size_t capacity, std::size_t arena_bytes)
      : ring_(capacity), arena_(arena_bytes) {}
  ShardQueue(const ShardQueue&) = delete;
  ShardQueue& operator=(const ShardQueue&) = delete;

  std::size_t arena_bytes() const { return arena_.size(); }

  // Producer: queues `event` with `roles`; false (nothing queued) when the ring has no free slot
  // or the arena no room for its strings. The strings are written before the slot is published
  // (the ring's release store), so the consumer sees both.
  bool push(const Event& event, uint8_t roles) {
    return ring_.push_with([&](PackedEvent& slot) {
      const auto n = static_cast<uint32_t>(PackedStringBytes(event));
      char* strings = arena_.Reserve(n);
      if (strings == nullptr) return false;
      Pack(event, roles, strings, &slot);
      slot.arena_end = arena_.Commit();
      return true;
    });
  }
  // Producer: queues an event already packed (`packed`, its packed.string_bytes string bytes at
  // `strings`: a SortedHold's) with `roles`, as push would have packed it; false as push.
  bool push_packed(const PackedEvent& packed, const char* strings, uint8_t roles) {
    return ring_.push_with([&](PackedEvent& slot) {
      const uint32_t n = packed.string_bytes;
      char* out = arena_.Reserve(n);
      if (out == nullptr) return false;
      std::memcpy(out, strings, n);
      slot = packed;
      slot.roles = roles;
      slot.arena_end = arena_.Commit();
      return true;
    });
  }
  // Producer: queues a progress or input mark (roles 0 or kInputMarkRoles): the slot push writes
  // for an Event{} with `tenant_hash`, `time` and `sequence` set, without building that ~1.4 KB
  // Event; false as push.
  bool push_mark(uint64_t tenant_hash, EventTime time, uint64_t sequence, uint8_t roles) {
    return ring_.push_with([&](PackedEvent& slot) {
      if (arena_.Reserve(0) == nullptr) return false;
      slot = EmptyPackedEvent();
      slot.tenant_hash = tenant_hash;
      slot.time = time;
      slot.sequence = sequence;
      slot.roles = roles;
      slot.arena_end = arena_.Commit();
      return true;
    });
  }
  // Producer: free slots, or 0 while the arena could not take the largest event's strings (so a
  // push refused for either reason waits for write_available() > 0, then succeeds).
  std::size_t write_available() const {
    return arena_.free_bytes() < SpscByteArena::kMaxReserve ? 0 : ring_.write_available();
  }
  // Consumer: queued messages.
  std::size_t read_available() const { return ring_.read_available(); }
  bool empty() const { return ring_.empty(); }

  // Consumer: f(slot, its string bytes) for every message queued now, oldest first, and
  // ahead(slot) `distance` messages before (SpscRing::consume_all_ahead); then releases their
  // string bytes. An f returning false (when it returns bool) ends the drain after that message.
  // Returns how many.
  template <class F, class Ahead>
  std::size_t consume_all_ahead(std::size_t distance, F&& f, Ahead&& ahead) {
    uint32_t end = 0;
    const std::size_t n = ring_.consume_all_ahead(
        distance,
        [&](const PackedEvent& p) {
          const bool goes_on = CallGoesOn(f, p, arena_.Bytes(p.arena_end, p.string_bytes));
          end = p.arena_end;
          return goes_on;
        },
        ahead);
    if (n != 0) arena_.Release(end);  // after the last read of those bytes
    return n;
  }

 private:
  SpscRing<PackedEvent> ring_;
  SpscByteArena arena_;
};

// Drains every message queued now into handle(message), in order, with the look-ahead above;
// `message` is scratch.message, valid until handle returns. A handle returning bool ends the drain
// after a message it returns false for (a cut marker: the queue's later messages follow the cut).
template <class Handle>
std::size_t DrainShardQueue(ShardQueue& queue, ShardScratch& scratch, EventConsumer& consumer,
                            Handle&& handle, std::size_t distance = kPrefetchDistance) {
  return queue.consume_all_ahead(
      distance,
      [&](const PackedEvent& p, const char* strings) {
        Unpack(p, strings, &scratch.message.event);
        scratch.message.roles = p.roles;
        return CallGoesOn(handle, static_cast<const ShardMessage&>(scratch.message));
      },
      [&](const PackedEvent& p) {
        if (!IsEventMessage(p.roles)) return;
        UnpackFixed(p, &scratch.ahead);
        consumer.Prefetch(scratch.ahead, p.roles);
      });
}

}  // namespace privmon
