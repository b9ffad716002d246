// `state_topic` (README "Running N instances"): the input topic (the `mixed` scenario, unkeyed,
// round robin over 4 partitions of librdkafka's mock cluster, as Event Hubs spreads a tenant) is
// repartitioned by tenant onto privmon's own 8-partition topic, whose partitions are the units of
// state. The reference is one plain Kafka run with checkpoints over the same topic (with
// checkpoints, SIGTERM keeps pending verdicts pending, so `scan`, which settles them, raises a few
// more: the reference must be a subset of scan's). One process, then two sharing a checkpoint
// directory with one SIGKILLed midway, then a third joining mid-stream: the alerts of all
// processes together (unique by alert_id) equal the reference's, none lost, none extra.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/kafka/kafka_group_helpers.h"

namespace privmon::testing {
namespace {

constexpr GroupMode kKafkaStateTopicMode = GroupMode::kStateTopic;

Member Start(const std::string& dir, const std::string& name, const MockKafka& kafka,
             const std::string& cp_dir) {
  return StartMember(dir, name, kafka, cp_dir, kKafkaStateTopicMode);
}

TEST(KafkaStateTopic, OneProcessOnAnUnkeyedTopicRaisesWhatAPlainRunRaises) {
  const std::string dir = TempDir("kafka-state-one");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  ASSERT_EQ(lines.size(), 35u);
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("privmon-events", kStatePartitions);
  Feed(kafka, lines, 0, lines.size());

  Member one = Start(dir, "one", kafka, dir + "/cp");
  ASSERT_TRUE(WaitSettled({&one}, static_cast<double>(lines.size()), kStatePartitions))
      << ReadFile(dir + "/one.err");
  const std::string metrics = HttpGetBody(one.port, "/metrics").value_or("");
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0) << metrics;
  EXPECT_EQ(MetricSum(metrics, "privmon_state_topic_produce_errors_total"), 0) << metrics;
  ASSERT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
  // Every state partition wrote its own checkpoint under its claim.
  for (int q = 0; q < kStatePartitions; ++q) {
    EXPECT_EQ(ReadFile(dir + "/cp/partition-" + std::to_string(q) + "/epoch"), "1\n") << q;
  }
  // The state topic holds each accepted record once, keyed by its tenant, on its tenant's
  // partition: one tenant never spans two partitions.
  std::set<std::pair<std::string, int32_t>> tenant_partitions;
  std::set<std::string> tenants;
  std::set<int32_t> marked;
  for (const KafkaRecord& r : kafka.ReadAll("privmon-events", kStatePartitions)) {
    if (r.value.empty()) {  // a progress mark: sent to every state partition, without a key
      EXPECT_EQ(r.key, "");
      marked.insert(r.partition);
      continue;
    }
    tenant_partitions.emplace(r.key, r.partition);
    tenants.insert(r.key);
  }
  EXPECT_EQ(tenants.size(), 3u);
  EXPECT_EQ(tenant_partitions.size(), tenants.size());
  EXPECT_EQ(marked.size(), static_cast<std::size_t>(kStatePartitions));

  ExpectSame(AlertIds(ReadFile(dir + "/one.jsonl")),
             Reference(dir, kafka, static_cast<double>(lines.size())), dir,
             ReadFile(dir + "/one.err"));
}

// partition -> value of `name`'s series labelled source="<source>".
std::map<int, double> PartitionSeries(const std::string& text, const std::string& name,
                                      const std::string& source) {
  std::map<int, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0) continue;
    if (line.find("source=\"" + source + "\"") == std::string::npos) continue;
    const std::size_t at = line.find("partition=\"");
    if (at == std::string::npos) continue;
    out[std::stoi(line.substr(at + 11))] = std::stod(line.substr(line.rfind(' ') + 1));
  }
  return out;
}

