// AheadHold: the events a shard holds back because they ran ahead of their tenant's clock
// (DESIGN.md section 10 "Clocks"). One input of a tenant (a Kafka partition, a repartitioner's
// writes into the state topic) can run hours of event time ahead of another that still holds the
// tenant's watermark back. Handed to the rules as they come, those records would fill the bounded
// per-account rings (4 sign-in runs, 16 failures, ...) with the future and evict what the lagging
// input's records and the pending verdicts still read: a lost PRIV-SI-01 and false PRIV-EL-06
// "no sign-in seen" with two `state_topic` processes (breaker round 93). So a shard keeps an event
// whose time is more than the allowed lateness past the newest time the slowest live input of its
// tenant's sources has read (of any tenant: TenantClocks::AheadFloor), and hands it on, oldest
// first, once that input caught up, before the tenant's watermark moves past it: the rules never
// see a record further ahead of the slowest input than the lateness, as with one input read in
// order. Inputs running level (a busy topic, one ZeroMQ feed) hold nothing.
// Ownership: one per shard, owned by the Pipeline; used by the shard's thread only (filled from a
// checkpoint before the thread starts, read by SaveStopped after it finished).
// Cost: Keep O(log n) plus a copy (PackedEvent, 256 B, and its string bytes: one allocation);
// Release O(k log n) for the k events handed on. Nothing is kept while the inputs run level, so
// the steady state allocates nothing. Bounded by `capacity` events: past it the oldest kept event
// is handed on early (counted: privmon_events_held_ahead_overflow_total), as before the hold.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/checkpoint_format.h"
#include "core/event.h"
#include "core/event_time.h"
#include "pipeline/packed_event.h"

namespace privmon {

class AheadHold {
 public:
  // The most events a shard keeps at once (~256 B plus strings each: ~35 MB at most).
  static constexpr std::size_t kDefaultCapacity = 65'536;

  explicit AheadHold(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Whether `e` must wait: its time is past `bound` (kMaxTime: nothing holds it). A registration
  // snapshot without a time (0) never waits.
  static bool RunsAhead(const Event& e, EventTime bound) {
    if (e.kind == EventKind::kMfaRegistration && e.time == 0) return false;
    return e.time > bound;
  }

  // Keeps a copy of `e`, routed to this shard with `roles`.
  void Keep(const Event& e, uint8_t roles);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool over_capacity() const { return size_ > capacity_; }

  // f(const Event&, roles) for each kept event of `tenant` (hash) whose time is <= `bound`, in
  // (event time, arrival) order; they are no longer kept.
  template <class F>
  void Release(uint64_t tenant, EventTime bound, F&& f) {
    if (size_ == 0) return;
    auto it = by_tenant_.find(tenant);
    if (it == by_tenant_.end()) return;
    std::vector<Entry>& heap = it->second;
    while (!heap.empty() && heap.front().time <= bound) Pop(heap, f);
    if (heap.empty()) by_tenant_.erase(it);
  }

  // Release(tenant, bound(tenant), f) for every tenant with kept events.
  template <class Bound, class F>
  void ReleaseReady(Bound&& bound, F&& f) {
    for (auto it = by_tenant_.begin(); it != by_tenant_.end();) {
      std::vector<Entry>& heap = it->second;
      const EventTime b = bound(it->first);
      while (!heap.empty() && heap.front().time <= b) Pop(heap, f);
      if (heap.empty()) {
        by_tenant_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  // Hands on the oldest kept event of any tenant (over capacity). O(tenants kept).
  template <class F>
  void ReleaseOldest(F&& f) {
    auto oldest = by_tenant_.end();
    for (auto it = by_tenant_.begin(); it != by_tenant_.end(); ++it) {
      if (oldest == by_tenant_.end() || Before(it->second.front(), oldest->second.front())) {
        oldest = it;
      }
    }
    if (oldest == by_tenant_.end()) return;
    Pop(oldest->second, f);
    if (oldest->second.empty()) by_tenant_.erase(oldest);
  }

  // Hands on every kept event, oldest first over all tenants (the input is over).
  template <class F>
  void ReleaseAll(F&& f) {
    while (size_ != 0) ReleaseOldest(f);
  }

  // f(const Event&, roles) for every kept event, in no particular order; keeps them (checkpoints).
  template <class F>
  void ForEach(F&& f) const {
    Event scratch{};
    for (const auto& [tenant, heap] : by_tenant_) {
      for (const Entry& en : heap) {
        scratch = Event{};
        Unpack(en.packed, en.strings.data(), &scratch);
        f(static_cast<const Event&>(scratch), en.roles);
      }
    }
  }

 private:
  struct Entry {
    EventTime time;
    uint64_t arrival;
    uint8_t roles;
    PackedEvent packed;
    std::string strings;
  };
  // Min-heap order: the earliest (time, arrival) on top.
  static bool Before(const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time < b.time : a.arrival < b.arrival;
  }
  static bool After(const Entry& a, const Entry& b) { return Before(b, a); }

  template <class F>
  void Pop(std::vector<Entry>& heap, F& f) {
    PopHeap(heap);
    Entry en = std::move(heap.back());
    heap.pop_back();
    --size_;
    scratch_ = Event{};
    Unpack(en.packed, en.strings.data(), &scratch_);
    f(static_cast<const Event&>(scratch_), en.roles);
  }
  static void PopHeap(std::vector<Entry>& heap);

  std::size_t capacity_;
  std::size_t size_ = 0;
  uint64_t arrivals_ = 0;
  absl::flat_hash_map<uint64_t, std::vector<Entry>> by_tenant_;  // each a heap (After)
  Event scratch_{};
};

// A held event in a checkpoint (kCheckpointAheadEventTag): its roles on the shard that kept it,
// then the Event raw (the layout hash covers sizeof(Event)). Restored by routing it afresh
// (Pipeline::RestoreAheadEvents), so a changed shard count puts each side where it now belongs.
struct AheadEventRecord {
  uint8_t roles = 0;
  Event event{};
};
std::string EncodeAheadEvent(const Event& e, uint8_t roles);
bool DecodeAheadEvent(const CheckpointRecordView& v, AheadEventRecord* out);

}  // namespace privmon
