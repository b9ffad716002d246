// Event time per tenant in one shard (DESIGN.md sections 4 and 10): a tenant's timers fire by its
// own watermark; verdicts that wait for the watermark read what their window needs, not "the
// latest"; late records are counted per tenant and can still raise immediate verdicts, but do not
// reopen a verdict already taken (docs/operations.md "Late records").
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kEventTimeTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kOther = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

std::shared_ptr<TenantSettings> EventTimeTenantWithPaw() {
  auto t = EngineHarness::Tenant(kEventTimeTenant);
  t->privileged_accounts.insert(HashLower("admin@contoso.com"));
  t->paw_devices.insert(HashLower("paw-1"));
  t->break_glass.insert(HashLower("bg1@contoso.com"));
  return t;
}

Event EventTimeSignInFrom(const char* time, std::string_view device) {
  return SignInFromDevice(kEventTimeTenant, "admin@contoso.com", time, device);
}

Event EventTimeActivation(const char* time) {
  return PimActivation(kEventTimeTenant, "admin@contoso.com", time);
}

int Count(const std::vector<Alert>& alerts, RuleId rule) {
  return static_cast<int>(std::count_if(
      alerts.begin(), alerts.end(), [&](const Alert& a) { return a.rule == rule && !a.update; }));
}

// The case: a PAW sign-in 10 minutes before the activation, then many later sign-ins
// (arriving before the watermark reaches the activation) must not push it out of the window.
TEST(EventTime, PawSignInBeforeAnActivationCountsWhateverSignInsFollowIt) {
  EngineHarness h(EventTimeTenantWithPaw());
  h.Feed(EventTimeSignInFrom("2026-11-24T10:10:00Z", "paw-1"));
  for (int i = 0; i < 9; ++i) {
    const std::string t = "2026-11-24T10:2" + std::to_string(i) + ":00Z";
    h.Feed(EventTimeSignInFrom(t.c_str(), "paw-1"));
  }
  h.Feed(EventTimeActivation("2026-11-24T10:20:00Z"));
  h.Finish();
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL06), 0);
}

// Breaker round 93 (k1): one `run` reading a 4-partition topic keyed by tenant held this tenant's
// watermark back by another tenant's partition, hours of event time behind this tenant's newest
// record (pipeline/tenant_clocks.h: a partition of the source lagging holds every tenant back). The
// admin's sign-ins of the afternoon (five runs, each more than the window apart) arrived before the
// verdict of the activation 9 minutes after a PAW sign-in and pushed that sign-in out of the
// account's runs: a false "no sign-in seen" that scan (watermark minutes behind) did not raise.
TEST(EventTime, PawSignInBeforeAnActivationSurvivesAWatermarkHeldBackForHours) {
  EngineHarness h(EventTimeTenantWithPaw());
  DetectionEngine& engine = h.engine();
  engine.OnEvent(EventTimeSignInFrom("2025-01-07T13:24:03Z", "paw-1"), kRouteAccount);
  engine.OnEvent(EventTimeActivation("2025-01-07T13:33:38Z"), kRouteAccount);
  for (const char* t : {"2025-01-07T14:40:00Z", "2025-01-07T15:50:00Z", "2025-01-07T17:00:00Z",
                        "2025-01-07T18:10:00Z", "2025-01-07T19:20:00Z"}) {
    engine.OnEvent(EventTimeSignInFrom(t, "paw-1"), kRouteAccount);
  }
  // Only now does the (held back) watermark pass the activation.
  engine.OnTenantWatermark(HashLower(kEventTimeTenant), At("2025-01-07T13:40:00Z"));
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL06), 0);
}

// The same with a non-PAW sign-in before the activation: it is still named (not "no sign-in
// seen", not a miss).
TEST(EventTime, NonPawSignInBeforeAnActivationSurvivesAWatermarkHeldBackForHours) {
  EngineHarness h(EventTimeTenantWithPaw());
  DetectionEngine& engine = h.engine();
  engine.OnEvent(EventTimeSignInFrom("2025-01-07T13:24:03Z", "laptop-7"), kRouteAccount);
  engine.OnEvent(EventTimeActivation("2025-01-07T13:33:38Z"), kRouteAccount);
  for (const char* t : {"2025-01-07T14:40:00Z", "2025-01-07T15:50:00Z", "2025-01-07T17:00:00Z",
                        "2025-01-07T18:10:00Z", "2025-01-07T19:20:00Z"}) {
    engine.OnEvent(EventTimeSignInFrom(t, "laptop-7"), kRouteAccount);
  }
  engine.OnTenantWatermark(HashLower(kEventTimeTenant), At("2025-01-07T13:40:00Z"));
  const std::vector<Alert> alerts = h.Drain();
  ASSERT_EQ(Count(alerts, RuleId::kEL06), 1);
  for (const Alert& a : alerts) {
    if (a.rule == RuleId::kEL06) {
      EXPECT_EQ(a.first_seen, At("2025-01-07T13:24:03Z"));
    }
  }
}

TEST(EventTime, OneTenantsWatermarkFiresOnlyItsOwnTimers) {
  auto other = EngineHarness::Tenant(kOther);
  EngineHarness h(EventTimeTenantWithPaw());
  DetectionEngine& engine = h.engine();
  engine.OnEvent(EventTimeActivation("2026-11-24T10:00:00Z"), kRouteAccount);
  // Another tenant's clock runs ten hours ahead: this tenant's expiry (EL-08) must not fire.
  engine.OnTenantWatermark(HashLower(kOther), At("2026-11-24T20:00:00Z"));
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL08), 0);
  engine.OnTenantWatermark(HashLower(kEventTimeTenant), At("2026-11-24T12:00:00Z"));
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL08), 1);
}

