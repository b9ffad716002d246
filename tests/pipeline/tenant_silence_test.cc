// PRIV-OP-01 with a real `privmon run` (wall clock, `run` only): two tenants send their records
// over ZeroMQ and fall silent; after `pipeline.tenant_silence_alert` (2 s here) the tenant whose
// rule is on, and a configured tenant that sent nothing, raise exactly one alert per silence, in
// native JSON and OCSF, with the id the docs state (tenant + event time of its newest record), and
// the one with PRIV-OP-01 disabled raises none. /metrics shows each tenant's newest event time,
// /readyz is 200 while it runs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <zmq.hpp>

#include "core/hash.h"
#include "tests/app/determinism_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kContoso = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr std::string_view kFabrikam = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kTenantSilenceNorthwind =
    "99999999-8888-7777-6666-555555555555";  // sends nothing

// The sample value of `series` in a Prometheus text exposition, or -1.
double Sample(const std::string& text, const std::string& series) {
  for (const std::string& line : privmon_test::Lines(text)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

TEST(TenantSilence, ASilentTenantRaisesPrivOp01OnceThroughEverySink) {
  const std::string dir = TempDir("tenant_silence");
  TempDirCleanup cleanup(dir);
  const int port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2, tenant_silence_alert: 2s}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}},\n"
      << "        {file: {path: \"" << dir << "/alerts.ocsf.jsonl\", format: ocsf}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "tenants:\n"
      << "  \"" << kContoso << "\": {name: Contoso}\n"
      << "  \"" << kFabrikam << "\": {name: Fabrikam, rules: {PRIV-OP-01: {enabled: false}}}\n"
      << "  \"" << kTenantSilenceNorthwind << "\": {name: Northwind}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  for (int i = 0; i < 1500 && !HttpGetBody(metrics_port, "/readyz") && privmon.Alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(HttpGetBody(metrics_port, "/readyz").has_value()) << ReadFile(dir + "/run.err");

  {
    zmq::context_t ctx(1);
    zmq::socket_t push(ctx, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 30'000);
    push.connect(endpoint);
    for (const std::string& line : privmon_test::Lines(privmon_test::ReadFile(
             std::filesystem::path(PRIVMON_SOURCE_DIR) / "tests/data/pipeline/stream.ndjson"))) {
      push.send(zmq::buffer(line), zmq::send_flags::none);
    }
  }  // linger: every message is handed over

  const auto op01 = [&](const std::string& file) {
    std::vector<privmon_test::AlertLine> found;
    for (const auto& a : privmon_test::ParseAlerts(ReadFile(dir + "/" + file))) {
      if (a.rule == "PRIV-OP-01") found.push_back(a);
    }
    return found;
  };
  const auto ocsf_lines = [&] {
    std::size_t n = 0;
    for (const std::string& line : privmon_test::Lines(ReadFile(dir + "/alerts.ocsf.jsonl"))) {
      n += line.find("PRIV-OP-01") != std::string::npos;
    }
    return n;
  };
  for (int i = 0; i < 300 && ocsf_lines() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Two more polls: a second alert for the same silence would show by now.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const std::string metrics = HttpGetBody(metrics_port, "/metrics").value_or("");
  const std::string ocsf = ReadFile(dir + "/alerts.ocsf.jsonl");

  auto native = op01("alerts.jsonl");
  ASSERT_EQ(native.size(), 2u) << ReadFile(dir + "/alerts.jsonl") << ReadFile(dir + "/run.err");
  if (native[0].tenant != kContoso) std::swap(native[0], native[1]);
  EXPECT_EQ(native[0].tenant, kContoso);
  EXPECT_EQ(native[1].tenant, kTenantSilenceNorthwind);  // configured, silent since privmon started
  const double newest = Sample(metrics, "privmon_tenant_last_event_timestamp_seconds{tenant=\"" +
                                            std::string(kContoso) + "\"}");
  ASSERT_GT(newest, 1.7e9) << metrics;
  EXPECT_GT(Sample(metrics, "privmon_tenant_last_event_timestamp_seconds{tenant=\"" +
                                std::string(kFabrikam) + "\"}"),
            1.7e9);
  // docs/operations.md "Alert ids": no account (key 0), the silence start in seconds.
  const uint64_t base = HashCombine(HashCombine(HashBytes("PRIV-OP-01"), HashLower(kContoso)), 0);
  EXPECT_EQ(native[0].id, Hex16(HashCombine(base, static_cast<uint64_t>(newest))));
  EXPECT_NE(ReadFile(dir + "/alerts.jsonl").find("\"message\":\"Tenant logs stopped in Contoso ("),
            std::string::npos);
  EXPECT_NE(
      ReadFile(dir + "/alerts.jsonl").find("\"message\":\"Tenant logs stopped in Northwind ("),
      std::string::npos);
  EXPECT_EQ(Sample(metrics, "privmon_alerts_total{rule_id=\"PRIV-OP-01\",severity=\"high\"}"), 2)
      << metrics;

  // The same alert as an OCSF Detection Finding.
  std::size_t ocsf_op01 = 0;
  simdjson::dom::parser parser;
  for (const std::string& line : privmon_test::Lines(ocsf)) {
    if (line.find("PRIV-OP-01") == std::string::npos) continue;
    ++ocsf_op01;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    EXPECT_EQ(int64_t(doc["class_uid"]), 2004);
    const std::string_view uid = doc["finding_info"]["uid"];
    EXPECT_TRUE(uid == native[0].id || uid == native[1].id) << line;
    EXPECT_NE(line.find("T1562.008"), std::string::npos) << line;
  }
  EXPECT_EQ(ocsf_op01, 2u) << ocsf;

  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/run.err");
  EXPECT_EQ(op01("alerts.jsonl").size(), 2u);  // SIGTERM settles nothing more for OP-01
}

}  // namespace
}  // namespace privmon::testing
