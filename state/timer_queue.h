// TimerQueue: event-time timers of one shard (absence deadlines, sequence verdicts that wait for
// late events), fired as the watermark passes them. A binary min-heap in a std::vector; timers
// are never cancelled, the handler re-checks the account state when one fires (lazy deletion).
// Single-threaded. Push/Pop O(log n).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/event_time.h"

namespace privmon {

enum class TimerKind : uint8_t {
  kAbsence,
  kPawVerdict,
  kActivationExpiry,
  kInterruptVerdict,
  // A generic absence rule: slot = its slot offset / 4 in the current layout (re-pointed when the
  // layout moves: DetectionEngine::RepointRuleTimers), basis = the trigger time.
  kRuleAbsence,
};

struct Timer {
  EventTime due = 0;
  uint64_t account = 0;
  TimerKind kind = TimerKind::kAbsence;
  uint8_t slot = 0;
  uint32_t basis = 0;  // the state value the timer was armed for (e.g. last success seconds)
};

class TimerQueue {
 public:
  void Push(const Timer& t) {
    heap_.push_back(t);
    std::push_heap(heap_.begin(), heap_.end(), Later);
    if (DatedEarlier(t.kind)) dated_.push_back(t);
  }
  // A timer whose verdict is dated before it fires: PRIV-SI-04's interrupt verdict and EL-06's
  // PAW verdict carry their record's time (`basis`), not the due time.
  static bool DatedEarlier(TimerKind k) {
    return k == TimerKind::kInterruptVerdict || k == TimerKind::kPawVerdict;
  }
  // The earliest time a pending verdict may be dated (kMaxTime: none pending). A suppression
  // bucket ending after it is not settled yet: the verdict, due later, would miss its update
  // line's count (breaker round 90: an interrupt at 10:55 judged at 11:05, after the 10:00-11:00
  // update line went out at a watermark of 11:01). O(pending dated timers), few.
  EventTime EarliestDatedVerdict() const {
    EventTime earliest = kMaxTime;
    for (const Timer& t : dated_) {
      earliest = std::min(earliest, static_cast<EventTime>(t.basis) * kMicrosPerSecond);
    }
    return earliest;
  }
  // A timer is due once the watermark is past the whole second it falls in: a record at the
  // watermark itself is on time (not late), and the rules compare whole seconds ("a success in the
  // same second settles it"), so a record later in the due second may still settle the verdict
  // (breaker rounds 28 and 30; real times carry 7 fraction digits).
  bool HasDue(EventTime watermark) const {
    return !heap_.empty() && EndOfSecond(heap_.front().due) <= watermark;
  }
  // The input is over: a timer due by the watermark (the newest record's time) is final, one in
  // that record's second too; one due later in it is not (a record past the end may settle it).
  bool HasDueAtEnd(EventTime watermark) const {
    return !heap_.empty() && heap_.front().due <= watermark;
  }
  // The first microsecond after the second `t` falls in.
  static EventTime EndOfSecond(EventTime t) {
    const EventTime s =
        t >= 0 ? t / kMicrosPerSecond : (t - kMicrosPerSecond + 1) / kMicrosPerSecond;
    return (s + 1) * kMicrosPerSecond;
  }
  Timer Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Timer t = heap_.back();
    heap_.pop_back();
    if (DatedEarlier(t.kind)) {
      const auto it = std::find_if(dated_.begin(), dated_.end(), [&](const Timer& d) {
        return d.due == t.due && d.account == t.account && d.kind == t.kind && d.slot == t.slot &&
               d.basis == t.basis;
      });
      if (it != dated_.end()) {
        *it = dated_.back();
        dated_.pop_back();
      }
    }
    return t;
  }
  // Keeps the timers for which keep(timer) is true; keep may rewrite a timer's slot (not its due
  // time or account: the heap order). O(n); used at a reload or restore only (breaker round 94:
  // an absence rule's timers follow its slot when the rules move). Allocates nothing.
  template <class F>
  void Retain(F&& keep) {
    std::size_t kept = 0;
    for (Timer t : heap_) {
      if (keep(t)) heap_[kept++] = t;
    }
    heap_.resize(kept);
    std::make_heap(heap_.begin(), heap_.end(), Later);
    dated_.clear();
    for (const Timer& t : heap_) {
      if (DatedEarlier(t.kind)) dated_.push_back(t);
    }
  }
  // Checkpoint support: every pending timer, in heap order.
  template <class F>
  void ForEach(F&& f) const {
    for (const Timer& t : heap_) f(t);
  }
  std::size_t size() const { return heap_.size(); }
  std::size_t MemoryBytes() const { return (heap_.capacity() + dated_.capacity()) * sizeof(Timer); }

 private:
  static bool Later(const Timer& a, const Timer& b) {
    if (a.due != b.due) return a.due > b.due;
    return a.account > b.account;  // deterministic order among equal deadlines
  }
  std::vector<Timer> heap_;
  std::vector<Timer> dated_;  // the pending DatedEarlier timers, unordered
};

}  // namespace privmon
