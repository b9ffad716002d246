// An alert raised by a timeless record (a Graph beta credentialUserRegistrationDetails snapshot
// names no time: event time 0, PRIV-SI-05) carried time 0 everywhere: "1970-01-01T00:00:00Z" in
// native time / first_seen / last_seen / evidence and 0 in OCSF time, first_seen_time and
// last_seen_time. A SIEM files such an alert 56 years back (Splunk's MAX_DAYS_AGO, a Sentinel or
// Security Lake time partition, an index lifecycle): a high-severity alert no time-bounded search
// shows. It now carries the time privmon raised it; its alert_id (and incident_key) stay those of
// time 0, so a re-poll of the page still repeats the same alert_id.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kTimelessAlertTenant = "11111111-2222-3333-4444-555555555555";

Event TimelessRegistration(std::string_view upn) {
  Event e;
  e.kind = EventKind::kMfaRegistration;
  e.tenant_id.assign(kTimelessAlertTenant);
  e.tenant_hash = HashLower(kTimelessAlertTenant);
  e.time = 0;  // no lastUpdatedDateTime
  e.account = Account(kTimelessAlertTenant, upn, "d996c2bf-604b-522d-9624-30557a9545fc");
  e.registration.is_mfa_registered = false;
  e.record_id.assign("d996c2bf-604b-522d-9624-30557a9545fc");
  return e;
}

EventTime WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(TimelessAlerts, CarryTheTimeTheyWereRaisedAndAStableId) {
  auto t = EngineHarness::Tenant(kTimelessAlertTenant);
  t->privileged_accounts.insert(HashLower("adm-lnovak@northwind.example"));
  uint64_t first_id = 0;
  for (int poll = 0; poll < 2; ++poll) {
    EngineHarness h(t);
    const EventTime before = WallNow();
    h.Feed(TimelessRegistration("adm-lnovak@northwind.example"));
    const auto alerts = h.Drain();
    const EventTime after = WallNow();
    ASSERT_EQ(alerts.size(), 1u);
    const Alert& a = alerts[0];
    EXPECT_EQ(a.rule, RuleId::kSI05);
    EXPECT_GE(a.time, before);  // was 0: 1970-01-01 in every SIEM
    EXPECT_LE(a.time, after);
    EXPECT_EQ(a.first_seen, a.time);
    EXPECT_EQ(a.last_seen, a.time);
    ASSERT_EQ(a.evidence_count, 1);
    EXPECT_EQ(a.evidence[0].time, a.time);
    if (poll == 0) first_id = a.alert_id;
    EXPECT_EQ(a.alert_id, first_id);  // a re-poll repeats the id, whatever the time it ran
  }
}

}  // namespace
}  // namespace privmon::testing
