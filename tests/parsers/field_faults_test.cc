// Field faults of issue 9 the parser settles: the deleted user's UPN prefix, renames, app
// initiators named by their display name, PIM's own app, and records of Entra categories privmon
// does not read (skipped per category, not rejected).
#include <gtest/gtest.h>

#include <string>

#include "parsers/event_builder.h"
#include "parsers/record_parser.h"
#include "parsers/text_util.h"
#include "tests/parsers/parser_test_util.h"

namespace privmon {
namespace {

constexpr std::string_view kFieldFaultsTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

const ParseResult& FieldFaultsParse(RecordParser& parser, std::string_view json) {
  ParseContext ctx;
  ctx.source_tenant = kFieldFaultsTenant;
  ctx.multi_tenant = true;  // the source tenant only fills in
  return parser.Parse(json, ctx);
}

std::string Audit(
    std::string_view activity, std::string_view target,
    std::string_view initiator =
        R"({"user":{"id":"1992ce5b","userPrincipalName":"adm-tlind@northwind.example"}})") {
  return R"({"id":"Directory_1","category":"UserManagement","result":"success","activityDisplayName":")" +
         std::string(activity) +
         R"(","activityDateTime":"2025-07-01T13:41:57Z","loggedByService":"Core Directory","initiatedBy":)" +
         std::string(initiator) + R"(,"targetResources":)" + std::string(target) + "}";
}

// A guest's #EXT# UPN spells the address it signs in with: the last '_' before "#EXT#" is its '@'.
TEST(GuestUpn, TheExtFormSpellsTheHomeUpn) {
  char buffer[96];
  EXPECT_EQ(parsers::GuestHomeUpn("vendor.ops_fabrikam.example#EXT#@northwind.onmicrosoft.example",
                                  buffer, sizeof(buffer)),
            "vendor.ops@fabrikam.example");
  EXPECT_EQ(parsers::GuestHomeUpn("first_last_partner.example#ext#@t.example", buffer, 96),
            "first_last@partner.example");
  EXPECT_EQ(parsers::GuestHomeUpn("a#b_c.example#EXT#@t.example", buffer, 96), "a#b@c.example");
  for (const char* other : {"adm_x@contoso.com", "_odd#EXT#@t.example", "odd_#EXT#@t.example",
                            "noat#EXT#@t.example", "x_y.example#EXT", ""}) {
    EXPECT_TRUE(parsers::GuestHomeUpn(other, buffer, 96).empty()) << other;
  }
  EXPECT_TRUE(
      parsers::GuestHomeUpn("vendor.ops_fabrikam.example#EXT#@t.example", buffer, 8).empty());
}

TEST(DeletedUserUpn, TheObjectIdPrefixIsStripped) {
  RecordParser parser;
  const ParseResult& r = FieldFaultsParse(
      parser,
      Audit(
          "Delete user",
          R"([{"id":"ae790c2f-3c21-5d17-a1da-08929ae6cb1a","type":"User","userPrincipalName":"ae790c2f3c215d17a1da08929ae6cb1atemp.svc@northwind.example"}])"));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].account.upn.view(), "temp.svc@northwind.example");
  EXPECT_EQ(r.events[0].account.id.view(), "ae790c2f-3c21-5d17-a1da-08929ae6cb1a");
}

