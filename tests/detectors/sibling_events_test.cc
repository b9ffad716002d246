// Sibling events (issue 9, kind 1): each rule names the event the guide means, not a coarse
// attribute its harmless siblings share. Every test feeds real-shaped Graph directoryAudit records
// through the parser into one engine: the sibling stays silent, the event the rule means alerts.
// The audit table in README.md ("Rule predicates against their sibling events") lists them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parsers/record_parser.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view kSiblingEventsTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";
constexpr std::string_view kSiblingEventsOther = "0b9a8c7d-1111-4222-8333-944455556666";

std::vector<Event> Parse(const std::string& json) {
  static RecordParser parser;
  ParseContext ctx;
  ctx.source_tenant = kSiblingEventsTenant;
  ctx.multi_tenant = true;  // the source tenant only fills in
  const ParseResult& r = parser.Parse(json, ctx);
  EXPECT_TRUE(r.rejections.empty()) << json;
  return r.events;
}

// One Graph directoryAudit record; `initiator` is a JSON object for initiatedBy, `target` the
// JSON of its targetResources.
std::string AuditJson(std::string_view activity, std::string_view service,
                      std::string_view category, std::string_view time, std::string_view initiator,
                      std::string_view target, std::string_view result = "success") {
  static int n = 0;
  return "{\"id\":\"Directory_" + std::to_string(++n) + "\",\"category\":\"" +
         std::string(category) + "\",\"result\":\"" + std::string(result) +
         "\",\"activityDisplayName\":\"" + std::string(activity) + "\",\"activityDateTime\":\"" +
         std::string(time) + "\",\"loggedByService\":\"" + std::string(service) +
         "\",\"initiatedBy\":" + std::string(initiator) +
         ",\"targetResources\":" + std::string(target) + "}";
}

const std::string kByAdmin =
    R"({"user":{"id":"1992ce5b-3824-5e47-b887-3eb2882a76f7","userPrincipalName":"adm-tlind@northwind.example"}})";
const std::string kByPimApp =
    R"({"app":{"appId":null,"displayName":"MS-PIM","servicePrincipalId":"e46f111c-b240-5904-b152-b09594051556"}})";
// An app registration that took PIM's app's name, with its own appId.
const std::string kByAppNamedPim =
    R"({"app":{"appId":"d3b2a1c0-9e8f-4a7b-b6c5-d4e3f2a1b0c9","displayName":"MS-PIM","servicePrincipalId":"sp-3"}})";
const std::string kByMsi =
    R"({"app":{"appId":null,"displayName":"Managed Service Identity","servicePrincipalId":"b9814691-9ca1-4e55-a1ac-8ef5dd010ec0"}})";

std::string RoleTarget(std::string_view upn, std::string_view role = "Global Administrator") {
  return R"([{"id":"68612e98-8182-55f4-83cd-00727f5c7b07","type":"User","userPrincipalName":")" +
         std::string(upn) +
         R"(","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\")" +
         std::string(role) + R"(\""}]}])";
}

std::string UserTarget(std::string_view upn) {
  return R"([{"id":"","type":"User","userPrincipalName":")" + std::string(upn) + R"("}])";
}

std::vector<RuleId> Feed(EngineHarness& h, const std::vector<std::string>& records) {
  for (const auto& json : records) {
    for (const Event& e : Parse(json)) h.Feed(e);
  }
  h.Finish();
  return h.Rules();
}

