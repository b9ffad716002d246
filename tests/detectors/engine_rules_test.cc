// The rule machinery proven on hand-built events, one behaviour per test (every rule kind).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view kEngineRulesTenant = "11111111-2222-3333-4444-555555555555";

std::shared_ptr<TenantSettings> TenantWithAdmin() {
  auto t = EngineHarness::Tenant(kEngineRulesTenant);
  t->privileged_accounts.insert(HashLower("admin@contoso.com"));
  return t;
}

TEST(MatchRule, BreakGlassSignInAlertsOnSuccessAndFailure) {
  auto t = EngineHarness::Tenant(kEngineRulesTenant);
  t->break_glass.insert(HashLower("bg1@contoso.com"));
  EngineHarness h(t);
  h.Feed(SignIn(kEngineRulesTenant, "BG1@contoso.com", "2026-11-24T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "someone@contoso.com", "2026-11-24T10:00:00Z"));
  auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, RuleId::kBG01);
  EXPECT_EQ(alerts[0].account_upn.view(), "BG1@contoso.com");
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
}

TEST(Suppression, RepeatsWithinTheHourAreCountedNotEmitted) {
  auto t = EngineHarness::Tenant(kEngineRulesTenant);
  t->break_glass.insert(HashLower("bg1@contoso.com"));
  EngineHarness h(t);
  h.Feed(SignIn(kEngineRulesTenant, "bg1@contoso.com", "2026-11-24T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "bg1@contoso.com", "2026-11-24T10:30:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "bg1@contoso.com", "2026-11-24T11:05:00Z"));
  // Two alerts (the 10:00 and 11:00 buckets) and, once the watermark passed 11:00, the 10:00
  // bucket's update line: same id, final count 2.
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_FALSE(alerts[0].update);
  EXPECT_FALSE(alerts[1].update);
  EXPECT_TRUE(alerts[2].update);
  EXPECT_EQ(alerts[2].alert_id, alerts[0].alert_id);
  EXPECT_EQ(alerts[2].count, 2u);
  EXPECT_EQ(h.stats().shards[0].suppressed[static_cast<int>(RuleId::kBG01)].load(), 1u);
  // Two alerts and one update line: the sinks' lines are alerts + updates (breaker round 140).
  EXPECT_EQ(h.stats().shards[0].alerts[static_cast<int>(RuleId::kBG01)].load(), 2u);
  EXPECT_EQ(h.stats().shards[0].updates[static_cast<int>(RuleId::kBG01)].load(), 1u);
}

TEST(ThresholdRule, FiveBadPasswordsInTenMinutesAlertOnce) {
  EngineHarness h(TenantWithAdmin());
  for (int i = 0; i < 4; ++i) {
    std::string time = "2026-11-24T10:0" + std::to_string(i) + ":00Z";
    h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", time.c_str(), 50126));
  }
  EXPECT_THAT(h.Rules(), IsEmpty());
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-24T10:09:00Z", 50126));
  auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, RuleId::kSI01);
  EXPECT_EQ(alerts[0].count, 5u);
  EXPECT_EQ(alerts[0].first_seen, At("2026-11-24T10:00:00Z"));
}

// Times are kept in seconds (Graph v1.0 writes whole seconds): a success in the same second as
// a strong-auth-required interrupt settles it, whichever of the two arrives first.
TEST(ThresholdRule, InterruptSettledBySuccessInTheSameSecondStaysSilent) {
  auto t = TenantWithAdmin();
  t->privileged_accounts.insert(HashLower("admin2@contoso.com"));
  t->privileged_accounts.insert(HashLower("admin3@contoso.com"));
  EngineHarness h(t);
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-24T10:00:05Z", 0));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-24T10:00:05Z", 50074));
  h.Feed(SignIn(kEngineRulesTenant, "admin2@contoso.com", "2026-11-24T10:01:07Z", 50074));
  h.Feed(SignIn(kEngineRulesTenant, "admin2@contoso.com", "2026-11-24T10:01:07Z", 0));
  h.Feed(SignIn(kEngineRulesTenant, "admin3@contoso.com", "2026-11-24T10:02:09Z", 50074));
  h.Feed(SignIn(kEngineRulesTenant, "someone@contoso.com", "2026-11-24T11:00:00Z", 0));
  auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, RuleId::kSI04);
  EXPECT_EQ(alerts[0].account_upn.view(), "admin3@contoso.com");
}

TEST(ThresholdRule, FiveBadPasswordsSpreadOverAnHourStaySilent) {
  EngineHarness h(TenantWithAdmin());
  for (int i = 0; i < 5; ++i) {
    std::string time = "2026-11-24T1" + std::to_string(i) + ":00:00Z";
    h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", time.c_str(), 50126));
  }
  EXPECT_THAT(h.Rules(), IsEmpty());
}

