// PackedEvent: the queued form of an Event on its way from a parse thread to a shard
// (pipeline/shard_queue.h). An Event is ~1.4 KB, mostly the inline buffers of its 15 FixedStrings,
// which are nearly empty; a PackedEvent is 256 B (four cache lines): every fixed field of the
// Event, the route roles, and for each string its length and truncated bit. The string bytes
// themselves go, back to back and only the present ones, into a byte arena that travels with the
// queue (SpscByteArena below): the slot keeps where they end (arena_end) and how many there are
// (string_bytes), so they are [arena_end - string_bytes, arena_end) of the arena's byte stream.
// Pack / Unpack are plain functions, O(fields + string bytes), no allocation, no shared state.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "core/event.h"
#include "core/huge_pages.h"

namespace privmon {

// The FixedStrings of an Event, in the order Pack writes them.
inline constexpr std::size_t kPackedStringCount = 15;
// f(string) for each FixedString of `e` (Event or const Event), always in this order: the
// order Pack writes them. A field added to Event must be carried here too.
template <class E, class F>
constexpr void ForEachPackedString(E& e, F&& f) {
  f(e.tenant_id);
  f(e.record_id);
  f(e.account.id);
  f(e.account.upn);
  f(e.actor.id);
  f(e.actor.upn);
  f(e.signin.device_id);
  f(e.signin.device_label);
  f(e.signin.city);
  f(e.signin.ip_text);
  f(e.signin.client_app_name);
  f(e.audit.activity_name);
  f(e.audit.role_name);
  f(e.audit.app_name);
  f(e.security.computer);
}

// The most string bytes one Event can carry (the sum of its FixedStrings' capacities).
inline constexpr std::size_t kMaxPackedStringBytes =
    40 + 80 + 2 * (40 + kEventUpnCapacity) + 40 + 48 + 40 + 40 + 40 + 96 + 64 + 64 + 64;

// No default member initializers: a slot is written field by field by Pack, never zeroed first.
struct alignas(64) PackedEvent {
  EventTime time;
  int64_t received_ns;
  uint64_t sequence;
  uint64_t fingerprint;
  uint64_t content_key;
  uint64_t tenant_hash;
  uint64_t account_key, account_id_hash, account_upn_hash;
  uint64_t actor_key, actor_id_hash, actor_upn_hash;
  // signin
  uint64_t client_app_hash, device_hash, location_hash, home_tenant_hash, resource_tenant_hash;
  // audit
  uint64_t activity_hash, role_hash;
  std::array<uint64_t, 4> app_hashes;
  std::array<uint8_t, 16> ip;  // signin
  int32_t error_code;          // signin
  uint32_t event_id;           // security
  uint32_t arena_end;          // the arena's byte count after this event's strings
  uint16_t string_bytes;       // this event's string bytes in the arena
  uint16_t audit_flags;
  uint16_t truncated;  // bit i: string i was truncated
  EventKind kind;
  RecordFormat format;
  uint8_t source_index;
  uint8_t roles;  // the ShardMessage's roles (0, kInputMarkRoles, kCutMarkRoles or RouteRole bits)
  PrincipalType principal;
  SignInChannel channel;
  CaStatus ca_status;
  RiskState risk_state;
  RiskLevel risk_during, risk_aggregated;
  ClientApp client_app;
  uint8_t ip_family;
  char country[3];
  Activity activity;
  AuditCategory category;
  AuditService service;
  EligibleName eligible_name;
  uint8_t unit_scoped;  // bit 0: AuditFields::unit_scoped; bits 1-6: more_flags; bit 7:
                        // SignInFields::device_unstated
  uint8_t app_hash_count;
  uint8_t bools;  // PackedBool bits
  uint8_t expanded_row;
  std::array<uint8_t, kPackedStringCount> lengths;
};
static_assert(sizeof(PackedEvent) <= 256, "a queued event is at most four cache lines");
static_assert(std::is_trivially_copyable_v<PackedEvent> &&
              std::is_trivially_default_constructible_v<PackedEvent>);

// The string bytes of `e`: what Pack copies into the arena.
std::size_t PackedStringBytes(const Event& e);
// Writes every field of `e` and `roles` into `out`, and e's string bytes, back to back, to
// `strings` (room for PackedStringBytes(e)). out->arena_end is left to the caller.
void Pack(const Event& e, uint8_t roles, char* strings, PackedEvent* out);
// The packed form of Event{} with roles 0 and no strings (arena_end unset): a progress mark's
// slot before its few fields are set (ShardQueue::push_mark). Built once; thread-safe.
const PackedEvent& EmptyPackedEvent();
// Every field of `out` but its strings, from `p` (the strings are left as they were).
void UnpackFixed(const PackedEvent& p, Event* out);
// Every field of `out`, from `p` and its string bytes (p.string_bytes of them at `strings`).
// Bytes past a string's length that were zero stay zero (as in an Event{} a parser fills), so a
// reused Event that started as Event{} holds no byte of an earlier event past its strings.
void Unpack(const PackedEvent& p, const char* strings, Event* out);

// SpscByteArena: a circular byte buffer for one producer and one consumer, released in FIFO
// order. The producer reserves n contiguous bytes (skipping the tail of the buffer when they
// would straddle its end), writes them and commits; it publishes them to the consumer itself,
// through a release store made after writing (the shard queue's slot publication). The consumer
// reads them at [end - n, end) and, once done with every byte up to `end`, calls Release(end);
// a single read cursor suffices because bytes are released in the order they were reserved.
// Positions are free-running 32-bit byte counts (the size is a power of two <= 2^30, so their
// differences never overflow). No allocation after construction; pages are touched when first
// written (huge pages from 4 MiB on, as the ring's slots: pipeline/spsc_ring.h).
class SpscByteArena {
 public:
  static constexpr std::size_t kMinBytes = 4096;
  static constexpr std::size_t kMaxBytes = std::size_t{1} << 30;
  // The most a Reserve(n <= kMaxPackedStringBytes) takes, the skipped tail included.
  static constexpr std::size_t kMaxReserve = 2 * kMaxPackedStringBytes;
  static_assert(kMinBytes >= kMaxReserve, "an empty arena holds any one event's strings");

