// The checkpoint metrics of a live `run` (docs/operations.md section 5): written every interval,
// their size, duration and pause, no failure, a small age. Real process, real /metrics endpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::AlertIds;
using testing::CheckpointFileOffset;
using testing::Child;
using testing::FreeTcpPort;
using testing::GenInput;
using testing::HttpGetBody;
using testing::MetricSum;
using testing::ReadFile;
using testing::RunToExit;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;
using testing::WaitForMetrics;
using testing::WriteFileRunConfig;

TEST(CheckpointMetrics, ARunFollowingAFileReportsItsCheckpoints) {
  const std::string binary = PRIVMON_BINARY;
  const std::string dir = TempDir("ckmetrics");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(GenInput(dir + "/in.ndjson",
                     {"--tenants", "2", "--accounts", "100", "--days", "3", "--records", "1000"}),
            0);
  const int port = FreeTcpPort();
  const std::string config = WriteFileRunConfig(dir, "run", true, dir + "/alerts.jsonl",
                                                "127.0.0.1:" + std::to_string(port));
  Child run(Spawn({binary, "run", "-c", config}, "", dir + "/err"));
  const std::string text =
      WaitForMetrics(
          run, port,
          [](const std::string& m) {
            return MetricSum(m, "privmon_checkpoint_duration_seconds_count") >= 3;
          },
          std::chrono::seconds(60))
          .value_or("");
  ASSERT_FALSE(text.empty()) << ReadFile(dir + "/err");
  EXPECT_GT(MetricSum(text, "privmon_checkpoint_bytes"), 1000);
  EXPECT_EQ(MetricSum(text, "privmon_checkpoint_failures_total"), 0);
  EXPECT_GE(MetricSum(text, "privmon_checkpoint_pause_seconds_count"), 3);
  EXPECT_GT(MetricSum(text, "privmon_checkpoint_age_seconds"), 0);
  EXPECT_LT(MetricSum(text, "privmon_checkpoint_age_seconds"), 30);
  EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0);
}

// A checkpoint past an alert a sink failed to deliver would lose it for good (DESIGN.md section 10;
// breaker round 9: a file sink on a full disk, the run read its file to the end, and the final
// checkpoint covered all 1,481 alerts it never wrote). None is written then: a rerun with the disk
// fixed starts from the last good one (here none) and raises every alert.
TEST(CheckpointMetrics, NoCheckpointCoversAlertsAFailingSinkLost) {
  const std::string binary = PRIVMON_BINARY;
  const std::string dir = TempDir("cklost");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(GenInput(dir + "/in.ndjson",
                     {"--tenants", "2", "--accounts", "100", "--days", "3", "--records", "1000"}),
            0);
  const std::string full = WriteFileRunConfig(dir, "full", false, "/dev/full",
                                              "127.0.0.1:" + std::to_string(FreeTcpPort()));
  EXPECT_EQ(RunToExit({binary, "run", "-c", full}, dir + "/out1", dir + "/err1"), 1)
      << ReadFile(dir + "/err1");
  EXPECT_NE(ReadFile(dir + "/err1").find("final checkpoint skipped"), std::string::npos)
      << ReadFile(dir + "/err1");
  EXPECT_EQ(CheckpointFileOffset(dir + "/cp"), -1) << "a checkpoint covers the lost alerts";

  const std::string fixed = WriteFileRunConfig(dir, "fixed", false, dir + "/alerts.jsonl",
                                               "127.0.0.1:" + std::to_string(FreeTcpPort()));
  ASSERT_EQ(RunToExit({binary, "run", "-c", fixed}, dir + "/out2", dir + "/err2"), 0)
      << ReadFile(dir + "/err2");
  ASSERT_EQ(RunToExit({binary, "scan", "-q", "-c", fixed, dir + "/in.ndjson"}, dir + "/scan.jsonl",
                      dir + "/err3"),
            0)
      << ReadFile(dir + "/err3");
  const auto expected = AlertIds(ReadFile(dir + "/scan.jsonl"));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(AlertIds(ReadFile(dir + "/alerts.jsonl")), expected);
  EXPECT_GT(CheckpointFileOffset(dir + "/cp"), 0) << "the fixed run checkpoints again";
}

}  // namespace
}  // namespace privmon
