// `run` fed by `replay` over ZeroMQ TCP and `scan` of the same file give the same verdicts
// (alert_id, rule, final count) for the mixed three-tenant stream, in two seeded arrival orders
// within the lateness, with one and two parse threads (DESIGN.md section 4).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/app/determinism_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::filesystem::path kMixed =
    std::filesystem::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios" / "mixed";
constexpr const char* kNorthwind = "bbbbbbbb-0000-4000-8000-000000000003";  // mixed/args

class RunMatchesScan : public ::testing::TestWithParam<int> {};

TEST_P(RunMatchesScan, MixedStreamGivesTheVerdictsOfScan) {
  const int seed = GetParam();
  const std::string dir = TempDir("run_determinism");
  TempDirCleanup cleanup(dir);
  std::vector<std::string> lines =
      privmon_test::Lines(privmon_test::ReadFile(kMixed / "mixed.ndjson"));
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  std::uniform_int_distribution<int64_t> delay(0, 60);
  std::vector<std::pair<int64_t, std::string>> keyed;
  for (auto& l : lines) keyed.emplace_back(privmon_test::LineSeconds(l) + delay(rng), l);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  lines.clear();
  for (auto& [k, l] : keyed) lines.push_back(l);
  privmon_test::WriteLines(dir + "/input.ndjson", lines);

  const int port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  std::string config;
  for (const std::string& line :
       privmon_test::Lines(privmon_test::ReadFile(kMixed / "config.yaml"))) {
    if (line.rfind("dead_letter:", 0) == 0) continue;
    if (line.rfind("pipeline:", 0) == 0) {
      config += "pipeline: {shards: 2, parse_threads: " + std::to_string(seed) +
                ", allowed_lateness: 5m}\n";
      continue;
    }
    config += line + "\n";
  }
  config += "sources: [{zmq: {endpoint: \"" + endpoint +
            "\", bind: true, multi_tenant: true, tenant: \"" + kNorthwind + "\"}}]\n";
  config += "sinks: [{file: {path: \"" + dir + "/alerts.jsonl\"}}]\n";
  config += "metrics: {listen: \"127.0.0.1:" + std::to_string(metrics_port) + "\"}\n";
  config += "dead_letter: {path: \"" + dir + "/rejected.ndjson\"}\n";
  std::ofstream(dir + "/config.yaml") << config;

  ASSERT_EQ(RunToExit({PRIVMON_BINARY, "scan", "--quiet", "--config", dir + "/config.yaml",
                       "--tenant", kNorthwind, dir + "/input.ndjson"},
                      dir + "/scan.jsonl", dir + "/scan.err"),
            0)
      << ReadFile(dir + "/scan.err");
  unsigned long long messages = 0, records = 0;
  // The summary line (a warning may come before it: this test runs 2 parse threads on 1 file).
  const std::string scan_err = ReadFile(dir + "/scan.err");
  const std::size_t at = scan_err.find(" messages, ");
  ASSERT_NE(at, std::string::npos) << scan_err;
  const std::size_t line_end = scan_err.rfind('\n', at);
  const std::size_t line = line_end == std::string::npos ? 0 : line_end + 1;
  ASSERT_EQ(std::sscanf(scan_err.c_str() + line, "privmon: %llu messages, %llu records accepted",
                        &messages, &records),
            2)
      << scan_err;
  const std::vector<std::string> from_scan = privmon_test::Verdicts(ReadFile(dir + "/scan.jsonl"));
  ASSERT_GE(from_scan.size(), 15u);

  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  for (int i = 0; i < 1500 && !HttpGetBody(metrics_port, "/metrics") && privmon.Alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(privmon.Alive()) << ReadFile(dir + "/run.err");
  ASSERT_EQ(
      RunToExit({PRIVMON_BINARY, "replay", dir + "/input.ndjson", "--to", endpoint, "--quiet"},
                dir + "/replay.out", dir + "/replay.err"),
      0)
      << ReadFile(dir + "/replay.err");
  double seen = 0;
  for (int i = 0; i < 1500 && seen < static_cast<double>(records); ++i) {
    const std::string m = HttpGetBody(metrics_port, "/metrics").value_or("");
    seen = MetricSum(m, "privmon_events_total") + MetricSum(m, "privmon_duplicates_total");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(seen, static_cast<double>(records));
  ASSERT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/run.err");
  EXPECT_EQ(privmon_test::Verdicts(ReadFile(dir + "/alerts.jsonl")), from_scan);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RunMatchesScan, ::testing::Values(1, 2));

}  // namespace
}  // namespace privmon::testing
