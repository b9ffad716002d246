// Threshold counting over a TimeRing with out-of-order arrival: the largest number of recorded
// events that fit in one window of `window` seconds among the windows containing time t, so the
// verdict does not depend on which event of a burst arrived last. O(N^2) for N <= 16.
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

template <std::size_t N>
WindowCount BestWindowContaining(const TimeRing<N>& ring, Seconds32 t, int64_t window) {
  WindowCount best;
  const auto w = static_cast<Seconds32>(std::clamp<int64_t>(window, 0, UINT32_MAX));
  // A window [end - w, end] containing t ends somewhere in [t, t + w]; it is enough to try the
  // recorded times in that range as window ends. t + w stops at the last second a Seconds32 holds
  // (a window of decades passes it: wrapped around, it counted nothing).
  const Seconds32 last_end = t > UINT32_MAX - w ? UINT32_MAX : t + w;
  for (Seconds32 end = t; end <= last_end;) {
    const Seconds32 start = end >= w ? end - w : 0;
    const uint32_t n = ring.CountWithin(start, end);
    if (n > best.count) {
      best.count = n;
      best.first = ring.EarliestWithin(start, end);
      best.last = end;
    }
    Seconds32 next = UINT32_MAX;
    ring.ForEach([&](Seconds32 x) {
      if (x > end && x <= last_end && x < next) next = x;
    });
    if (next == UINT32_MAX) break;
    end = next;
  }
  return best;
}

// The records that the record at `t` (just kept in `ring`: Put did not refuse it) made hold the
// threshold: each recorded time x whose window [x - window, x] holds `threshold` or more records
// and who first did so now, as a threshold rule's verdicts in any arrival order (breaker rounds 28
// and 30). The record's own window when it holds the threshold, and when it has just reached it
// (exactly `threshold`) the other records of the same second too (one window); then each later
// recorded second x within `window` of t, in time order, whose window the record brought to exactly
// `threshold` (a late record completing a burst whose later records came first): every record of
// that second. So a record holds the threshold once, whatever the order its burst arrives in
// (within the ring: a record older than a full ring of newer ones is not kept, and counts nothing).
// f(WindowCount, records): the window and how many records of its end second it made hold the
// threshold. In time order no later second is recorded: the record's own window only. O(N^2).
template <std::size_t N, class F>
void ForEachThresholdReached(const TimeRing<N>& ring, Seconds32 t, int64_t window,
                             uint32_t threshold, F&& f) {
  const auto w = static_cast<Seconds32>(std::clamp<int64_t>(window, 0, UINT32_MAX));
  auto ending_at = [&](Seconds32 end) {
    const Seconds32 start = end >= w ? end - w : 0;
    return WindowCount{ring.CountWithin(start, end), ring.EarliestWithin(start, end), end};
  };
  const WindowCount own = ending_at(t);
  if (own.count >= threshold) f(own, own.count == threshold ? ring.CountWithin(t, t) : 1u);
  const Seconds32 last_end = t > UINT32_MAX - w ? UINT32_MAX : t + w;
  // The later recorded seconds, distinct and ascending (insertion: N is small).
  std::array<Seconds32, N> later{};
  std::size_t n = 0;
  ring.ForEach([&](Seconds32 x) {
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
    if (c.count == threshold) f(c, ring.CountWithin(later[i], later[i]));
  }
}

}  // namespace privmon
