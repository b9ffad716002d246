// Steady-state parsing allocates nothing: a replaced global operator new counts allocations made
// by this thread while counting is on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "parsers/record_parser.h"
#include "tests/parsers/parser_test_util.h"

namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace privmon {
namespace {

std::size_t AllocationsDuring(RecordParser& parser, const std::string& message,
                              const ParseContext& ctx) {
  g_allocations = 0;
  g_counting = true;
  const ParseResult& r = parser.Parse(message, ctx);
  g_counting = false;
  EXPECT_GT(r.records(), 0u);
  return g_allocations;
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
  for (const std::string* m : {&diag, &la, &graph, &broken}) {
    for (int i = 0; i < 3; ++i) parser.Parse(*m, ctx);  // warm-up: buffers reach their size
  }
  EXPECT_EQ(AllocationsDuring(parser, diag, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, la, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, graph, ctx), 0u);
  EXPECT_EQ(AllocationsDuring(parser, broken, ctx), 0u);
}

}  // namespace
}  // namespace privmon
