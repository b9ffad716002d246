// Custom rules whose predicates read the tenant's configured lists (`in_list` / `not_in_list`,
// docs/rules-language.md), loaded from tests/data/rules/tenant_lists.yaml like a config's
// rule_files: each fires on its case and stays silent on its near miss, a list the tenant did not
// configure keeps its rule silent, and a list that does not fit the field is an error naming the
// file and line.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "rules/rule_loader.h"
#include "tests/support/engine_helpers.h"

namespace privmon {
namespace {

using testing::EngineHarness;

constexpr const char* kTenantListRulesTenant = "00000000-0000-4000-8000-0000000000d1";
constexpr const char* kBare = "00000000-0000-4000-8000-0000000000d2";  // configures no lists
constexpr const char* kTenantListRulesAdmin = "admin@contoso.com";
constexpr const char* kInviter = "hr@contoso.com";

class TenantListRules : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string file =
        std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/tenant_lists.yaml";
    const std::string config =
        "rule_files: [\"" + file + "\"]\n" + "tenants:\n" + "  \"" + kTenantListRulesTenant +
        "\":\n" + "    privileged_accounts: [" + kTenantListRulesAdmin + "]\n" +
        "    paw_devices: [paw-01]\n" + "    privileged_roles: [Global Administrator]\n" +
        "    high_value_apps: [Payroll]\n" + "    approved: {inviters: [" + kInviter + "]}\n" +
        "  \"" + kBare + "\":\n" + "    privileged_accounts: [" + kTenantListRulesAdmin + "]\n";
    const ConfigLoadResult r = LoadConfigText(config);
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.line << ": " << e.message;
    ASSERT_NE(r.config, nullptr);
    config_ = r.config;
  }
  // How many alerts of `code` feeding `events` raises.
  std::size_t Count(const std::vector<Event>& events, std::string_view code) {
    EngineHarness h(config_);
    for (const Event& e : events) h.Feed(e);
    h.Finish();
    const std::optional<RuleId> id = FindRule(code);  // custom ids start at RuleId::kCount
    EXPECT_TRUE(id.has_value()) << code;
    const std::vector<RuleId> ids = h.Rules();
    return static_cast<std::size_t>(std::count(ids.begin(), ids.end(), id.value_or(RuleId{})));
  }
  static Event AppChange(const char* tenant, const char* app, const char* actor) {
    Event e =
        testing::Audit(tenant, Activity::kOther, "Update application", "", "2026-11-03T10:00:00Z");
    e.audit.category = AuditCategory::kApplicationManagement;
    e.audit.app_hashes[0] = HashLower("11111111-aaaa-4000-8000-000000000001");
    e.audit.app_hashes[1] = HashLower(app);
    e.audit.app_hash_count = 2;
    e.audit.app_name.assign(app);
    e.actor = testing::Account(tenant, actor);
    return e;
  }
  static Event Invite(const char* tenant, const char* actor) {
    Event e = testing::Audit(tenant, Activity::kInviteExternalUser, "Invite external user",
                             "guest@fabrikam.com", "2026-11-03T10:00:00Z");
    e.audit.category = AuditCategory::kUserManagement;
    e.actor = testing::Account(tenant, actor);
    return e;
  }

  std::shared_ptr<const CompiledConfig> config_;
};

TEST_F(TenantListRules, NotInListFiresOffTheListAndOnlyWhereTheListIsConfigured) {
  const char* t = "2026-11-03T10:00:00Z";
  EXPECT_EQ(Count({testing::SignInFromDevice(kTenantListRulesTenant, kTenantListRulesAdmin, t,
                                             "laptop-7")},
                  "LIST-PAW"),
            1u);
  EXPECT_EQ(
      Count({testing::SignInFromDevice(kTenantListRulesTenant, kTenantListRulesAdmin, t, "PAW-01")},
            "LIST-PAW"),
      0u);
  // The bare tenant lists no PAW devices: the rule has nothing to judge by and stays silent.
  EXPECT_EQ(
      Count({testing::SignInFromDevice(kBare, kTenantListRulesAdmin, t, "laptop-7")}, "LIST-PAW"),
      0u);
}

