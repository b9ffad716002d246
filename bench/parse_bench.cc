// Parse throughput per input format (bytes/s, records/s), each beside a baseline that walks the
// same bytes fully with the simdjson DOM parser, so the on-demand parser's cost can be quoted as a
// ratio of "just parse the JSON". Inputs are the real corpus copies in tests/data/parsers.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/dom_walk.h"
#include "parsers/record_parser.h"

namespace privmon {
namespace {

// tests/data/parsers of this source tree (CMake compiles with absolute paths), or
// $PRIVMON_PARSER_DATA when set.
std::string DataDir() {
  if (const char* env = std::getenv("PRIVMON_PARSER_DATA")) return env;
  return std::string(PRIVMON_SOURCE_DIR) + "/tests/data/parsers";
}

std::string Read(const std::string& relative) {
  std::ifstream in(DataDir() + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& relative) {
  std::stringstream ss(Read(relative));
  std::vector<std::string> out;
  for (std::string line; std::getline(ss, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// An Event Hubs batch of `copies` copies of each line.
std::string Batch(const std::vector<std::string>& lines, int copies) {
  std::string out = "{\"records\":[";
  for (int c = 0; c < copies; ++c) {
    for (const std::string& l : lines) out += l + ",";
  }
  out.back() = ']';
  return out + "}";
}

struct Input {
  std::string message;
  std::size_t records;
};

Input DiagSignIn() { return {Batch(Lines("signinlogs-sample.ndjson"), 10), 20}; }
Input DiagAudit() {
  return {Batch(Lines("more/elastic-integrations/auditlogs/test-audit-logs-sample.log"), 10), 30};
}
Input LaAuditJsonInString() {
  const auto rows =
      Lines("more/otrf-security-datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json");
  return {rows[0], 1};
}
Input LaSignInJsonInString() {
  // A Log Analytics SigninLogs row in the column shapes of the Sentinel portal exports, with the
  // dynamic columns as JSON text.
  return {
      R"({"TenantId":"81a662b5-8541-481b-977d-5d956616ac5e","TimeGenerated":"2023-09-19T13:45:17.287Z",)"
      R"("Type":"SigninLogs","AADTenantId":"4b2462a4-bbee-495a-a0e1-f23ae524cc9c","UserId":"0d4d5c8a-1d1c-4c5a-9d7e-4b7f0c1f2e3d",)"
      R"("UserPrincipalName":"adelev@m365x816222.onmicrosoft.com","ResultType":"50140","ClientAppUsed":"Browser",)"
      R"("IPAddress":"203.0.113.10","Location":"US","ConditionalAccessStatus":"notApplied","RiskState":"atRisk",)"
      R"("RiskLevelDuringSignIn":"high","RiskLevelAggregated":"none","UserType":"Member","IsInteractive":"TRUE",)"
      R"("Status":"{\"errorCode\":50140,\"failureReason\":\"This error occurred due to 'Keep me signed in' interrupt\"}",)"
      R"("DeviceDetail":"{\"deviceId\":\"{PII Removed}\",\"operatingSystem\":\"Windows 10\",\"browser\":\"Edge 116.0.1938\",\"isCompliant\":true,\"isManaged\":true,\"trustType\":\"Azure AD joined\"}",)"
      R"("LocationDetails":"{\"city\":\"Redmond\",\"state\":\"Washington\",\"countryOrRegion\":\"US\",\"geoCoordinates\":{\"latitude\":47.67,\"longitude\":-122.12}}",)"
      R"("AuthenticationDetails":"[{\"authenticationStepDateTime\":\"2023-09-19T13:45:17Z\",\"authenticationMethod\":\"Password\",\"succeeded\":true,\"authenticationStepResultDetail\":\"Correct password\"}]",)"
      R"("HomeTenantId":"4b2462a4-bbee-495a-a0e1-f23ae524cc9c","ResourceTenantId":"4b2462a4-bbee-495a-a0e1-f23ae524cc9c"})",
      1};
}
Input GraphPage() {
  return {Read("more/microsoft-graph-docs/v1.0_api_directoryaudit-list_response_1.json"), 1};
}

void RunParser(benchmark::State& state, const Input& in) {
  RecordParser parser(16u << 20);
  ParseContext ctx;
  ctx.source_tenant = "bench-tenant";
  ctx.multi_tenant = true;  // the source tenant only fills in
  std::size_t events = 0;
  for (auto _ : state) {
    const ParseResult& r = parser.Parse(in.message, ctx);
    events += r.events.size();
    benchmark::DoNotOptimize(r.events.data());
  }
  if (events != in.records * static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError("not every record became an event");
  }
  state.SetBytesProcessed(static_cast<int64_t>(in.message.size()) * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(in.records) * state.iterations());
}

using privmon::bench::Walk;

void RunDom(benchmark::State& state, const Input& in) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(in.message);
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) {
      state.SkipWithError("DOM parse failed");
      break;
    }
    benchmark::DoNotOptimize(Walk(root));
  }
  state.SetBytesProcessed(static_cast<int64_t>(in.message.size()) * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(in.records) * state.iterations());
}

void BM_Parse_DiagSignIn(benchmark::State& s) { RunParser(s, DiagSignIn()); }
void BM_Parse_DiagSignIn_DomBaseline(benchmark::State& s) { RunDom(s, DiagSignIn()); }
void BM_Parse_DiagAudit(benchmark::State& s) { RunParser(s, DiagAudit()); }
void BM_Parse_DiagAudit_DomBaseline(benchmark::State& s) { RunDom(s, DiagAudit()); }
void BM_Parse_LaSignInJsonInString(benchmark::State& s) { RunParser(s, LaSignInJsonInString()); }
void BM_Parse_LaSignInJsonInString_DomBaseline(benchmark::State& s) {
  RunDom(s, LaSignInJsonInString());
}
void BM_Parse_LaAuditJsonInString(benchmark::State& s) { RunParser(s, LaAuditJsonInString()); }
void BM_Parse_LaAuditJsonInString_DomBaseline(benchmark::State& s) {
  RunDom(s, LaAuditJsonInString());
}
void BM_Parse_GraphPage(benchmark::State& s) { RunParser(s, GraphPage()); }
void BM_Parse_GraphPage_DomBaseline(benchmark::State& s) { RunDom(s, GraphPage()); }

BENCHMARK(BM_Parse_DiagSignIn);
BENCHMARK(BM_Parse_DiagSignIn_DomBaseline);
BENCHMARK(BM_Parse_DiagAudit);
BENCHMARK(BM_Parse_DiagAudit_DomBaseline);
BENCHMARK(BM_Parse_LaSignInJsonInString);
BENCHMARK(BM_Parse_LaSignInJsonInString_DomBaseline);
BENCHMARK(BM_Parse_LaAuditJsonInString);
BENCHMARK(BM_Parse_LaAuditJsonInString_DomBaseline);
BENCHMARK(BM_Parse_GraphPage);
BENCHMARK(BM_Parse_GraphPage_DomBaseline);

}  // namespace
}  // namespace privmon
