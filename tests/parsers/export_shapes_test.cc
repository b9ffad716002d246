// Export shapes of the h-shape2 hunt (tests/regressions m5*): Elasticsearch search responses,
// JSON held in strings after a byte order mark, a Graph page's context deciding before a record's
// members, and Log Analytics custom tables (`SigninLogs_CL`).
#include <gtest/gtest.h>

#include <string>

#include "parsers/record_parser.h"

namespace privmon {
namespace {

constexpr std::string_view kTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

const ParseResult& Parse(RecordParser& parser, std::string_view json,
                         std::string_view page_context = {}) {
  ParseContext ctx;
  ctx.source_tenant = kTenant;
  ctx.multi_tenant = true;  // the source tenant only fills in
  ctx.page_context = page_context;
  return parser.Parse(json, ctx);
}

// A user object as GET /users writes it (givenName, jobTitle: a directory object's members), with
// a createdDateTime: no member of a signIn, so it cannot be read as one.
constexpr std::string_view kUserObject =
    R"({"id":"4c5ae8db-af12-58ff-bb88-dd77b3ccff99","createdDateTime":"2025-05-06T07:50:02Z",)"
    R"("userPrincipalName":"bg-04@northwind.example","givenName":"Break","jobTitle":"Glass"})";

std::string Page(std::string_view entity_set, std::string_view element) {
  return R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#)" +
         std::string(entity_set) + R"(","value":[)" + std::string(element) + "]}";
}

// m5 (gap 3): a record of a signIns / directoryAudits page that cannot be read as one is
// rejected with its reason; it was skipped as a user (other_entra) for its givenName. Members
// decide only where no context names the log.
TEST(PageContextDecidesFirst, AnUnreadableRecordOfASignInPageIsRejectedNotSkipped) {
  RecordParser parser;
  for (std::string_view set : {"auditLogs/signIns", "auditLogs/directoryAudits"}) {
    const ParseResult& r = Parse(parser, Page(set, kUserObject));
    EXPECT_TRUE(r.skipped.empty()) << set;
    ASSERT_EQ(r.rejections.size(), 1u) << set;
    EXPECT_EQ(r.rejections[0].reason, RejectReason::kUnknownFormat);
    EXPECT_NE(r.rejections[0].detail.find("@odata.context"), std::string_view::npos);
  }
  // An element the file source streamed out of such a page carries its context.
  const ParseResult& streamed =
      Parse(parser, kUserObject, "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns");
  EXPECT_TRUE(streamed.skipped.empty());
  EXPECT_EQ(streamed.rejections.size(), 1u);
  // One object of the entity set ("$entity"), and a page in a $batch response's body.
  std::string single(kUserObject);
  single.insert(1, R"("@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/)"
                   R"(signIns/$entity",)");
  EXPECT_EQ(Parse(parser, single).rejections.size(), 1u);
  const std::string batch = R"({"responses":[{"id":"1","status":200,"body":)" +
                            Page("auditLogs/signIns", kUserObject) + "}]}";
  const ParseResult& in_batch = Parse(parser, batch);
  EXPECT_TRUE(in_batch.skipped.empty());
  EXPECT_EQ(in_batch.rejections.size(), 1u);
  // A page of users, and the object with no context: the members decide (skipped, as before).
  const ParseResult& users = Parse(parser, Page("users", kUserObject));
  ASSERT_EQ(users.skipped.size(), 1u);
  EXPECT_EQ(users.skipped[0].category, SkippedCategory::kDirectoryObject);
  const ParseResult& alone = Parse(parser, kUserObject);
  ASSERT_EQ(alone.skipped.size(), 1u);
  EXPECT_TRUE(alone.rejections.empty());
}

