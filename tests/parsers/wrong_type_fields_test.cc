// Fields a rule or routing reads that come with a type they cannot have (found by a breaker): a
// status.errorCode of true / [50126] / {..} / 50126.5 / null read as success, a UPN of 12345 or
// {..} dropped (a break-glass sign-in then named nobody), a tenantId of 12345 made tenant "12345".
// Each such record is now rejected as wrong_type naming the field; the types real exports write
// (an error code as a number or text, 50126.0, a null UPN beside a user id) are read as before.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "parsers/outcome.h"
#include "parsers/record_parser.h"
#include "parsers/text_util.h"

namespace privmon {
namespace {

constexpr std::string_view kWrongTypeFieldsTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

std::string GraphSignIn(std::string_view error_code, std::string_view upn = R"("bg@x.example")") {
  return R"({"id":"s1","createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
         R"("userPrincipalName":)" +
         std::string(upn) + R"(,"appId":"app","status":{"errorCode":)" + std::string(error_code) +
         "}}";
}

class WrongTypeFieldsTest : public ::testing::Test {
 protected:
  const ParseResult& Parse(const std::string& json) {
    ParseContext ctx;
    ctx.source_tenant = kWrongTypeFieldsTenant;
    return parser_.Parse(json, ctx);
  }
  // The one rejection's detail, or "accepted" / "none".
  std::string Rejected(const std::string& json) {
    const ParseResult& r = Parse(json);
    if (r.rejections.size() != 1) return r.events.size() == 1 ? "accepted" : "none";
    EXPECT_EQ(r.rejections[0].reason, RejectReason::kWrongType) << json;
    return std::string(r.rejections[0].detail);
  }
  RecordParser parser_;
};

// z9a: an error code / outcome of a type it cannot have.
TEST_F(WrongTypeFieldsTest, ErrorCodeOfAnotherTypeIsRejectedNamingTheField) {
  for (const char* code : {"true", "false", "[50126]", R"({"code":50126})", "50126.5", "null"}) {
    EXPECT_NE(Rejected(GraphSignIn(code)).find("status.errorCode"), std::string::npos) << code;
  }
  // Log Analytics ResultType and an audit's result.
  EXPECT_NE(Rejected(R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
                     R"("AADTenantId":"T","UserId":"U","ResultType":true})")
                .find("resultType"),
            std::string::npos);
  EXPECT_NE(Rejected(R"({"id":"a1","category":"RoleManagement","result":["failure"],)"
                     R"("activityDisplayName":"Add member to role","activityDateTime":)"
                     R"("2025-07-01T13:41:57Z","loggedByService":"Core Directory",)"
                     R"("initiatedBy":{"user":{"id":"u","userPrincipalName":"a@x.example"}},)"
                     R"("targetResources":[]})")
                .find("result"),
            std::string::npos);
}

TEST_F(WrongTypeFieldsTest, ErrorCodesAsRealExportsWriteThemAreRead) {
  for (const char* code : {"50126", R"("50126")", "50126.0"}) {
    const ParseResult& r = Parse(GraphSignIn(code));
    ASSERT_EQ(r.events.size(), 1u) << code;
    EXPECT_EQ(r.events[0].signin.error_code, 50126) << code;
  }
  // A null errorCode beside a resultType that states the outcome: the resultType.
  const ParseResult& r =
      Parse(R"({"time":"2025-05-06T07:42:19Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
            R"("category":"SignInLogs","resultType":"50126","properties":{"id":"de1de16d",)"
            R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
            R"("userPrincipalName":"adm@x.example","status":{"errorCode":null}}})");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].signin.error_code, 50126);
}

