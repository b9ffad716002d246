// DedupeMemory: a redelivered record is a repeat until it falls beyond its tenant's horizon; the
// memory per remembered record stays within the bound its header states (19-39 B).
#include "state/dedupe_memory.h"

#include <gtest/gtest.h>

#include "core/hash.h"

namespace privmon {
namespace {

TEST(DedupeMemory, ARecordSeenAgainIsARepeatUntilItsTenantsHorizonPassesIt) {
  DedupeMemory memory;
  Seconds32 horizon_floor = 0;  // records older than this are beyond the horizon
  auto expired = [&](uint32_t, Seconds32 t) { return t < horizon_floor; };
  EXPECT_FALSE(memory.Repeat(42, 1000, 0, expired));
  EXPECT_TRUE(memory.Repeat(42, 1000, 0, expired));
  EXPECT_FALSE(memory.Repeat(43, 1000, 0, expired));
  horizon_floor = 1001;
  EXPECT_FALSE(memory.Repeat(42, 1000, 0, expired)) << "beyond the horizon: a new record";
  EXPECT_FALSE(memory.Repeat(42, 1000, 0, expired)) << "and still beyond it";
  EXPECT_FALSE(memory.Repeat(44, 2000, 0, expired));
  EXPECT_TRUE(memory.Repeat(44, 2000, 0, expired)) << "within the horizon: a repeat";
}

TEST(DedupeMemory, SweepForgetsOnlyRecordsBeyondTheHorizon) {
  DedupeMemory memory;
  auto never = [](uint32_t, Seconds32) { return false; };
  for (uint64_t i = 1; i <= 10000; ++i)
    memory.Repeat(Mix64(i), static_cast<Seconds32>(i), 0, never);
  ASSERT_EQ(memory.size(), 10000u);
  memory.Sweep([](uint32_t, Seconds32 t) { return t <= 6000; });
  EXPECT_EQ(memory.size(), 4000u);
  EXPECT_TRUE(memory.Repeat(Mix64(9000), 9000, 0, never));
  EXPECT_FALSE(memory.Repeat(Mix64(10), 10, 0, never));
}

TEST(DedupeMemory, BytesPerRememberedRecordStayWithinTheStatedBound) {
  auto never = [](uint32_t, Seconds32) { return false; };
  for (uint64_t n : {1000u, 50'000u, 1u << 17}) {
    DedupeMemory memory;
    for (uint64_t i = 1; i <= n; ++i) memory.Repeat(Mix64(i), 1, 0, never);
    const double per_record = static_cast<double>(memory.MemoryBytes()) / static_cast<double>(n);
    EXPECT_GE(per_record, 21.0) << n;
    EXPECT_LE(per_record, 43.0) << n;
  }
}

}  // namespace
}  // namespace privmon
