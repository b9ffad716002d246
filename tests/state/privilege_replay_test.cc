// PrivilegeReplay: a replay visits exactly the kept records of one account (on the side each was
// kept for) in an event-time range, oldest first, also after the ring wrapped; an overwrite
// reports the record it lost; Prewarm allocates once.
#include "state/privilege_replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace privmon {
namespace {

constexpr int64_t kReplayTestSecond = 1'000'000;

Event ReplayTestEvent(uint64_t account, uint64_t actor, int64_t second) {
  Event e;
  e.account.key = account;
  e.actor.key = actor;
  e.time = second * kReplayTestSecond;
  return e;
}

// The event times (seconds) ForEachOf visits, in order.
std::vector<int64_t> ReplayTestVisit(PrivilegeReplay& ring, uint64_t key, Seconds32 from,
                                     Seconds32 to) {
  std::vector<int64_t> seen;
  ring.ForEachOf(key, from, to, [&](const PrivilegeReplay::Entry& kept) {
    seen.push_back(kept.event.time / kReplayTestSecond);
  });
  return seen;
}

TEST(PrivilegeReplay, VisitsTheKeptRecordsOfOneAccountSideAndTimeRangeOldestFirst) {
  PrivilegeReplay ring;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  // Account 7's own records at 100, 105 and 110; one where 7 is the actor (kept for the actor)
  // at 103; one of account 8 whose actor is 7 but kept for account 8 at 104.
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(7, 0, 100), 0, 0, 0, &lost_time, &lost_tenant));
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(9, 7, 103), PrivilegeReplay::kActorSide, 0, 0, &lost_time,
                         &lost_tenant));
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(8, 7, 104), 0, 0, 0, &lost_time, &lost_tenant));
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(7, 0, 110), 0, 0, 0, &lost_time, &lost_tenant));
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(7, 0, 105), 0, 0, 0, &lost_time, &lost_tenant));
  EXPECT_EQ(ReplayTestVisit(ring, 7, 0, UINT32_MAX), (std::vector<int64_t>{100, 103, 110, 105}));
  EXPECT_EQ(ReplayTestVisit(ring, 7, 103, 110), (std::vector<int64_t>{103, 105}))
      << "from inclusive, to exclusive";
  EXPECT_EQ(ReplayTestVisit(ring, 8, 0, UINT32_MAX), (std::vector<int64_t>{104}));
  EXPECT_TRUE(ReplayTestVisit(ring, 9, 0, UINT32_MAX).empty()) << "kept for its actor, not it";
}

TEST(PrivilegeReplay, AFullRingOverwritesTheOldestAndVisitsOnlyWhatItStillHolds) {
  PrivilegeReplay ring;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  const auto n = static_cast<int64_t>(PrivilegeReplay::kCapacity);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_FALSE(ring.Keep(ReplayTestEvent(static_cast<uint64_t>(1 + i % 2), 0, 1000 + i), 0, 3, 0,
                           &lost_time, &lost_tenant));
  }
  // Two more: they take the slots of the two oldest (1000 of account 1, 1001 of account 2).
  ASSERT_TRUE(ring.Keep(ReplayTestEvent(5, 0, 5000), 0, 4, 0, &lost_time, &lost_tenant));
  EXPECT_EQ(lost_time, 1000 * kReplayTestSecond);
  EXPECT_EQ(lost_tenant, 3u);
  ASSERT_TRUE(ring.Keep(ReplayTestEvent(5, 0, 5001), 0, 4, 0, &lost_time, &lost_tenant));
  EXPECT_EQ(lost_time, 1001 * kReplayTestSecond);
  EXPECT_EQ(ring.size(), PrivilegeReplay::kCapacity);
  EXPECT_EQ(ReplayTestVisit(ring, 5, 0, UINT32_MAX), (std::vector<int64_t>{5000, 5001}));
  const std::vector<int64_t> first = ReplayTestVisit(ring, 1, 0, 1006);
  EXPECT_EQ(first, (std::vector<int64_t>{1002, 1004})) << "1000 was overwritten";
  EXPECT_EQ(ReplayTestVisit(ring, 2, 0, UINT32_MAX).size(), static_cast<std::size_t>(n / 2 - 1));
}

