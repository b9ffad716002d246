// The guards of the state-partition mode (README "Running N instances"), end to end on librdkafka's
// mock cluster with the real binary: a checkpoint.dir of another input topic is refused at start
// (its offsets would be resumed on the wrong topic), and a partition assigned to this process whose
// task cannot start is counted in privmon_state_partitions_unread and fails /readyz, and a final
// checkpoint refused at a revocation does not fail a later clean SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>

#include "tests/kafka/kafka_group_helpers.h"

namespace privmon::testing {
namespace {

TEST(KafkaStateGuards, ACheckpointDirOfAnotherInputTopicIsRefused) {
  const std::string dir = TempDir("kafka-guard-identity");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("entra2", kInputPartitions);
  const std::string cp = dir + "/cp";
  Member one = StartMember(dir, "one", kafka, cp, GroupMode::kKeyed);
  ASSERT_TRUE(WaitForMetrics(
      *one.child, one.port,
      [](const std::string& text) {
        return MetricSum(text, "privmon_state_partitions_assigned") == kInputPartitions;
      },
      std::chrono::seconds(60)))
      << ReadFile(dir + "/one.err");
  ASSERT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
  EXPECT_NE(ReadFile(cp + "/state-partitions.identity").find("input_topics=entra\n"),
            std::string::npos);
  // The same config on another topic, same checkpoint.dir: refused before joining anything.
  const std::string config =
      GroupConfig(dir, "two", kafka, "st", cp, GroupMode::kKeyed, FreeTcpPort(), "entra2");
  EXPECT_EQ(RunToExit({PRIVMON_BINARY, "run", "-c", config}, "", dir + "/two.err"), 1);
  const std::string err = ReadFile(dir + "/two.err");
  EXPECT_NE(err.find("input_topics=entra "), std::string::npos) << err;
  EXPECT_NE(err.find("input_topics=entra2 "), std::string::npos) << err;
  EXPECT_EQ(err.find("state partition 0 (entra2[0]) assigned"), std::string::npos) << err;
}

TEST(KafkaStateGuards, APartitionWhoseTaskCannotStartIsUnreadAndFailsReadiness) {
  const std::string dir = TempDir("kafka-guard-unread");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  const std::string cp = dir + "/cp";
  ASSERT_EQ(::mkdir(cp.c_str(), 0750), 0);
  std::ofstream(cp + "/partition-1") << "not a directory\n";  // its claim fails
  Member one = StartMember(dir, "one", kafka, cp, GroupMode::kKeyed);
  const auto metrics = WaitForMetrics(
      *one.child, one.port,
      [](const std::string& text) {
        return MetricSum(text, "privmon_state_partitions_assigned") == kInputPartitions - 1 &&
               MetricSum(text, "privmon_state_partitions_unread") == 1;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(metrics) << ReadFile(dir + "/one.err");
  EXPECT_FALSE(HttpGetBody(one.port, "/readyz").has_value());  // 503
  const std::string err = ReadFile(dir + "/one.err");
  EXPECT_NE(err.find("partition entra[1] is assigned to this process but NOT read"),
            std::string::npos)
      << err;
  EXPECT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
}

TEST(KafkaStateGuards, ARefusedFinalCheckpointAtARevocationDoesNotFailALaterCleanExit) {
  const std::string dir = TempDir("kafka-guard-final");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  const std::string cp = dir + "/cp";
  const auto assigned = [](const Member& m) {
    return MetricSum(HttpGetBody(m.port, "/metrics").value_or(""),
                     "privmon_state_partitions_assigned");
  };
  Member a = StartMember(dir, "a", kafka, cp, GroupMode::kKeyed);
  ASSERT_TRUE(PollUntil([&] { return assigned(a) == kInputPartitions; }, std::chrono::seconds(60)))
      << ReadFile(dir + "/a.err");
  // Another claim of partition 0 (as a zombie's successor would make): a's checkpoints of it are
  // refused from now, so its final one at the next revocation is not written.
  std::ofstream(cp + "/partition-0/epoch") << "100\n";
  Member b = StartMember(dir, "b", kafka, cp, GroupMode::kKeyed);
  ASSERT_TRUE(PollUntil(
      [&] {
        return ReadFile(dir + "/a.err").find("final checkpoint NOT written") != std::string::npos &&
               assigned(a) > 0 && assigned(b) > 0 && assigned(a) + assigned(b) == kInputPartitions;
      },
      std::chrono::seconds(90)))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err");
  // a's partitions since the rebalance checkpoint cleanly: its exit code is theirs.
  EXPECT_EQ(a.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/a.err");
  EXPECT_EQ(b.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/b.err");
}

}  // namespace
}  // namespace privmon::testing
