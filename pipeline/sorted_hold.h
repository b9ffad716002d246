// SortedHold: the events of the finite inputs held whole (Pipeline::EmitState::WholeHold), kept
// while the hold goes on and handed on in event-time order when it ends, so a file written newest
// first (Log Analytics rows sorted TimeGenerated desc, sign-ins one per line from PowerShell, a
// Graph listing flattened) reaches the rules in the order an oldest-first file does: a rule whose
// verdict reads what came before (PRIV-PA-05's 30 days without a success, the novelty rules'
// learning period, an alert's evidence) judges it as if sorted, not only the watermark.
// Several inputs held together are merged: their events in one event-time order.
// Order: by event time (microseconds), ties by clock source (the input: an order that does not
// depend on how the inputs' reads interleaved), then in arrival order; a timeless registration
// snapshot (event time 0) keeps its place after the events its input gave before it.
// Ownership: one per parse thread, owned by its EmitState; not thread-safe.
// Cost: an event is kept packed (pipeline/packed_event.h: 256 B plus its string bytes), at most
// Pipeline::kMaxHeldEvents of them per input held (~25 MB, ~30 MB with a pathological one's
// strings). The buffers are reserved at construction for the expected count (address space only:
// huge pages, touched as events are kept, never zeroed first) and keep their capacity, so a
// second hold allocates nothing more; more events than expected grow them. Release sorts
// indices, O(n log n), and hands each event on still packed: it is queued as it was kept
// (ShardQueue::push_packed), with no unpack and pack again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/event_time.h"
#include "core/huge_pages.h"
#include "pipeline/packed_event.h"

namespace privmon {

class SortedHold {
 public:
  // Room for `expected_events` (and their strings at ~256 B each) is reserved now.
  explicit SortedHold(std::size_t expected_events);

  // Keeps a copy of `e`, read from clock source `clock_source` (its roles are the router's
  // business at release).
  void Keep(const Event& e, uint32_t clock_source);
  bool empty() const { return packed_.empty(); }

  // f(const Event& fixed, const PackedEvent& packed, const char* strings, clock source) for every
  // kept event, in (event time, arrival) order; then holds none. `fixed` holds every field of the
  // event but its strings, which are empty (UnpackFixed): enough to route it and mark its
  // tenant's clock. `packed`, with its packed.string_bytes string bytes at `strings`, is the event
  // itself, ready to queue; its roles and arena_end are unset.
  template <class F>
  void Release(F&& f) {
    SortOrder();
    for (const uint32_t i : order_) {
      UnpackFixed(packed_[i], &fixed_);
      f(static_cast<const Event&>(fixed_), packed_[i], strings_.data() + offsets_[i], clocks_[i]);
    }
    Clear();
  }

 private:
  void SortOrder();
  void Clear();

  std::vector<PackedEvent, UninitHugePageAllocator<PackedEvent>> packed_;
  std::vector<EventTime> keys_;    // the sort key of packed_[i]
  std::vector<uint32_t> offsets_;  // where packed_[i]'s string bytes start in strings_
  std::vector<uint32_t> clocks_;   // the clock source packed_[i] was read from
  std::vector<char, UninitHugePageAllocator<char>> strings_;
  std::vector<uint32_t> order_;
  // By clock source: the newest key kept so far (a timeless snapshot's key). A few inputs.
  std::vector<std::pair<uint32_t, EventTime>> latest_;
  Event fixed_{};  // strings stay empty: only UnpackFixed writes it
};

}  // namespace privmon