// The state side's consumers on /metrics, labelled as the input source's are (source="state"):
// consumer lag per state partition, assigned state partitions, rebalances of the state group,
// records lost per state partition.
TEST(KafkaStateTopic, StatePartitionsLagAssignmentAndRebalancesAreOnMetrics) {
  const std::string dir = TempDir("kafka-state-metrics");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("privmon-events", kStatePartitions);
  Feed(kafka, lines, 0, lines.size());
  Member one = Start(dir, "one", kafka, dir + "/cp");
  ASSERT_TRUE(WaitSettled({&one}, static_cast<double>(lines.size()), kStatePartitions))
      << ReadFile(dir + "/one.err");
  const std::string text = HttpGetBody(one.port, "/metrics").value_or("");
  const std::map<int, double> lag =
      PartitionSeries(text, "privmon_kafka_consumer_lag_messages", "state");
  ASSERT_EQ(lag.size(), static_cast<std::size_t>(kStatePartitions)) << text;
  for (const auto& [q, value] : lag) {
    EXPECT_TRUE(q >= 0 && q < kStatePartitions) << q;
    EXPECT_EQ(value, 0) << "partition " << q;
  }
  EXPECT_NE(text.find("privmon_kafka_consumer_lag_messages{source=\"state\",topic=\"privmon-"
                      "events\",partition=\"7\"} "),
            std::string::npos)
      << text;
  const std::map<int, double> lost =
      PartitionSeries(text, "privmon_kafka_records_lost_total", "state");
  EXPECT_EQ(lost.size(), static_cast<std::size_t>(kStatePartitions)) << text;
  for (const auto& [q, value] : lost) EXPECT_EQ(value, 0) << "partition " << q;
  EXPECT_EQ(MetricSum(text, "privmon_kafka_assigned_partitions", "source=\"state\""),
            kStatePartitions);
  // One assignment at least (eager: a revocation first, when the group formed in two steps).
  const double rebalances = MetricSum(text, "privmon_kafka_rebalances_total", "source=\"state\"");
  EXPECT_GE(rebalances, 1);
  EXPECT_EQ(rebalances, MetricSum(text, "privmon_state_rebalances_total"));
  // The input's own series stay apart.
  EXPECT_EQ(PartitionSeries(text, "privmon_kafka_consumer_lag_messages", "kafka").size(),
            static_cast<std::size_t>(kInputPartitions));
  EXPECT_EQ(MetricSum(text, "privmon_kafka_assigned_partitions", "source=\"kafka\""),
            kInputPartitions);
  ASSERT_EQ(one.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/one.err");
}

TEST(KafkaStateTopic, SurvivorTakesOverAKilledMembersPartitionsWithTheirState) {
  const std::string dir = TempDir("kafka-state-two");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("privmon-events", kStatePartitions);
  const std::size_t half = lines.size() / 2;
  Feed(kafka, lines, 0, half);

  const std::string cp = dir + "/cp";  // shared by both
  Member a = Start(dir, "a", kafka, cp);
  Member b = Start(dir, "b", kafka, cp);
  ASSERT_TRUE(WaitSettled({&a, &b}, static_cast<double>(half), kStatePartitions))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err");
  // Both run some state partitions, and a has checkpointed (interval 1 s) before it dies.
  const std::string a_metrics = HttpGetBody(a.port, "/metrics").value_or("");
  EXPECT_GT(MetricSum(a_metrics, "privmon_state_partitions_assigned"), 0);
  EXPECT_GT(
      MetricSum(HttpGetBody(b.port, "/metrics").value_or(""), "privmon_state_partitions_assigned"),
      0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (std::size_t i = half; i < half + 6; ++i) {  // a little more while both run
    Feed(kafka, lines, i, i + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  const auto counts = [](const std::string& m) {
    return "late " + std::to_string(MetricSum(m, "privmon_late_events_total")) + ", duplicates " +
           std::to_string(MetricSum(m, "privmon_duplicates_total"));
  };
  const std::string a_before_kill = counts(HttpGetBody(a.port, "/metrics").value_or("")) +
                                    "; b: " + counts(HttpGetBody(b.port, "/metrics").value_or(""));
  ASSERT_TRUE(a.child->Stop(SIGKILL, std::chrono::seconds(30)).has_value());
  Feed(kafka, lines, half + 6, lines.size());
  // b alone: after the session timeout it holds every partition and reads the rest.
  ASSERT_TRUE(WaitSettled({&b}, 0, kStatePartitions, /*all_read=*/false))
      << ReadFile(dir + "/b.err");
  const std::string b_err_before_stop = ReadFile(dir + "/b.err");
  EXPECT_NE(b_err_before_stop.find("restored"), std::string::npos) << b_err_before_stop;
  ASSERT_EQ(b.child->Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/b.err");

  AlertIdSet got = AlertIds(ReadFile(dir + "/a.jsonl"));
  const AlertIdSet from_b = AlertIds(ReadFile(dir + "/b.jsonl"));
  got.insert(from_b.begin(), from_b.end());
  ExpectSame(got, Reference(dir, kafka, static_cast<double>(lines.size())), dir,
             "a before the kill: " + a_before_kill + "\n" + ReadFile(dir + "/b.err"));
}

TEST(KafkaStateTopic, AThirdProcessJoiningMidStreamChangesNoAlert) {
  const std::string dir = TempDir("kafka-state-join");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("privmon-events", kStatePartitions);
  const std::size_t half = lines.size() / 2;
  Feed(kafka, lines, 0, half);
  const std::string cp = dir + "/cp";
  Member a = Start(dir, "a", kafka, cp);
  Member b = Start(dir, "b", kafka, cp);
  ASSERT_TRUE(WaitSettled({&a, &b}, static_cast<double>(half), kStatePartitions))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err");
  Member c = Start(dir, "c", kafka, cp);
  for (std::size_t i = half; i < lines.size(); ++i) {
    Feed(kafka, lines, i, i + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  ASSERT_TRUE(WaitSettled({&a, &b, &c}, static_cast<double>(lines.size()), kStatePartitions))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err") << ReadFile(dir + "/c.err");
  EXPECT_GT(
      MetricSum(HttpGetBody(c.port, "/metrics").value_or(""), "privmon_state_partitions_assigned"),
      0);
  AlertIdSet got;
  for (Member* m : {&a, &b, &c}) {
    ASSERT_EQ(m->child->Stop(SIGTERM, std::chrono::seconds(60)), 0)
        << ReadFile(dir + "/" + m->name + ".err");
    const AlertIdSet ids = AlertIds(ReadFile(dir + "/" + m->name + ".jsonl"));
    got.insert(ids.begin(), ids.end());
  }
  ExpectSame(got, Reference(dir, kafka, static_cast<double>(lines.size())), dir,
             ReadFile(dir + "/a.err") + ReadFile(dir + "/b.err") + ReadFile(dir + "/c.err"));
}

}  // namespace
}  // namespace privmon::testing