// m5 (gap 4), z13b: rows of a Log Analytics custom table (the HTTP Data Collector API's `_CL`
// tables, a Logic App's copy of the Entra logs) are never skipped as another Entra log. Their
// type-suffixed columns (UserPrincipalName_s, ResultType_d, status_errorCode_d) were refused
// (unknown_format); they are read as the columns they name, and a row without a sign-in's or an
// audit record's columns is still refused naming the custom table.
TEST(CustomTables, RowsOfACustomTableAreReadByTheirSuffixedColumns) {
  RecordParser parser;
  const std::string suffixed =
      R"({"TimeGenerated":"2025-05-06T07:42:19Z","UserPrincipalName_s":"adm-egarcia@northwind.example",)"
      R"("ResultType_d":50126,"IPAddress_s":"192.0.2.200","IsInteractive_b":false,)"
      R"("CreatedDateTime_t":"2025-05-06T07:42:19Z","UserId_g":"76e93d01-bdfe-56dd-b663-076e69ceb7bb",)"
      R"("AADTenantId_g":")" +
      std::string(kTenant) + "\"";
  for (std::string_view type : {"SigninLogs_CL", "AADNonInteractiveUserSignInLogs_CL"}) {
    const ParseResult& r = Parse(parser, suffixed + R"(,"Type":")" + std::string(type) + "\"}");
    EXPECT_TRUE(r.skipped.empty()) << type;  // AAD..._CL was skipped as another Entra table
    ASSERT_EQ(r.events.size(), 1u) << (r.rejections.empty() ? "" : r.rejections[0].detail);
    EXPECT_EQ(r.events[0].kind, EventKind::kSignIn);
    EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
    EXPECT_EQ(r.events[0].signin.error_code, 50126);
  }
  // A Graph signIn forwarded by a Logic App: nested members flattened ("status_errorCode_d").
  const ParseResult& graph = Parse(
      parser,
      R"({"Type":"EntraSignIns_CL","TimeGenerated":"2025-05-06T07:43:00Z",)"
      R"("createdDateTime_t":"2025-05-06T07:42:19Z","userPrincipalName_s":"bg-01@northwind.example",)"
      R"("userId_g":"76e93d01-bdfe-56dd-b663-076e69ceb7bc","status_errorCode_d":50126,)"
      R"("status_failureReason_s":"Invalid username or password.","isInteractive_b":true,)"
      R"("homeTenantId_g":")" +
          std::string(kTenant) + R"(","location_countryOrRegion_s":"IS"})");
  ASSERT_EQ(graph.events.size(), 1u)
      << (graph.rejections.empty() ? "" : graph.rejections[0].detail);
  EXPECT_EQ(graph.events[0].signin.error_code, 50126);
  // A Logic App copying Graph signIns of both kinds into one SigninLogs_CL: a row stating
  // isInteractive false is a non-interactive sign-in, whatever the table is named (it was read as
  // interactive, SigninLogs' own channel).
  {
    const ParseResult& r = Parse(parser, suffixed + R"(,"Type":"SigninLogs_CL"})");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].signin.channel, SignInChannel::kNonInteractive);
  }
  // Projected without Type: read as the projection of a sign-in its columns are.
  const ParseResult& projected = Parse(parser, suffixed + "}");
  ASSERT_EQ(projected.events.size(), 1u);
  // No outcome: refused naming the custom table's columns.
  const ParseResult& no_outcome = Parse(
      parser,
      R"({"Type":"SigninLogs_CL","TimeGenerated":"2025-05-06T07:42:19Z","UserPrincipalName_s":)"
      R"("adm-egarcia@northwind.example","IPAddress_s":"192.0.2.200"})");
  EXPECT_TRUE(no_outcome.events.empty());
  ASSERT_EQ(no_outcome.rejections.size(), 1u);
  EXPECT_EQ(no_outcome.rejections[0].reason, RejectReason::kUnknownFormat);
  EXPECT_NE(no_outcome.rejections[0].detail.find("type-suffixed"), std::string_view::npos);
  // An AuditLogs_CL row whose columns a DCR or Logic App kept unsuffixed was read as an audit
  // of the AuditLogs table (its ActivityDateTime and ActivityDisplayName).
  const ParseResult& audit = Parse(
      parser,
      R"({"Type":"AuditLogs_CL","TimeGenerated":"2025-05-06T07:42:19Z","AADTenantId":")" +
          std::string(kTenant) +
          R"(","ActivityDateTime":"2025-05-06T07:42:19Z","ActivityDisplayName":)"
          R"("Add member to role","Category":"RoleManagement","Result":"success",)"
          R"("InitiatedBy":"{\"user\":{\"userPrincipalName\":\"adm-egarcia@northwind.example\"}}"})");
  EXPECT_TRUE(audit.events.empty());
  ASSERT_EQ(audit.rejections.size(), 1u);
  EXPECT_NE(audit.rejections[0].detail.find("custom table"), std::string_view::npos);
}

