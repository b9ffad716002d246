// End to end over real sockets: `privmon run` serving, `privmon replay` sending the same file over
// ZeroMQ TCP loopback, /metrics scraped over HTTP, SIGTERM drain, and the alerts compared with
// `privmon scan` of the same file (same alert ids).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kRunReplayBinary = PRIVMON_BINARY;
const std::string kRunReplayStream =
    std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/stream.ndjson";
constexpr int kAcceptedRecords = 1820;  // stream.ndjson: 1823 lines, 3 of them malformed
constexpr int kRejectedRecords = 3;

std::multiset<std::string> AlertIds(const std::string& jsonl) {
  std::multiset<std::string> ids;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("\"alert_id\":\"");
    if (at != std::string::npos) ids.insert(line.substr(at + 12, 16));
  }
  return ids;
}

struct RunningPrivmon {
  std::string dir;
  int ingest_port, metrics_port;
  pid_t pid;
};

RunningPrivmon StartRun(uint32_t shards, const std::string& extra_source_yaml = "",
                        uint32_t parse_threads = 1) {
  RunningPrivmon r;
  r.dir = TempDir("run");
  r.ingest_port = FreeTcpPort();
  r.metrics_port = FreeTcpPort();
  std::ofstream(r.dir + "/config.yaml")
      << "pipeline: {shards: " << shards << ", parse_threads: " << parse_threads << "}\n"
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << r.ingest_port << "\", bind: true}}"
      << extra_source_yaml << "]\n"
      << "sinks: [{file: {path: \"" << r.dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << r.metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << r.dir << "/rejected.ndjson\"}\n";
  r.pid = Spawn({kRunReplayBinary, "run", "--config", r.dir + "/config.yaml"}, r.dir + "/stdout",
                r.dir + "/stderr");
  // A hang bound, not a timing assertion: under ASan on a loaded 2-core machine the start took
  // over the 5 s this waited before (a CI run failed there, session 43).
  for (int i = 0; i < 3000 && !HttpGetBody(r.metrics_port, "/metrics"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return r;
}

std::string RunReplayWaitForRecords(const RunningPrivmon& r, double expected) {
  std::string metrics;
  for (int i = 0; i < 3000; ++i) {  // a hang bound (60 s)
    metrics = HttpGetBody(r.metrics_port, "/metrics").value_or("");
    const double seen = MetricSum(metrics, "privmon_events_total") +
                        MetricSum(metrics, "privmon_events_rejected_total");
    if (seen >= expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return metrics;
}

class RunAndReplayThreads : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RunAndReplayThreads, SameAlertsAsScanAndEveryRecordCounted) {
  RunningPrivmon r = StartRun(2, "", GetParam());
  TempDirCleanup cleanup_run(r.dir);
  ASSERT_TRUE(HttpGetBody(r.metrics_port, "/metrics")) << ReadFile(r.dir + "/stderr");

  ASSERT_EQ(RunToExit({kRunReplayBinary, "replay", kRunReplayStream, "--to",
                       "tcp://127.0.0.1:" + std::to_string(r.ingest_port), "--quiet"},
                      r.dir + "/replay.out", r.dir + "/replay.err"),
            0)
      << ReadFile(r.dir + "/replay.err");

  const std::string metrics = RunReplayWaitForRecords(r, kAcceptedRecords + kRejectedRecords);
  EXPECT_EQ(MetricSum(metrics, "privmon_events_total"), kAcceptedRecords);
  EXPECT_EQ(MetricSum(metrics, "privmon_events_rejected_total"), kRejectedRecords);
  EXPECT_EQ(MetricSum(metrics, "privmon_messages_received_total"),
            kAcceptedRecords + kRejectedRecords);
  EXPECT_GT(MetricSum(metrics, "privmon_alerts_total", "rule_id=\"PRIV-SI-01\""), 0);
  EXPECT_GT(MetricSum(metrics, "privmon_accounts"), 300);

  ASSERT_EQ(kill(r.pid, SIGTERM), 0);
  const auto code = WaitExit(r.pid, std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "privmon did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << ReadFile(r.dir + "/stderr");
  EXPECT_NE(ReadFile(r.dir + "/stderr").find("SIGTERM received, draining"), std::string::npos);

  // Every rejected message is in the dead-letter file, one entry each.
  const std::string dead = ReadFile(r.dir + "/rejected.ndjson");
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), kRejectedRecords);
  EXPECT_NE(dead.find("this is not json"), std::string::npos);

  const std::string scan_dir = TempDir("scan");

  TempDirCleanup cleanup_scan(scan_dir);
  ASSERT_EQ(RunToExit({kRunReplayBinary, "scan", "--quiet", "--config", r.dir + "/config.yaml",
                       kRunReplayStream},
                      scan_dir + "/alerts.jsonl", scan_dir + "/stderr"),
            0);
  const auto from_run = AlertIds(ReadFile(r.dir + "/alerts.jsonl"));
  const auto from_scan = AlertIds(ReadFile(scan_dir + "/alerts.jsonl"));
  EXPECT_GE(from_scan.size(), 10u);
  EXPECT_EQ(from_run, from_scan);
}

std::multiset<std::string> ScanAlerts(uint32_t shards, uint32_t parse_threads,
                                      std::string* err = nullptr) {
  const std::string dir = TempDir("shards");
  TempDirCleanup cleanup_shards(dir);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: " << shards << ", parse_threads: " << parse_threads << "}\n"
      << "dead_letter: {path: \"" << dir << "/dl.ndjson\"}\n";
  EXPECT_EQ(RunToExit({kRunReplayBinary, "scan", "--quiet", "--config", dir + "/config.yaml",
                       kRunReplayStream},
                      dir + "/alerts.jsonl", dir + "/stderr"),
            0);
  EXPECT_NE(ReadFile(dir + "/stderr").find("1820 records accepted, 3 rejected"), std::string::npos)
      << ReadFile(dir + "/stderr");
  if (err != nullptr) *err = ReadFile(dir + "/stderr");
  return AlertIds(ReadFile(dir + "/alerts.jsonl"));
}

INSTANTIATE_TEST_SUITE_P(ParseThreads, RunAndReplayThreads, ::testing::Values(1u, 2u));

TEST(RunAndReplay, ShardCountDoesNotChangeTheAlerts) {
  const auto one = ScanAlerts(1, 1);
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, ScanAlerts(3, 1));
}