// A tenant flooding the shard within the lateness overwrites its own oldest records, never another
// tenant's: the other's new admin's sign-ins are still there when its role gain arrives (breaker
// round 47: 4,100 sign-ins of another tenant lost a learned admin's SI-13 and SI-14, and the
// verdict changed with the shard count).
TEST(PrivilegeReplay, AFloodOfOneTenantOverwritesItsOwnRecordsNotAnotherTenants) {
  PrivilegeReplay ring;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  ASSERT_FALSE(ring.Keep(ReplayTestEvent(7, 0, 100), 0, /*tenant=*/1, 0, &lost_time, &lost_tenant));
  ASSERT_FALSE(ring.Keep(ReplayTestEvent(7, 0, 101), 0, 1, 0, &lost_time, &lost_tenant));
  const auto n = static_cast<int64_t>(PrivilegeReplay::kCapacity);
  int64_t lost = 0;
  for (int64_t i = 0; i < 3 * n; ++i) {
    if (ring.Keep(ReplayTestEvent(static_cast<uint64_t>(1000 + i % 50), 0, 102 + i), 0,
                  /*tenant=*/2, 0, &lost_time, &lost_tenant)) {
      ++lost;
      ASSERT_EQ(lost_tenant, 2u) << "a flood overwrites its own tenant's records";
    }
    // Tenant 1 goes on beside it, a record now and then: its own stay too.
    if (i % 1000 == 0 &&
        ring.Keep(ReplayTestEvent(8, 0, 102 + i), 0, 1, 0, &lost_time, &lost_tenant)) {
      ASSERT_EQ(lost_tenant, 2u) << "its record took a slot of the flood's";
      ++lost;
    }
  }
  EXPECT_EQ(ring.size(), PrivilegeReplay::kCapacity);
  EXPECT_EQ(ReplayTestVisit(ring, 7, 0, UINT32_MAX), (std::vector<int64_t>{100, 101}));
  EXPECT_EQ(ReplayTestVisit(ring, 8, 0, UINT32_MAX).size(), static_cast<std::size_t>(13));
  // The flood's newest stay, oldest first, in arrival order.
  const std::vector<int64_t> flood = ReplayTestVisit(ring, 1000, 0, UINT32_MAX);
  ASSERT_FALSE(flood.empty());
  EXPECT_TRUE(std::is_sorted(flood.begin(), flood.end()));
  EXPECT_EQ(flood.back(), 102 + (3 * n - 1) / 50 * 50);
  EXPECT_GT(lost, 2 * n);
}

// Records a watermark passed go first, whoever holds the most: 120 quiet tenants' old records
// filled the ring, then one tenant's 200 within its lateness, a new admin's among them; evicting
// by tenant alone took the busy tenant's, the admin's first (breaker round 48).
TEST(PrivilegeReplay, RecordsTheWatermarkPassedGoBeforeABusyTenantsLiveOnes) {
  PrivilegeReplay ring;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  const auto stale = [](uint32_t tenant, EventTime) { return tenant < 120; };  // quiet, passed
  int64_t t = 1000;
  for (uint32_t tenant = 0; tenant < 120; ++tenant) {
    for (int i = 0; i < 100; ++i) {
      ring.Keep(ReplayTestEvent(10'000 + tenant, 0, t++), 0, tenant, 0, &lost_time, &lost_tenant, 0,
                0, stale);
    }
  }
  ASSERT_TRUE(
      ring.Keep(ReplayTestEvent(7, 0, t++), 0, 500, 0, &lost_time, &lost_tenant, 0, 0, stale));
  EXPECT_LT(lost_tenant, 120u);
  ASSERT_TRUE(
      ring.Keep(ReplayTestEvent(7, 0, t++), 0, 500, 0, &lost_time, &lost_tenant, 0, 0, stale));
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        ring.Keep(ReplayTestEvent(8, 0, t++), 0, 500, 0, &lost_time, &lost_tenant, 0, 0, stale));
    ASSERT_LT(lost_tenant, 120u) << "a record the watermark passed goes first";
  }
  EXPECT_EQ(ReplayTestVisit(ring, 7, 0, UINT32_MAX).size(), 2u);
  EXPECT_EQ(ReplayTestVisit(ring, 8, 0, UINT32_MAX).size(), 200u);
}

