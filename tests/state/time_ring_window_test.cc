// ForEachThresholdReached (state/time_ring_window.h) with the longest windows a config accepts
// (durations up to 100 years): t + window passes 2^32 seconds, which wrapped around and made the
// threshold rule count nothing.
#include "state/time_ring_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace privmon {
namespace {

TEST(TimeRingWindow, AWindowReachingPastTheEndOfSeconds32StillCountsItsEvents) {
  TimeRing<8> before;
  const Seconds32 t = 1'700'000'000;  // 2023
  before.Add(t - 100);
  TimeRing<8> ring = before;
  ring.Add(t);
  auto reached = [&](int64_t window) {
    WindowCount got;
    ForEachThresholdReached(before, ring, t, window, 2,
                            [&](const WindowCount& w, uint32_t) { got = w; });
    return got;
  };
  constexpr int64_t kHundredYears = 100LL * 365 * 86400;  // config/scalars.cc's longest duration
  const WindowCount w = reached(kHundredYears);
  EXPECT_EQ(w.count, 2u);
  EXPECT_EQ(w.first, t - 100);
  EXPECT_EQ(reached(86400).count, 2u);
  EXPECT_EQ(reached(50).count, 0u);  // one record in 50 s: the threshold of 2 is not held
}

// The records that hold the threshold do not depend on arrival order (breaker rounds 28 and 30,
// tests/regressions/m17g_*): a burst of six across an hour has its fifth and sixth records
// hold it (windows ending at them), whichever arrives first; two records of one second hold it
// together.
TEST(TimeRingWindow, TheRecordsHoldingTheThresholdAreTheSameInAnyArrivalOrder) {
  const Seconds32 base = 1'700'000'000;
  auto held = [&](const std::vector<Seconds32>& burst, const std::vector<std::size_t>& order) {
    TimeRing<16> ring;
    std::vector<Seconds32> ends;
    for (const std::size_t i : order) {
      const TimeRing<16> before = ring;
      if (ring.Put(burst[i]) < 0) continue;
      ForEachThresholdReached(before, ring, burst[i], 600, 5,
                              [&](const WindowCount& w, uint32_t records) {
                                EXPECT_GE(w.count, 5u);
                                for (uint32_t k = 0; k < records; ++k) ends.push_back(w.last);
                              });
    }
    std::sort(ends.begin(), ends.end());
    return ends;
  };
  const std::vector<Seconds32> burst = {base,       base + 120, base + 180,
                                        base + 240, base + 270, base + 330};
  const std::vector<Seconds32> in_order = held(burst, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(in_order, (std::vector<Seconds32>{base + 270, base + 330}));
  EXPECT_EQ(held(burst, {0, 1, 2, 3, 5, 4}), in_order);  // the sixth before the fifth
  EXPECT_EQ(held(burst, {5, 4, 3, 2, 1, 0}), in_order);  // newest first
  EXPECT_EQ(held(burst, {1, 2, 3, 4, 5, 0}), in_order);  // the oldest last
  // The fifth and sixth in one second: both hold it, in either order.
  const std::vector<Seconds32> same = {base, base + 1, base + 2, base + 3, base + 4, base + 4};
  const std::vector<Seconds32> both = {base + 4, base + 4};
  EXPECT_EQ(held(same, {0, 1, 2, 3, 4, 5}), both);
  EXPECT_EQ(held(same, {5, 4, 3, 2, 1, 0}), both);
  EXPECT_EQ(held(same, {0, 4, 5, 1, 2, 3}), both);
}

}  // namespace
}  // namespace privmon
