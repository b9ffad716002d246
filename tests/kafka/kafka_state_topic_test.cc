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
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kBinary = PRIVMON_BINARY;
const std::string kScenario = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed";
const std::string kDefaultTenant = "bbbbbbbb-0000-4000-8000-000000000003";  // its `args`
constexpr int kInputPartitions = 4;
constexpr int kStatePartitions = 8;

std::vector<std::string> ScenarioLines() {
  std::vector<std::string> lines;
  std::ifstream in(kScenario + "/mixed.ndjson");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Produces lines [from, to) round robin over the input partitions, unkeyed; a record that names
// no tenant carries it in the key, as a ZeroMQ tenant frame would.
void Feed(MockKafka& kafka, const std::vector<std::string>& lines, std::size_t from,
          std::size_t to) {
  for (std::size_t i = from; i < to && i < lines.size(); ++i) {
    const bool names = lines[i].find("\"tenantId\"") != std::string::npos ||
                       lines[i].find("\"TenantId\"") != std::string::npos;
    kafka.Produce("entra", static_cast<int32_t>(i % kInputPartitions), lines[i],
                  names ? "" : kDefaultTenant);
  }
  kafka.Flush();
}

// The scenario's config with a Kafka source (with or without the state topic), a file sink,
// metrics and checkpoints. A short session timeout lets the groups notice a killed member soon.
std::string Config(const std::string& dir, const std::string& name, const MockKafka& kafka,
                   const std::string& group, const std::string& cp_dir, bool state_topic,
                   int port) {
  const std::string path = dir + "/" + name + ".yaml";
  std::ofstream(path) << ReadFile(kScenario + "/config.yaml") << "sources: [{kafka: {brokers: \""
                      << kafka.bootstrap_servers() << "\", topics: [entra], group: " << group
                      << ", multi_tenant: true"
                      << (state_topic ? ", state_topic: privmon-events, state_partitions: " +
                                            std::to_string(kStatePartitions)
                                      : std::string())
                      << ", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: "
                         "\"500\"}}}]\n"
                      << "sinks: [{file: {path: " << dir << "/" << name << ".jsonl}}]\n"
                      << "metrics: {listen: \"127.0.0.1:" << port << "\"}\n"
                      << "checkpoint: {dir: " << cp_dir << ", interval: 1s}\n";
  return path;
}

struct Member {
  std::string name;
  int port = 0;
  std::unique_ptr<Child> child;
};

Member Start(const std::string& dir, const std::string& name, const MockKafka& kafka,
             const std::string& cp_dir) {
  Member m{name, FreeTcpPort(), nullptr};
  m.child = std::make_unique<Child>(
      Spawn({kBinary, "run", "-c", Config(dir, name, kafka, "st", cp_dir, true, m.port)}, "",
            dir + "/" + name + ".err"));
  return m;
}

// The members together hold every input and state partition, have read `expected_inputs` input
// messages, and nothing moved for 1.5 s (3 s after a takeover). `all_read`: the state side read
// back at least what they produced (not after a takeover: the dead member's checkpoint covers some
// of what the survivor produced).
bool WaitSettled(std::vector<Member*> members, double expected_inputs, bool all_read = true) {
  double last = -1;
  auto since = std::chrono::steady_clock::now();
  std::string seen;
  const bool settled = PollUntil(
      [&] {
        double input_parts = 0, state_parts = 0, inputs = 0, produced = 0, read = 0, lag = 0;
        for (Member* m : members) {
          const auto text = HttpGetBody(m->port, "/metrics");
          if (!text) return false;
          input_parts += MetricSum(*text, "privmon_kafka_assigned_partitions");
          lag += MetricSum(*text, "privmon_kafka_consumer_lag_messages");
          state_parts += MetricSum(*text, "privmon_state_partitions_assigned");
          inputs += MetricSum(*text, "privmon_messages_received_total", "source=\"kafka\"");
          produced += MetricSum(*text, "privmon_state_topic_produced_total");
          read += MetricSum(*text, "privmon_messages_received_total", "source=\"state\"");
        }
        const double moved = inputs + produced * 1000 + read * 1000000;
        seen = "input partitions " + std::to_string(input_parts) + ", state partitions " +
               std::to_string(state_parts) + ", lag " + std::to_string(lag) + ", inputs " +
               std::to_string(inputs) + ", produced " + std::to_string(produced) + ", read " +
               std::to_string(read);
        if (input_parts != kInputPartitions || state_parts != kStatePartitions || lag != 0 ||
            inputs < expected_inputs || (all_read && read < produced) || moved != last) {
          last = moved;
          since = std::chrono::steady_clock::now();
          return false;
        }
        return std::chrono::steady_clock::now() - since > (all_read ? 1500ms : 3000ms);
      },
      120s, 250ms);
  if (!settled) ADD_FAILURE() << "not settled: " << seen;
  return settled;
}

// One plain Kafka run with checkpoints over the whole topic, stopped with SIGTERM once idle.
AlertIdSet Reference(const std::string& dir, const MockKafka& kafka, double messages) {
  const int port = FreeTcpPort();
  Child run(Spawn(
      {kBinary, "run", "-c", Config(dir, "whole", kafka, "whole", dir + "/cp-whole", false, port)},
      "", dir + "/whole.err"));
  double last = -1;
  auto since = std::chrono::steady_clock::now();
  const bool idle = WaitForMetrics(
                        run, port,
                        [&](const std::string& m) {
                          const double got =
                              MetricSum(m, "privmon_messages_received_total", "source=\"kafka\"");
                          if (!KafkaCaughtUp(m, kInputPartitions, messages) || got != last) {
                            last = got;
                            since = std::chrono::steady_clock::now();
                            return false;
                          }
                          return std::chrono::steady_clock::now() - since > 1500ms;
                        },
                        120s, 250ms)
                        .has_value();
  EXPECT_TRUE(idle) << ReadFile(dir + "/whole.err");
  EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/whole.err");
  const AlertIdSet want = AlertIds(ReadFile(dir + "/whole.jsonl"));
  EXPECT_GT(want.size(), 10u);
  // The reference raises only what scan raises (scan settles the pending rest too).
  EXPECT_EQ(RunToExit({kBinary, "scan", "-q", "-c", kScenario + "/config.yaml", "--tenant",
                       kDefaultTenant, kScenario + "/mixed.ndjson"},
                      dir + "/scan.out", dir + "/scan.err"),
            0);
  const AlertIdSet scan = AlertIds(ReadFile(dir + "/scan.out"));
  EXPECT_TRUE(std::includes(scan.begin(), scan.end(), want.begin(), want.end()));
  return want;
}

void ExpectSame(const AlertIdSet& got, const AlertIdSet& want, const std::string& reference_dir,
                const std::string& what) {
  std::vector<std::pair<std::string, bool>> lost, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(lost));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::string lines;
  {
    std::istringstream in(ReadFile(reference_dir + "/whole.jsonl"));
    for (std::string line; std::getline(in, line);) {
      for (const auto& l : lost) {
        if (line.find(l.first) != std::string::npos) lines += line + "\n";
      }
    }
  }
  EXPECT_TRUE(lost.empty()) << lost.size() << " alerts lost:\n" << lines << what;
  EXPECT_TRUE(extra.empty()) << extra.size() << " alerts extra, first " << extra.front().first
                             << "; " << what;
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
  ASSERT_TRUE(WaitSettled({&one}, static_cast<double>(lines.size()))) << ReadFile(dir + "/one.err");
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
  ASSERT_TRUE(WaitSettled({&a, &b}, static_cast<double>(half)))
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
  ASSERT_TRUE(WaitSettled({&b}, 0, /*all_read=*/false)) << ReadFile(dir + "/b.err");
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
  ASSERT_TRUE(WaitSettled({&a, &b}, static_cast<double>(half)))
      << ReadFile(dir + "/a.err") << ReadFile(dir + "/b.err");
  Member c = Start(dir, "c", kafka, cp);
  for (std::size_t i = half; i < lines.size(); ++i) {
    Feed(kafka, lines, i, i + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  ASSERT_TRUE(WaitSettled({&a, &b, &c}, static_cast<double>(lines.size())))
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
