// Steady-state parsing allocates nothing: operator new calls are counted by the shared counter
// (tests/support/allocation_helpers.h), which this binary first proves counts.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "parsers/record_parser.h"
#include "tests/parsers/parser_test_util.h"
#include "tests/support/allocation_helpers.h"

namespace privmon {
namespace {

TEST(ParserAllocations, TheCounterCountsAnAllocation) {
  const long before = testing::AllocationCount();
  auto p = std::make_unique<int>(7);
  EXPECT_GT(testing::AllocationCount(), before);
  EXPECT_EQ(*p, 7);
}

std::size_t AllocationsDuring(RecordParser& parser, const std::string& message,
                              const ParseContext& ctx) {
  const long before = testing::AllocationCount();
  const ParseResult& r = parser.Parse(message, ctx);
  const long after = testing::AllocationCount();
  EXPECT_GT(r.records(), 0u);
  return static_cast<std::size_t>(after - before);
}

TEST(RecordParserAllocation, SteadyStateParseAllocatesNothing) {
  RecordParser parser;
  ParseContext ctx;
  ctx.source_tenant = "T";
  ctx.multi_tenant = true;  // the source tenant only fills in
  const std::string diag = "{\"records\":[" + testing::ReadLines("signinlogs-sample.ndjson")[0] +
                           "," + testing::ReadLines("auditlogs-raw.ndjson")[1] + "]}";
  const std::string la = testing::ReadLines(
      "more/otrf-security-datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json")[0];
  const std::string graph = testing::ReadFile(
      testing::DataPath("more/microsoft-graph-docs/v1.0_api_directoryaudit-list_response_1.json"));
  const std::string broken = "{\"broken\":";
  // A shipper's event holding the batch as JSON text (Vector's "message": RecordParser's
  // EmitShipped parses a copy whose buffer keeps its capacity).
  std::string escaped;
  for (const char c : diag) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  const std::string shipped = "{\"message\":\"" + escaped + "\",\"offset\":7}";
  for (const std::string* m : {&diag, &la, &graph, &broken, &shipped}) {
    for (int i = 0; i < 3; ++i) parser.Parse(*m, ctx);  // warm-up: buffers reach their size
  }
  EXPECT_EQ(AllocationsDuring(parser, diag, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, la, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, graph, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, broken, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, shipped, ctx), 0u);
  EXPECT_EQ(parser.Parse(shipped, ctx).records(), parser.Parse(diag, ctx).records());
}

}  // namespace
}  // namespace privmon
