// Graph shapes beside the plain page: a JSON batch response (POST /$batch, whose responses each
// hold the page or object a request would have answered alone) and Identity Protection's objects
// (riskyUsers, riskDetections, their service principal forms) without an @odata annotation.
#include <gtest/gtest.h>

#include <string>

#include "parsers/record_parser.h"

namespace privmon {
namespace {

constexpr std::string_view kGraphBatchTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

const ParseResult& GraphBatchParse(RecordParser& parser, std::string_view json) {
  ParseContext ctx;
  ctx.source_tenant = kGraphBatchTenant;
  return parser.Parse(json, ctx);
}

// A Graph v1.0 signIn as the signIns page writes it.
constexpr std::string_view kSignIn =
    R"({"id":"de1de16d-c633-5d93-86c6-8e68d18a26cf","createdDateTime":"2025-05-06T07:42:19Z",)"
    R"("userPrincipalName":"adm-egarcia@northwind.example","userId":"76e93d01-bdfe-56dd-b663-076e69ceb7bb",)"
    R"("appId":"00000003-0000-0ff1-ce00-000000000000","ipAddress":"192.0.2.200","clientAppUsed":"Browser",)"
    R"("status":{"errorCode":50126,"failureReason":"Invalid username or password."}})";

// A userRegistrationDetails record (case 06's shape).
constexpr std::string_view kRegistration =
    R"({"id":"dd4acd05-616f-5a71-b6f9-e22a10b8e3e0","userPrincipalName":"RKhan@Northwind.example",)"
    R"("isAdmin":true,"isMfaRegistered":false,"lastUpdatedDateTime":"2025-03-13T19:15:41.6195833Z",)"
    R"("methodsRegistered":[],"userType":"member"})";

std::string Response(std::string_view id, int status, std::string_view body) {
  return R"({"id":")" + std::string(id) + R"(","status":)" + std::to_string(status) +
         R"(,"headers":{"Cache-Control":"no-cache","Content-Type":"application/json"},"body":)" +
         std::string(body) + "}";
}

constexpr std::string_view kForbidden =
    R"({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.",)"
    R"("innerError":{"date":"2025-02-13T10:17:06","request-id":"93b6f17e-c05d-4f45-ad2a-6665c708d8a0"}}})";

TEST(GraphBatchResponse, EachSuccessfulBodyIsReadAsItsPageAndAFailedOneIsRejected) {
  RecordParser parser;
  const std::string sign_ins =
      R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[)" +
      std::string(kSignIn) + "]}";
  const std::string registrations =
      R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails","value":[)" +
      std::string(kRegistration) + "]}";
  const std::string failed = Response("3", 403, kForbidden);
  const std::string batch = R"({"responses":[)" + Response("1", 200, sign_ins) + "," +
                            Response("2", 200, registrations) + "," + failed + "]}";
  const ParseResult& r = GraphBatchParse(parser, batch);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].kind, EventKind::kSignIn);
  EXPECT_EQ(r.events[0].signin.error_code, 50126);
  EXPECT_EQ(r.event_raw[0], kSignIn);  // the record's own bytes, not the response's
  EXPECT_EQ(r.events[1].kind, EventKind::kMfaRegistration);
  EXPECT_EQ(r.event_raw[1], kRegistration);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].reason, RejectReason::kErrorResponse);
  EXPECT_EQ(r.rejections[0].raw, failed);  // dead-lettered with its error code and message
  EXPECT_FALSE(r.rejections[0].detail.empty());
  EXPECT_FALSE(r.more_pages);
}

TEST(GraphBatchResponse, ABodyNamingItsNextPageSaysMorePagesFollow) {
  RecordParser parser;
  const std::string page =
      R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[)" +
      std::string(kSignIn) +
      R"(],"@odata.nextLink":"https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x"})";
  const ParseResult& r =
      GraphBatchParse(parser, R"({"responses":[)" + Response("1", 200, page) + "]}");
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.more_pages);
}

TEST(GraphBatchResponse, EmptyPagesNoContentAndStatusAsTextReadNothingAndRejectNothing) {
  RecordParser parser;
  const std::string batch =
      R"({"responses":[)" +
      Response(
          "1", 200,
          R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[]})") +
      R"(,{"id":"2","status":204,"headers":{}},{"id":"3","status":"200","body":{"value":[)" +
      std::string(kSignIn) + "]}}]}";
  const ParseResult& r = GraphBatchParse(parser, batch);
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_TRUE(r.skipped.empty());
}

