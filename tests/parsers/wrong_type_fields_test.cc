// Fields a rule or routing reads that come with a type they cannot have (found by a breaker): a
// status.errorCode of true / [50126] / {..} / 50126.5 / null read as success, a UPN of 12345 or
// {..} dropped (a break-glass sign-in then named nobody), a tenantId of 12345 made tenant "12345".
// Each such record is now rejected as wrong_type naming the field; the types real exports write
// (an error code as a number or text, 50126.0, a null UPN beside a user id) are read as before.
#include <gtest/gtest.h>

#include <string>

#include "parsers/record_parser.h"

namespace privmon {
namespace {

constexpr std::string_view kTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

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
    ctx.source_tenant = kTenant;
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
