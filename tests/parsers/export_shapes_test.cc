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

constexpr std::string_view kDiagSignIn =
    R"({"time":"2025-05-06T07:42:19Z","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)"
    R"("category":"SignInLogs","resultType":"50126","properties":{"id":"de1de16d",)"
    R"("createdDateTime":"2025-05-06T07:42:19Z","userId":"76e93d01",)"
    R"("userPrincipalName":"adm-egarcia@northwind.example","status":{"errorCode":50126}}})";

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
  // So too a message whose mark follows white space.
  const ParseResult& message = Parse(parser, "\n\xEF\xBB\xBF" + std::string(kDiagSignIn));
  EXPECT_EQ(message.events.size(), 1u);
}

}  // namespace
}  // namespace privmon