// z9b: an identity field of another type.
TEST_F(WrongTypeFieldsTest, IdentityFieldsOfAnotherTypeAreRejectedNamingTheField) {
  for (const char* upn : {"12345", R"({"upn":"bg@x.example"})", R"(["bg@x.example"])", "true"}) {
    EXPECT_NE(Rejected(GraphSignIn("0", upn)).find("userPrincipalName"), std::string::npos) << upn;
  }
  // A null UPN beside the user id is a sign-in as Graph writes it.
  EXPECT_EQ(Rejected(GraphSignIn("0", "null")), "accepted");
  EXPECT_NE(Rejected(R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
                     R"("AADTenantId":"T","UserId":7,"UserPrincipalName":"a@x.example",)"
                     R"("ResultType":"0"})")
                .find("userId"),
            std::string::npos);
  const std::string audit =
      R"({"id":"a1","category":"UserManagement","result":"success","activityDisplayName":)"
      R"("Update user","activityDateTime":"2025-07-01T13:41:57Z","loggedByService":)"
      R"("Core Directory","initiatedBy":{"user":{"id":"u","userPrincipalName":INITIATOR}},)"
      R"("targetResources":[{"id":"t","type":"User","userPrincipalName":TARGET}]})";
  auto with = [&](std::string_view initiator, std::string_view target) {
    std::string s = audit;
    s.replace(s.find("INITIATOR"), 9, initiator);
    s.replace(s.find("TARGET"), 6, target);
    return s;
  };
  EXPECT_EQ(Rejected(with(R"("a@x.example")", R"("bg@x.example")")), "accepted");
  EXPECT_NE(Rejected(with("42", R"("bg@x.example")")).find("initiatedBy.user.userPrincipalName"),
            std::string::npos);
  EXPECT_NE(Rejected(with(R"("a@x.example")", "{}")).find("targetResources[].userPrincipalName"),
            std::string::npos);
  EXPECT_NE(Rejected(R"({"Type":"AzureActivity","TimeGenerated":"2024-01-02T03:04:05Z",)"
                     R"("AADTenantId":"T","OperationNameValue":)"
                     R"("MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION","Caller":12})")
                .find("caller"),
            std::string::npos);
}

// z9c: a tenant field of another type.
TEST_F(WrongTypeFieldsTest, TenantFieldsOfAnotherTypeAreRejectedNamingTheField) {
  const std::string diag =
      R"({"time":"2025-05-06T07:42:19Z","tenantId":TENANT,"resourceId":)"
      R"("/tenants/5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e/providers/Microsoft.aadiam",)"
      R"("category":"SignInLogs","resultType":"0","properties":{"id":"de1de16d",)"
      R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
      R"("userPrincipalName":"adm@x.example","status":{"errorCode":0}}})";
  for (const char* tenant : {"12345", "true", "{}", "[]"}) {
    std::string s = diag;
    s.replace(s.find("TENANT"), 6, tenant);
    EXPECT_NE(Rejected(s).find("tenantId"), std::string::npos) << tenant;
  }
  EXPECT_NE(Rejected(R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
                     R"("AADTenantId":12345,"UserId":"U","ResultType":"0"})")
                .find("AADTenantId"),
            std::string::npos);
  EXPECT_NE(Rejected(GraphSignIn("0").insert(1, R"("homeTenantId":false,)")).find("homeTenantId"),
            std::string::npos);
  EXPECT_NE(
      Rejected(GraphSignIn("0").insert(1, R"("resourceTenantId":1,)")).find("resourceTenantId"),
      std::string::npos);
  // A null resource tenant (risk events, some sign-ins) is absent, as before.
  EXPECT_EQ(Rejected(GraphSignIn("0").insert(1, R"("resourceTenantId":null,)")), "accepted");
}

// z9d: a UPN holding a lone UTF-16 surrogate escape was rejected with simdjson's "Problem while
// parsing a string"; every simdjson error that reaches a reason now says what is wrong.
TEST_F(WrongTypeFieldsTest, InvalidJsonSaysWhatIsWrongWithTheText) {
  auto detail = [&](const std::string& json) {
    const ParseResult& r = Parse(json);
    EXPECT_EQ(r.rejections.size(), 1u) << json;
    if (r.rejections.size() != 1) return std::string();
    EXPECT_EQ(r.rejections[0].reason, RejectReason::kInvalidJson) << json;
    return std::string(r.rejections[0].detail);
  };
  EXPECT_NE(detail(GraphSignIn("0", R"("bg\ud800@x.example")")).find("lone UTF-16 surrogate"),
            std::string::npos);
  EXPECT_NE(detail(GraphSignIn("0", R"("bg\udc00@x.example")")).find("lone UTF-16 surrogate"),
            std::string::npos);
  EXPECT_NE(detail(GraphSignIn("0", R"("bg\q@x.example")")).find("invalid string escape"),
            std::string::npos);
  EXPECT_NE(detail(GraphSignIn("0", "\"bg\xff@x.example\"")).find("invalid UTF-8"),
            std::string::npos);
  EXPECT_NE(detail(GraphSignIn("tru")).find("malformed literal"), std::string::npos);
  EXPECT_NE(detail(GraphSignIn("0", "\"bg\t@x.example\"")).find("control character"),
            std::string::npos);
  // A surrogate pair is a character like any other.
  EXPECT_EQ(Rejected(GraphSignIn("0", R"("bg\ud83d\udd11@x.example")")), "accepted");
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

class LenientFieldsTest : public WrongTypeFieldsTest {
 protected:
  // `json` with the first `from` replaced by `to`.
  static std::string With(std::string json, std::string_view from, std::string_view to) {
    const std::size_t at = json.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) json.replace(at, from.size(), to);
    return json;
  }
  static bool Names(const std::string& detail, std::string_view field) {
    return detail.find(field) != std::string::npos;
  }
};

