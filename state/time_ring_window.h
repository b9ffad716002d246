// Threshold counting over a TimeRing with out-of-order arrival: which records a newly kept one made
// hold the threshold (the window ending at each), so a threshold rule's verdicts do not depend on
// which record of a burst arrived last. Pure, no allocation. O(N^2) for N <= 16.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "state/time_ring.h"

namespace privmon {

struct WindowCount {
  uint32_t count = 0;
  Seconds32 first = 0;
  Seconds32 last = 0;
};

// The records that the record at `t` made hold the threshold: `after` is the ring with it kept
// (Put did not refuse it), `before` the ring as it was. A record holds the threshold when the
// window [x - window, x] ending at its second x holds `threshold` records or more; it is one
// verdict of a threshold rule, raised once in any arrival order (breaker rounds 28, 30, 31): the
// arriving record itself when its window holds the threshold (with the other records of its second
// when the window reached it only now), then each later recorded second x within `window` of t, in
// time order, whose window reached it only now (a late record completing a burst whose later
// records came first): every record of that second. "Only now": below the threshold before, at or
// above after (a Put that pushed an older record out of the ring may leave a window as it was).
// Within the ring: a record older than a full ring of newer ones is not kept, and counts nothing.
// f(WindowCount, records): the window and how many records of its end second it made hold the
// threshold. In time order no later second is recorded: the record's own window only. O(N^2).
template <std::size_t N, class F>
void ForEachThresholdReached(const TimeRing<N>& before, const TimeRing<N>& after, Seconds32 t,
                             int64_t window, uint32_t threshold, F&& f) {
  const auto w = static_cast<Seconds32>(std::clamp<int64_t>(window, 0, UINT32_MAX));
  auto start_of = [&](Seconds32 end) { return end >= w ? end - w : 0; };
  auto ending_at = [&](Seconds32 end) {
    return WindowCount{after.CountWithin(start_of(end), end),
                       after.EarliestWithin(start_of(end), end), end};
  };
  auto reached_now = [&](const WindowCount& c) {
    return c.count >= threshold && before.CountWithin(start_of(c.last), c.last) < threshold;
  };
  const WindowCount own = ending_at(t);
  if (own.count >= threshold) f(own, reached_now(own) ? after.CountWithin(t, t) : 1u);
  const Seconds32 last_end = t > UINT32_MAX - w ? UINT32_MAX : t + w;
  // The later recorded seconds, distinct and ascending (insertion: N is small).
  std::array<Seconds32, N> later{};
  std::size_t n = 0;
  after.ForEach([&](Seconds32 x) {
    if (x <= t || x > last_end) return;
    std::size_t i = 0;
    while (i < n && later[i] < x) ++i;
    if (i < n && later[i] == x) return;
    for (std::size_t j = n; j > i; --j) later[j] = later[j - 1];
    later[i] = x;
    ++n;
  });
  for (std::size_t i = 0; i < n; ++i) {
    const WindowCount c = ending_at(later[i]);
    if (reached_now(c)) f(c, after.CountWithin(later[i], later[i]));
  }
}

}  // namespace privmon