// k14e: a DCR-based custom table (Logs ingestion API, a workspace transformation) has the
// columns its DCR defines, with no type suffixes: SigninLogs_CL / AuditLogs_CL defined with the
// Entra tables' own columns were refused like the Data Collector API's. A row with the columns of
// a table privmon reads is read as that table's; one without (no outcome, no LoggedByService) or
// named for another Entra log is refused with a detail saying what it lacks.
TEST(CustomTables, DcrTablesWithTheEntraTablesColumnsAreRead) {
  RecordParser parser;
  const std::string signin =
      R"({"TimeGenerated":"2025-05-06T07:42:19Z","CreatedDateTime":"2025-05-06T07:42:19Z",)"
      R"("AADTenantId":")" +
      std::string(kTenant) +
      R"(","UserPrincipalName":"adm-egarcia@northwind.example",)"
      R"("UserId":"76e93d01-bdfe-56dd-b663-076e69ceb7bb","IPAddress":"192.0.2.200",)"
      R"("ClientAppUsed":"Browser","IsInteractive":true)";
  for (std::string_view type : {"SigninLogs_CL", "EntraSignIns_CL"}) {
    const ParseResult& r =
        Parse(parser, signin + R"(,"ResultType":"50126","Type":")" + std::string(type) + "\"}");
    ASSERT_EQ(r.events.size(), 1u) << type;
    EXPECT_EQ(r.events[0].kind, EventKind::kSignIn);
    EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
  }
  // No outcome (no ResultType or Status): read, it would be a success.
  const ParseResult& no_outcome = Parse(parser, signin + R"(,"Type":"SigninLogs_CL"})");
  EXPECT_TRUE(no_outcome.events.empty());
  ASSERT_EQ(no_outcome.rejections.size(), 1u);
  EXPECT_EQ(no_outcome.rejections[0].reason, RejectReason::kUnknownFormat);
  EXPECT_NE(no_outcome.rejections[0].detail.find("without type-suffixed columns"),
            std::string_view::npos);
  // Named for another Entra log privmon does not read: refused, not read for its columns.
  const ParseResult& other =
      Parse(parser, signin + R"(,"ResultType":"0","Type":"AADProvisioningLogs_CL"})");
  EXPECT_TRUE(other.events.empty());
  EXPECT_TRUE(other.skipped.empty());
  ASSERT_EQ(other.rejections.size(), 1u);
  const std::string audit =
      R"({"Type":"AuditLogs_CL","TimeGenerated":"2025-05-06T07:42:19Z","AADTenantId":")" +
      std::string(kTenant) +
      R"(","ActivityDateTime":"2025-05-06T07:42:19Z","ActivityDisplayName":"Add member to role",)"
      R"("OperationName":"Add member to role","Category":"RoleManagement","Result":"success",)"
      R"("LoggedByService":"Core Directory",)"
      R"("InitiatedBy":"{\"user\":{\"userPrincipalName\":\"adm-egarcia@northwind.example\"}}"})";
  const ParseResult& a = Parse(parser, audit);
  ASSERT_EQ(a.events.size(), 1u) << (a.rejections.empty() ? "" : a.rejections[0].detail);
  EXPECT_EQ(a.events[0].kind, EventKind::kAudit);
}