TEST(SiblingEvents, PimCopyOfAnActivationInCoreDirectoryIsNotAnAssignmentOutsidePim) {
  // Named "MS-PIM" (appId null, as PIM's records write it): PIM's copy when PIM's own record of
  // the activation pairs it.
  EngineHarness h;
  const auto rules = Feed(
      h, {AuditJson("Add member to role completed (PIM activation)", "PIM", "RoleManagement",
                    "2025-03-04T09:15:02Z", kByAdmin, RoleTarget("adm-kmori@northwind.example")),
          AuditJson("Add member to role", "Core Directory", "RoleManagement",
                    "2025-03-04T09:15:03Z", kByPimApp, RoleTarget("adm-kmori@northwind.example"))});
  EXPECT_THAT(rules, Not(Contains(RuleId::kEL02)));
  EXPECT_THAT(rules, Not(Contains(RuleId::kPA04)));
  // So named with no appId, it is PIM's alone too (an export of Core Directory's copies only).
  EngineHarness alone;
  const auto alone_rules = Feed(
      alone,
      {AuditJson("Add member to role", "Core Directory", "RoleManagement", "2025-03-04T09:15:03Z",
                 kByPimApp, RoleTarget("adm-kmori@northwind.example"))});
  EXPECT_THAT(alone_rules, Not(Contains(RuleId::kEL02)));
  EXPECT_THAT(alone_rules, Not(Contains(RuleId::kPA04)));
  // PIM's appId needs no pairing.
  EngineHarness by_id;
  const auto by_id_rules = Feed(
      by_id,
      {AuditJson(
          "Add member to role", "Core Directory", "RoleManagement", "2025-03-04T09:15:03Z",
          R"({"app":{"appId":"01fc33a7-78ba-4d2f-a4b7-768e336e890e","displayName":null,"servicePrincipalId":"e46f111c-b240-5904-b152-b09594051556"}})",
          RoleTarget("adm-kmori@northwind.example"))});
  EXPECT_THAT(by_id_rules, Not(Contains(RuleId::kEL02)));
  EXPECT_THAT(by_id_rules, Not(Contains(RuleId::kPA04)));
}

TEST(SiblingEvents, AppNamedLikePimWithoutPimsRecordIsAnAssignmentOutsidePim) {
  // Any app registration may be named "MS-PIM": with another appId, unpaired, it is no PIM copy.
  EngineHarness h;
  const auto rules = Feed(h, {AuditJson("Add member to role", "Core Directory", "RoleManagement",
                                        "2025-03-04T09:15:03Z", kByAppNamedPim,
                                        RoleTarget("adm-kmori@northwind.example"))});
  EXPECT_THAT(rules, Contains(RuleId::kEL02));
  EXPECT_THAT(rules, Contains(RuleId::kPA04));
}

TEST(SiblingEvents, AdminAssigningInCoreDirectoryIsAnAssignmentOutsidePim) {
  EngineHarness h;
  const auto rules = Feed(
      h, {AuditJson("Add member to role", "Core Directory", "RoleManagement",
                    "2025-03-04T09:40:17Z", kByAdmin, RoleTarget("j.okafor@northwind.example"))});
  EXPECT_THAT(rules, Contains(RuleId::kEL02));
  EXPECT_THAT(rules, Contains(RuleId::kPA04));
}

TEST(SiblingEvents, PimsOwnRecordOfAnAssignmentOutsidePimAlerts) {
  EngineHarness h;
  const auto rules = Feed(
      h, {AuditJson("Add member to role outside of PIM (permanent)", "PIM", "RoleManagement",
                    "2025-03-04T09:40:17Z", kByAdmin, RoleTarget("j.okafor@northwind.example"))});
  EXPECT_THAT(rules, Contains(RuleId::kEL02));
  EXPECT_THAT(rules, Contains(RuleId::kPA04));
}

TEST(SiblingEvents, FailedAssignmentGrantsNothing) {
  EngineHarness h;
  const auto rules = Feed(
      h,
      {AuditJson("Add user", "Core Directory", "UserManagement", "2025-03-04T09:00:00Z", kByAdmin,
                 UserTarget("new@northwind.example")),
       AuditJson("Add member to role", "Core Directory", "RoleManagement", "2025-03-04T09:40:17Z",
                 kByAdmin, RoleTarget("new@northwind.example"), "failure")});
  EXPECT_THAT(rules, IsEmpty());
}

