// What the emitter stamps on every alert for the SIEM: the tenant's configured name, and an
// incident_key shared by the alerts one role assignment raises (core/incident_key.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

using ::testing::IsSupersetOf;

constexpr std::string_view kAlertIncidentTenant = "11111111-2222-3333-4444-555555555555";

std::shared_ptr<TenantSettings> Contoso(int64_t incident_span_s) {
  auto t = EngineHarness::Tenant(kAlertIncidentTenant);
  t->name = "Contoso";
  t->incident_span_s = incident_span_s;
  return t;
}

TEST(AlertIncident, OneRoleAssignmentRaisesPa01Pa04El02AsOneIncident) {
  for (int64_t span : {int64_t{0}, kHour}) {
    EngineHarness h(Contoso(span));
    h.Feed(Audit(kAlertIncidentTenant, Activity::kAddUser, "Add user", "new@contoso.com",
                 "2026-11-24T10:00:00Z"));
    h.Feed(Audit(kAlertIncidentTenant, Activity::kAddMemberToRole, "Add member to role",
                 "new@contoso.com", "2026-11-24T10:30:00Z", "Global Administrator"));
    const std::vector<Alert> alerts = h.Drain();
    std::vector<RuleId> rules;
    std::set<uint64_t> keys;
    for (const Alert& a : alerts) {
      rules.push_back(a.rule);
      keys.insert(a.incident_key);
      EXPECT_EQ(a.tenant_name.view(), "Contoso");
    }
    EXPECT_THAT(rules, IsSupersetOf({RuleId::kPA01, RuleId::kPA04, RuleId::kEL02})) << span;
    EXPECT_EQ(keys.size(), 1u) << "span " << span;
    EXPECT_NE(*keys.begin(), 0u);
  }
}

TEST(AlertIncident, AnotherAccountOrAnotherSpanIsAnotherIncident) {
  EngineHarness h(Contoso(kHour));
  h.Feed(Audit(kAlertIncidentTenant, Activity::kAddMemberToRole, "Add member to role",
               "a@contoso.com", "2026-11-24T10:00:00Z", "Global Administrator"));
  h.Feed(Audit(kAlertIncidentTenant, Activity::kAddMemberToRole, "Add member to role",
               "b@contoso.com", "2026-11-24T10:10:00Z", "Global Administrator"));
  h.Feed(Audit(kAlertIncidentTenant, Activity::kAddMemberToRole, "Add member to role",
               "a@contoso.com", "2026-11-24T12:10:00Z", "Security Administrator"));
  std::vector<uint64_t> pa04_keys;
  for (const Alert& a : h.Drain()) {
    if (a.rule == RuleId::kPA04) pa04_keys.push_back(a.incident_key);
  }
  ASSERT_EQ(pa04_keys.size(), 3u);
  EXPECT_NE(pa04_keys[0], pa04_keys[1]);  // a and b, same hour
  EXPECT_NE(pa04_keys[0], pa04_keys[2]);  // a, two hours later
}

}  // namespace
}  // namespace privmon::testing
