// BestWindowContaining (state/time_ring_window.h) with the longest windows a config accepts
// (durations up to 100 years): t + window passes 2^32 seconds, which wrapped around and made the
// threshold rule count nothing.
#include "state/time_ring_window.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace privmon {
namespace {

TEST(TimeRingWindow, AWindowReachingPastTheEndOfSeconds32StillCountsItsEvents) {
  TimeRing<8> ring;
  const Seconds32 t = 1'700'000'000;  // 2023
  ring.Add(t - 100);
  ring.Add(t);
  constexpr int64_t kHundredYears = 100LL * 365 * 86400;  // config/scalars.cc's longest duration
  const WindowCount w = BestWindowContaining(ring, t, kHundredYears);
  EXPECT_EQ(w.count, 2u);
  EXPECT_EQ(w.first, t - 100);
  const WindowCount day = BestWindowContaining(ring, t, 86400);
  EXPECT_EQ(day.count, 2u);
  EXPECT_EQ(BestWindowContaining(ring, t, 50).count, 1u);
}

}  // namespace
}  // namespace privmon
