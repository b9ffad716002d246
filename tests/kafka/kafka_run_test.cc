// privmon against a Kafka cluster: librdkafka's mock cluster runs in the test process and the real
// `privmon run` binary joins it over loopback. The scenario `mixed` (three tenants, three formats,
// mildly out of order) is spread round robin over four partitions, unkeyed, as Event Hubs spreads
// one tenant's records; the alerts must equal `privmon scan` of the same file: same rules,
// accounts, ids and counts. And alerts written to a Kafka sink arrive keyed by tenant, each once.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kKafkaRunBinary = PRIVMON_BINARY;
const std::string kKafkaRunScenario = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed";
const std::string kKafkaRunDefaultTenant = "bbbbbbbb-0000-4000-8000-000000000003";  // its `args`

std::string Field(const std::string& line, const std::string& name) {
  const std::regex re("\"" + name + "\":(\"[^\"]*\"|[0-9]+|true|false)");
  std::smatch m;
  return std::regex_search(line, m, re) ? m[1].str() : "";
}

std::string AccountId(const std::string& line) {
  const std::regex re("\"account\":\\{\"id\":\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(line, m, re) ? m[1].str() : "";
}

// One entry per alert line: rule, account, alert_id, count, update; sorted.
std::vector<std::string> Alerts(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    out.push_back(Field(line, "rule_id") + " " + AccountId(line) + " " + Field(line, "alert_id") +
                  " count=" + Field(line, "count") + " update=" + Field(line, "update"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> ScanAlerts(const std::string& dir) {
  const std::string out = dir + "/scan.jsonl";
  EXPECT_EQ(
      RunToExit({kKafkaRunBinary, "scan", "--quiet", "--config", kKafkaRunScenario + "/config.yaml",
                 "--tenant", kKafkaRunDefaultTenant, kKafkaRunScenario + "/mixed.ndjson"},
                out, dir + "/scan.err"),
      0);
  return Alerts(ReadFile(out));
}

// The scenario's config (tenants, lateness) with the given sources, sinks and metrics.
std::string WriteConfig(const std::string& dir, const std::string& io) {
  const std::string path = dir + "/config.yaml";
  std::ofstream(path) << ReadFile(kKafkaRunScenario + "/config.yaml") << io;
  return path;
}

bool NamesTenant(const std::string& line) {
  return line.find("\"tenantId\"") != std::string::npos ||
         line.find("\"TenantId\"") != std::string::npos;
}

// Waits until privmon has read `messages` Kafka messages and has no lag left on 4 partitions.
std::string WaitCaughtUp(Child& privmon, int port, int messages) {
  std::string last;
  const auto metrics = WaitForMetrics(
      privmon, port,
      [&](const std::string& m) {
        last = m;
        return KafkaCaughtUp(m, 4, messages) &&
               MetricSum(m, "privmon_messages_received_total", "source=\"kafka\"") == messages;
      },
      60s);
  if (!metrics) ADD_FAILURE() << "privmon did not read " << messages << " messages:\n" << last;
  return metrics.value_or(last);
}

// A partition silent for `idle_timeout` stops holding (a test that stalls one sets it long).
std::string KafkaConfig(const std::string& dir, const MockKafka& kafka, int port,
                        const std::string& idle_timeout = "10s") {
  // The key only fills in for records naming no tenant; a batch keyed so also holds records of
  // other tenants: the source is multi-tenant (else those are tenant_mismatch).
  return WriteConfig(dir, "sources: [{kafka: {brokers: \"" + kafka.bootstrap_servers() +
                              "\", topics: [entra], group: privmon-run-test, "
                              "partition_idle_timeout: " +
                              idle_timeout +
                              ", multi_tenant: true}}]\n"
                              "sinks: [{file: {path: \"" +
                              dir + "/alerts.jsonl\"}}]\nmetrics: {listen: \"127.0.0.1:" +
                              std::to_string(port) + "\"}\n");
}

TEST(KafkaSource, UnkeyedFourPartitionTopicGivesTheSameAlertsAsScan) {
  const std::string dir = TempDir("kafka-source");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", 4);
  // Round robin over the partitions, unkeyed; a record that names no tenant carries it in the
  // message key, as a ZeroMQ tenant frame would.
  const std::vector<std::string> lines = Lines(kKafkaRunScenario + "/mixed.ndjson");
  ASSERT_EQ(lines.size(), 35u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    kafka.Produce("entra", static_cast<int32_t>(i % 4), lines[i],
                  NamesTenant(lines[i]) ? "" : kKafkaRunDefaultTenant);
  }
  kafka.Flush();

  const int port = FreeTcpPort();
  Child privmon(Spawn({kKafkaRunBinary, "run", "--config", KafkaConfig(dir, kafka, port)},
                      dir + "/run.out", dir + "/run.err"));
  const std::string metrics = WaitCaughtUp(privmon, port, static_cast<int>(lines.size()));
  EXPECT_GE(MetricSum(metrics, "privmon_kafka_rebalances_total"), 1);
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0) << metrics;
  ASSERT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/run.err");

  const std::vector<std::string> expected = ScanAlerts(dir);
  EXPECT_GE(expected.size(), 18u);
  EXPECT_EQ(Alerts(ReadFile(dir + "/alerts.jsonl")), expected) << ReadFile(dir + "/run.err");
}

// Which lines of a round robin over 4 partitions to produce: all, partition 1's only, or all but
// partition 1's (a lagging partition and the others).
enum class Lines4 { kAll, kPartition1, kOthers };

// Produces lines [from, to) to partition i % 4, those `which` selects; a framed line
// ("<tenant>\t<payload>") names its tenant in the key, as a ZeroMQ frame. Returns how many.
int ProduceRoundRobin(MockKafka& kafka, const std::vector<std::string>& lines, std::size_t from,
                      std::size_t to, Lines4 which) {
  int produced = 0;
  for (std::size_t i = from; i < to; ++i) {
    if (which != Lines4::kAll && (i % 4 == 1) != (which == Lines4::kPartition1)) continue;
    const std::size_t tab = lines[i].find('\t');
    const bool framed = tab != std::string::npos && lines[i][0] != '{';
    kafka.Produce("entra", static_cast<int32_t>(i % 4),
                  framed ? lines[i].substr(tab + 1) : lines[i],
                  framed ? lines[i].substr(0, tab) : "");
    ++produced;
  }
  kafka.Flush();
  return produced;
}

// <dir>/<name>.yaml: a generated world's tenants, the Kafka source of group `group` (a partition
// silent for `idle_timeout` stops holding), a file sink <dir>/<name>.jsonl, metrics on `port`,
// then `extra`.
std::string WorldConfig(const std::string& dir, const std::string& name, const GeneratedRun& world,
                        const MockKafka& kafka, const std::string& group, int port,
                        const std::string& extra = "", const std::string& idle_timeout = "10s") {
  const std::string path = dir + "/" + name + ".yaml";
  std::ofstream(path) << world.tenants << "sources: [{kafka: {brokers: \""
                      << kafka.bootstrap_servers() << "\", topics: [entra], group: " << group
                      << ", partition_idle_timeout: " << idle_timeout
                      << ", multi_tenant: true, properties: {session.timeout.ms: \"6000\", "
                         "heartbeat.interval.ms: \"500\"}}}]\n"
                      << "sinks: [{file: {path: \"" << dir << "/" << name << ".jsonl\"}}]\n"
                      << "metrics: {listen: \"127.0.0.1:" << port << "\"}\n"
                      << extra;
  return path;
}

// A generated world (10 tenants, 4 formats, days of event time) over four partitions: each
// partition holds hundreds of records, more than one fetch brings at once, so librdkafka's fetches
// land partition by partition. Before each partition was read from its own queue, the first
// partition's batch stood in front of the others' in the one consumer queue and ran hours of event
// time ahead: 15-45% of the records came late and the alerts differed from scan's.
TEST(KafkaSource, PartitionsFetchedUnevenlyMakeNoRecordLate) {
  const std::string dir = TempDir("kafka-world");
  TempDirCleanup cleanup(dir);
  const auto world =
      GenerateAndScan(dir, {"--records", "2000", "--accounts", "400", "--seed", "11"});
  ASSERT_TRUE(world.has_value());
  MockKafka kafka;
  kafka.CreateTopic("entra", 4);
  const std::vector<std::string> lines = Lines(dir + "/all.ndjson");
  ASSERT_GE(lines.size(), 2000u);
  ProduceRoundRobin(kafka, lines, 0, lines.size(), Lines4::kAll);
  const int port = FreeTcpPort();
  const std::string config = WorldConfig(dir, "alerts", *world, kafka, "privmon-world", port);
  Child privmon(
      Spawn({kKafkaRunBinary, "run", "--config", config}, dir + "/run.out", dir + "/run.err"));
  const std::string metrics = WaitCaughtUp(privmon, port, static_cast<int>(lines.size()));
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0);
  EXPECT_EQ(MetricSum(metrics, "privmon_events_rejected_total"), 0);
  ASSERT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/run.err");
  const std::vector<std::string> expected = Alerts(world->scan_text);
  EXPECT_GE(expected.size(), 5u);
  EXPECT_EQ(Alerts(ReadFile(dir + "/alerts.jsonl")), expected);
}

// Two days of one generated tenant over four partitions; the records of partition 1 after its
// first ones come last (Resume).
struct LaggingWorld {
  static constexpr std::size_t kStart = 40;  // lines every partition carries before the lag
  std::string dir;
  std::optional<GeneratedRun> world;
  MockKafka kafka;
  std::vector<std::string> lines;

  explicit LaggingWorld(std::string d) : dir(std::move(d)) {
    world = GenerateAndScan(dir, {"--tenants", "1", "--accounts", "120", "--days", "2", "--records",
                                  "1600", "--attack-share", "0.1", "--seed", "7"});
    kafka.CreateTopic("entra", 4);
    lines = Lines(dir + "/all.ndjson");
  }
  int Begin() { return ProduceRoundRobin(kafka, lines, 0, kStart, Lines4::kAll); }
  int RunAhead() { return ProduceRoundRobin(kafka, lines, kStart, lines.size(), Lines4::kOthers); }
  int Resume() {
    return ProduceRoundRobin(kafka, lines, kStart, lines.size(), Lines4::kPartition1);
  }
};

bool NothingHeld(const std::string& metrics) {
  return MetricSum(metrics, "privmon_events_held_ahead") == 0;
}

// Partition 1 stalls after its first records while the other three run through two days of a
// generated tenant's event time, then resumes. Its clock holds the tenant's watermark back (as in
// LaggingPartitionMakesNoRecordLate), and the records of the partitions running ahead wait in the
// shards (pipeline/ahead_hold.h) instead of reaching the rules a day early: handed on as they
// came, they filled each account's bounded rings (4 sign-in runs, 16 failures) with the future and
// evicted what partition 1's records and the pending verdicts read (breaker round 93: a lost
// PRIV-SI-01, false PRIV-EL-06). The alerts equal scan's.
TEST(KafkaSource, PartitionsRunningADayAheadOfALaggingOneGiveTheAlertsOfScan) {
  const std::string dir = TempDir("kafka-ahead");
  TempDirCleanup cleanup(dir);
  LaggingWorld w(dir);
  ASSERT_TRUE(w.world.has_value());
  ASSERT_GE(w.lines.size(), 1600u);
  int read = w.Begin();
  const int port = FreeTcpPort();
  Child privmon(Spawn({kKafkaRunBinary, "run", "--config",
                       WorldConfig(dir, "alerts", *w.world, w.kafka, "ahead", port, "", "300s")},
                      dir + "/run.out", dir + "/run.err"));
  WaitCaughtUp(privmon, port, read);
  read += w.RunAhead();  // partitions 0, 2 and 3 run to the second day's end
  const std::string held = WaitCaughtUp(privmon, port, read);
  // What ran ahead waits: nearly all of it (the partitions' records within the lateness of
  // partition 1's clock went on).
  EXPECT_GT(MetricSum(held, "privmon_events_held_ahead"), read / 2) << held;
  read += w.Resume();  // partition 1 resumes where it stalled
  const std::string metrics = WaitCaughtUp(privmon, port, read);
  ASSERT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/run.err");
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0) << metrics;
  EXPECT_EQ(MetricSum(metrics, "privmon_events_held_ahead_overflow_total"), 0) << metrics;
  const std::vector<std::string> expected = Alerts(w.world->scan_text);
  EXPECT_GE(expected.size(), 20u);
  EXPECT_EQ(Alerts(ReadFile(dir + "/alerts.jsonl")), expected);
}

// The same lag, with checkpoints: privmon is stopped (SIGTERM) while the records that ran ahead
// wait, and restarted before partition 1 resumes. The checkpoint carries what waited (their
// offsets are committed with it): the two lives together raise the alert ids of one uninterrupted
// checkpointed run over the whole topic (each stopped the same way, pending verdicts pending).
TEST(KafkaSource, RecordsWaitingForALaggingPartitionSurviveARestart) {
  const std::string dir = TempDir("kafka-ahead-cp");
  TempDirCleanup cleanup(dir);
  LaggingWorld w(dir);
  ASSERT_TRUE(w.world.has_value());
  ASSERT_GE(w.lines.size(), 1600u);
  const int port = FreeTcpPort();
  // Life 1 stops while partition 1 stalls: the partition must hold until then however slow the
  // machine (with 10 s, a loaded CI machine let what waited go on before the stop). Life 2 and
  // the uninterrupted run end with partition 1 at its end, quiet: what still waits goes on after
  // 30 s.
  auto config = [&](const std::string& name, const std::string& group,
                    const std::string& idle_timeout) {
    return WorldConfig(dir, name, *w.world, w.kafka, group, port,
                       "checkpoint: {dir: \"" + dir + "/cp-" + group + "\", interval: 1s}\n",
                       idle_timeout);
  };
  int first = w.Begin();
  Child life1(Spawn({kKafkaRunBinary, "run", "--config", config("life1", "ahead-cp", "300s")},
                    dir + "/life1.out", dir + "/life1.err"));
  WaitCaughtUp(life1, port, first);
  first += w.RunAhead();
  const std::string held = WaitCaughtUp(life1, port, first);
  EXPECT_GT(MetricSum(held, "privmon_events_held_ahead"), first / 2) << held;
  ASSERT_EQ(life1.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/life1.err");

  const int rest = w.Resume();
  Child life2(Spawn({kKafkaRunBinary, "run", "--config", config("life2", "ahead-cp", "30s")},
                    dir + "/life2.out", dir + "/life2.err"));
  WaitCaughtUp(life2, port, rest);
  // The newest records of partitions 0, 2 and 3 wait until partition 1, at its end, has been
  // quiet for 30 s (partition_idle_timeout) and stops holding them.
  const auto after = WaitForMetrics(life2, port, NothingHeld, 90s);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(MetricSum(*after, "privmon_late_events_total"), 0) << *after;
  ASSERT_EQ(life2.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/life2.err");

  Child whole(Spawn({kKafkaRunBinary, "run", "--config", config("whole", "ahead-whole", "30s")},
                    dir + "/whole.out", dir + "/whole.err"));
  WaitCaughtUp(whole, port, static_cast<int>(w.lines.size()));
  const auto whole_metrics = WaitForMetrics(whole, port, NothingHeld, 90s);
  ASSERT_TRUE(whole_metrics.has_value());
  EXPECT_EQ(MetricSum(*whole_metrics, "privmon_late_events_total"), 0) << *whole_metrics;
  ASSERT_EQ(whole.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/whole.err");

  std::vector<std::string> lives =
      Alerts(ReadFile(dir + "/life1.jsonl") + ReadFile(dir + "/life2.jsonl"));
  std::vector<std::string> uninterrupted = Alerts(ReadFile(dir + "/whole.jsonl"));
  EXPECT_GE(uninterrupted.size(), 20u);
  std::vector<std::string> only_lives, only_whole;
  std::set_difference(lives.begin(), lives.end(), uninterrupted.begin(), uninterrupted.end(),
                      std::back_inserter(only_lives));
  std::set_difference(uninterrupted.begin(), uninterrupted.end(), lives.begin(), lives.end(),
                      std::back_inserter(only_whole));
  EXPECT_TRUE(only_lives.empty() && only_whole.empty())
      << "only in the two lives: " << ::testing::PrintToString(only_lives)
      << "\nonly in the uninterrupted run: " << ::testing::PrintToString(only_whole);
}

TEST(KafkaSink, AlertsArriveKeyedByTenantEachOnce) {
  const std::string dir = TempDir("kafka-sink");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("privmon-alerts", 2);
  const std::string config = WriteConfig(
      dir, "sources: [{file: {path: \"" + kKafkaRunScenario +
               "/mixed.ndjson\", multi_tenant: true, tenant: " + kKafkaRunDefaultTenant +
               "}}]\nsinks: [{kafka: {brokers: \"" + kafka.bootstrap_servers() +
               "\", topic: privmon-alerts}}]\nmetrics: {listen: \"\"}\n");
  // A file source ends by itself; the sink waits for its delivery reports before exiting.
  ASSERT_EQ(
      RunToExit({kKafkaRunBinary, "run", "--config", config}, dir + "/run.out", dir + "/run.err"),
      0)
      << ReadFile(dir + "/run.err");
  EXPECT_EQ(ReadFile(dir + "/run.err").find("NOT delivered"), std::string::npos);

  const std::vector<KafkaRecord> records = kafka.ReadAll("privmon-alerts", 2);
  std::string values;
  std::vector<std::string> ids;
  for (const KafkaRecord& r : records) {
    EXPECT_EQ("\"" + r.key + "\"", Field(r.value, "tenant_id")) << r.value;
    EXPECT_EQ(r.value.back(), '}') << "no trailing newline in a Kafka message";
    ids.push_back(Field(r.value, "alert_id") + Field(r.value, "update"));
    values += r.value + "\n";
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "an alert arrived twice";
  EXPECT_EQ(Alerts(values), ScanAlerts(dir));
}

}  // namespace
}  // namespace privmon::testing

namespace privmon::testing {
namespace {

// Partition 1 stalls (as after a failover) while the others run hours ahead in event time, then
// resumes: its records hold their tenants' clocks back instead of arriving late, so the alerts
// still equal scan's. With one clock for the whole topic they would be late and dropped.
// (Before the stall, partition 1 has carried every tenant: a partition that never carried a
// tenant cannot hold that tenant's clock.)
TEST(KafkaSource, LaggingPartitionMakesNoRecordLate) {
  const std::string dir = TempDir("kafka-lag");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", 4);
  const std::vector<std::string> lines = Lines(kKafkaRunScenario + "/mixed.ndjson");
  auto produce = [&](std::size_t from, std::size_t to, bool lagging) {
    for (std::size_t i = from; i < to; ++i) {
      if ((i % 4 == 1) != lagging) continue;
      kafka.Produce("entra", static_cast<int32_t>(i % 4), lines[i],
                    NamesTenant(lines[i]) ? "" : kKafkaRunDefaultTenant);
    }
    kafka.Flush();
  };
  const std::size_t half = 20;  // lines 1, 9 and 17 give partition 1 all three tenants
  produce(0, half, false);
  produce(0, half, true);
  const int port = FreeTcpPort();
  // Partition 1 stalls for as long as the others take to be read: it must hold throughout.
  Child privmon(Spawn({kKafkaRunBinary, "run", "--config", KafkaConfig(dir, kafka, port, "300s")},
                      dir + "/run.out", dir + "/run.err"));
  WaitCaughtUp(privmon, port, static_cast<int>(half));
  produce(half, lines.size(), false);  // partitions 0-2 run to 19:00
  int ahead = static_cast<int>(half);
  for (std::size_t i = half; i < lines.size(); ++i) ahead += i % 4 == 1 ? 0 : 1;
  WaitCaughtUp(privmon, port, ahead);
  produce(half, lines.size(), true);  // partition 1 resumes at 15:13
  const std::string metrics = WaitCaughtUp(privmon, port, static_cast<int>(lines.size()));
  ASSERT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/run.err");
  EXPECT_EQ(MetricSum(metrics, "privmon_late_events_total"), 0) << metrics;
  EXPECT_EQ(Alerts(ReadFile(dir + "/alerts.jsonl")), ScanAlerts(dir));
}

}  // namespace
}  // namespace privmon::testing
