// Threshold counting over a TimeRing with out-of-order arrival: the largest number of recorded
// events that fit in one window of `window` seconds among the windows containing time t, so the
// verdict does not depend on which event of a burst arrived last. O(N^2) for N <= 16.
#pragma once

#include <algorithm>
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

}  // namespace privmon
