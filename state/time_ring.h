// TimeRing<N>: the last N event times of one kind for one account, for threshold rules ("5 bad
// passwords in 10 minutes") and short look-backs. Insertion keeps the newest N regardless of
// arrival order; CountWithin is O(N). Plain value, no allocation.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "state/account_state.h"

namespace privmon {

template <std::size_t N>
class TimeRing {
 public:
  void Add(Seconds32 t) { Put(t); }
  // Add, telling the slot `t` went to (a caller keeping a per-slot mark beside the ring), or -1
  // when the ring is full of newer times and `t` was not kept.
  int Put(Seconds32 t) {
    if (size_ < N) {
      times_[size_] = t;
      return size_++;
    }
    auto oldest = std::min_element(times_.begin(), times_.end());
    if (*oldest >= t) return -1;
    *oldest = t;
    return static_cast<int>(oldest - times_.begin());
  }
  // Put, but when the ring is full not over a slot whose bit is set in `keep` while another slot
  // is unset: the oldest of those gives way if older than `t` (-1 when none does); when every
  // slot is set, as Put. So a caller's marked times (PRIV-SI-04's interactive successes) are
  // pushed out by unmarked ones only when nothing else is kept (PRIV-PA-05 reads every success:
  // a run of token refreshes after eight interactive sign-ins must still be seen).
  int PutSparing(Seconds32 t, uint32_t keep) {
    if (size_ < N) return Put(t);
    int oldest = -1;
    for (std::size_t i = 0; i < N; ++i) {
      if ((keep >> i & 1) != 0) continue;
      if (oldest < 0 || times_[i] < times_[static_cast<std::size_t>(oldest)]) {
        oldest = static_cast<int>(i);
      }
    }
    if (oldest < 0) return Put(t);  // every slot marked: the oldest of all, as Put
    if (times_[static_cast<std::size_t>(oldest)] >= t) return -1;
    times_[static_cast<std::size_t>(oldest)] = t;
    return oldest;
  }
  // Whether a time in [from, to] is kept in a slot whose bit is set in `slots`.
  bool AnyWithinSlots(Seconds32 from, Seconds32 to, uint32_t slots) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if ((slots >> i & 1) != 0 && times_[i] >= from && times_[i] <= to) return true;
    }
    return false;
  }
  // Whether a time in [from, to] is kept in a slot i for which `slot_ok(i)`.
  template <class F>
  bool AnySlotWithin(Seconds32 from, Seconds32 to, F&& slot_ok) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (times_[i] >= from && times_[i] <= to && slot_ok(i)) return true;
    }
    return false;
  }
  // Events with time in [from, to].
  uint32_t CountWithin(Seconds32 from, Seconds32 to) const {
    uint32_t n = 0;
    for (std::size_t i = 0; i < size_; ++i) n += (times_[i] >= from && times_[i] <= to) ? 1 : 0;
    return n;
  }
  bool AnyWithin(Seconds32 from, Seconds32 to) const { return CountWithin(from, to) > 0; }
  Seconds32 EarliestWithin(Seconds32 from, Seconds32 to) const {
    Seconds32 best = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      if (times_[i] >= from && times_[i] <= to && (best == 0 || times_[i] < best)) best = times_[i];
    }
    return best;
  }
  template <class F>
  void ForEach(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f(times_[i]);
  }
  std::size_t size() const { return size_; }
  static constexpr std::size_t capacity() { return N; }

 private:
  std::array<Seconds32, N> times_{};
  uint8_t size_ = 0;
};

}  // namespace privmon