TEST(GraphBatchResponse, AFaultyResponseIsRejectedAloneAndNothingCrashes) {
  RecordParser parser;
  const std::string batch =
      R"({"responses":[)" + Response("1", 200, R"({"value":{"id":"x"}})") + "," +
      Response("2", 429, R"({"error":{"code":"TooManyRequests","message":"Too many requests."}})") +
      R"(,"not a response",)" + Response("4", 200, R"("aGVsbG8=")") + "," +
      Response("5", 302, "null") + "," + Response("7", 200, R"("System.Collections.Hashtable")") +
      "," + Response("6", 200, R"({"value":[)" + std::string(kSignIn) + "]}") + "]}";
  const ParseResult& r = GraphBatchParse(parser, batch);
  EXPECT_EQ(r.events.size(), 1u);  // response 6
  ASSERT_EQ(r.rejections.size(), 6u);
  EXPECT_EQ(r.rejections[0].reason, RejectReason::kWrongType);      // "value" not an array
  EXPECT_EQ(r.rejections[1].reason, RejectReason::kErrorResponse);  // throttled
  EXPECT_EQ(r.rejections[2].reason, RejectReason::kNotObject);
  EXPECT_EQ(r.rejections[3].reason, RejectReason::kUnknownFormat);  // a base64 body
  EXPECT_EQ(r.rejections[4].reason, RejectReason::kErrorResponse);  // a redirect
  EXPECT_EQ(r.rejections[5].reason, RejectReason::kWrongType);      // cut by ConvertTo-Json
}

TEST(GraphBatchResponse, ABodyOfAnotherLogIsSkippedAsThatLog) {
  RecordParser parser;
  const std::string batch =
      R"({"responses":[)" +
      Response(
          "1", 200,
          R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyUsers","value":[)"
          R"({"id":"d845984f-39d4-51a2-ae83-d5abd5e8fabf","userPrincipalName":"bg-05@northwind.example","riskState":"atRisk"}]})") +
      "," +
      Response(
          "2", 200,
          R"({"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyUsers/$entity",)"
          R"("id":"d845984f-39d4-51a2-ae83-d5abd5e8fabf","userPrincipalName":"bg-05@northwind.example"})") +
      "]}";
  const ParseResult& r = GraphBatchParse(parser, batch);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejections.empty());
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].category, SkippedCategory::kRiskyUsers);
  EXPECT_EQ(r.skipped[1].category, SkippedCategory::kRiskyUsers);
}

TEST(GraphBatchResponse, ResponsesBelowTheRootAreNoBatch) {
  RecordParser parser;
  // A record with a member so named stays a record.
  const ParseResult& r = GraphBatchParse(
      parser,
      R"({"value":[{"responses":[{"id":"1","status":200,"body":{"value":[]}}],)"
      R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"u1","userPrincipalName":"a@b"}]})");
  EXPECT_EQ(r.events.size(), 1u);
}