// One file with several parse threads is fanned out (pipeline/pipeline.h): every parse thread
// parses records, nothing is said on stderr, and the alerts are those of one parse thread.
TEST(RunAndReplay, OneFileFansOutToEveryParseThreadAndChangesNothing) {
  std::string err;
  const auto one = ScanAlerts(2, 1, &err);
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(err.find("records per parse thread"), std::string::npos) << err;
  for (uint32_t p : {2u, 3u}) {
    EXPECT_EQ(one, ScanAlerts(2, p, &err));
    EXPECT_EQ(err.find("parse_threads"), std::string::npos) << err;
    const auto at = err.find("records per parse thread");
    ASSERT_NE(at, std::string::npos) << err;
    std::istringstream counts(err.substr(at + std::string("records per parse thread").size()));
    uint64_t total = 0;
    for (uint32_t t = 0; t < p; ++t) {
      uint64_t records = 0;
      counts >> records;
      EXPECT_GT(records, 0u) << "parse thread " << t << "\n" << err;
      total += records;
    }
    EXPECT_EQ(total, 1823u) << err;  // 1820 accepted, 3 rejected
  }
}

// Checkpoints need the one source's position, which a reader running ahead of its lanes does not
// have: one parse thread runs, and stderr says why.
TEST(RunAndReplay, ParseThreadsBeyondOnePerSourceWithCheckpointsAreSaid) {
  const std::string dir = TempDir("fanout_checkpoint");
  TempDirCleanup cleanup_fanout_checkpoint(dir);
  std::ofstream(dir + "/config.yaml") << "pipeline: {shards: 2, parse_threads: 2}\n"
                                      << "dead_letter: {path: \"" << dir << "/dl.ndjson\"}\n";
  ASSERT_EQ(RunToExit({kRunReplayBinary, "scan", "--quiet", "--config", dir + "/config.yaml",
                       "--checkpoint-out", dir + "/state", kRunReplayStream},
                      dir + "/alerts.jsonl", dir + "/stderr"),
            0)
      << ReadFile(dir + "/stderr");
  const std::string err = ReadFile(dir + "/stderr");
  EXPECT_NE(err.find("pipeline.parse_threads is 2 but 1 source(s) are read: running 1 parse "
                     "thread(s) (one source, and checkpoints need its position)"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("records per parse thread"), std::string::npos) << err;
}

TEST(RunAndReplay, SigIntDrainsAndExitsZeroWhileIdle) {
  RunningPrivmon r = StartRun(1);
  TempDirCleanup cleanup_run(r.dir);
  ASSERT_TRUE(HttpGetBody(r.metrics_port, "/metrics"));
  ASSERT_EQ(kill(r.pid, SIGINT), 0);
  const auto code = WaitExit(r.pid, std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST(RunAndReplay, TwoFrameMessagesGiveTheirTenantToRecordsWithout) {
  RunningPrivmon r = StartRun(1);
  TempDirCleanup cleanup_run(r.dir);
  ASSERT_TRUE(HttpGetBody(r.metrics_port, "/metrics"));
  // A Graph signIn carries no tenant: the first ZeroMQ frame names it.
  const std::string dir = TempDir("graph");
  TempDirCleanup cleanup_graph(dir);
  std::ofstream(dir + "/in.ndjson")
      << R"({"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-11-24T10:00:00Z",)"
      << R"("userDisplayName":"Alex","userPrincipalName":"alex@contoso.com",)"
      << R"("userId":"d7cc485d-2c1b-422c-98fd-5ce52859a4a3","appId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064",)"
      << R"("ipAddress":"131.107.159.37","clientAppUsed":"Browser","status":{"errorCode":0}})"
      << "\n";
  ASSERT_EQ(RunToExit({kRunReplayBinary, "replay", dir + "/in.ndjson", "--to",
                       "tcp://127.0.0.1:" + std::to_string(r.ingest_port), "--tenant",
                       "11111111-2222-3333-4444-555555555555", "--quiet"}),
            0);
  const std::string metrics = RunReplayWaitForRecords(r, 1);
  EXPECT_EQ(MetricSum(metrics, "privmon_events_total", "kind=\"signin\""), 1);
  EXPECT_EQ(MetricSum(metrics, "privmon_tenant_events_total",
                      "tenant=\"11111111-2222-3333-4444-555555555555\""),
            1);
  kill(r.pid, SIGTERM);
  EXPECT_EQ(WaitExit(r.pid, std::chrono::seconds(30)).value_or(-1), 0);
}

}  // namespace
}  // namespace privmon::testing