TEST(EventTime, LateRecordsAreCountedPerTenantAndStillRaiseImmediateVerdicts) {
  EngineHarness h(EventTimeTenantWithPaw());
  h.Feed(SignIn(kEventTimeTenant, "someone@contoso.com", "2026-11-24T12:00:00Z"));
  // An hour behind the watermark (11:55): late, counted, and the break-glass sign-in still alerts.
  h.Feed(SignIn(kEventTimeTenant, "bg1@contoso.com", "2026-11-24T11:00:00Z"));
  EXPECT_EQ(Count(h.Drain(), RuleId::kBG01), 1);
  EXPECT_EQ(h.stats().shards[0].late_events.load(), 1u);
  uint64_t late = 0;
  for (const auto& t : h.stats().tenants.Read()) {
    if (t.tenant == kEventTimeTenant) late = t.late;
  }
  EXPECT_EQ(late, 1u);
}

// A tenant counted as "other" (past the counted tenants) that a reload then configures is counted
// apart from its next record on: the shard looks its slot up again (breaker round 134: a cached
// overflow slot kept its count still, and PRIV-OP-01 called the tenant silent while it sent).
TEST(EventTime, ATenantConfiguredByAReloadIsCountedApartFromItsNextRecord) {
  EngineHarness h(EventTimeTenantWithPaw());
  TenantCounters& counters = h.stats().tenants;
  for (uint32_t t = 0; t < 5000; ++t) {  // every counted slot taken
    const std::string id = "00000000-0000-0000-0000-" + std::to_string(100000000000ULL + t);
    (void)counters.SlotFor(HashLower(id), id);
  }
  constexpr std::string_view kLate = "77777777-6666-5555-4444-333333333333";
  const auto events_of = [&](std::string_view tenant) {
    for (const auto& t : counters.Read()) {
      if (t.tenant == tenant) return t.events;
    }
    return uint64_t{0};
  };
  h.Feed(SignIn(kLate, "someone@contoso.com", "2026-11-24T12:00:00Z"));
  EXPECT_EQ(events_of("other"), 1u);
  EXPECT_NE(counters.ClaimConfigured(HashLower(kLate), kLate), counters.overflow_slot());
  h.Feed(SignIn(kLate, "someone@contoso.com", "2026-11-24T12:01:00Z"));
  h.Feed(SignIn(kLate, "someone@contoso.com", "2026-11-24T12:02:00Z"));
  EXPECT_EQ(events_of(kLate), 2u);
  EXPECT_EQ(events_of("other"), 1u);
}

TEST(EventTime, ALateRemovalDoesNotUndoAnExpiryAlreadyReported) {
  EngineHarness h(EventTimeTenantWithPaw());
  h.Feed(EventTimeActivation("2026-11-24T10:00:00Z"));
  h.Feed(
      SignIn(kEventTimeTenant, "someone@contoso.com", "2026-11-24T14:00:00Z"));  // watermark 13:55
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL08), 1);
  h.Feed(Audit(kEventTimeTenant, Activity::kRemoveMemberFromRolePimExpired,
               "Remove member from role completed (PIM activation expired)", "admin@contoso.com",
               "2026-11-24T10:30:00Z", "Global Administrator"));
  h.Finish();
  EXPECT_EQ(Count(h.Drain(), RuleId::kEL08), 0) << "no second verdict, no retraction";
}

// A record of its own id (fingerprint), as the parser sets it.
Event EventTimeWithId(Event e, uint64_t id) {
  e.fingerprint = HashCombine(HashLower(kEventTimeTenant), id);
  return e;
}

// A record older than the watermark by more than the dedupe horizon (15 min): in `run` of a live
// input it cannot be told from a redelivery and is kept from the rules (beyond the horizon); a
// finite input's memory (PipelineSettings::whole_inputs: scan, run of files it does not follow)
// still holds every record it read, so the record reaches the rules as a late one, and a second
// copy of it is a duplicate (tests/regressions/k19a_*: exports concatenated oldest first).
TEST(EventTime, AWholeInputJudgesARecordOlderThanTheHorizonAndStillDropsItsRedelivery) {
  for (const bool whole : {false, true}) {
    PipelineSettings p;
    p.whole_inputs = whole;
    EngineHarness h(EventTimeTenantWithPaw(), nullptr, &p);
    h.Feed(EventTimeWithId(SignIn(kEventTimeTenant, "someone@contoso.com", "2026-11-24T12:00:00Z"),
                           1));
    // An hour behind the watermark (11:55): beyond the horizon.
    const Event breakglass =
        EventTimeWithId(SignIn(kEventTimeTenant, "bg1@contoso.com", "2026-11-24T11:00:00Z"), 2);
    h.Feed(breakglass);
    h.Feed(breakglass);
    EXPECT_EQ(Count(h.Drain(), RuleId::kBG01), whole ? 1 : 0) << "whole inputs " << whole;
    const ShardStats& shard = h.stats().shards[0];
    EXPECT_EQ(shard.beyond_horizon.load(), whole ? 0u : 2u) << "whole inputs " << whole;
    EXPECT_EQ(shard.duplicates.load(), whole ? 1u : 0u) << "whole inputs " << whole;
  }
}

}  // namespace
}  // namespace privmon::testing