// z17c: a "Delete user" whose target has `id: null` was keyed by its stripped UPN, another account
// than the one its creation keyed by id (PRIV-PA-02 lost). The prefix is the object id: the
// account's id too where the record names none.
TEST(DeletedUserUpn, ThePrefixIsTheIdWhenTheTargetHasNone) {
  RecordParser parser;
  for (const char* upn : {"ae790c2f3c215d17a1da08929ae6cb1atemp.svc@northwind.example",
                          "AE790C2F3C215D17A1DA08929AE6CB1Atemp.svc@northwind.example"}) {
    SCOPED_TRACE(upn);
    const ParseResult& r = FieldFaultsParse(
        parser,
        Audit("Delete user",
              std::string(R"([{"id":null,"type":"User","userPrincipalName":")") + upn + R"("}])"));
    ASSERT_EQ(r.events.size(), 1u);
    const Event& e = r.events[0];
    EXPECT_EQ(e.account.upn.view(), "temp.svc@northwind.example");
    EXPECT_EQ(e.account.id.view(), "ae790c2f-3c21-5d17-a1da-08929ae6cb1a");
    AccountRef created;
    parsers::FillAccount(e.tenant_hash, "ae790c2f-3c21-5d17-a1da-08929ae6cb1a",
                         "temp.svc@northwind.example", created);
    EXPECT_EQ(e.account.key, created.key);  // the account "Add user" keyed
  }
  // A guest's deleted UPN the same (its #EXT# name kept).
  const ParseResult& guest = FieldFaultsParse(
      parser,
      Audit(
          "Delete user",
          R"([{"id":null,"type":"User","userPrincipalName":"ae790c2f3c215d17a1da08929ae6cb1avendor.ops_fabrikam.example#EXT#@northwind.onmicrosoft.example"}])"));
  ASSERT_EQ(guest.events.size(), 1u);
  EXPECT_EQ(guest.events[0].account.upn.view(),
            "vendor.ops_fabrikam.example#EXT#@northwind.onmicrosoft.example");
  EXPECT_EQ(guest.events[0].account.id.view(), "ae790c2f-3c21-5d17-a1da-08929ae6cb1a");
  // No prefix: no id made up.
  const ParseResult& plain = FieldFaultsParse(
      parser,
      Audit("Delete user",
            R"([{"id":null,"type":"User","userPrincipalName":"temp.svc@northwind.example"}])"));
  ASSERT_EQ(plain.events.size(), 1u);
  EXPECT_TRUE(plain.events[0].account.id.view().empty());
}

TEST(DeletedUserUpn, OnlyTheKnownPrefixIsStripped) {
  // 32 hex digits that are not the record's object id belong to the name.
  EXPECT_EQ(parsers::StripDeletedUserPrefix("ae790c2f-3c21-5d17-a1da-08929ae6cb1a",
                                            "0123456789abcdef0123456789abcdefx@northwind.example"),
            "0123456789abcdef0123456789abcdefx@northwind.example");
  // Without an id, 32 hex digits glued to a UPN are the prefix.
  EXPECT_EQ(
      parsers::StripDeletedUserPrefix("", "AE790C2F3C215D17A1DA08929AE6CB1Atemp@northwind.example"),
      "temp@northwind.example");
  EXPECT_EQ(parsers::StripDeletedUserPrefix("", "temp@northwind.example"),
            "temp@northwind.example");
  EXPECT_EQ(
      parsers::StripDeletedUserPrefix("", "ae790c2f3c215d17a1da08929ae6cb1a@northwind.example"),
      "ae790c2f3c215d17a1da08929ae6cb1a@northwind.example");
}

TEST(RenamedUser, TheNewUpnOfTheModifiedPropertiesNamesTheAccount) {
  RecordParser parser;
  const ParseResult& r = FieldFaultsParse(
      parser,
      Audit(
          "Update user",
          R"([{"id":"51eb727c","type":"User","userPrincipalName":"adm-old@northwind.example","modifiedProperties":[{"displayName":"UserPrincipalName","oldValue":"[\"adm-old@northwind.example\"]","newValue":"[\"adm-new@northwind.example\"]"}]}])"));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].account.upn.view(), "adm-new@northwind.example");
}

TEST(AppInitiator, NamedByDisplayNameAndPimsAppIsRecognised) {
  RecordParser parser;
  const ParseResult& r = FieldFaultsParse(
      parser,
      Audit(
          "Add member to role",
          R"([{"id":"u1","type":"User","userPrincipalName":"a@northwind.example"}])",
          R"({"app":{"appId":null,"displayName":"MS-PIM","servicePrincipalId":"e46f111c-b240-5904-b152-b09594051556"}})"));
  ASSERT_EQ(r.events.size(), 1u);
  const Event& e = r.events[0];
  EXPECT_EQ(e.actor.upn.view(), "MS-PIM");
  EXPECT_EQ(e.actor.id.view(), "e46f111c-b240-5904-b152-b09594051556");
  EXPECT_NE(e.audit.flags & kActorIsApp, 0);
  // Named PIM's app with no appId, as PIM's real records write it: PIM's.
  EXPECT_NE(e.audit.flags & kInitiatedByPim, 0);
  EXPECT_EQ(e.audit.flags & kInitiatorNamedPim, 0);
  // PIM's appId is PIM's, whatever the name.
  const ParseResult& by_id = FieldFaultsParse(
      parser,
      Audit(
          "Add member to role",
          R"([{"id":"u1","type":"User","userPrincipalName":"a@northwind.example"}])",
          R"({"app":{"appId":"01FC33A7-78BA-4D2F-A4B7-768E336E890E","displayName":null,"servicePrincipalId":"sp-1"}})"));
  ASSERT_EQ(by_id.events.size(), 1u);
  EXPECT_NE(by_id.events[0].audit.flags & kInitiatedByPim, 0);
  EXPECT_EQ(by_id.events[0].audit.flags & kInitiatorNamedPim, 0);
  // An app registration named "MS-PIM" with its own appId is no PIM (a detection bypass else).
  const ParseResult& impostor = FieldFaultsParse(
      parser,
      Audit(
          "Add member to role",
          R"([{"id":"u1","type":"User","userPrincipalName":"a@northwind.example"}])",
          R"({"app":{"appId":"d3b2a1c0-9e8f-4a7b-b6c5-d4e3f2a1b0c9","displayName":"MS-PIM","servicePrincipalId":"sp-3"}})"));
  ASSERT_EQ(impostor.events.size(), 1u);
  EXPECT_EQ(impostor.events[0].audit.flags & kInitiatedByPim, 0);
  EXPECT_NE(impostor.events[0].audit.flags & kInitiatorNamedPim, 0);
  const ParseResult& other = FieldFaultsParse(
      parser,
      Audit("Add member to role",
            R"([{"id":"u1","type":"User","userPrincipalName":"a@northwind.example"}])",
            R"({"app":{"displayName":"Contoso provisioning","servicePrincipalId":"sp-2"}})"));
  ASSERT_EQ(other.events.size(), 1u);
  EXPECT_EQ(other.events[0].audit.flags & (kInitiatedByPim | kInitiatorNamedPim), 0);
}

TEST(OtherEntraCategories, AreSkippedPerCategoryNotRejected) {
  RecordParser parser;
  const std::string batch =
      R"({"records":[)"
      R"({"time":"2025-03-21T10:24:44Z","category":"MicrosoftGraphActivityLogs","tenantId":"T","resourceId":"/TENANTS/T/PROVIDERS/MICROSOFT.AADIAM","properties":{"requestMethod":"GET"}},)"
      R"({"time":"3/21/2025 10:26:03 AM","category":"RiskyUsers","tenantId":"T","resourceId":"/tenants/T/providers/microsoft.aadiam","properties":{"userPrincipalName":"bg-05@northwind.example","riskState":"atRisk"}},)"
      R"({"time":"2025-03-21T10:27:50Z","category":"ProvisioningLogs","tenantId":"T","resourceId":"/tenants/T/providers/Microsoft.aadiam","properties":{"activityDateTime":"2025-03-21T10:27:50Z"}},)"
      R"({"time":"2025-03-21T10:28:00Z","category":"B2CRequestLogs","tenantId":"T","resourceId":"/tenants/T/providers/Microsoft.aadiam","properties":{}},)"
      R"({"time":"2025-03-21T10:29:00Z","category":"StorageRead","tenantId":"T","resourceId":"/subscriptions/S/x","properties":{}},)"
      R"({"time":"2025-03-21T10:31:12Z","category":"SignInLogs","tenantId":"T","properties":{"id":"s1","createdDateTime":"2025-03-21T10:30:58Z","userPrincipalName":"adm-axu@northwind.example","userId":"u","status":{"errorCode":0}}})"
      R"(]})";
  const ParseResult& r = FieldFaultsParse(parser, batch);
  ASSERT_EQ(r.events.size(), 1u);
  ASSERT_EQ(r.skipped.size(), 4u);
  EXPECT_EQ(r.skipped[0].category, SkippedCategory::kGraphActivity);
  EXPECT_EQ(r.skipped[1].category, SkippedCategory::kRiskyUsers);
  EXPECT_EQ(r.skipped[2].category, SkippedCategory::kProvisioning);
  EXPECT_EQ(r.skipped[3].category, SkippedCategory::kOtherEntra);
  EXPECT_TRUE(r.skipped[1].raw.starts_with(R"({"time":"3/21/2025)")) << r.skipped[1].raw;
  // A category that is not Entra's stays a rejection.
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].reason, RejectReason::kUnknownFormat);
}

