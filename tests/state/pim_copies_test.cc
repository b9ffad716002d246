// PimCopies' bounded ring of PIM records (state/pim_copies.h): what a full ring overwrites.
#include "state/pim_copies.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace privmon {
namespace {

constexpr uint64_t kNorthwind = 0x11, kFabrikam = 0x22;
constexpr uint32_t kNorthwindIndex = 0, kFabrikamIndex = 1;
constexpr uint64_t kGlobalAdmin = 0x62e90394;
constexpr Seconds32 kLive = 1741079702;  // 2025-03-04 09:15:02, Northwind's activation

// Breaker round 123: Northwind's live PIM activation, then Fabrikam's backfill of a month of PIM
// history (4,096 records weeks older, its watermark past them): the backfill filled the ring in
// arrival order and pushed Northwind's record out, so its Core Directory copy was not paired (a
// false PRIV-EL-02 and PA-04 in `run` at one shard). Records their tenant's watermark passed go
// first.
TEST(PimCopies, AnotherTenantsStaleBackfillDoesNotPushALiveRecordOut) {
  PimCopies copies;
  const EventTime fabrikam_watermark = static_cast<EventTime>(kLive - 86400) * kMicrosPerSecond;
  const auto stale = [&](uint32_t tenant, Seconds32 time) {
    return tenant == kFabrikamIndex && PimCopies::StaleFrom(time) <= fabrikam_watermark;
  };
  copies.AddGrant(kNorthwind, 7, kGlobalAdmin, kLive, kNorthwindIndex, stale);
  for (uint32_t i = 0; i < PimCopies::kMaxGrants; ++i) {
    const Seconds32 t = kLive - 30 * 86400 + i * 600;  // February, every 10 minutes
    copies.AddGrant(kFabrikam, 100 + i % 40, kGlobalAdmin, t, kFabrikamIndex, stale);
  }
  EXPECT_EQ(copies.Paired(kNorthwind, 7, kGlobalAdmin, kLive + 1), kLive);
}

// A record its tenant's watermark passed goes before a live one, even the oldest of a tenant that
// holds most of the ring.
TEST(PimCopies, StaleRecordsGoBeforeTheLiveOnesOfTheTenantHoldingMost) {
  PimCopies copies;
  const EventTime fabrikam_watermark = static_cast<EventTime>(kLive) * kMicrosPerSecond;
  const auto stale = [&](uint32_t tenant, Seconds32 time) {
    return tenant == kFabrikamIndex && PimCopies::StaleFrom(time) <= fabrikam_watermark;
  };
  constexpr uint32_t kOld = 1000;
  for (uint32_t i = 0; i < kOld; ++i) {
    copies.AddGrant(kFabrikam, 100 + i, kGlobalAdmin, kLive - 86400 + i, kFabrikamIndex, stale);
  }
  for (uint32_t i = 0; i < PimCopies::kMaxGrants - kOld + 10; ++i) {
    copies.AddGrant(kNorthwind, 7 + i, kGlobalAdmin, kLive + i, kNorthwindIndex, stale);
  }
  EXPECT_EQ(copies.Paired(kNorthwind, 7, kGlobalAdmin, kLive), kLive);
  EXPECT_EQ(copies.Paired(kFabrikam, 100, kGlobalAdmin, kLive - 86400), 0u);
}

// Breaker round 124: only the oldest record of all was asked whether it was stale. A quiet
// tenant's one live record there turned the rule off, and the next in arrival order (Northwind's
// live activation) was overwritten beside four thousand stale records of two other tenants.
TEST(PimCopies, AQuietTenantsOldestLiveRecordDoesNotTurnTheStaleRuleOff) {
  constexpr uint64_t kContoso = 0x33, kWoodgrove = 0x44;
  constexpr uint32_t kContosoIndex = 2, kWoodgroveIndex = 3;
  constexpr Seconds32 kStart = kLive - 4 * 3600;
  const auto stale = [&](uint32_t tenant, Seconds32 time) {
    return (tenant == kFabrikamIndex || tenant == kWoodgroveIndex) &&
           PimCopies::StaleFrom(time) <= static_cast<EventTime>(kLive + 3600) * kMicrosPerSecond;
  };
  PimCopies copies;
  copies.AddGrant(kFabrikam, 100, kGlobalAdmin, kStart, kFabrikamIndex, stale);
  copies.AddGrant(kContoso, 200, kGlobalAdmin, kStart + 30, kContosoIndex, stale);  // quiet since
  for (uint32_t i = 0; i < PimCopies::kMaxGrants - 2; ++i) {
    const bool fabrikam = i % 2 == 0;
    copies.AddGrant(fabrikam ? kFabrikam : kWoodgrove, 300 + i, kGlobalAdmin, kStart + 60 + i,
                    fabrikam ? kFabrikamIndex : kWoodgroveIndex, stale);
  }
  copies.AddGrant(kNorthwind, 7, kGlobalAdmin, kLive, kNorthwindIndex, stale);
  copies.AddGrant(kFabrikam, 9000, kGlobalAdmin, kLive + 1, kFabrikamIndex, stale);
  EXPECT_EQ(copies.Paired(kNorthwind, 7, kGlobalAdmin, kLive + 2), kLive);
  EXPECT_EQ(copies.Paired(kContoso, 200, kGlobalAdmin, kStart + 30), kStart + 30);
}

// A tenant flooding the ring with live records overwrites its own oldest, not another tenant's.
TEST(PimCopies, ALiveFloodOverwritesItsOwnRecords) {
  PimCopies copies;
  copies.AddGrant(kNorthwind, 7, kGlobalAdmin, kLive, kNorthwindIndex);
  for (uint32_t i = 0; i < 2 * PimCopies::kMaxGrants; ++i) {
    copies.AddGrant(kFabrikam, 100 + i, kGlobalAdmin, kLive + i % 60, kFabrikamIndex);
  }
  EXPECT_EQ(copies.Paired(kNorthwind, 7, kGlobalAdmin, kLive + 1), kLive);
  // Fabrikam's newest records are kept.
  const uint32_t last = 2 * PimCopies::kMaxGrants - 1;
  EXPECT_EQ(copies.Paired(kFabrikam, 100 + last, kGlobalAdmin, kLive + last % 60),
            kLive + last % 60);
}

// PRIV-PA-02 held for its earliest deletion (breaker round 125): the purge's verdict, read first,
// is replaced by the soft delete's, dated earlier; a later one leaves it; a replacement with
// nothing held (released: past the lateness) is not held; released once the watermark passes.
TEST(PimCopies, HoldEarliestKeepsTheEarliestVerdictOfARuleAndAccount) {
  PimCopies copies;
  const Seconds32 purge = kLive + 30, soft = kLive;
  Alert by_purge;
  by_purge.rule = RuleId::kPA02;
  by_purge.time = static_cast<EventTime>(purge) * kMicrosPerSecond;
  Alert by_soft = by_purge;
  by_soft.time = static_cast<EventTime>(soft) * kMicrosPerSecond;
  using H = PimCopies::EarliestHold;
  EXPECT_EQ(copies.HoldEarliest(kNorthwind, 7, purge, by_purge, false), H::kHeld);
  EXPECT_EQ(copies.HoldEarliest(kNorthwind, 7, soft, by_soft, true), H::kReplaced);
  EXPECT_EQ(copies.HoldEarliest(kNorthwind, 7, purge, by_purge, true), H::kKept);
  EXPECT_EQ(copies.HoldEarliest(kNorthwind, 8, soft, by_soft, true), H::kNotHeld);
  EXPECT_EQ(copies.HoldEarliest(kFabrikam, 7, soft, by_soft, true), H::kNotHeld);
  int released = 0;
  auto emit = [&](const Alert& a, uint64_t account) {
    ++released;
    EXPECT_EQ(a.time, by_soft.time);
    EXPECT_EQ(account, 7u);
  };
  // Held as long as the purge's verdict was: not yet at purge + kWindowS.
  copies.Release(kNorthwind, static_cast<EventTime>(purge + PimCopies::kWindowS) * kMicrosPerSecond,
                 false, emit);
  EXPECT_EQ(released, 0);
  copies.Release(kNorthwind,
                 static_cast<EventTime>(purge + PimCopies::kWindowS + 1) * kMicrosPerSecond, false,
                 emit);
  EXPECT_EQ(released, 1);
  EXPECT_FALSE(copies.HasPending());
}

}  // namespace
}  // namespace privmon