// k14b: a query response refused as oversized (its parts, each the table's columns and whole
// rows, could not be made) says so, not only "message above max_message_bytes".
TEST(QueryResponses, AnOversizedQueryResponseSaysWhyNoRowWasRead) {
  RecordParser parser(200);
  const std::string columns =
      R"({"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},)"
      R"({"name":"UserPrincipalName","type":"string"},{"name":"ResultType","type":"string"},)";
  const ParseResult& header = Parse(parser, columns + std::string(60, ' '));
  ASSERT_EQ(header.rejections.size(), 1u);
  EXPECT_EQ(header.rejections[0].reason, RejectReason::kOversized);
  EXPECT_NE(header.rejections[0].detail.find("columns alone"), std::string_view::npos)
      << header.rejections[0].detail;
  const ParseResult& row = Parse(parser, R"({"tables":[{"name":"PrimaryResult","columns":[],)"
                                         R"("rows":[["2025-05-06T07:42:19Z",")" +
                                             std::string(200, 'x'));
  ASSERT_EQ(row.rejections.size(), 1u);
  EXPECT_NE(row.rejections[0].detail.find("columns with a row"), std::string_view::npos);
  const ParseResult& other = Parse(parser, R"({"value":")" + std::string(300, 'x'));
  ASSERT_EQ(other.rejections.size(), 1u);
  EXPECT_EQ(other.rejections[0].detail, "message above max_message_bytes");
}

constexpr std::string_view kDiagSignIn =
    R"({"time":"2025-05-06T07:42:19Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
    R"("category":"SignInLogs","resultType":"50126","properties":{"id":"de1de16d",)"
    R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
    R"("userPrincipalName":"adm-egarcia@northwind.example","status":{"errorCode":50126}}})";

// m5 (gap 1): an Elasticsearch search response's hits are its records, each read as the same
// hit alone is; its hits may hold the Azure records themselves (no ECS document), and an
// _msearch response holds search responses (each read; it yielded nothing, silently).
TEST(ElasticsearchResponses, HitsAreReadAsTheyAreAlone) {
  RecordParser parser;
  const std::string hit = R"({"_index":"azure-signins","_id":"a1","_score":1.0,"_source":)" +
                          std::string(kDiagSignIn) + "}";
  const ParseResult& one = Parse(parser, hit);
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0].account.upn.view(), "adm-egarcia@northwind.example");
  const std::string search =
      R"({"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},)"
      R"("hits":{"total":{"value":1,"relation":"eq"},"max_score":1.0,"hits":[)" +
      hit + "]}}";
  const ParseResult& r = Parse(parser, search);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(r.event_raw[0], hit);
  const ParseResult& msearch =
      Parse(parser, R"({"took":5,"responses":[)" + search.substr(0, search.size() - 1) +
                        R"(,"status":200}]})");
  EXPECT_EQ(msearch.events.size(), 1u);
  EXPECT_TRUE(msearch.rejections.empty());
  // No hits: no records, nothing refused (an empty page).
  const ParseResult& empty =
      Parse(parser, R"({"took":1,"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}})");
  EXPECT_EQ(empty.records(), 0u);
}