TEST(SiblingEvents, FailedDeleteDoesNotEndAShortLivedAccount) {
  EngineHarness h;
  auto rules =
      Feed(h, {AuditJson("Add user", "Core Directory", "UserManagement", "2025-07-01T11:00:04Z",
                         kByAdmin, UserTarget("temp@northwind.example")),
               AuditJson("Delete user", "Core Directory", "UserManagement", "2025-07-01T13:41:57Z",
                         kByAdmin, UserTarget("temp@northwind.example"), "failure")});
  EXPECT_THAT(rules, IsEmpty());
  EngineHarness deleted;
  rules = Feed(deleted,
               {AuditJson("Add user", "Core Directory", "UserManagement", "2025-07-01T11:00:04Z",
                          kByAdmin, UserTarget("temp@northwind.example")),
                AuditJson("Delete user", "Core Directory", "UserManagement", "2025-07-01T13:41:57Z",
                          kByAdmin, UserTarget("temp@northwind.example"))});
  EXPECT_EQ(rules, std::vector<RuleId>{RuleId::kPA02});
}

TEST(SiblingEvents, PimRequestIsNotYetAPermanentAssignment) {
  EngineHarness h;
  auto rules = Feed(
      h, {AuditJson("Add member to role in PIM requested (permanent)", "PIM", "RoleManagement",
                    "2025-03-04T09:40:17Z", kByAdmin, RoleTarget("j.okafor@northwind.example"))});
  EXPECT_THAT(rules, IsEmpty());
  EngineHarness completed;
  rules = Feed(completed, {AuditJson("Add member to role in PIM completed (permanent)", "PIM",
                                     "RoleManagement", "2025-03-04T09:40:19Z", kByAdmin,
                                     RoleTarget("j.okafor@northwind.example"))});
  EXPECT_THAT(rules, Contains(RuleId::kPA04));
}

TEST(SiblingEvents, RemovalOfElevatedAccessIsNotAnElevation) {
  const std::string target =
      R"([{"id":"x","type":"User","userPrincipalName":"adm-ovance@northwind.example"}])";
  EngineHarness h;
  auto rules =
      Feed(h, {AuditJson("The role assignment of User Access Administrator has been "
                         "removed from the user",
                         "Azure RBAC (Elevated Access)", "AzureRBACRoleManagementElevateAccess",
                         "2025-03-04T10:00:00Z", kByAdmin, target)});
  EXPECT_THAT(rules, Not(Contains(RuleId::kEL07)));
  EngineHarness elevated;
  rules = Feed(elevated,
               {AuditJson("User has elevated their access to User Access Administrator for their "
                          "Azure Resources",
                          "Azure RBAC (Elevated Access)", "AzureRBACRoleManagementElevateAccess",
                          "2025-03-04T09:00:00Z", kByAdmin, target)});
  EXPECT_THAT(rules, Contains(RuleId::kEL07));
}

TEST(SiblingEvents, CoreDirectoryPolicyCopyWrittenByAnAppIsNotAPostureChange) {
  const std::string policy = R"([{"id":"a7d5dcbe","displayName":"Require MFA","type":"Policy"}])";
  EngineHarness h;
  auto rules = Feed(h, {AuditJson("Update policy", "Core Directory", "Policy",
                                  "2025-03-04T10:00:00Z", kByMsi, policy)});
  EXPECT_THAT(rules, IsEmpty());
  EngineHarness by_user;
  rules = Feed(by_user, {AuditJson("Update conditional access policy", "Conditional Access",
                                   "Policy", "2025-03-04T10:00:00Z", kByAdmin, policy),
                         AuditJson("Authentication Methods Policy Update", "Authentication Methods",
                                   "Policy", "2025-03-04T10:05:00Z", kByMsi, policy)});
  EXPECT_EQ(rules, (std::vector<RuleId>{RuleId::kCH02, RuleId::kCH02}));
}

TEST(SiblingEvents, AppInitiatorIsNamedByItsDisplayName) {
  EngineHarness h;
  for (const Event& e :
       Parse(AuditJson("Delete conditional access policy", "Conditional Access", "Policy",
                       "2025-03-04T10:00:00Z", kByMsi, R"([{"id":"p","type":"Policy"}])"))) {
    EXPECT_EQ(e.actor.upn.view(), "Managed Service Identity");
    EXPECT_EQ(e.actor.id.view(), "b9814691-9ca1-4e55-a1ac-8ef5dd010ec0");
    h.Feed(e);
  }
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].account_upn.view(), "Managed Service Identity");
}

