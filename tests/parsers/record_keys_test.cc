// Which members of a record RecordParser reads: record keys match case-insensitively and exactly
// otherwise, byte by byte (parsers/field_collector.cc compares them eight bytes at a time, with
// only the name's letter positions folded), and an envelope's members ("records", "value",
// "tables" at the root, "@odata.*") are told from record columns by their exact names
// (record_parser.cc's one-byte classification).
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "core/hash.h"
#include "parsers/record_parser.h"

namespace privmon {
namespace {

// A Graph sign-in whose keys below are long enough for the word-wise compare (8 to 24 bytes).
constexpr std::string_view kRecordKeysSignIn =
    R"({"createdDateTime":"2024-01-02T03:04:05Z","userId":"U","tenantId":"T",)"
    R"("userPrincipalName":"a@b.c","riskLevelDuringSignIn":"high","clientAppUsed":"IMAP4",)"
    R"("conditionalAccessStatus":"failure"})";

std::string Replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

struct Read {
  bool upn = false, risk = false, client_app = false, ca_status = false;
};

class RecordKeysTest : public ::testing::Test {
 protected:
  // The fields of kRecordKeysSignIn that `message` (a variant of it) was read with.
  Read ReadFields(const std::string& message) {
    const ParseResult& r = parser_.Parse(message, ctx_);
    EXPECT_EQ(r.events.size(), 1u) << message;
    Read read;
    if (r.events.size() != 1) return read;
    const Event& e = r.events[0];
    read.upn = e.account.upn.view() == "a@b.c";
    read.risk = e.signin.risk_during == RiskLevel::kHigh;
    read.client_app = e.signin.client_app == ClientApp::kLegacy;
    read.ca_status = e.signin.ca_status == CaStatus::kFailure;
    return read;
  }
  bool ReadsKey(std::string_view key, const std::string& spelled) {
    const Read r = ReadFields(
        Replaced(kRecordKeysSignIn, "\"" + std::string(key) + "\"", "\"" + spelled + "\""));
    if (key == "userPrincipalName") return r.upn;
    if (key == "riskLevelDuringSignIn") return r.risk;
    if (key == "clientAppUsed") return r.client_app;
    return r.ca_status;
  }
  RecordParser parser_{1 << 20};
  ParseContext ctx_;
};

constexpr std::string_view kKeys[] = {"userPrincipalName", "riskLevelDuringSignIn", "clientAppUsed",
                                      "conditionalAccessStatus"};

TEST_F(RecordKeysTest, EveryKeyIsReadInAnyCase) {
  const Read plain = ReadFields(std::string(kRecordKeysSignIn));
  EXPECT_TRUE(plain.upn && plain.risk && plain.client_app && plain.ca_status);
  for (std::string_view key : kKeys) {
    std::string upper(key), lower(key), alternate(key);
    for (std::size_t i = 0; i < key.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[i])));
      lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[i])));
      alternate[i] = i % 2 ? upper[i] : lower[i];
    }
    EXPECT_TRUE(ReadsKey(key, upper)) << upper;
    EXPECT_TRUE(ReadsKey(key, lower)) << lower;
    EXPECT_TRUE(ReadsKey(key, alternate)) << alternate;
  }
}

TEST_F(RecordKeysTest, AKeyOneByteOffAtAnyPlaceIsNotRead) {
  for (std::string_view key : kKeys) {
    for (std::size_t i = 0; i < key.size(); ++i) {
      const char c = key[i];
      // Another letter; the byte that folds like a letter under |0x20 but is none ('@' for 'a'..);
      // a digit; one byte more or less.
      for (const char other : {static_cast<char>(c == 'z' ? 'y' : c + 1),
                               static_cast<char>((c | 0x20) - 0x20 - 0x01), '7'}) {
        std::string spelled(key);
        spelled[i] = other;
        EXPECT_FALSE(ReadsKey(key, spelled)) << spelled;
      }
    }
    EXPECT_FALSE(ReadsKey(key, std::string(key) + "x"));
    EXPECT_FALSE(ReadsKey(key, std::string(key.substr(0, key.size() - 1))));
  }
}

TEST_F(RecordKeysTest, ANonLetterOfAKeyNameComparesExactly) {
  // "Claims_d" (Log Analytics AzureActivity): its '_' (0x5F) must not match 0x7F, which equals it
  // under |0x20. Claims read: the account is the claim's UPN; not read: the caller's.
  const std::string row =
      R"({"Type":"AzureActivity","TimeGenerated":"2024-01-02T03:04:05Z","AADTenantId":"T",)"
      R"("OperationNameValue":"Microsoft.Resources/deployments/write","Caller":"caller@b.c",)"
      R"("Claims_d":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"claim@b.c"}})";
  for (const auto& [spelled, upn] : {std::pair{"Claims_d", "claim@b.c"},
                                     {"CLAIMS_D", "claim@b.c"},
                                     {"Claims\x7F"
                                      "d",
                                      "caller@b.c"},
                                     {"Claims-d", "caller@b.c"}}) {
    const ParseResult& r = parser_.Parse(Replaced(row, "Claims_d", spelled), ctx_);
    ASSERT_EQ(r.events.size(), 1u) << spelled;
    EXPECT_EQ(r.events[0].account.upn.view(), upn) << spelled;
  }
}