// m5 (gap 2): JSON held in a string reads the same with a UTF-8 byte order mark or white space
// around it: an Event Hubs record stringified by its shipper, a Log Analytics dynamic column.
TEST(JsonTextWithByteOrderMark, ReadsAsWithout) {
  RecordParser parser;
  std::string escaped;
  for (const char c : kDiagSignIn) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  for (std::string_view lead : {"", "\\ufeff", "\xEF\xBB\xBF", " \\r\\n\\ufeff "}) {
    const ParseResult& r =
        Parse(parser, R"({"records":[")" + std::string(lead) + escaped + R"(\n"]})");
    ASSERT_EQ(r.events.size(), 1u) << lead;
    EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
  }
  const std::string row =
      R"({"Type":"AuditLogs","TimeGenerated":"2025-05-06T07:42:19Z","AADTenantId":")" +
      std::string(kTenant) +
      R"(","Id":"Directory_1","ActivityDateTime":"2025-05-06T07:42:19Z","ActivityDisplayName":)"
      R"("Update user","Category":"UserManagement","Result":"success","LoggedByService":"Core Directory",)"
      R"("InitiatedBy":"\ufeff {\"user\":{\"id\":\"u9\",\"userPrincipalName\":\"adm-dfox@northwind.example\"}}\r\n"})";
  const ParseResult& r = Parse(parser, row);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].actor.upn.view(), "adm-dfox@northwind.example");
  // A modifiedProperties value (JSON text, encoded once or twice) after a mark: the role named.
  for (std::string_view value :
       {R"(\"Global Administrator\")", R"(\ufeff\"Global Administrator\")",
        R"(\ufeff [\"Global Administrator\"])", R"(\"\\ufeff\\\"Global Administrator\\\"\")"}) {
    const std::string audit =
        R"({"time":"2025-05-06T07:42:19Z","category":"AuditLogs","tenantId":")" +
        std::string(kTenant) +
        R"(","properties":{"id":"Directory_2","activityDisplayName":"Add member to role",)"
        R"("activityDateTime":"2025-05-06T07:42:19Z","loggedByService":"Core Directory",)"
        R"("category":"RoleManagement","result":"success","initiatedBy":{"user":{"id":"u9",)"
        R"("userPrincipalName":"adm-dfox@northwind.example"}},"targetResources":[{"type":"User",)"
        R"("id":"U","userPrincipalName":"a@northwind.example","modifiedProperties":[{"displayName":)"
        R"("Role.DisplayName","newValue":")" +
        std::string(value) + R"("}]}]}})";
    const ParseResult& role = Parse(parser, audit);
    ASSERT_EQ(role.events.size(), 1u) << value;
    EXPECT_EQ(role.events[0].audit.role_name.view(), "Global Administrator") << value;
  }
  // So too a message whose mark follows white space.
  const ParseResult& message = Parse(parser, "\n\xEF\xBB\xBF" + std::string(kDiagSignIn));
  EXPECT_EQ(message.events.size(), 1u);
}

