// Leftovers of the field-fault hunts (tests/regressions k13*): Elasticsearch _mget responses,
// bulk update bodies and hits with `fields` only; tenant ids without dashes; outcome texts after a
// byte order mark; directory objects skipped as such; back-to-back objects whose records are read
// from decoded text.
#include <gtest/gtest.h>

#include <string>

#include "parsers/outcome.h"
#include "parsers/record_parser.h"
#include "parsers/text_util.h"

namespace privmon {
namespace {

constexpr std::string_view kLeftFaultsTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";
constexpr std::string_view kTenantNoDashes = "5e7a3c1d8b2f4d6a9c0e1f2a3b4c5d6e";

const ParseResult& LeftFaultsParse(RecordParser& parser, std::string_view json) {
  ParseContext ctx;
  ctx.source_tenant = kLeftFaultsTenant;
  ctx.multi_tenant = true;  // the source tenant only fills in
  return parser.Parse(json, ctx);
}

constexpr std::string_view kLeftFaultsDiagSignIn =
    R"({"time":"2025-05-06T07:42:19Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
    R"("category":"SignInLogs","resultType":"50126","properties":{"id":"de1de16d",)"
    R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
    R"("userPrincipalName":"adm-egarcia@northwind.example","status":{"errorCode":50126}}})";

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// k13a: an _mget response's documents are its records; a document not found (or in error) is
// refused as such, not as an unknown object.
TEST(ElasticsearchShapes, MgetDocumentsAreRecordsAndMissingOnesAreRefusedAsSuch) {
  RecordParser parser;
  const std::string found = R"({"_index":"azure","_id":"a1","_version":1,"found":true,"_source":)" +
                            std::string(kLeftFaultsDiagSignIn) + "}";
  const std::string mget =
      R"({"docs":[)" + found + R"(,{"_index":"azure","_id":"a2","found":false},)" +
      R"({"_index":"gone","_id":"a3","error":{"type":"index_not_found_exception"}}]})";
  const ParseResult& r = LeftFaultsParse(parser, mget);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.event_raw[0], found);
  ASSERT_EQ(r.rejections.size(), 2u);
  for (const Rejection& rejection : r.rejections) {
    EXPECT_EQ(rejection.reason, RejectReason::kErrorResponse);
    EXPECT_NE(rejection.detail.find("not found"), std::string_view::npos) << rejection.detail;
  }
  EXPECT_EQ(r.rejections[0].raw, R"({"_index":"azure","_id":"a2","found":false})");
}

// k13a: a bulk update body's "doc" (else its "upsert") is the document; an action line is still
// no record, and a record that merely has a "doc" member among its own is read as itself.
TEST(ElasticsearchShapes, BulkUpdateBodiesAreTheirDocuments) {
  RecordParser parser;
  EXPECT_EQ(LeftFaultsParse(parser, R"({"update":{"_index":"azure","_id":"a1"}})").records(), 0u);
  for (const std::string& body :
       {R"({"doc":)" + std::string(kLeftFaultsDiagSignIn) + "}",
        R"({"doc":)" + std::string(kLeftFaultsDiagSignIn) + R"(,"doc_as_upsert":true})",
        R"({"script":{"source":"ctx._source.n += 1","lang":"painless"},"upsert":)" +
            std::string(kLeftFaultsDiagSignIn) + "}"}) {
    const ParseResult& r = LeftFaultsParse(parser, body);
    ASSERT_EQ(r.events.size(), 1u) << body;
    EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
    EXPECT_EQ(r.event_raw[0], body);
  }
  std::string with_doc(kLeftFaultsDiagSignIn);
  with_doc.insert(1, R"("doc":{"note":"x"},)");
  const ParseResult& own = LeftFaultsParse(parser, with_doc);
  ASSERT_EQ(own.events.size(), 1u);
  EXPECT_EQ(own.events[0].account.upn.view(), "adm-egarcia@northwind.example");
}

// k13a: a hit with `fields` only reads its event.original (values are arrays); without it, or
// without any document, it is refused with what it lacks.
TEST(ElasticsearchShapes, HitsWithFieldsOnlyReadEventOriginalElseSayWhatIsMissing) {
  RecordParser parser;
  const std::string with_original =
      R"({"_index":"logs-azure.signinlogs","_id":"h1","_score":1.0,"fields":{"ecs.version":)"
      R"(["8.11.0"],"event.original":[)" +
      JsonString(kLeftFaultsDiagSignIn) + R"(],"azure.tenant_id":["5e7a3c1d"]}})";
  const ParseResult& r = LeftFaultsParse(parser, with_original);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
  EXPECT_EQ(r.event_raw[0], kLeftFaultsDiagSignIn);
  const ParseResult& flattened = LeftFaultsParse(
      parser,
      R"({"_index":"logs-azure.signinlogs","_id":"h2","_score":1.0,"fields":{"ecs.version":)"
      R"(["8.11.0"],"azure.signinlogs.properties.user_principal_name":["a@northwind.example"]}})");
  ASSERT_EQ(flattened.rejections.size(), 1u);
  EXPECT_EQ(flattened.rejections[0].reason, RejectReason::kUnknownFormat);
  EXPECT_NE(flattened.rejections[0].detail.find("\"fields\""), std::string_view::npos);
  const ParseResult& bare =
      LeftFaultsParse(parser, R"({"_index":"azure","_id":"h3","_score":1.0})");
  ASSERT_EQ(bare.rejections.size(), 1u);
  EXPECT_NE(bare.rejections[0].detail.find("without \"_source\""), std::string_view::npos);
}

// k13b: a tenant id without dashes is the dashed one, from the record, the frame or the source:
// one tenant hash and the dashed id; a feed bound to the tenant so written keeps its records.
TEST(TenantIds, WithoutDashesAreTheDashedId) {
  RecordParser parser;
  std::string record(kLeftFaultsDiagSignIn);
  const ParseResult& dashed = LeftFaultsParse(parser, record);
  ASSERT_EQ(dashed.events.size(), 1u);
  const uint64_t hash = dashed.events[0].tenant_hash;
  record.replace(record.find(kLeftFaultsTenant), kLeftFaultsTenant.size(),
                 "{5E7A3C1D8B2F4D6A9C0E1F2A3B4C5D6E}");
  const ParseResult& braced = LeftFaultsParse(parser, record);
  ASSERT_EQ(braced.events.size(), 1u);
  EXPECT_EQ(braced.events[0].tenant_hash, hash);
  ParseContext bound;
  bound.frame_tenant = kTenantNoDashes;
  bound.source_tenant = kLeftFaultsTenant;
  const ParseResult& framed = parser.Parse(kLeftFaultsDiagSignIn, bound);
  ASSERT_EQ(framed.events.size(), 1u)
      << (framed.rejections.empty() ? std::string_view() : framed.rejections[0].detail);
  EXPECT_EQ(framed.events[0].tenant_hash, hash);
  EXPECT_EQ(framed.events[0].tenant_id.view(), kLeftFaultsTenant);
}

// k13c: an outcome after a byte order mark (a .NET writer's "\ufeffSucceeded") is that outcome.
TEST(OutcomeTexts, AfterAByteOrderMarkReadAsWithout) {
  EXPECT_EQ(parsers::ReadOutcome("\xEF\xBB\xBFSucceeded"), parsers::Outcome::kSuccess);
  EXPECT_EQ(parsers::ReadOutcome(" \xEF\xBB\xBF Failed"), parsers::Outcome::kFailure);
  EXPECT_TRUE(parsers::ActivitySucceeded("", "\xEF\xBB\xBFSucceeded"));
  EXPECT_EQ(parsers::ParseBoolText("\xEF\xBB\xBF"
                                   "false"),
            false);
  EXPECT_EQ(parsers::SignInErrorCode("\xEF\xBB\xBF"
                                     "50126",
                                     ""),
            50126);
}

// k13d: a query's row of a user's Graph properties (no Type) and Sentinel's IdentityInfo rows are
// directory objects, skipped as such, not as another log's records.
TEST(DirectoryObjects, QueryRowsOfUsersAreSkippedAsDirectoryObjects) {
  RecordParser parser;
  const ParseResult& row = LeftFaultsParse(
      parser,
      R"({"tables":[{"name":"PrimaryResult","columns":[{"name":"createdDateTime","type":)"
      R"("datetime"},{"name":"userPrincipalName","type":"string"},{"name":"givenName","type":)"
      R"("string"}],"rows":[["2025-05-06T07:50:02Z","bg-04@northwind.example","Break"]]}]})");
  ASSERT_EQ(row.skipped.size(), 1u);
  EXPECT_EQ(row.skipped[0].category, SkippedCategory::kDirectoryObject);
  EXPECT_EQ(SkippedCategoryName(row.skipped[0].category), "directory_object");
  const ParseResult& identity_info = LeftFaultsParse(
      parser, R"({"TimeGenerated":"2025-05-06T07:50:02Z","Type":"IdentityInfo","AccountUPN":)"
              R"("bg-04@northwind.example","GivenName":"Break","AccountObjectId":"4c5ae8db"})");
  ASSERT_EQ(identity_info.skipped.size(), 1u);
  EXPECT_EQ(identity_info.skipped[0].category, SkippedCategory::kDirectoryObject);
}

// A poller that lists other Graph entity sets beside the logs: Intune's audit events, PIM's
// schedule requests (their members from Graph's auditEvent and unifiedRoleAssignmentScheduleRequest
// resources) are skipped as graph_other_resource, not rejected as of no known format. An object
// of a sign-in page that cannot be read stays a reject (breaker rounds 117, 119).
TEST(GraphOtherResources, ObjectsOfEntitySetsPrivmonReadsNoLogFromAreSkipped) {
  RecordParser parser;
  const ParseResult& intune = LeftFaultsParse(
      parser,
      R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#deviceManagement/)"
      R"(auditEvents","value":[{"id":"5f1c9a2e","displayName":"Delete DeviceConfiguration",)"
      R"("componentName":"DeviceConfiguration","activity":"Delete DeviceConfiguration",)"
      R"("activityDateTime":"2025-05-06T07:42:19Z","activityType":"Delete DeviceConfiguration",)"
      R"("activityOperationType":"Delete","activityResult":"Success","correlationId":"9a1b",)"
      R"("category":"DeviceConfiguration","actor":{"userPrincipalName":)"
      R"("adm-egarcia@northwind.example"},"resources":[]}]})");
  EXPECT_TRUE(intune.rejections.empty());
  ASSERT_EQ(intune.skipped.size(), 1u);
  EXPECT_EQ(SkippedCategoryName(intune.skipped[0].category), "graph_other_resource");
  const ParseResult& request = LeftFaultsParse(
      parser,
      R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/)"
      R"(roleAssignmentScheduleRequests/$entity","id":"7c3e","action":"selfActivate",)"
      R"("principalId":"76e93d01","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10",)"
      R"("directoryScopeId":"/","status":"Provisioned","createdDateTime":"2025-05-06T07:42:19Z"})");
  EXPECT_TRUE(request.rejections.empty());
  ASSERT_EQ(request.skipped.size(), 1u);
  EXPECT_EQ(request.skipped[0].category, SkippedCategory::kGraphOtherResource);
  // The same object in a sign-ins page: that log's record, which cannot be read, is refused.
  const ParseResult& signins = LeftFaultsParse(
      parser, R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",)"
              R"("value":[{"id":"7c3e","action":"selfActivate","principalId":"76e93d01"}]})");
  EXPECT_TRUE(signins.skipped.empty());
  EXPECT_EQ(signins.rejections.size(), 1u);
}

