// `keyed_by_tenant` (README "Running N instances"): the input topic is keyed by tenant (each of the
// `mixed` scenario's three tenants on its own partition of a 4-partition topic of librdkafka's mock
// cluster), so its partitions are the units of state and no record crosses privmon's own topic.
// The reference is the state-topic tests' plain checkpointed run (a subset of `scan`'s alerts), one
// per keyed partition over its records alone (kafka_group_helpers.h KeyedReference). One process,
// then two sharing a checkpoint directory with one SIGKILLed midway: the alerts of both together
// (unique by alert_id) equal the reference's, none lost, none extra. And a record of one tenant put
// on a second partition is counted.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/kafka_group_helpers.h"

namespace privmon::testing {
namespace {

constexpr GroupMode kMode = GroupMode::kKeyed;
constexpr const char* kSplits = "privmon_kafka_tenant_split_records_total";

// The value of the unlabelled series `name` in `text`, or -1 when it is not there.
double Series(const std::string& text, const std::string& name) {
  return text.find("\n" + name + " ") == std::string::npos ? -1 : MetricSum(text, name);
}

TEST(KafkaKeyedInput, OneProcessOnATenantKeyedTopicRaisesWhatAPlainRunRaises) {
  const std::string dir = TempDir("kafka-keyed-one");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  ASSERT_EQ(lines.size(), 35u);
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  Feed(kafka, lines, 0, lines.size(), Spread::kByTenant);

  Member one = StartMember(dir, "one", kafka, dir + "/cp", kMode);
  ASSERT_TRUE(WaitSettled({&one}, static_cast<double>(lines.size()), kInputPartitions))
      << ReadFile(dir + "/one.err");
  const std::string metrics = HttpGetBody(one.port, "/metrics").value_or("");
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0) << metrics;
  EXPECT_EQ(Series(metrics, kSplits), 0) << metrics;
  EXPECT_EQ(MetricSum(metrics, "privmon_state_partitions_assigned"), kInputPartitions);
  EXPECT_EQ(MetricSum(metrics, "privmon_state_topic_produced_total"), 0);  // no hop
  // Every input partition's lag and lost records are its own series.
  for (int p = 0; p < kInputPartitions; ++p) {
    const std::string labels =
        "{source=\"kafka\",topic=\"entra\",partition=\"" + std::to_string(p) + "\"}";
    for (const std::string name :
         {"privmon_kafka_consumer_lag_messages", "privmon_kafka_records_lost_total"}) {
      EXPECT_NE(metrics.find(name + labels + " "), std::string::npos) << name << labels << metrics;
      EXPECT_EQ(MetricSum(metrics, name, labels), 0) << name << labels;
    }
  }
  ASSERT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
  // Every input partition wrote its own checkpoint under its claim, and the group's committed
  // offsets are the ends its checkpoints covered (committed only after them).
  const std::vector<int64_t> committed = kafka.Committed("st", "entra", kInputPartitions);
  ASSERT_EQ(committed.size(), static_cast<std::size_t>(kInputPartitions));
  for (int p = 0; p < kInputPartitions; ++p) {
    EXPECT_EQ(ReadFile(dir + "/cp/partition-" + std::to_string(p) + "/epoch"), "1\n") << p;
    const int64_t end = kafka.Watermarks("entra", p).second;
    if (end > 0) {
      EXPECT_EQ(committed[p], end) << "partition " << p;
    } else {
      EXPECT_LT(committed[p], 0) << "partition " << p << " is empty: nothing to commit";
    }
  }
  ExpectSame(AlertIds(ReadFile(dir + "/one.jsonl")), KeyedReference(dir, kafka, lines), dir,
             ReadFile(dir + "/one.err"));
}

TEST(KafkaKeyedInput, SurvivorTakesOverAKilledMembersPartitionsWithTheirState) {
  const std::string dir = TempDir("kafka-keyed-two");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  const std::size_t half = lines.size() / 2;
  Feed(kafka, lines, 0, half, Spread::kByTenant);

  const std::string cp = dir + "/cp";  // shared by both
  Member a = StartMember(dir, "a", kafka, cp, kMode);
  Member b = StartMember(dir, "b", kafka, cp, kMode);
  ASSERT_TRUE(WaitSettled({&a, &b}, static_cast<double>(half), kInputPartitions))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err");
  // Both own input partitions, and a has checkpointed (interval 1 s) before it dies.
  EXPECT_GT(
      MetricSum(HttpGetBody(a.port, "/metrics").value_or(""), "privmon_state_partitions_assigned"),
      0);
  EXPECT_GT(
      MetricSum(HttpGetBody(b.port, "/metrics").value_or(""), "privmon_state_partitions_assigned"),
      0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (std::size_t i = half; i < half + 6; ++i) {  // a little more while both run
    Feed(kafka, lines, i, i + 1, Spread::kByTenant);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  ASSERT_TRUE(a.child->Stop(SIGKILL, std::chrono::seconds(30)).has_value());
  Feed(kafka, lines, half + 6, lines.size(), Spread::kByTenant);
  // b alone: after the session timeout it owns every partition, restores a's and reads the rest.
  ASSERT_TRUE(WaitSettled({&b}, 0, kInputPartitions, /*all_read=*/false))
      << ReadFile(dir + "/b.err");
  const std::string b_metrics = HttpGetBody(b.port, "/metrics").value_or("");
  EXPECT_EQ(Series(b_metrics, kSplits), 0) << b_metrics;
  const std::string b_err = ReadFile(dir + "/b.err");
  EXPECT_NE(b_err.find("restored"), std::string::npos) << b_err;
  ASSERT_EQ(b.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/b.err");

  AlertIdSet got = AlertIds(ReadFile(dir + "/a.jsonl"));
  const AlertIdSet from_b = AlertIds(ReadFile(dir + "/b.jsonl"));
  got.insert(from_b.begin(), from_b.end());
  ExpectSame(got, KeyedReference(dir, kafka, lines), dir,
             ReadFile(dir + "/a.err") + ReadFile(dir + "/b.err"));
}

TEST(KafkaKeyedInput, ARecordOfOneTenantOnASecondPartitionIsCountedAndReported) {
  const std::string dir = TempDir("kafka-keyed-split");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  Feed(kafka, lines, 0, lines.size(), Spread::kByTenant);
  Member one = StartMember(dir, "one", kafka, dir + "/cp", kMode);
  ASSERT_TRUE(WaitSettled({&one}, static_cast<double>(lines.size()), kInputPartitions))
      << ReadFile(dir + "/one.err");
  ASSERT_EQ(Series(HttpGetBody(one.port, "/metrics").value_or(""), kSplits), 0);
  // The producer slips: one record (a Log Analytics row: one event) of the second line's tenant
  // lands on the empty partition 3.
  const std::string tenant = TenantOf(lines[1]);
  ASSERT_NE(KeyedPartition(tenant), 3);
  kafka.Produce("entra", 3, lines[1], tenant);
  kafka.Flush();
  double splits = -1;
  const bool counted = PollUntil(
      [&] {
        splits = Series(HttpGetBody(one.port, "/metrics").value_or(""), kSplits);
        return splits >= 1;
      },
      60s, 250ms);
  EXPECT_TRUE(counted) << ReadFile(dir + "/one.err");
  EXPECT_EQ(splits, 1);
  const std::string err = ReadFile(dir + "/one.err");
  EXPECT_NE(err.find("KEYED INPUT IS NOT KEYED BY TENANT: tenant " + tenant + " is on partitions " +
                     std::to_string(KeyedPartition(tenant)) + " and 3 of entra"),
            std::string::npos)
      << err;
  ASSERT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
}

}  // namespace
}  // namespace privmon::testing