// z14b: Get-AzLog's (Get-AzActivityLog's) objects written with ConvertTo-Json -Depth 1: the claims
// dictionary below the PSDictionaryElement is a type name. The record's TenantId (the ARM
// EventData's tenantId, not a workspace's: no TimeGenerated or Type) names the tenant; with a null
// TenantId nothing does, and the rejection says the export's depth lost it (it said no more than
// "no tenantId, no tenantid claim" before). Claims held as JSON text are read.
TEST(GetAzLogDepthOne, TheTenantIsReadOrTheRejectionSaysTheDepthLostIt) {
  RecordParser parser;
  ParseContext no_tenant;  // no frame, no source tenant
  auto record = [](std::string_view tenant, std::string_view claims) {
    return R"({"Authorization":{"Action":"Microsoft.Authorization/elevateAccess/action",)"
           R"("Role":null,"Scope":"/providers/Microsoft.Authorization"},"Claims":{"Content":)" +
           std::string(claims) +
           R"(},"Properties":{"Content":"System.Collections.Generic.Dictionary`2[System.String,)"
           R"(System.String]"},"Level":4,"SubmissionTimestamp":"2025-09-12T10:00:05Z",)"
           R"("EventTimestamp":"2025-09-12T10:00:00Z","EventName":"End request",)"
           R"("Category":"Administrative","ResourceProviderName":"Microsoft.Authorization",)"
           R"("OperationName":"Microsoft.Authorization/elevateAccess/action","Status":"Succeeded",)"
           R"("Caller":"adm-ps1@northwind.example","EventDataId":"1200-0008","TenantId":)" +
           std::string(tenant) + "}";
  };
  constexpr std::string_view kCut =
      R"("System.Collections.Generic.Dictionary`2[System.String,System.String]")";
  const ParseResult& cut = parser.Parse(record("null", kCut), no_tenant);
  ASSERT_EQ(cut.rejections.size(), 1u);
  EXPECT_EQ(cut.rejections[0].reason, RejectReason::kNoTenant);
  EXPECT_NE(cut.rejections[0].detail.find("-Depth 1"), std::string_view::npos)
      << cut.rejections[0].detail;
  const std::string tenant = "\"" + std::string(kTenant) + "\"";
  const ParseResult& named = parser.Parse(record(tenant, kCut), no_tenant);
  ASSERT_EQ(named.events.size(), 1u);
  EXPECT_EQ(named.events[0].tenant_id.view(), kTenant);
  EXPECT_EQ(named.events[0].account.upn.view(), "adm-ps1@northwind.example");
  const std::string text = R"("{\"http://schemas.microsoft.com/identity/claims/tenantid\":\")" +
                           std::string(kTenant) + R"(\"}")";
  const ParseResult& as_text = parser.Parse(record("null", text), no_tenant);
  ASSERT_EQ(as_text.events.size(), 1u);
  EXPECT_EQ(as_text.events[0].tenant_id.view(), kTenant);
  // A Log Analytics AzureActivity row's TenantId is still its workspace, never the tenant.
  const std::string row =
      R"({"TimeGenerated":"2025-09-12T10:00:00Z","Type":"AzureActivity","TenantId":)" + tenant +
      R"(,"OperationNameValue":"Microsoft.Authorization/elevateAccess/action",)"
      R"("CategoryValue":"Administrative","ActivityStatusValue":"Success",)"
      R"("Caller":"adm-ps1@northwind.example","EventTimestamp":"2025-09-12T10:00:00Z"})";
  const ParseResult& la = parser.Parse(row, no_tenant);
  ASSERT_EQ(la.rejections.size(), 1u);
  EXPECT_EQ(la.rejections[0].reason, RejectReason::kNoTenant);
}

// The 2018 audit schema (z13c) names an app initiator by the envelope `identity` where
// properties.identityType is "Application" (the schema's documented kinds: Application, User):
// read as no initiator before, so Core Directory's copy of a PIM grant by "MS-PIM" was nobody's.
TEST(LegacyAuditSchema, AnApplicationInitiatorIsNamedByItsIdentity) {
  RecordParser parser;
  auto record = [](std::string_view identity, std::string_view type) {
    return R"({"records":[{"time":"2025-03-17T00:20:02.1185575Z","operationName":"Update user",)"
           R"("operationVersion":"1.0","category":"Audit","tenantId":")" +
           std::string(kTenant) +
           R"(","resultType":"Success","resultSignature":"-1","durationMs":"-1",)"
           R"("correlationId":"60d5e89a-b890-413f-9e25-a047734afe02","identity":")" +
           std::string(identity) + R"(","Level":"Informational","properties":{"identityType":")" +
           std::string(type) +
           R"(","operationType":"Update","additionalDetails":{},"additionalTargets":"",)"
           R"("targetUpdatedProperties":"","targetResourceType":)"
           R"("UPN__TenantContextID__PUID__ObjectID__ObjectClass","targetResourceName":)"
           R"("bg-01@northwind.example__x__1003BFFD9FEB17DB__7a408bdd__User",)"
           R"("auditEventCategory":"UserManagement"}}]})";
  };
  const ParseResult& app = Parse(parser, record("MS-PIM", "Application"));
  ASSERT_EQ(app.events.size(), 1u);
  EXPECT_EQ(app.events[0].actor.upn.view(), "MS-PIM");
  EXPECT_EQ(app.events[0].account.upn.view(), "bg-01@northwind.example");
  // "NA" (Microsoft's service principal sample) names nobody.
  const ParseResult& none = Parse(parser, record("NA", "NA"));
  ASSERT_EQ(none.events.size(), 1u);
  EXPECT_TRUE(none.events[0].actor.upn.view().empty());
}