// Identity Protection objects as a poller or an export writes them without @odata annotations:
// each is its log's (skipped), never a sign-in, never an unknown-format reject.
TEST(IdentityProtectionObjects, WithoutODataAnnotationsAreSkippedAsTheirCategory) {
  RecordParser parser;
  const std::string page =
      R"({"value":[)"
      // riskyUser (v1.0)
      R"({"id":"d845984f-39d4-51a2-ae83-d5abd5e8fabf","isDeleted":false,"isProcessing":false,)"
      R"("riskLastUpdatedDateTime":"2025-03-21T10:26:03.958Z","riskLevel":"high","riskState":"atRisk",)"
      R"("riskDetail":"none","userDisplayName":"bg-05","userPrincipalName":"bg-05@northwind.example"},)"
      // riskDetection (v1.0)
      R"({"id":"ce0ed07f","requestId":"e1b6d9d7","correlationId":"266133c2","riskEventType":"anonymizedIPAddress",)"
      R"("riskState":"atRisk","riskLevel":"high","riskDetail":"none","source":"IdentityProtection",)"
      R"("detectionTimingType":"realtime","activity":"signin","tokenIssuerType":"AzureAD","ipAddress":"192.0.2.7",)"
      R"("location":{"city":"Dresden","countryOrRegion":"DE"},"activityDateTime":"2025-03-21T10:05:06.133Z",)"
      R"("detectedDateTime":"2025-03-21T10:05:06.133Z","lastUpdatedDateTime":"2025-03-21T10:07:16.894Z",)"
      R"("userId":"d845984f-39d4-51a2-ae83-d5abd5e8fabf","userDisplayName":"bg-05","userPrincipalName":"bg-05@northwind.example"},)"
      // servicePrincipalRiskDetection
      R"({"id":"sp-rd-1","riskEventType":"leakedCredentials","riskState":"atRisk","activity":"servicePrincipal",)"
      R"("activityDateTime":"2025-03-21T10:05:06Z","detectedDateTime":"2025-03-21T10:05:06Z",)"
      R"("servicePrincipalId":"cb017df3-cd65-5184-a218-9ef4fe61f638","servicePrincipalDisplayName":"App","appId":"a1"},)"
      // riskyServicePrincipal
      R"({"id":"cb017df3-cd65-5184-a218-9ef4fe61f638","appId":"a1","displayName":"App","isEnabled":true,)"
      R"("isProcessing":false,"riskLastUpdatedDateTime":"2025-03-21T10:05:06Z","riskLevel":"high","riskState":"atRisk"},)"
      // a Log Analytics AADRiskyUsers row projected without Type
      R"({"TimeGenerated":"2025-03-21T10:26:03Z","Id":"d845984f","UserPrincipalName":"bg-05@northwind.example",)"
      R"("RiskLastUpdatedDateTime":"2025-03-21T10:26:03.958Z","RiskLevel":"high","RiskState":"atRisk"},)"
      // an AADUserRiskEvents row projected without Type
      R"({"TimeGenerated":"2025-03-21T10:26:03Z","UserId":"d845984f","UserPrincipalName":"bg-05@northwind.example",)"
      R"("RiskEventType":"passwordSpray","DetectedDateTime":"2025-03-21T10:05:06Z","IpAddress":"192.0.2.7"})"
      R"(]})";
  const ParseResult& r = GraphBatchParse(parser, page);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejections.empty()) << (r.rejections.empty() ? "" : r.rejections[0].detail);
  ASSERT_EQ(r.skipped.size(), 6u);
  EXPECT_EQ(r.skipped[0].category, SkippedCategory::kRiskyUsers);
  EXPECT_EQ(r.skipped[1].category, SkippedCategory::kUserRiskEvents);
  EXPECT_EQ(r.skipped[2].category, SkippedCategory::kRiskyServicePrincipals);
  EXPECT_EQ(r.skipped[3].category, SkippedCategory::kRiskyServicePrincipals);
  EXPECT_EQ(r.skipped[4].category, SkippedCategory::kRiskyUsers);
  EXPECT_EQ(r.skipped[5].category, SkippedCategory::kUserRiskEvents);
}

// Global Secure Access traffic has a signIn's createdDateTime and userId; without its @odata.type
// it was read as a successful sign-in of that user.
TEST(OtherLogObjects, TrafficAndProvisioningWithoutODataAnnotationsAreSkippedNotSignIns) {
  RecordParser parser;
  const ParseResult& r = GraphBatchParse(
      parser,
      R"([{"transactionId":"a4e0e12c","createdDateTime":"2025-05-06T08:10:11Z","connectionId":"Xb3Y",)"
      R"("trafficType":"internet","destinationFQDN":"www.example.org","sourceIp":"192.0.2.200",)"
      R"("deviceId":"5c1d3e2f","userId":"4c5ae8db","userPrincipalName":"bg-04@northwind.example","action":"allow"},)"
      R"({"TransactionId":"b5f1f23d","CreatedDateTime":"2025-05-06T08:10:12Z","TrafficType":"microsoft365",)"
      R"("UserId":"4c5ae8db","UserPrincipalName":"bg-04@northwind.example"},)"
      R"({"id":"5c223b95","activityDateTime":"2025-03-21T10:27:50Z","jobId":"j","cycleId":"c","changeId":"x",)"
      R"("provisioningAction":"create","provisioningStatusInfo":{"status":"skipped"},"provisioningSteps":[],)"
      R"("sourceIdentity":{"id":"d845984f","displayName":"bg-05","identityType":"User"}}])");
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejections.empty());
  ASSERT_EQ(r.skipped.size(), 3u);
  EXPECT_EQ(r.skipped[0].category, SkippedCategory::kNetworkAccess);
  EXPECT_EQ(r.skipped[1].category, SkippedCategory::kNetworkAccess);
  EXPECT_EQ(r.skipped[2].category, SkippedCategory::kProvisioning);
}

TEST(IdentityProtectionObjects, ASignInWithRiskMembersIsStillASignIn) {
  RecordParser parser;
  const ParseResult& r = GraphBatchParse(
      parser,
      R"({"id":"s1","createdDateTime":"2025-03-21T10:05:06Z","userId":"u1","userPrincipalName":"a@b",)"
      R"("riskState":"atRisk","riskLevelDuringSignIn":"high","riskLevelAggregated":"high",)"
      R"("riskEventTypes_v2":["anonymizedIPAddress"],"status":{"errorCode":0}})");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, EventKind::kSignIn);
}

}  // namespace
}  // namespace privmon