TEST(ThresholdRule, BurstCountsWhenTheEarliestFailureArrivesLast) {
  EngineHarness h(TenantWithAdmin());
  for (const char* time : {"2026-11-24T10:02:00Z", "2026-11-24T10:03:00Z", "2026-11-24T10:04:00Z",
                           "2026-11-24T10:05:00Z", "2026-11-24T09:58:00Z"}) {
    h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", time, 50126));
  }
  EXPECT_THAT(h.Rules(), ElementsAre(RuleId::kSI01));
}

TEST(ThresholdRule, UnprivilegedAccountsAreNotWatched) {
  EngineHarness h(TenantWithAdmin());
  for (int i = 0; i < 6; ++i)
    h.Feed(SignIn(kEngineRulesTenant, "user@contoso.com", "2026-11-24T10:00:00Z", 50126));
  EXPECT_THAT(h.Rules(), IsEmpty());
}

TEST(SequenceRule, FiresWhenUserCreatedThenGivenGlobalAdministrator) {
  EngineHarness h;
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddUser, "Add user", "new@contoso.com",
               "2026-11-24T10:00:00Z"));
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddMemberToRole, "Add member to role",
               "new@contoso.com", "2026-11-24T12:00:00Z", "Global Administrator"));
  EXPECT_THAT(h.Rules(), Contains(RuleId::kPA01));
}

TEST(SequenceRule, FiresWhenRoleArrivesBeforeUserCreation) {
  EngineHarness h;
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddMemberToRole, "Add member to role",
               "new@contoso.com", "2026-11-24T12:00:00Z", "Global Administrator"));
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddUser, "Add user", "new@contoso.com",
               "2026-11-24T10:00:00Z"));
  EXPECT_THAT(h.Rules(), Contains(RuleId::kPA01));
}

// Either arrival order of the pair gives one alert id and time: the pair's later event in event
// time times the verdict (DESIGN.md section 10: no arrival order enters the id; two
// repartitioners may deliver a tenant's records in either order).
TEST(SequenceRule, EitherArrivalOrderGivesOneAlertIdAndTime) {
  const Event add = Audit(kEngineRulesTenant, Activity::kAddUser, "Add user", "new@contoso.com",
                          "2026-11-24T10:50:00Z");
  const Event role = Audit(kEngineRulesTenant, Activity::kAddMemberToRole, "Add member to role",
                           "new@contoso.com", "2026-11-24T12:10:00Z", "Global Administrator");
  const Event del = Audit(kEngineRulesTenant, Activity::kDeleteUser, "Delete user",
                          "new@contoso.com", "2026-11-24T13:20:00Z");
  for (const RuleId rule : {RuleId::kPA01, RuleId::kPA02}) {
    const Event& then = rule == RuleId::kPA01 ? role : del;
    auto of_rule = [rule](std::vector<Alert> all) {
      std::vector<Alert> out;
      for (const Alert& a : all) {
        if (a.rule == rule) out.push_back(a);
      }
      return out;
    };
    std::vector<Alert> in_order, reversed;
    {
      EngineHarness h;
      h.Feed(add);
      h.Feed(then);
      h.Finish();  // PRIV-PA-02 waits for an earlier deletion (EmitEarliest)
      in_order = of_rule(h.Drain());
    }
    {
      EngineHarness h;
      h.Feed(then);
      h.Feed(add);
      h.Finish();
      reversed = of_rule(h.Drain());
    }
    ASSERT_EQ(in_order.size(), 1u) << GetRuleInfo(rule).code;
    ASSERT_EQ(reversed.size(), 1u) << GetRuleInfo(rule).code;
    EXPECT_EQ(reversed[0].alert_id, in_order[0].alert_id) << GetRuleInfo(rule).code;
    EXPECT_EQ(reversed[0].time, then.time) << GetRuleInfo(rule).code;
    EXPECT_EQ(in_order[0].time, then.time) << GetRuleInfo(rule).code;
    EXPECT_EQ(reversed[0].first_seen, add.time) << GetRuleInfo(rule).code;
  }
}

TEST(SequenceRule, RoleTwoDaysAfterCreationOrUnprivilegedRoleStaysSilent) {
  EngineHarness h;
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddUser, "Add user", "a@contoso.com",
               "2026-11-20T10:00:00Z"));
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddMemberToRole, "Add member to role",
               "a@contoso.com", "2026-11-22T12:00:00Z", "Global Administrator"));
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddUser, "Add user", "b@contoso.com",
               "2026-11-22T10:00:00Z"));
  h.Feed(Audit(kEngineRulesTenant, Activity::kAddMemberToRole, "Add member to role",
               "b@contoso.com", "2026-11-22T11:00:00Z", "Directory Readers"));
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kPA01)));
}

Event Activation(const char* time) {
  return PimActivation(kEngineRulesTenant, "admin@contoso.com", time);
}