// The tenant holding the most is the one holding the most now: a tenant drained of its stale
// records down to a new admin's two is no longer the one to overwrite (breaker round 50: a cached
// "largest" never lowered lost the admin's SI-13 and SI-14).
TEST(PrivilegeReplay, ATenantDrainedOfItsStaleRecordsIsNoLongerTheLargest) {
  PrivilegeReplay ring;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  const auto stale = [](uint32_t, EventTime time) { return time < 5000 * kReplayTestSecond; };
  for (int64_t i = 0; i < 3000; ++i) {  // tenant 2's burst, passed by its watermark later
    ring.Keep(ReplayTestEvent(100, 0, 1000 + i), 0, 2, 0, &lost_time, &lost_tenant, 0, 0, stale);
  }
  ring.Keep(ReplayTestEvent(7, 0, 6000), 0, 2, 0, &lost_time, &lost_tenant, 0, 0, stale);
  ring.Keep(ReplayTestEvent(7, 0, 6001), 0, 2, 0, &lost_time, &lost_tenant, 0, 0, stale);
  for (int64_t i = 0; i < 1094; ++i) {  // tenant 3: live records; the ring is full
    ring.Keep(ReplayTestEvent(300, 0, 6002 + i), 0, 3, 0, &lost_time, &lost_tenant, 0, 0, stale);
  }
  ASSERT_EQ(ring.size(), PrivilegeReplay::kCapacity);
  // 3,010 tenants of one live record each: first tenant 2's 3,000 stale records go, then the
  // largest now is tenant 3 (1,094), not tenant 2 (2), though no newcomer holds more than 2.
  for (uint32_t tenant = 10; tenant < 3020; ++tenant) {
    ring.Keep(ReplayTestEvent(1000 + tenant, 0, 8000 + tenant), 0, tenant, 0, &lost_time,
              &lost_tenant, 0, 0, stale);
    ASSERT_FALSE(lost_tenant == 2 && lost_time >= 5000 * kReplayTestSecond)
        << "the admin's live record was overwritten at tenant " << tenant;
  }
  EXPECT_EQ(ReplayTestVisit(ring, 7, 0, UINT32_MAX), (std::vector<int64_t>{6000, 6001}));
  EXPECT_TRUE(ReplayTestVisit(ring, 100, 0, UINT32_MAX).empty()) << "the stale ones went first";
}

TEST(PrivilegeReplay, PrewarmAllocatesOnceAndKeepsNothing) {
  PrivilegeReplay ring;
  EXPECT_EQ(ring.MemoryBytes(), 0u) << "lazy until the first Keep or Prewarm";
  ring.Prewarm();
  const std::size_t bytes = ring.MemoryBytes();
  EXPECT_GE(bytes, PrivilegeReplay::kCapacity * sizeof(Event));
  EXPECT_EQ(ring.size(), 0u);
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  EXPECT_FALSE(ring.Keep(ReplayTestEvent(1, 0, 10), 0, 0, 0, &lost_time, &lost_tenant));
  const std::size_t kept_bytes = ring.MemoryBytes();  // + the tenant's list head
  EXPECT_LE(kept_bytes - bytes, 64u);
  ring.Prewarm();  // idempotent: what was kept stays
  EXPECT_EQ(ring.MemoryBytes(), kept_bytes);
  EXPECT_EQ(ReplayTestVisit(ring, 1, 0, UINT32_MAX), (std::vector<int64_t>{10}));
}

}  // namespace
}  // namespace privmon
