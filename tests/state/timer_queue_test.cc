// TimerQueue (state/timer_queue.h): a timer is due once the watermark is past it, not at it. A
// record at the watermark is on time (DetectionEngine counts late only what is older), so a
// verdict whose window ends at the watermark may still be settled by it (breaker round 28:
// tests/regressions/m17d_*-m17f_*).
#include "state/timer_queue.h"

#include <gtest/gtest.h>

namespace privmon {
namespace {

TEST(TimerQueue, ATimerIsDueOnlyOnceTheWatermarkIsPastIt) {
  TimerQueue q;
  q.Push(Timer{.due = 2'000, .account = 7});
  q.Push(Timer{.due = 1'000, .account = 9});
  EXPECT_FALSE(q.HasDue(999));
  EXPECT_FALSE(q.HasDue(1'000));  // a record at 1'000 is still on time
  ASSERT_TRUE(q.HasDue(1'001));
  EXPECT_EQ(q.Pop().account, 9u);
  EXPECT_FALSE(q.HasDue(2'000));
  ASSERT_TRUE(q.HasDue(2'001));
  EXPECT_EQ(q.Pop().account, 7u);
  EXPECT_FALSE(q.HasDue(INT64_MAX));
}

}  // namespace
}  // namespace privmon