constexpr std::string_view kWrongTypeFieldsSignIn =
    R"({"id":"s1","createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
    R"("userPrincipalName":"bg@x.example","appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c",)"
    R"("conditionalAccessStatus":"notApplied","status":STATUS})";

// z12a: a sign-in's status that is no object was read as absent (a success): a number, a boolean,
// an array, JSON text cut short, or JSON text of a number ("50126": a failure read as success).
TEST_F(LenientFieldsTest, AStatusThatIsNoObjectIsRejectedOrReadAsItsOutcome) {
  const std::string signin(kWrongTypeFieldsSignIn);
  for (const char* status :
       {"7", "true", "[]", R"([{"errorCode":50126}])", R"("{\"errorCode\":5012")", R"("[1,")"}) {
    EXPECT_TRUE(Names(Rejected(With(signin, "STATUS", status)), "status")) << status;
  }
  // null states no outcome: rejected as a null errorCode is, unless a resultType states it.
  EXPECT_TRUE(Names(Rejected(With(signin, "STATUS", "null")), "null"));
  const ParseResult& la = Parse(
      R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
      R"("UserId":"U","ResultType":"50126","Status":null})");
  ASSERT_EQ(la.events.size(), 1u);
  EXPECT_EQ(la.events[0].signin.error_code, 50126);
  // An outcome as text is read as such: a code, also as JSON text of a number or of a string.
  for (const auto& [status, code] : std::initializer_list<std::pair<const char*, int32_t>>{
           {R"("50126")", 50126},
           {R"(" 0 ")", 0},
           {R"("\"53003\"")", 53003},
           {R"("Failure")", parsers::kFailureWithoutCode},
           {R"("\"Failure\"")", parsers::kFailureWithoutCode},
           {R"("x")", parsers::kFailureWithoutCode},
           {R"({})", 0},
           {R"("")", 0}}) {
    const ParseResult& r = Parse(With(signin, "STATUS", status));
    ASSERT_EQ(r.events.size(), 1u) << status;
    EXPECT_EQ(r.events[0].signin.error_code, code) << status;
  }
}

constexpr std::string_view kAudit =
    R"({"id":"a1","category":"RoleManagement","result":"success","activityDisplayName":)"
    R"("Add member to role","activityDateTime":"2025-07-01T13:41:57Z","operationType":"Assign",)"
    R"("loggedByService":"Core Directory","initiatedBy":{"user":{"id":"u",)"
    R"("userPrincipalName":"a@x.example"}},"targetResources":[{"id":"t","type":"User",)"
    R"("userPrincipalName":"bg@x.example","modifiedProperties":[{"displayName":)"
    R"("Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}]}]})";

