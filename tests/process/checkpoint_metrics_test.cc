// The checkpoint metrics of a live `run` (docs/operations.md section 5): written every interval,
// their size, duration and pause, no failure, a small age. Real process, real /metrics endpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/pipeline/child_process.h"

namespace privmon {
namespace {

using testing::Child;
using testing::FreeTcpPort;
using testing::HttpGetBody;
using testing::MetricSum;
using testing::ReadFile;
using testing::RunToExit;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;

TEST(CheckpointMetrics, ARunFollowingAFileReportsItsCheckpoints) {
  const std::string binary = PRIVMON_BINARY;
  const std::string dir = TempDir("ckmetrics");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(RunToExit({binary, "gen", "-q", "-o", dir + "/in.ndjson", "--tenants", "2",
                       "--accounts", "100", "--days", "3", "--records", "1000"}),
            0);
  const int port = FreeTcpPort();
  std::ofstream(dir + "/run.yaml")
      << "sources:\n  - file: {path: " << dir
      << "/in.ndjson, follow: true}\nsinks:\n  - file: {path: " << dir
      << "/alerts.jsonl}\nmetrics: {listen: \"127.0.0.1:" << port
      << "\"}\ndead_letter: {path: off}\ncheckpoint: {dir: " << dir << "/cp, interval: 1s}\n";
  Child run(Spawn({binary, "run", "-c", dir + "/run.yaml"}, "", dir + "/err"));
  std::string text;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto body = HttpGetBody(port, "/metrics");
    if (body && MetricSum(*body, "privmon_checkpoint_duration_seconds_count") >= 3) {
      text = *body;
      break;
    }
  }
  ASSERT_FALSE(text.empty()) << ReadFile(dir + "/err");
  EXPECT_GT(MetricSum(text, "privmon_checkpoint_bytes"), 1000);
  EXPECT_EQ(MetricSum(text, "privmon_checkpoint_failures_total"), 0);
  EXPECT_GE(MetricSum(text, "privmon_checkpoint_pause_seconds_count"), 3);
  EXPECT_GT(MetricSum(text, "privmon_checkpoint_age_seconds"), 0);
  EXPECT_LT(MetricSum(text, "privmon_checkpoint_age_seconds"), 30);
  EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0);
}

}  // namespace
}  // namespace privmon
