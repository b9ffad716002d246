// The parse thread's wake policy (pipeline/wake_batch.h): parked shards are woken per batch of
// pushes or once the oldest unwoken push is old enough, never per push.
#include "pipeline/wake_batch.h"

#include <gtest/gtest.h>

namespace privmon {
namespace {

TEST(WakeBatch, NothingPendingIsNeverDue) {
  WakeBatch b = WakeBatch::Latency();
  EXPECT_FALSE(b.pending());
  EXPECT_FALSE(b.Due(0));
  EXPECT_FALSE(b.Due(INT64_MAX / 2));
  b.Pushed(0, 5);  // a message that pushed nothing
  EXPECT_FALSE(b.pending());
}

TEST(WakeBatch, DueAfterAFullBatch) {
  WakeBatch b = WakeBatch::Latency();
  const int64_t t = 1'000'000;
  for (uint32_t i = 1; i < WakeBatch::kPushes; ++i) {
    b.Pushed(1, t);
    EXPECT_TRUE(b.pending());
    EXPECT_FALSE(b.Due(t)) << i;
  }
  b.Pushed(1, t);
  EXPECT_TRUE(b.Due(t));
  b.Woke();
  EXPECT_FALSE(b.pending());
  EXPECT_FALSE(b.Due(t));
}

TEST(WakeBatch, DueOnceTheOldestPushWaitedTheDelay) {
  WakeBatch b = WakeBatch::Latency();
  const int64_t t = 5'000'000;
  b.Pushed(2, t);
  b.Pushed(2, t + WakeBatch::kDelayNs - 1);  // later pushes do not restart the clock
  EXPECT_FALSE(b.Due(t + WakeBatch::kDelayNs - 1));
  EXPECT_TRUE(b.Due(t + WakeBatch::kDelayNs));
  b.Woke();
  b.Pushed(1, t + 2 * WakeBatch::kDelayNs);  // a new batch starts its own clock
  EXPECT_FALSE(b.Due(t + 2 * WakeBatch::kDelayNs + WakeBatch::kDelayNs - 1));
}

TEST(WakeBatch, TheThroughputPolicyWaitsForALargerBatchOrALongerDelay) {
  WakeBatch b = WakeBatch::Throughput();
  const int64_t t = 1'000'000;
  b.Pushed(WakeBatch::kPushes, t);
  EXPECT_FALSE(b.Due(t + WakeBatch::kDelayNs)) << "a latency batch is not a throughput batch";
  b.Pushed(WakeBatch::kThroughputPushes - WakeBatch::kPushes - 1, t);
  EXPECT_FALSE(b.Due(t));
  b.Pushed(1, t);
  EXPECT_TRUE(b.Due(t));
  b.Woke();
  b.Pushed(1, t);
  EXPECT_FALSE(b.Due(t + WakeBatch::kThroughputDelayNs - 1));
  EXPECT_TRUE(b.Due(t + WakeBatch::kThroughputDelayNs));
}

}  // namespace
}  // namespace privmon