// z12b: an audit record's fields of a type they cannot have were read as absent: a null result
// as a success, targets or initiator of another type as none (an audit of nobody), an activity or
// category that is an object or array as none.
TEST_F(LenientFieldsTest, AuditFieldsOfAnotherTypeAreRejectedNamingTheField) {
  const std::string audit(kAudit);
  EXPECT_EQ(Rejected(audit), "accepted");
  // operationType is read by no rule: any type is accepted.
  EXPECT_EQ(Rejected(With(audit, R"("Assign")", R"({"x":1})")), "accepted");
  EXPECT_TRUE(Names(Rejected(With(audit, R"("success")", "null")), "result"));
  for (const char* activity : {R"({"x":1})", R"(["Add member to role"])"}) {
    EXPECT_TRUE(
        Names(Rejected(With(audit, R"("Add member to role")", activity)), "activityDisplayName"))
        << activity;
  }
  EXPECT_TRUE(
      Names(Rejected(With(audit, R"("RoleManagement")", R"(["RoleManagement"])")), "category"));
  const std::string targets = audit.substr(audit.find(R"([{"id":"t")"));
  const std::string targets_json = targets.substr(0, targets.size() - 1);  // without the last }
  for (const char* other : {"7", "true", R"("x")", R"([5])"}) {
    EXPECT_TRUE(Names(Rejected(With(audit, targets_json, other)), "targetResources")) << other;
  }
  EXPECT_TRUE(
      Names(Rejected(With(audit, R"({"user":{"id":"u","userPrincipalName":"a@x.example"}})", "7")),
            "initiatedBy"));
  EXPECT_TRUE(Names(
      Rejected(With(audit, R"({"id":"u","userPrincipalName":"a@x.example"})", R"("a@x.example")")),
      "initiatedBy.user"));
  const std::string modified =
      R"([{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}])";
  for (const char* other : {"5", R"("x")", R"("[{\"displayName\":")"}) {
    EXPECT_TRUE(Names(Rejected(With(audit, modified, other)), "modifiedProperties")) << other;
  }
  // m7a: none written "" or "[]", or the array as JSON text (a stringifying shipper): read.
  for (const char* none : {R"("")", R"("[]")", R"(" [ ] ")"}) {
    EXPECT_EQ(Rejected(With(audit, modified, none)), "accepted") << none;
  }
  // The diagnostic envelope's properties, and a Log Analytics row with JSON text columns.
  const std::string diag =
      R"({"time":"2025-07-01T13:41:57Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","category":"AuditLogs",)"
      R"("properties":)" +
      audit + "}";
  EXPECT_EQ(Rejected(diag), "accepted");
  EXPECT_TRUE(Names(Rejected(With(diag, R"("success")", "null")), "result"));
  EXPECT_TRUE(Names(Rejected(With(diag, targets_json, "7")), "targetResources"));
  EXPECT_TRUE(
      Names(Rejected(With(diag, R"("properties":{)", R"("properties":7,"x":{)")), "properties"));
  const std::string la =
      R"({"Type":"AuditLogs","TimeGenerated":"2025-07-01T13:41:57Z","AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","Id":"a1",)"
      R"("Category":"RoleManagement","Result":"success","ActivityDisplayName":)"
      R"("Add member to role","ActivityDateTime":"2025-07-01T13:41:57Z",)"
      R"("LoggedByService":"Core Directory","InitiatedBy":"{\"user\":{\"id\":\"u\"}}",)"
      R"("TargetResources":"[{\"id\":\"t\",\"type\":\"User\",\"userPrincipalName\":\"b@x\"}]"})";
  EXPECT_EQ(Rejected(la), "accepted");
  EXPECT_TRUE(Names(Rejected(With(la, R"("success")", "null")), "result"));
  EXPECT_TRUE(Names(Rejected(With(la, R"(\"userPrincipalName\":\"b@x\"}]")", R"(\"userP")")),
                    "targetResources"));
  EXPECT_TRUE(Names(Rejected(With(la, R"("{\"user\":{\"id\":\"u\"}}")", "5")), "initiatedBy"));
  EXPECT_TRUE(
      Names(Rejected(With(la, R"("Add member to role")", R"(["x"])")), "activityDisplayName"));
  // An empty column and null are absent, as before.
  EXPECT_EQ(Rejected(With(la, R"("{\"user\":{\"id\":\"u\"}}")", R"("")")), "accepted");
  EXPECT_EQ(Rejected(With(audit, R"("operationType":"Assign")", R"("resultReason":null)")),
            "accepted");
}

// z12c: Azure Activity's claims and status, SecurityEvent's account and a sign-in's app ids of
// another type were read as absent: an elevation of nobody (no_account) or by its caller alone, a
// failed one as done, a sign-in of no app.
TEST_F(LenientFieldsTest, ActivitySecurityEventAndAppIdsOfAnotherTypeAreRejected) {
  const std::string act =
      R"({"Type":"AzureActivity","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
      R"("OperationNameValue":"MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION",)"
      R"("ActivityStatusValue":"Success","Claims":CLAIMS})";
  EXPECT_EQ(Rejected(With(act, "CLAIMS", R"({"upn":"root@x.example"})")), "accepted");
  for (const char* claims : {"5", R"("{\"upn\":")", "[]", R"({"upn":7})", R"({"oid":{}})"}) {
    EXPECT_TRUE(Names(Rejected(With(act, "CLAIMS", claims)), "claims")) << claims;
  }
  EXPECT_TRUE(Names(Rejected(With(With(act, "CLAIMS", R"({"upn":"root@x.example"})"),
                                  R"("Success")", R"(["Failed"])")),
                    "ActivityStatus"));
  const std::string rest =
      R"({"eventTimestamp":"2024-01-02T03:04:05Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","operationName":{"value":)"
      R"("Microsoft.Authorization/elevateAccess/action"},"caller":"root@x.example",)"
      R"("category":{"value":"Administrative"},"status":STATUS})";
  const std::string rest_ok = With(rest, "STATUS", R"({"value":"Succeeded"})");
  EXPECT_EQ(Rejected(With(rest, "STATUS", R"({"value":"Succeeded"})")), "accepted");
  EXPECT_TRUE(Names(Rejected(With(rest, "STATUS", "7")), "status"));
  EXPECT_TRUE(Names(Rejected(With(rest_ok, R"({"value":"Administrative"})", "[1]")), "category"));
  EXPECT_TRUE(
      Names(Rejected(With(rest_ok, R"({"value":"Microsoft.Authorization/elevateAccess/action"})",
                          R"(["Microsoft.Authorization/elevateAccess/action"])")),
            "operationName"));
  const std::string se =
      R"({"Type":"SecurityEvent","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
      R"("EventID":4673,"Computer":"dc1","Account":ACCOUNT})";
  EXPECT_EQ(Rejected(With(se, "ACCOUNT", R"("NW\\admin")")), "accepted");
  for (const char* account : {"7", R"({"a":1})"}) {
    EXPECT_TRUE(Names(Rejected(With(se, "ACCOUNT", account)), "Account")) << account;
  }
  const std::string signin =
      With(std::string(kWrongTypeFieldsSignIn), "STATUS", R"({"errorCode":0})");
  for (const char* app : {"5", "{}", R"(["c44b4083-3bb0-49c1-b47d-974e53cbdf3c"])"}) {
    EXPECT_TRUE(
        Names(Rejected(With(signin, R"("c44b4083-3bb0-49c1-b47d-974e53cbdf3c")", app)), "appId"))
        << app;
  }
  EXPECT_TRUE(Names(
      Rejected(
          R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
          R"("AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","UserId":"U","ResultType":"0","AppId":["x"]})"),
      "appId"));
  EXPECT_TRUE(Names(
      Rejected(
          R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
          R"("AADTenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","UserId":"U","ResultType":"0","ResourceId":{}})"),
      "resourceId"));
  EXPECT_TRUE(
      Names(Rejected(With(signin, R"("notApplied")", R"({"x":1})")), "conditionalAccessStatus"));
}

// z12a (siblings): a boolean a rule reads (isInteractive, isMfaRegistered, isAdmin, a device's
// isCompliant / isManaged) written as an object, an array, or text or a number that is no boolean,
// and a signIn's signInEventTypes that is no array, were read as absent: a non-interactive sign-in
// counted as interactive, a service principal's sign-in as a user's.
TEST_F(LenientFieldsTest, BooleansAndEventTypesOfAnotherTypeAreRejected) {
  const std::string signin =
      With(std::string(kWrongTypeFieldsSignIn), "STATUS", R"({"errorCode":0})");
  for (const char* v : {"{}", "[true]", R"("maybe")", "2"}) {
    EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                    std::string(R"("id":"s1","isInteractive":)") + v + ",")),
                      "isInteractive"))
        << v;
  }
  for (const char* v : {"true", "false", R"("True")", "0", R"("1")", R"("")", "null"}) {
    EXPECT_EQ(Rejected(With(signin, R"("id":"s1",)",
                            std::string(R"("id":"s1","isInteractive":)") + v + ",")),
              "accepted")
        << v;
  }
  EXPECT_TRUE(Names(
      Rejected(With(signin, R"("id":"s1",)", R"("id":"s1","deviceDetail":{"isCompliant":"yes"},)")),
      "isCompliant"));
  for (const char* v : {"7", R"("servicePrincipal!")", R"("[servicePrincipal")"}) {
    EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                    std::string(R"("id":"s1","signInEventTypes":)") + v + ",")),
                      "signInEventTypes"))
        << v;
  }
  // m7b: plain text names (an mv-expand row's one name, names joined by a flattening export) are
  // read as those names (wrong_type since 33e0aee).
  for (const char* v : {R"("nonInteractiveUser")", R"("interactiveUser, nonInteractiveUser")",
                        R"("\"nonInteractiveUser\"")"}) {
    const ParseResult& plain =
        Parse(R"({"id":"s3","createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
              R"("status":{"errorCode":0},"signInEventTypes":)" +
              std::string(v) + "}");
    ASSERT_EQ(plain.events.size(), 1u) << v;
    EXPECT_EQ(plain.events[0].signin.channel, SignInChannel::kNonInteractive) << v;
  }
  // Its JSON text (a dynamic column) is read as the array (it read as absent before).
  const ParseResult& text =
      Parse(R"({"id":"s2","createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
            R"("status":{"errorCode":0},"signInEventTypes":"[\"nonInteractiveUser\"]"})");
  ASSERT_EQ(text.events.size(), 1u);
  EXPECT_EQ(text.events[0].signin.channel, SignInChannel::kNonInteractive);
  EXPECT_TRUE(
      Names(Rejected(R"({"id":"U1","userPrincipalName":"a@c.com","isMfaRegistered":[false],)"
                     R"("lastUpdatedDateTime":"2024-05-01T00:00:00Z"})"),
            "isMfaRegistered"));
}

// z12d: a tenant id (or account id, record id) written in upper case kept that case in the event
// and the alert ("5E7A3C1D-..." beside "5e7a3c1d-..." for one tenant), dashless or not, whether
// it came from the record, the frame or the source: GUIDs are now lower case throughout.
TEST_F(LenientFieldsTest, GuidsOfAnyCaseReadInLowerCase) {
  const std::string upper = "5E7A3C1D-8B2F-4D6A-9C0E-1F2A3B4C5D6E";
  const std::string upper_dashless = "5E7A3C1D8B2F4D6A9C0E1F2A3B4C5D6E";
  auto la = [](std::string_view tenant) {
    return R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":")" +
           std::string(tenant) +
           R"(","Id":"DE1DE16D-0000-4000-8000-00000000000A","UserId":)"
           R"("76E93D01-0000-4000-8000-00000000000B","ResultType":"0"})";
  };
  uint64_t hash = 0;
  for (const std::string& t :
       {upper, upper_dashless, std::string(kWrongTypeFieldsTenant), "{" + upper + "}"}) {
    const ParseResult& r = Parse(la(t));
    ASSERT_EQ(r.events.size(), 1u) << t;
    const Event& e = r.events[0];
    EXPECT_EQ(e.tenant_id.view(), kWrongTypeFieldsTenant) << t;
    EXPECT_EQ(e.account.id.view(), "76e93d01-0000-4000-8000-00000000000b") << t;
    EXPECT_EQ(e.record_id.view(), "de1de16d-0000-4000-8000-00000000000a") << t;
    if (hash == 0) hash = e.tenant_hash;
    EXPECT_EQ(e.tenant_hash, hash) << t;
  }
  // The source's (--tenant) and a frame's tenant, for a record naming none.
  const std::string graph =
      R"({"id":"s1","createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
      R"("status":{"errorCode":0}})";
  for (const bool frame : {false, true}) {
    ParseContext ctx;
    (frame ? ctx.frame_tenant : ctx.source_tenant) = upper_dashless;
    const ParseResult& r = parser_.Parse(graph, ctx);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].tenant_id.view(), kWrongTypeFieldsTenant);
    EXPECT_EQ(r.events[0].tenant_hash, hash);
  }
  // Non-GUID text keeps its case.
  char buffer[36];
  EXPECT_EQ(parsers::CanonicalId(" Directory_ABC ", buffer), "Directory_ABC");
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

class FieldFaultsTest : public LenientFieldsTest {};

// An "Update user" audit of `targets` (a JSON array's members, without the brackets).
std::string UpdateUser(const std::string& targets) {
  return R"({"id":"a2","category":"UserManagement","result":"success","activityDisplayName":)"
         R"("Update user","activityDateTime":"2025-02-11T14:03:27Z","loggedByService":)"
         R"("Core Directory","initiatedBy":{"app":{"displayName":"Azure MFA )"
         R"(StrongAuthenticationService","servicePrincipalId":"26ff5bce"}},"targetResources":[)" +
         targets + "]}";
}
// A target whose modifiedProperties is JSON text (a stringifying shipper) of one property.
std::string TextTarget(const std::string& id, const std::string& type, const std::string& property,
                       const std::string& new_value) {
  return R"({"id":")" + id + R"(","type":")" + type +
         R"(","userPrincipalName":"bg@x.example","modifiedProperties":"[{\"displayName\":\")" +
         property + R"(\",\"oldValue\":\"[]\",\"newValue\":\")" + new_value + R"(\"}]"})";
}

