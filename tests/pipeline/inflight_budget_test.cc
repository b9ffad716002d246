// Ingest is bounded in bytes (pipeline.max_inflight_bytes): one source read by two parse threads
// (the fanned-out reader of pipeline/source_fanout.h) is fed 48 records of 1 MiB each; what the
// reader holds read but not yet parsed never exceeds the 3 MiB budget (the peak gauge), every
// message is still read and parsed, and nothing is held once the input is done.
#include <gtest/gtest.h>

#include "tests/pipeline/child_process.h"
#include "tests/pipeline/process_helpers.h"

namespace privmon::testing {
namespace {

constexpr int kMessages = 48;
constexpr std::size_t kPad = 1u << 20;
constexpr double kBudget = 3 << 20;

std::string BigRecord(int i) {
  return R"({"time":"2026-11-24T10:00:00Z","category":"SignInLogs",)"
         R"("tenantId":"0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b","resultType":"0",)"
         R"("properties":{"id":"big-)" +
         std::to_string(i) +
         R"(","createdDateTime":"2026-11-24T10:00:00Z","userPrincipalName":"alex@contoso.com",)"
         R"("userId":"d7cc485d-2c1b-422c-98fd-5ce52859a4a3","status":{"errorCode":0},)"
         R"("additionalDetails":")" +
         std::string(kPad, 'x') + R"("}})";
}

TEST(InflightBudget, LargeMessagesStayWithinTheByteBudget) {
  const std::string dir = TempDir("inflight");
  TempDirCleanup cleanup(dir);
  {
    std::ofstream feed(dir + "/big.ndjson");
    for (int i = 0; i < kMessages; ++i) feed << BigRecord(i) << '\n';
  }
  const int metrics_port = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 1, parse_threads: 2, max_message_bytes: 2097152,\n"
      << "           max_inflight_bytes: " << static_cast<uint64_t>(kBudget) << "}\n"
      << "sources: [{file: {path: \"" << dir << "/big.ndjson\", follow: true}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  std::string metrics;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until && privmon.Alive()) {
    metrics = HttpGetBody(metrics_port, "/metrics").value_or("");
    if (MetricSum(metrics, "privmon_events_total") +
            MetricSum(metrics, "privmon_events_rejected_total") >=
        kMessages) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(MetricSum(metrics, "privmon_messages_received_total"), kMessages) << metrics;
  EXPECT_EQ(MetricSum(metrics, "privmon_events_total"), kMessages) << ReadFile(dir + "/run.err");
  const double peak = MetricSum(metrics, "privmon_inflight_bytes_peak");
  EXPECT_GE(peak, static_cast<double>(kPad)) << metrics;  // the reader did hold messages
  EXPECT_LE(peak, kBudget) << metrics;
  // Every message parsed: each lane gives the last one back on its next read.
  for (int i = 0; i < 100 && MetricSum(metrics, "privmon_inflight_bytes") != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = HttpGetBody(metrics_port, "/metrics").value_or("");
  }
  EXPECT_EQ(MetricSum(metrics, "privmon_inflight_bytes"), 0) << metrics;
  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/run.err");
}

}  // namespace
}  // namespace privmon::testing