// A record of a table or a category privmon does not read is rejected with its name.
TEST(UnsupportedSources, RejectDetailNamesTheTableOrCategory) {
  RecordParser parser;
  const ParseResult& row = LeftFaultsParse(
      parser, R"({"TimeGenerated":"2025-05-06T07:42:19Z","Type":"IdentityLogonEvents",)"
              R"("ActionType":"LogonFailed","AccountUpn":"adm-egarcia@northwind.example"})");
  ASSERT_EQ(row.rejections.size(), 1u);
  EXPECT_EQ(row.rejections[0].detail,
            "Log Analytics row of an unsupported Type: IdentityLogonEvents");
  const ParseResult& record = LeftFaultsParse(
      parser,
      R"({"time":"2025-05-06T07:42:19Z","category":"FunctionAppLogs","resourceId":)"
      R"("/SUBSCRIPTIONS/0F1E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.WEB/SITES/F1",)"
      R"("operationName":"Microsoft.Web/sites/functions/log","properties":{"level":"Info"}})");
  ASSERT_EQ(record.rejections.size(), 1u);
  EXPECT_EQ(record.rejections[0].detail,
            "diagnostic record of an unsupported category: FunctionAppLogs");
}

// f41fa21: objects written back to back are parsed one after the other with the same parser,
// whose string buffer the next parse reuses. The records read from decoded text (an ECS
// event.original) keep their own bytes, and so do refused ones, each its own object's.
TEST(BackToBackObjects, RecordsReadFromDecodedTextKeepTheirOwnBytes) {
  RecordParser parser;
  std::string second_record(kLeftFaultsDiagSignIn);
  second_record.replace(second_record.find("de1de16d"), 8, "ffffffff");
  second_record.replace(second_record.find("adm-egarcia"), 11, "adm-zzzzzzz");
  const std::string unknown_a = R"({"somethingElse":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})";
  const std::string unknown_b = R"({"somethingElse":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})";
  auto ecs = [](std::string_view original) {
    return R"({"ecs":{"version":"8.11.0"},"event":{"original":)" + JsonString(original) + "}}";
  };
  const std::string message = ecs(kLeftFaultsDiagSignIn) + ecs(unknown_a) + "\n" +
                              ecs(second_record) + "," + ecs(unknown_b);
  const ParseResult& r = LeftFaultsParse(parser, message);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.event_raw[0], kLeftFaultsDiagSignIn);
  EXPECT_EQ(r.event_raw[1], second_record);
  EXPECT_EQ(r.events[0].account.upn.view(), "adm-egarcia@northwind.example");
  EXPECT_EQ(r.events[1].account.upn.view(), "adm-zzzzzzz@northwind.example");
  ASSERT_EQ(r.rejections.size(), 2u);
  // A record of no known shape in event.original is refused as the document that carried it,
  // its bytes whole (RecordParser::EmitShipped; breaker round 64).
  EXPECT_EQ(r.rejections[0].raw, ecs(unknown_a));
  EXPECT_EQ(r.rejections[1].raw, ecs(unknown_b));
  EXPECT_FALSE(r.rejections[0].detail.empty());
}

}  // namespace
}  // namespace privmon