Event SignInFrom(const char* time, std::string_view device) {
  return SignInFromDevice(kEngineRulesTenant, "admin@contoso.com", time, device);
}

std::shared_ptr<TenantSettings> TenantWithPaw() {
  auto t = TenantWithAdmin();
  t->paw_devices.insert(HashLower("paw-1"));
  return t;
}

TEST(SequenceRule, ElevationFromAnOrdinaryDeviceNamesTheDevice) {
  EngineHarness h(TenantWithPaw());
  h.Feed(SignInFrom("2026-11-24T10:00:00Z", "laptop-7"));
  h.Feed(Activation("2026-11-24T10:20:00Z"));
  h.Finish();
  auto alerts = h.Drain();
  std::vector<Alert> el06;
  for (auto& a : alerts) {
    if (a.rule == RuleId::kEL06) el06.push_back(a);
  }
  ASSERT_EQ(el06.size(), 1u);
  EXPECT_EQ(el06[0].details[0].key, "device_id");
  EXPECT_EQ(el06[0].details[0].value.view(), "laptop-7");
  EXPECT_EQ(el06[0].evidence_count, 2);
}

TEST(SequenceRule, ElevationFromAPawStaysSilentEvenWhenTheSignInArrivesLate) {
  EngineHarness h(TenantWithPaw());
  h.Feed(Activation("2026-11-24T10:20:00Z"));
  h.Feed(SignInFrom("2026-11-24T10:00:00Z", "PAW-1"));
  h.Finish();
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kEL06)));
}

TEST(SequenceRule, ElevationOfAnAccountPrivilegedOnlyByItUsesItsEarlierPawSignIn) {
  auto t = EngineHarness::Tenant(kEngineRulesTenant);
  t->paw_devices.insert(HashLower("paw-1"));
  EngineHarness h(t);
  Event paw = SignIn(kEngineRulesTenant, "eve@contoso.com", "2026-11-24T10:00:00Z");
  paw.signin.device_id.assign("PAW-1");
  h.Feed(paw);
  h.Feed(PimActivation(kEngineRulesTenant, "eve@contoso.com", "2026-11-24T10:20:00Z"));
  Event laptop = SignIn(kEngineRulesTenant, "mallory@contoso.com", "2026-11-24T10:00:00Z");
  laptop.signin.device_id.assign("laptop-3");
  h.Feed(laptop);
  h.Feed(PimActivation(kEngineRulesTenant, "mallory@contoso.com", "2026-11-24T10:20:00Z"));
  h.Finish();
  std::vector<std::string> el06;
  for (const auto& a : h.Drain()) {
    if (a.rule == RuleId::kEL06) el06.emplace_back(a.account_upn.view());
  }
  EXPECT_THAT(el06, ElementsAre("mallory@contoso.com"));
}

// The PAW sign-in after the activation arrives before it (sign-in and audit logs delayed apart):
// AccountState's times then name the later one only; the earlier one is found among the records
// kept for a later role gain, with its device (breaker rounds 71, 79). A non-PAW sign-in before
// the activation is found the same way and named.
TEST(SequenceRule, ElevationOfAnAccountPrivilegedOnlyByItFindsItsKeptSignInsInAnyOrder) {
  auto t = EngineHarness::Tenant(kEngineRulesTenant);
  t->paw_devices.insert(HashLower("paw-1"));
  EngineHarness h(t);
  Event before = SignIn(kEngineRulesTenant, "eve@contoso.com", "2026-11-24T10:00:00Z");
  before.signin.device_id.assign("PAW-1");
  Event after = SignIn(kEngineRulesTenant, "eve@contoso.com", "2026-11-24T10:20:40Z");
  after.signin.device_id.assign("PAW-1");
  h.Feed(before);
  h.Feed(after);
  h.Feed(PimActivation(kEngineRulesTenant, "eve@contoso.com", "2026-11-24T10:20:00Z"));
  Event laptop = SignIn(kEngineRulesTenant, "mallory@contoso.com", "2026-11-25T10:00:00Z");
  laptop.signin.device_id.assign("laptop-3");
  Event later = SignIn(kEngineRulesTenant, "mallory@contoso.com", "2026-11-25T10:20:40Z");
  later.signin.device_id.assign("PAW-1");
  // A day later: not late behind eve's records.
  h.Feed(laptop);
  h.Feed(later);
  h.Feed(PimActivation(kEngineRulesTenant, "mallory@contoso.com", "2026-11-25T10:20:00Z"));
  h.Finish();
  std::vector<std::string> el06;
  for (const auto& a : h.Drain()) {
    if (a.rule != RuleId::kEL06) continue;
    el06.emplace_back(a.account_upn.view());
    EXPECT_EQ(a.details[0].value.view(), "laptop-3");
  }
  EXPECT_THAT(el06, ElementsAre("mallory@contoso.com"));
}