// m8b: a target's modifiedProperties as JSON text was read for one target per record (one parse
// slot): a second target's non-empty text in the same record was refused as wrong_type, the whole
// record lost (a break-glass account's MFA change behind another target raised no PRIV-BG-04).
// Every target's text is read now; past the slots that keep their views, a target is still read
// for what it changes, never refused.
TEST_F(FieldFaultsTest, EveryTargetsModifiedPropertiesTextIsRead) {
  const std::string other = TextTarget("d1", "Device", "DisplayName", "pc-01");
  const std::string mfa = TextTarget("t1", "User", "StrongAuthenticationMethod", "[6]");
  const ParseResult& two = Parse(UpdateUser(other + "," + mfa));
  ASSERT_EQ(two.rejections.size(), 0u) << two.rejections[0].detail;
  ASSERT_EQ(two.events.size(), 1u);
  EXPECT_NE(two.events[0].audit.flags & kStrongAuthMethodModified, 0);
  // The role a second target's text names is read too.
  const std::string role =
      TextTarget("t2", "User", "Role.DisplayName", R"(\\\"Global Administrator\\\")");
  const ParseResult& named = Parse(With(std::string(kAudit), R"([{"id":"t","type":"User",)",
                                        "[" + other + "," + role + R"(,{"id":"t","type":"User",)"));
  ASSERT_EQ(named.events.size(), 1u)
      << (named.rejections.empty() ? "" : named.rejections[0].detail);
  EXPECT_EQ(named.events[0].audit.role_name.view(), "Global Administrator");
  // Forty targets with text: every one read, the MFA change of the last one too.
  std::string many;
  for (int i = 0; i < 39; ++i) many += other + ",";
  const ParseResult& forty = Parse(UpdateUser(many + mfa));
  ASSERT_EQ(forty.rejections.size(), 0u) << forty.rejections[0].detail;
  ASSERT_EQ(forty.events.size(), 1u);
  EXPECT_NE(forty.events[0].audit.flags & kStrongAuthMethodModified, 0);
  // Text that is no JSON array is still of the wrong type, in any target.
  const std::string cut = R"({"id":"t9","type":"User","modifiedProperties":"[{\"displayName\":"})";
  EXPECT_TRUE(Names(Rejected(UpdateUser(other + "," + cut + "," + other)), "modifiedProperties"));
}

