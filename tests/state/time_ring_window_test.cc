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

// Breaker round 92: a burst within one second (Graph writes whole seconds) made every record of
// the second the threshold was reached in a verdict: five failures gave the alert (count 5) and
// four repeats, an update line saying 9. The records of a second are ranked: five are one
// verdict, seven three (the update says 7), in every arrival order.
TEST(TimeRingWindow, ABurstWithinOneSecondIsOneVerdictPerRecordBeyondTheThreshold) {
  const Seconds32 base = 1'700'000'000;
  auto verdicts = [&](std::vector<Seconds32> burst) {
    std::sort(burst.begin(), burst.end());
    std::vector<uint32_t> counts;  // per arrival order
    do {
      TimeRing<16> ring;
      uint32_t total = 0;
      for (const Seconds32 x : burst) {
        const TimeRing<16> before = ring;
        if (ring.Put(x) < 0) continue;
        ForEachThresholdReached(before, ring, x, 600, 5,
                                [&](const WindowCount&, uint32_t n) { total += n; });
      }
      counts.push_back(total);
    } while (std::next_permutation(burst.begin(), burst.end()));
    EXPECT_TRUE(
        std::all_of(counts.begin(), counts.end(), [&](uint32_t c) { return c == counts[0]; }));
    return counts[0];
  };
  EXPECT_EQ(verdicts(std::vector<Seconds32>(5, base)), 1u);
  EXPECT_EQ(verdicts(std::vector<Seconds32>(7, base)), 3u);
  EXPECT_EQ(verdicts(std::vector<Seconds32>(4, base)), 0u);
  // Three in one second after two earlier ones: the fifth record reaches it, one verdict.
  EXPECT_EQ(verdicts({base, base + 1, base + 9, base + 9, base + 9}), 1u);
  // Two earlier, four in one second: the fifth and sixth hold it.
  EXPECT_EQ(verdicts({base, base + 1, base + 9, base + 9, base + 9, base + 9}), 2u);
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// PutSparing (PRIV-SI-04's kept successes): an unmarked time takes the oldest unmarked slot, not a
// marked one (breaker round 125); with every slot marked it takes the oldest, as Put (the newest
// success must still be kept for PRIV-PA-05).
TEST(TimeRingSparing, UnmarkedTimesSpareMarkedSlotsUnlessAllAreMarked) {
  TimeRing<4> ring;
  uint32_t marked = 0;
  marked |= 1u << ring.Put(100);  // the interactive success
  for (Seconds32 t = 110; t < 200; t += 10) ring.PutSparing(t, marked);
  EXPECT_TRUE(ring.AnyWithinSlots(100, 100, marked));
  EXPECT_TRUE(ring.AnyWithin(190, 190));
  TimeRing<2> full;
  const uint32_t both = (1u << full.Put(100)) | (1u << full.Put(110));
  EXPECT_EQ(full.PutSparing(120, both), 0);
  EXPECT_TRUE(full.AnyWithin(120, 120));
  EXPECT_FALSE(full.AnyWithin(100, 100));
}

}  // namespace
}  // namespace privmon