  // `bytes` rounded up to a power of two within [kMinBytes, kMaxBytes].
  explicit SpscByteArena(std::size_t bytes)
      : size_(std::bit_ceil(std::clamp(bytes, kMinBytes, kMaxBytes))),
        mask_(static_cast<uint32_t>(size_ - 1)),
        data_(HugePageAllocator<char>().allocate(size_)) {}
  ~SpscByteArena() { HugePageAllocator<char>().deallocate(data_, size_); }
  SpscByteArena(const SpscByteArena&) = delete;
  SpscByteArena& operator=(const SpscByteArena&) = delete;

  std::size_t size() const { return size_; }

  // Producer: where to write n contiguous bytes (n <= kMaxPackedStringBytes), or nullptr when
  // the consumer has not released enough yet. Nothing is taken until Commit.
  char* Reserve(uint32_t n) {
    const uint32_t pos = write_ & mask_;
    const uint32_t skip = pos + n > size_ ? static_cast<uint32_t>(size_) - pos : 0;
    const uint32_t need = skip + n;
    if (need > size_ - (write_ - read_cache_)) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (need > size_ - (write_ - read_cache_)) return nullptr;
    }
    pending_end_ = write_ + need;
    return data_ + ((write_ + skip) & mask_);
  }
  // Producer: takes the bytes of the last Reserve; returns the position after them (the
  // consumer's `end`). The caller publishes them (a release store the consumer acquires).
  uint32_t Commit() { return write_ = pending_end_; }
  // Producer: bytes not yet released by the consumer.
  std::size_t free_bytes() const {
    return size_ - (write_ - read_.load(std::memory_order_acquire));
  }

  // Consumer: the n bytes that end at `end` (a Commit's result, acquired from the producer).
  const char* Bytes(uint32_t end, uint32_t n) const { return data_ + ((end - n) & mask_); }
  // Consumer: every byte before `end` is read and may be reused.
  void Release(uint32_t end) { read_.store(end, std::memory_order_release); }

 private:
  const std::size_t size_;
  const uint32_t mask_;
  char* const data_;
  uint32_t write_ = 0;                         // producer: bytes committed so far
  uint32_t pending_end_ = 0;                   // producer: write_ after the last Reserve
  uint32_t read_cache_ = 0;                    // producer: last view of read_
  alignas(64) std::atomic<uint32_t> read_{0};  // consumer: bytes released so far
};

}  // namespace privmon