// m8c: fields of a type they cannot have that were read as absent: signInEventTypes as an object
// (a service principal's sign-in read as a user's), an Azure Activity `identity` that is a number
// (rejected as no_account, naming no field); a JSON-text column nested deeper than 64 levels (read
// as absent) and a JSON-text column given twice (the second spelling ignored: a "null" first one
// hid it).
TEST_F(FieldFaultsTest, WrongTypesOnceReadAsAbsentAreNamed) {
  const std::string signin =
      With(std::string(kWrongTypeFieldsSignIn), "STATUS", R"({"errorCode":0})");
  for (const char* v : {R"({"type":"servicePrincipal"})", "{}", R"({"value":"x","Count":1})"}) {
    EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                    std::string(R"("id":"s1","signInEventTypes":)") + v + ",")),
                      "signInEventTypes"))
        << v;
  }
  // Windows PowerShell 5.1's {"value":[...],"Count":n} of an array is that array.
  const ParseResult& ps =
      Parse(With(signin, R"("id":"s1",)",
                 R"("id":"s1","signInEventTypes":{"value":["nonInteractiveUser"],"Count":1},)"));
  ASSERT_EQ(ps.events.size(), 1u);
  EXPECT_EQ(ps.events[0].signin.channel, SignInChannel::kNonInteractive);

  const std::string activity =
      R"({"time":"2024-01-02T03:04:05Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
      R"("operationName":"MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION","category":)"
      R"("Administrative","resultType":"Success","identity":IDENTITY})";
  EXPECT_EQ(Rejected(With(activity, "IDENTITY",
                          R"({"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/)"
                          R"(claims/upn":"root@x.example"}})")),
            "accepted");
  for (const char* v : {"42", "true", R"([{"claims":{}}])"}) {
    EXPECT_TRUE(Names(Rejected(With(activity, "IDENTITY", v)), "identity")) << v;
  }

  // Nested deeper than 64 levels inside JSON text: rejected as too_deep naming the column.
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += R"({\"a\":)";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  const std::string la =
      R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":)"
      R"("5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","UserId":"U","ResultType":"0",)"
      R"("DeviceDetail":"DEVICE"})";
  const ParseResult& too_deep = Parse(With(la, "DEVICE", deep));
  ASSERT_EQ(too_deep.rejections.size(), 1u);
  EXPECT_EQ(too_deep.rejections[0].reason, RejectReason::kTooDeep);
  EXPECT_TRUE(Names(std::string(too_deep.rejections[0].detail), "deviceDetail"));

  // Given twice (two spellings of the status as JSON text): the second is read too.
  const std::string twice =
      R"({"Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":)"
      R"("5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","UserId":"U",)"
      R"("Status":"{}","status":"{\"errorCode\":50126}"})";
  const ParseResult& failed = Parse(twice);
  ASSERT_EQ(failed.events.size(), 1u)
      << (failed.rejections.empty() ? "" : failed.rejections[0].detail);
  EXPECT_EQ(failed.events[0].signin.error_code, 50126);
  // A third spelling is refused, naming why.
  EXPECT_TRUE(Names(Rejected(With(twice, R"("Status":"{}",)", R"("Status":"{}","STATUS":"{}",)")),
                    "more than once"));
}

