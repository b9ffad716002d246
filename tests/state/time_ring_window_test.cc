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

// Put tells the slot a time went to, so a caller can mark slots (PRIV-SI-04 marks the successes
// that were interactive); a full ring replaces its oldest time, and keeps a newer one over an
// older.
TEST(TimeRing, PutNamesTheSlotAndAnyWithinSlotsReadsOnlyMarkedOnes) {
  TimeRing<2> ring;
  EXPECT_EQ(ring.Put(100), 0);
  EXPECT_EQ(ring.Put(200), 1);
  EXPECT_EQ(ring.Put(50), -1);  // older than everything kept
  EXPECT_EQ(ring.Put(300), 0);  // replaces 100
  EXPECT_TRUE(ring.AnyWithinSlots(250, 350, 0b01));
  EXPECT_FALSE(ring.AnyWithinSlots(250, 350, 0b10));
  EXPECT_TRUE(ring.AnyWithinSlots(150, 250, 0b10));
  EXPECT_FALSE(ring.AnyWithinSlots(90, 110, 0b11));  // 100 is gone
  EXPECT_TRUE(ring.AnyWithin(150, 350));
}

}  // namespace
}  // namespace privmon