// The members of a nested object (deviceDetail, status, ...) are compared as record keys are,
// eight bytes at a time (field_collector.cc's IsMember): in any case, and exactly otherwise.
TEST_F(RecordKeysTest, NestedMemberNamesAreReadInAnyCaseAndExactlyOtherwise) {
  const std::string signin =
      std::string(kRecordKeysSignIn.substr(0, kRecordKeysSignIn.size() - 1)) +
      R"(,"deviceDetail":{"deviceId":"dev-1","displayName":"PAW-01",)"
      R"("isManaged":true},"status":{"errorCode":50126}})";
  const auto reads = [&](std::string_view member, const std::string& spelled) {
    const ParseResult& r = parser_.Parse(
        Replaced(signin, "\"" + std::string(member) + "\"", "\"" + spelled + "\""), ctx_);
    // (A status naming no errorCode may reject the sign-in: not read either.)
    if (r.events.size() != 1) return false;
    const SignInFields& f = r.events[0].signin;
    if (member == "deviceId") return f.device_id.view() == "dev-1";
    if (member == "displayName") return f.device_label.view() == "PAW-01";
    if (member == "isManaged") return f.device_managed;
    return f.error_code == 50126;
  };
  for (std::string_view member : {"deviceId", "displayName", "isManaged", "errorCode"}) {
    std::string upper(member), alternate(member);
    for (std::size_t i = 0; i < member.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(member[i])));
      if (i % 2) alternate[i] = upper[i];
    }
    EXPECT_TRUE(reads(member, std::string(member))) << member;
    EXPECT_TRUE(reads(member, upper)) << upper;
    EXPECT_TRUE(reads(member, alternate)) << alternate;
    for (std::size_t i = 0; i < member.size(); ++i) {
      const char c = member[i];
      for (const char other : {static_cast<char>(c == 'z' ? 'y' : c + 1),
                               static_cast<char>((c | 0x20) - 0x20 - 0x01), '7'}) {
        std::string spelled(member);
        spelled[i] = other;
        EXPECT_FALSE(reads(member, spelled)) << spelled;
      }
    }
    EXPECT_FALSE(reads(member, std::string(member) + "x"));
    EXPECT_FALSE(reads(member, std::string(member.substr(0, member.size() - 1))));
  }
}

TEST_F(RecordKeysTest, EnvelopeMembersAreToldByTheirExactNames) {
  const std::string record(kRecordKeysSignIn);
  // "records", "value": a batch; "Records", "VALUE": unknown columns of a record (which has none
  // privmon reads, so it is not a sign-in).
  for (const char* member : {"records", "value"}) {
    const ParseResult& r =
        parser_.Parse("{\"" + std::string(member) + "\":[" + record + "," + record + "]}", ctx_);
    EXPECT_EQ(r.events.size(), 2u) << member;
  }
  for (const char* member : {"Records", "VALUE", "recordz", "valuE"}) {
    const ParseResult& r =
        parser_.Parse("{\"" + std::string(member) + "\":[" + record + "]}", ctx_);
    EXPECT_TRUE(r.events.empty()) << member;
    EXPECT_EQ(r.records(), 1u) << member;
  }
  // OData annotations beside a record's columns are no columns; "@odata" without its dot is an
  // unknown column; neither changes the record.
  for (const char* annotation : {"@odata.type", "@odata.context", "@odata", "@odataX"}) {
    const std::string message = Replaced(record, "{", "{\"" + std::string(annotation) + "\":1,");
    const ParseResult& r = parser_.Parse(message, ctx_);
    ASSERT_EQ(r.events.size(), 1u) << annotation;
    EXPECT_EQ(r.events[0].account.upn.view(), "a@b.c") << annotation;
  }
  // "tables" inside a record (not at the root) is a column: the record is still read.
  const std::string nested = R"({"records":[)" + Replaced(record, "{", R"({"tables":[],)") + "]}";
  const ParseResult& r = parser_.Parse(nested, ctx_);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].account.upn.view(), "a@b.c");
}

TEST_F(RecordKeysTest, TheWorkspaceTenantIdIsToldFromTheEntraTenantByItsSpelling) {
  // Log Analytics "TenantId" is the workspace: the tenant is AADTenantId. Any other spelling of
  // the key is the Entra tenant, as in Graph and diagnostic records.
  const std::string la =
      R"({"TenantId":"workspace","Type":"SigninLogs","TimeGenerated":"2024-01-02T03:04:05Z",)"
      R"("AADTenantId":"entra","UserPrincipalName":"a@b.c"})";
  const ParseResult& r = parser_.Parse(la, ctx_);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].tenant_id.view(), "entra");
  const ParseResult& g = parser_.Parse(Replaced(kRecordKeysSignIn, "tenantId", "TENANTID"), ctx_);
  ASSERT_EQ(g.events.size(), 1u);
  EXPECT_EQ(g.events[0].tenant_id.view(), "T");
}

}  // namespace
}  // namespace privmon