// m8c (hunt): nested text fields a rule reads, written as an object or an array, were read as
// absent: a device or place of a sign-in (new-device and new-location rules), an authentication
// step's or status's details (a fraud report, PRIV-SI-08), an Azure Activity status's value (a
// failed elevation read as done), an initiating app's name (PIM's own copies), a modified
// property's name (an MFA change, a role). Each is now wrong_type naming the field; text, numbers
// and null read as before. isInteractive "Yes" / "No": no real exporter writes it (the Entra
// tables type it bool; Graph, Elastic, Sentinel and the corpus write true / false): wrong_type.
TEST_F(FieldFaultsTest, NestedTextFieldsOfAnotherTypeAreRejectedNamingTheField) {
  const std::string signin =
      With(std::string(kWrongTypeFieldsSignIn), "STATUS", R"({"errorCode":0})");
  const std::string audit_with_details =
      With(std::string(kAudit), R"("operationType":"Assign",)",
           R"("operationType":"Assign","additionalDetails":[{"key":"TemplateId","value":VALUE}],)");
  const std::pair<const char*, const char*> nested[] = {
      {R"("deviceDetail":{"deviceId":X})", "deviceDetail.deviceId"},
      {R"("deviceDetail":{"displayName":X})", "deviceDetail.displayName"},
      {R"("deviceDetail":{"operatingSystem":X})", "deviceDetail.operatingSystem"},
      {R"("deviceDetail":{"browser":X})", "deviceDetail.browser"},
      {R"("location":{"city":X})", "location.city"},
      {R"("location":{"countryOrRegion":X})", "location.countryOrRegion"},
      {R"("authenticationDetails":[{"authenticationStepResultDetail":X}])",
       "authenticationStepResultDetail"},
  };
  for (const auto& [field, name] : nested) {
    const std::string member = field;
    const std::string at = member.substr(0, member.find('X'));
    const std::string rest = member.substr(member.find('X') + 1);
    for (const char* v : {R"({"a":1})", R"(["x"])"}) {
      EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                      std::string(R"("id":"s1",)") + at + v + rest + ",")),
                        name))
          << name << " " << v;
    }
    for (const char* v : {R"("x")", "7", "null"}) {
      EXPECT_EQ(Rejected(With(signin, R"("id":"s1",)",
                              std::string(R"("id":"s1",)") + at + v + rest + ",")),
                "accepted")
          << name << " " << v;
    }
  }
  EXPECT_TRUE(Names(Rejected(With(std::string(kWrongTypeFieldsSignIn), "STATUS",
                                  R"({"errorCode":0,"additionalDetails":{"x":1}})")),
                    "status.additionalDetails"));
  EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                  R"("id":"s1","signInEventTypes":[{"t":"servicePrincipal"}],)")),
                    "signInEventTypes"));
  EXPECT_TRUE(Names(Rejected(With(audit_with_details, "VALUE", R"({"id":"62e90394"})")),
                    "additionalDetails"));
  EXPECT_EQ(Rejected(With(audit_with_details, "VALUE", R"("62e90394")")), "accepted");
  EXPECT_EQ(Rejected(With(With(audit_with_details, "VALUE", R"({"id":"62e90394"})"),
                          R"("key":"TemplateId")", R"("key":"Other")")),
            "accepted");
  for (const char* v : {R"("Yes")", R"("No")"}) {
    EXPECT_TRUE(Names(Rejected(With(signin, R"("id":"s1",)",
                                    std::string(R"("id":"s1","isInteractive":)") + v + ",")),
                      "isInteractive"))
        << v;
  }
  const std::string rest =
      R"({"eventTimestamp":"2024-01-02T03:04:05Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","operationName":{"value":)"
      R"("Microsoft.Authorization/elevateAccess/action"},"caller":"root@x.example",)"
      R"("category":{"value":"Administrative"},"status":STATUS})";
  EXPECT_TRUE(Names(Rejected(With(rest, "STATUS", R"({"value":{"v":"Failed"}})")), "status.value"));
  EXPECT_TRUE(Names(Rejected(With(rest, "STATUS", R"({"localizedValue":["Failed"]})")),
                    "status.localizedValue"));
  const std::string audit(kAudit);
  EXPECT_TRUE(Names(Rejected(With(audit, R"("displayName":"Role.DisplayName")",
                                  R"("displayName":{"n":"Role.DisplayName"})")),
                    "modifiedProperties[].displayName"));
  EXPECT_TRUE(Names(Rejected(With(audit, R"({"user":{"id":"u","userPrincipalName":"a@x.example"}})",
                                  R"({"app":{"displayName":["MS-PIM"]}})")),
                    "initiatedBy.app.displayName"));
}

}  // namespace
}  // namespace privmon