TEST(SiblingEvents, ReviewingSecurityInfoIsNotAnUnusualChangeByAnAdmin) {
  auto tenant = EngineHarness::Tenant(kSiblingEventsTenant);
  tenant->privileged_accounts.insert(HashLower("adm-tlind@northwind.example"));
  const std::string self =
      R"([{"id":"1992ce5b-3824-5e47-b887-3eb2882a76f7","type":"User","userPrincipalName":"adm-tlind@northwind.example"}])";
  EngineHarness h(tenant);
  const auto rules = Feed(
      h, {AuditJson("Update user", "Core Directory", "UserManagement", "2025-02-15T10:00:00Z",
                    kByAdmin, UserTarget("someone@northwind.example")),
          AuditJson("User reviewed security info", "Authentication Methods", "UserManagement",
                    "2025-03-04T10:00:00Z", kByAdmin, self),
          AuditJson("Reset user password", "Core Directory", "UserManagement",
                    "2025-03-04T11:00:00Z", kByAdmin, UserTarget("x@northwind.example"), "failure"),
          AuditJson("Add group", "Core Directory", "GroupManagement", "2025-03-04T12:00:00Z",
                    kByAdmin, R"([{"id":"g","type":"Group"}])")});
  EXPECT_EQ(rules, std::vector<RuleId>{RuleId::kCH01});  // only the group, a real change
}

TEST(SiblingEvents, GuestFromAnotherTenantSigningInHereIsNotAnAdminGoingOut) {
  auto tenant = EngineHarness::Tenant(kSiblingEventsTenant);
  tenant->privileged_accounts.insert(HashLower("adm-x@northwind.example"));
  EngineHarness h(tenant);
  Event in = SignIn(kSiblingEventsTenant, "adm-x@northwind.example", "2025-03-04T10:00:00Z");
  in.signin.home_tenant_hash = HashLower(kSiblingEventsOther);
  in.signin.resource_tenant_hash = HashLower(kSiblingEventsTenant);
  h.Feed(in);
  EXPECT_THAT(h.Rules(), Not(Contains(RuleId::kSI16)));
  Event out = SignIn(kSiblingEventsTenant, "adm-x@northwind.example", "2025-03-04T10:05:00Z");
  out.signin.home_tenant_hash = HashLower(kSiblingEventsTenant);
  out.signin.resource_tenant_hash = HashLower(kSiblingEventsOther);
  h.Feed(out);
  EXPECT_THAT(h.Rules(), Contains(RuleId::kSI16));
}

// Kind 3 of issue 9: an alert names its account from the best identity kept for it (the UPN of the
// newest record by event time), not from whichever record raised it.
TEST(AccountNames, AlertNamesTheRenamedAccountEvenWhenALateRecordCarriesTheOldUpn) {
  constexpr std::string_view kId = "51eb727c-35b3-5913-83f2-eabb8f0e0671";
  auto tenant = EngineHarness::Tenant(kSiblingEventsTenant);
  tenant->break_glass.insert(HashLower(kId));
  tenant->privileged_accounts.insert(HashLower(kId));
  EngineHarness h(tenant);
  auto signin = [&](std::string_view upn, const char* time) {
    Event e = SignIn(kSiblingEventsTenant, upn, time);
    e.account = Account(kSiblingEventsTenant, upn, kId);
    return e;
  };
  h.Feed(signin("bg-new@northwind.example", "2025-03-04T12:00:00Z"));
  h.Feed(signin("bg-old@northwind.example", "2025-03-04T10:00:00Z"));  // late, before the rename
  h.Finish();
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 2u);  // BG-01 twice: two hours apart, not suppressed
  for (const Alert& a : alerts) {
    EXPECT_EQ(a.rule, RuleId::kBG01);
    EXPECT_EQ(a.account_upn.view(), "bg-new@northwind.example");
    EXPECT_EQ(a.account_id.view(), kId);
  }
}

}  // namespace
}  // namespace privmon::testing