TEST_F(TenantListRules, InListMatchesARoleOfTheList) {
  const char* t = "2026-11-03T10:00:00Z";
  const char* name = "Add member to role";
  EXPECT_EQ(Count({testing::Audit(kTenantListRulesTenant, Activity::kAddMemberToRole, name,
                                  "u@contoso.com", t, "global administrator")},
                  "LIST-ROLE"),
            1u);
  EXPECT_EQ(Count({testing::Audit(kTenantListRulesTenant, Activity::kAddMemberToRole, name,
                                  "u@contoso.com", t, "Reports Reader")},
                  "LIST-ROLE"),
            0u);
}

TEST_F(TenantListRules, InListReadsEveryAppTargetAndNamesTheApp) {
  EngineHarness h(config_);
  h.Feed(AppChange(kTenantListRulesTenant, "payroll", "dev@contoso.com"));
  h.Finish();
  // The builtin PRIV-CH-03 reads the same list; keep this rule's alert.
  std::vector<Alert> alerts = h.Drain();
  std::erase_if(alerts, [](const Alert& a) { return GetRuleInfo(a.rule).code != "LIST-APP"; });
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].account_upn.view(), "dev@contoso.com");
  bool named = false;
  for (uint8_t i = 0; i < alerts[0].detail_count; ++i) {
    named |= alerts[0].details[i].key == "app" && alerts[0].details[i].value.view() == "payroll";
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(Count({AppChange(kTenantListRulesTenant, "Wiki", "dev@contoso.com")}, "LIST-APP"), 0u);
}

TEST_F(TenantListRules, NotInListOnTheActorAccount) {
  EXPECT_EQ(Count({Invite(kTenantListRulesTenant, "dev@contoso.com")}, "LIST-INVITER"), 1u);
  EXPECT_EQ(Count({Invite(kTenantListRulesTenant, kInviter)}, "LIST-INVITER"), 0u);
  EXPECT_EQ(Count({Invite(kBare, "dev@contoso.com")}, "LIST-INVITER"), 0u);
}

// `privmon rules` and check's silent-rule count read a custom rule's needs from its lists.
TEST_F(TenantListRules, ACustomRuleNeedsTheListItReads) {
  auto needs = [&](std::string_view code) {
    for (const RuleDefinition& d : config_->rules->definitions) {
      if (d.code == code) return d.needs;
    }
    ADD_FAILURE() << code;
    return TenantList::kNone;
  };
  EXPECT_EQ(needs("LIST-PAW"), TenantList::kPawDevices);
  EXPECT_EQ(needs("LIST-APP"), TenantList::kHighValueApps);
  EXPECT_EQ(needs("LIST-INVITER"), TenantList::kInviters);
  EXPECT_EQ(needs("LIST-ROLE"), TenantList::kNone);  // privileged_roles has defaults
}

TEST(TenantListRuleErrors, AListThatDoesNotFitTheFieldOrIsUnknownNamesFileAndLine) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(R"(rules:
  - id: BAD-LIST-1
    name: Wrong list
    kind: match
    sources: [signin]
    severity: high
    when:
      signin.device: {in_list: privileged_roles}
  - id: BAD-LIST-2
    name: Unknown list
    kind: match
    sources: [audit]
    severity: high
    when:
      audit.role_name: {not_in_list: vip_roles}
)",
               "acme.yaml", false, &set, &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].message.find("acme.yaml:8:"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("privileged_roles holds role names"), std::string::npos)
      << errors[0].message;
  EXPECT_NE(errors[1].message.find("acme.yaml:15:"), std::string::npos) << errors[1].message;
  EXPECT_NE(errors[1].message.find("unknown tenant list"), std::string::npos) << errors[1].message;
}

}  // namespace
}  // namespace privmon
