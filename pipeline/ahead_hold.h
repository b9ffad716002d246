// AheadHold: the events a shard holds back because they ran ahead of their tenant's clock
// (DESIGN.md section 10 "Clocks"). One input of a tenant (a Kafka partition, a repartitioner's
// writes into the state topic) can run hours of event time ahead of another that still holds the
// tenant's watermark back. Handed to the rules as they come, those records would fill the bounded
// per-account rings (4 sign-in runs, 16 failures, ...) with the future and evict what the lagging
// input's records and the pending verdicts still read: a lost PRIV-SI-01 and false PRIV-EL-06
// "no sign-in seen" with two `state_topic` processes (breaker round 93). So a shard keeps an event
// whose time is more than the allowed lateness past the newest time the slowest live input of its
// own source has read (of any tenant: TenantClocks::AheadFloor; a Kafka source's partitions, the
// input partitions behind the state hop), and hands it on, oldest first, once that input caught
// up: the rules never see a record further ahead of the slowest input of its source than the
// lateness, as with one input read in order. Inputs running level (a busy topic) hold nothing,
// and a source of one input (a ZeroMQ feed, a file) holds a record only until its own progress
// mark: another source lagging (an audit feed beside a sign-in feed) holds nothing back, so their
// match verdicts stay immediate (breaker round 100).
// Ownership: one per shard, owned by the Pipeline; used by the shard's thread only (filled from a
// checkpoint before the thread starts, read by SaveStopped after it finished).
// Cost: Keep O(log n) plus a copy (PackedEvent, 256 B, and its string bytes: one allocation);
// Release O(k log n) for the k events handed on. Nothing is kept while the inputs run level, so
// the steady state allocates nothing. Bounded by `capacity` events: past it the oldest kept event
// is handed on early (counted: privmon_events_held_ahead_overflow_total), as before the hold.
#pragma once

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

  // Keeps a copy of `e`, routed to this shard with `roles`; it waits for its source
  // (e.source_index).
  void Keep(const Event& e, uint8_t roles);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool over_capacity() const { return size_ > capacity_; }

  // f(const Event&, roles) for each kept event whose time is <= bound(its source index), oldest
  // first over all sources (ties: arrival order); they are no longer kept.
  template <class Bound, class F>
  void ReleaseReady(Bound&& bound, F&& f) {
    if (size_ == 0) return;
    bounds_.assign(by_source_.size(), kMinTime);
    for (std::size_t s = 0; s < by_source_.size(); ++s) {
      if (!by_source_[s].empty()) bounds_[s] = bound(static_cast<uint8_t>(s));
    }
    for (;;) {
      std::vector<Entry>* next = nullptr;
      for (std::size_t s = 0; s < by_source_.size(); ++s) {
        std::vector<Entry>& heap = by_source_[s];
        if (heap.empty() || heap.front().time > bounds_[s]) continue;
        if (next == nullptr || Before(heap.front(), next->front())) next = &heap;
      }
      if (next == nullptr) return;
      Pop(*next, f);
    }
  }

  // Hands on the oldest kept event (over capacity). O(sources).
  template <class F>
  void ReleaseOldest(F&& f) {
    std::vector<Entry>* oldest = nullptr;
    for (std::vector<Entry>& heap : by_source_) {
      if (!heap.empty() && (oldest == nullptr || Before(heap.front(), oldest->front()))) {
        oldest = &heap;
      }
    }
    if (oldest != nullptr) Pop(*oldest, f);
  }

  // Hands on every kept event, oldest first (the input is over).
  template <class F>
  void ReleaseAll(F&& f) {
    while (size_ != 0) ReleaseOldest(f);
  }

  // f(const Event&, roles) for every kept event, in no particular order; keeps them (checkpoints).
  template <class F>
  void ForEach(F&& f) const {
    Event scratch{};
    for (const std::vector<Entry>& heap : by_source_) {
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
  std::vector<std::vector<Entry>> by_source_;  // by source index, each a heap (After)
  std::vector<EventTime> bounds_;              // ReleaseReady's, by source index
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