TEST(SequenceRule, ElevationWithoutPawListStaysSilent) {
  EngineHarness h(TenantWithAdmin());
  h.Feed(SignInFrom("2026-11-24T10:00:00Z", "laptop-7"));
  h.Feed(Activation("2026-11-24T10:20:00Z"));
  h.Finish();
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kEL06)));
}

Event SignInAtPlace(const char* time, std::string_view device, std::string_view country) {
  Event e = SignInFrom(time, device);
  e.signin.country[0] = country[0];
  e.signin.country[1] = country[1];
  e.signin.location_hash = HashLower(country);
  return e;
}

TEST(NoveltyRule, NewDeviceAfterLearningAlertsButNotDuringLearning) {
  EngineHarness h(TenantWithAdmin());
  h.Feed(SignInAtPlace("2026-11-01T10:00:00Z", "laptop-1", "US"));
  h.Feed(SignInAtPlace("2026-11-05T10:00:00Z", "laptop-2", "US"));  // still learning: silent
  h.Feed(SignInAtPlace("2026-11-20T10:00:00Z", "laptop-1", "US"));  // known: silent
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kSI14)));
  h.Feed(SignInAtPlace("2026-11-21T10:00:00Z", "laptop-9", "US"));
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI14));
  h.Feed(SignInAtPlace("2026-11-22T12:00:00Z", "laptop-1", "RU"));
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI14));
}

TEST(ScheduleRule, ConfiguredWorkingHoursInTheTenantsTimezone) {
  auto t = TenantWithAdmin();
  t->working_hours.configured = true;
  t->working_hours.zone = [] {
    absl::TimeZone z;
    EXPECT_TRUE(absl::LoadTimeZone("America/New_York", &z));
    return z;
  }();
  t->working_hours.day_mask = 0x1F;  // Mon-Fri
  t->working_hours.start_minute = 7 * 60;
  t->working_hours.end_minute = 19 * 60;
  EngineHarness h(t);
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-24T15:00:00Z"));  // Tue 10:00 EST
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kSI10)));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-25T03:00:00Z"));  // Tue 22:00 EST
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI10));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-28T15:00:00Z"));  // Saturday
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI10));
}

TEST(ScheduleRule, LearnedHoursFlagARareHourOnceEnoughSignInsWereSeen) {
  EngineHarness h(TenantWithAdmin());
  for (int day = 1; day <= 13; ++day) {
    for (const char* hour : {"09", "14"}) {
      char time[32];
      std::snprintf(time, sizeof time, "2026-11-%02dT%s:00:00Z", day, hour);
      h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", time));
    }
  }
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-20T09:30:00Z"));
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kSI10)));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-20T03:00:00Z"));
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI10));
}

TEST(AbsenceRule, PrivilegedAccountUnusedForThirtyDaysAlertsOnce) {
  EngineHarness h(TenantWithAdmin());
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-10-01T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "other@contoso.com", "2026-10-20T10:00:00Z"));
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kPA05)));
  h.Feed(SignIn(kEngineRulesTenant, "other@contoso.com", "2026-11-02T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "other@contoso.com", "2026-11-20T10:00:00Z"));
  h.Finish();
  auto alerts = h.Drain();
  int pa05 = 0;
  for (const auto& a : alerts) pa05 += a.rule == RuleId::kPA05 ? 1 : 0;
  EXPECT_EQ(pa05, 1);
}

// Breaker round 95: the alert named the account's newest success, one after the period (it came
// before the watermark passed the period's end), dated after the alert itself. It names the last
// success as of the period's end.
TEST(AbsenceRule, TheLastSuccessfulSignInNamedIsTheLastOneBeforeThePeriodsEnd) {
  EngineHarness h(TenantWithAdmin());
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-10-01T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-11-10T07:42:19Z"));
  h.Finish();
  int pa05 = 0;
  for (const auto& a : h.Drain()) {
    if (a.rule != RuleId::kPA05) continue;
    ++pa05;
    bool named = false;
    for (const auto& d : a.details) {
      if (d.key != "last_successful_sign_in") continue;
      named = true;
      EXPECT_EQ(d.value.view(), "2026-10-01T10:00:00.000000Z");
    }
    EXPECT_TRUE(named);
  }
  EXPECT_EQ(pa05, 1);
}

TEST(AbsenceRule, ASignInWithinThirtyDaysKeepsItQuiet) {
  EngineHarness h(TenantWithAdmin());
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-10-01T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "admin@contoso.com", "2026-10-25T10:00:00Z"));
  h.Feed(SignIn(kEngineRulesTenant, "other@contoso.com", "2026-11-20T10:00:00Z"));
  h.Finish();
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kPA05)));
}

}  // namespace
}  // namespace privmon::testing