// z14c: arrays flattened into numbered columns, by the HTTP Data Collector API
// ("targetResources_0_userPrincipalName_s") and by a KQL projection of TargetResources[0] (no
// suffix): read as the targets they were (read as absent before: no target, no MFA change).
TEST(NumberedColumns, TargetsFlattenedIntoNumberedColumnsAreRead) {
  RecordParser parser;
  const std::string projection =
      R"({"TimeGenerated":"2025-02-11T14:03:27Z","OperationName":"Update user",)"
      R"("Category":"UserManagement","LoggedByService":"Core Directory","Result":"success",)"
      R"("AADTenantId":")" +
      std::string(kTenant) +
      R"(","InitiatedBy_user_userPrincipalName":"adm-pchen@northwind.example",)"
      R"("TargetResources_0_type":"Other","TargetResources_0_displayName":"x",)"
      R"("TargetResources_1_userPrincipalName":"bg-02@northwind.example",)"
      R"("TargetResources_1_type":"User","TargetResources_1_id":"911c0899",)"
      R"("TargetResources_1_modifiedProperties_0_displayName":"TargetId.UserType",)"
      R"("TargetResources_1_modifiedProperties_1_newValue":"[{\"MethodType\":6}]",)"
      R"("TargetResources_1_modifiedProperties_1_displayName":"StrongAuthenticationMethod"})";
  const ParseResult& r = Parse(parser, projection);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].account.upn.view(), "bg-02@northwind.example");
  EXPECT_EQ(r.events[0].actor.upn.view(), "adm-pchen@northwind.example");
  EXPECT_NE(r.events[0].audit.flags & static_cast<uint16_t>(AuditFlag::kStrongAuthMethodModified),
            0);
  // additionalDetails flattened likewise: a role named by its template id alone (PIM's records).
  const std::string details =
      R"({"TimeGenerated":"2025-02-11T14:03:29Z",)"
      R"x("OperationName":"Add member to role completed (PIM activation)",)x"
      R"("Category":"RoleManagement","LoggedByService":"PIM","Result":"success",)"
      R"("AADTenantId":")" +
      std::string(kTenant) +
      R"(","InitiatedBy_user_userPrincipalName":"adm-pchen@northwind.example",)"
      R"("TargetResources_0_type":"Role","TargetResources_0_id":"r1",)"
      R"("TargetResources_2_type":"User","TargetResources_2_userPrincipalName":"adm-pchen@northwind.example",)"
      R"("AdditionalDetails_0_key":"ipaddr","AdditionalDetails_0_value":"192.0.2.9",)"
      R"("AdditionalDetails_1_key":"TemplateId",)"
      R"("AdditionalDetails_1_value":"62e90394-69f5-4237-9190-012177145e10"})";
  const ParseResult& pim = Parse(parser, details);
  ASSERT_EQ(pim.events.size(), 1u);
  EXPECT_EQ(pim.events[0].audit.role_name.view(), "Global Administrator");
  EXPECT_EQ(pim.events[0].account.upn.view(), "adm-pchen@northwind.example");
  // A target index past the slots is not read, and no record is refused for it; the next record
  // starts with no numbered target of the last.
  const std::string far =
      R"({"TimeGenerated":"2025-02-11T14:03:28Z","OperationName":"Update user",)"
      R"("Category":"UserManagement","LoggedByService":"Core Directory","Result":"success",)"
      R"("AADTenantId":")" +
      std::string(kTenant) +
      R"(","InitiatedBy_user_userPrincipalName":"adm-pchen@northwind.example",)"
      R"("TargetResources_9999_userPrincipalName":"bg-02@northwind.example",)"
      R"("TargetResources_9999_type":"User"})";
  const ParseResult& past = Parse(parser, far);
  EXPECT_TRUE(past.rejections.empty());
  ASSERT_EQ(past.events.size(), 1u);
  EXPECT_TRUE(past.events[0].account.upn.view().empty());
}