TEST(OtherEntraCategories, LogAnalyticsTablesAreSkippedToo) {
  RecordParser parser;
  const ParseResult& r = FieldFaultsParse(
      parser,
      R"({"Type":"AADUserRiskEvents","TimeGenerated":"2025-03-21T10:26:03Z","UserPrincipalName":"x@y"})");
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].category, SkippedCategory::kUserRiskEvents);
  EXPECT_TRUE(r.rejections.empty());
}

// A Graph signIn names no tenant of its own, only home and resource tenants. On a source bound
// to a tenant (not multi-tenant), a guest's sign-in into that tenant (home = the guest's) is the
// tenant's record, not another tenant's; a record naming neither tenant is another tenant's.
TEST(GraphSignInTenant, TheBoundSourceTenantIsTheLogsWhenTheRecordNamesIt) {
  RecordParser parser;
  ParseContext ctx;
  ctx.source_tenant = kFieldFaultsTenant;
  ctx.multi_tenant = false;
  auto signin = [](std::string_view home, std::string_view resource) {
    return R"({"id":"s1","createdDateTime":"2025-05-06T08:02:11Z","userId":"u1",)"
           R"("userPrincipalName":"vendor.ops_fabrikam.example#EXT#@northwind.onmicrosoft.example",)"
           R"("status":{"errorCode":53003},"homeTenantId":")" +
           std::string(home) + R"(","resourceTenantId":")" + std::string(resource) + R"("})";
  };
  const std::string other = "0c8f4e2a-7b1d-4e3f-9a5c-6d2e8f1b3a7c";
  const ParseResult& guest = parser.Parse(signin(other, kFieldFaultsTenant), ctx);
  ASSERT_EQ(guest.events.size(), 1u);
  EXPECT_EQ(guest.events[0].tenant_id.view(), kFieldFaultsTenant);
  const ParseResult& outbound = parser.Parse(signin(kFieldFaultsTenant, other), ctx);
  ASSERT_EQ(outbound.events.size(), 1u);
  EXPECT_EQ(outbound.events[0].tenant_id.view(), kFieldFaultsTenant);
  const ParseResult& foreign =
      parser.Parse(signin(other, "b3d9a1f7-2c4e-4a6b-8d0f-1e3c5a7b9d2f"), ctx);
  ASSERT_EQ(foreign.rejections.size(), 1u);
  EXPECT_EQ(foreign.rejections[0].reason, RejectReason::kTenantMismatch);
  // No home tenant: the transport's tenant fills in, whatever the resource (as before).
  const ParseResult& no_home = parser.Parse(signin("", other), ctx);
  ASSERT_EQ(no_home.events.size(), 1u);
  EXPECT_EQ(no_home.events[0].tenant_id.view(), kFieldFaultsTenant);
  // Without a transport tenant the home tenant stands.
  const ParseResult& alone = parser.Parse(signin(other, kFieldFaultsTenant), ParseContext{});
  ASSERT_EQ(alone.events.size(), 1u);
  EXPECT_EQ(alone.events[0].tenant_id.view(), other);
}

}  // namespace
}  // namespace privmon