// z15a-c: KQL projections that keep neither `Type` nor LoggedByService. An AuditLogs projection
// (`project TimeGenerated, OperationName, Identity, TargetResources`, a published hunting query;
// or ActivityDisplayName instead of OperationName) and an AzureActivity one (`project
// TimeGenerated, Caller, OperationNameValue, ActivityStatusValue`) were unknown_format.
TEST(TypelessProjection, AuditAndActivityRowsAreKnownByTheirOwnColumns) {
  RecordParser parser;
  const std::string initiated_by =
      R"("InitiatedBy":"{\"user\":{\"userPrincipalName\":\"adm-kmori@northwind.example\"}}")";
  for (std::string_view activity : {"OperationName", "ActivityDisplayName"}) {
    const ParseResult& r =
        Parse(parser, R"({"TimeGenerated":"2025-03-04T09:15:02.441Z",")" + std::string(activity) +
                          R"(":"Add member to role",)" + initiated_by + "}");
    ASSERT_EQ(r.events.size(), 1u) << activity;
    EXPECT_EQ(r.events[0].kind, EventKind::kAudit);
    EXPECT_EQ(r.events[0].actor.upn.view(), "adm-kmori@northwind.example");
  }
  // TargetResources alone (no initiator column) names an audit row too.
  const ParseResult& targets = Parse(
      parser,
      R"({"TimeGenerated":"2025-03-04T09:15:02.441Z","OperationName":"Delete user",)"
      R"("TargetResources":"[{\"type\":\"User\",\"userPrincipalName\":\"temp.svc@northwind.example\"}]"})");
  ASSERT_EQ(targets.events.size(), 1u);
  EXPECT_EQ(targets.events[0].kind, EventKind::kAudit);
  // An operation and a time alone name no table: still refused, as before.
  const ParseResult& bare = Parse(
      parser, R"({"TimeGenerated":"2025-03-04T09:15:02.441Z","OperationName":"Delete user"})");
  EXPECT_TRUE(bare.events.empty());
  ASSERT_EQ(bare.rejections.size(), 1u);
  EXPECT_EQ(bare.rejections[0].reason, RejectReason::kUnknownFormat);
  // A null InitiatedBy is no audit column.
  const ParseResult& null_initiator = Parse(
      parser,
      R"({"TimeGenerated":"2025-03-04T09:15:02.441Z","OperationName":"Delete user","InitiatedBy":null})");
  EXPECT_TRUE(null_initiator.events.empty());
  // AzureActivity: OperationNameValue is that table's column alone.
  const std::string activity_row =
      R"({"TimeGenerated":"2025-09-12T09:31:44.019Z","Caller":"adm-bkaur@northwind.example",)"
      R"("OperationNameValue":"Microsoft.Authorization/elevateAccess/action",)"
      R"("ActivityStatusValue":"Success")";
  const ParseResult& elevation = Parse(parser, activity_row + "}");
  ASSERT_EQ(elevation.events.size(), 1u);
  EXPECT_EQ(elevation.events[0].kind, EventKind::kAzureActivity);
  EXPECT_TRUE(elevation.events[0].elevate_access);
  EXPECT_EQ(elevation.events[0].account.upn.view(), "adm-bkaur@northwind.example");
  // ... and one of another Activity log category is skipped as such, not refused.
  const ParseResult& health = Parse(parser, activity_row + R"(,"CategoryValue":"ServiceHealth"})");
  EXPECT_TRUE(health.events.empty());
  EXPECT_TRUE(health.rejections.empty());
  ASSERT_EQ(health.skipped.size(), 1u);
  EXPECT_EQ(health.skipped[0].category, SkippedCategory::kActivityOther);
}

}  // namespace
}  // namespace privmon
