// The dashboard's Kafka row over a real Prometheus server (/usr/bin/prometheus): two real
// `privmon run` processes on librdkafka's mock cluster, one in `state_topic` mode (group "st": the
// input consumer, the state partitions, the state topic, fenced checkpoint writes) and one
// `keyed_by_tenant` (group "keyed", on the same unkeyed input: its tenant-split counter), both
// scraped every second. Every dashboard query over a family only Kafka exports (the ones
// process.PrometheusServer, which runs no broker, checks for "success" only) evaluates through
// /api/v1/query to a non-empty result. Every process started here is killed and reaped, pass or
// fail. Skipped when /usr/bin/prometheus is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/kafka/kafka_group_helpers.h"
#include "tests/support/prometheus_helpers.h"

namespace privmon::testing {
namespace {

// Not a breaker round (fixer task f-dash): the Kafka row was added to the dashboard with this
// test, so that its queries are known to return data, not only to parse.
TEST(KafkaPrometheus, KafkaRowQueriesReturnDataFromARealScrape) {
  if (!std::filesystem::exists(kPrometheus)) GTEST_SKIP() << kPrometheus << " is not installed";
  const std::string dir = TempDir("kafka-prometheus");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> lines = ScenarioLines();
  MockKafka kafka;
  kafka.CreateTopic("entra", kInputPartitions);
  kafka.CreateTopic("privmon-events", kStatePartitions);
  Feed(kafka, lines, 0, lines.size());

  Member state = StartMember(dir, "state", kafka, dir + "/cp-state", GroupMode::kStateTopic);
  Member keyed{"keyed", FreeTcpPort(), nullptr};
  keyed.child = std::make_unique<Child>(Spawn(
      {PRIVMON_BINARY, "run", "-c",
       GroupConfig(dir, "keyed", kafka, "keyed", dir + "/cp-keyed", GroupMode::kKeyed, keyed.port)},
      "", dir + "/keyed.err"));
  ASSERT_TRUE(WaitSettled({&state}, static_cast<double>(lines.size()), kStatePartitions))
      << ReadFile(dir + "/state.err");
  ASSERT_TRUE(WaitSettled({&keyed}, static_cast<double>(lines.size()), kInputPartitions))
      << ReadFile(dir + "/keyed.err");

  // Between them the two export every Kafka-only family.
  std::set<std::string> exported =
      ExportedFamilies(HttpGetBody(state.port, "/metrics").value_or(""));
  const std::set<std::string> from_keyed =
      ExportedFamilies(HttpGetBody(keyed.port, "/metrics").value_or(""));
  exported.insert(from_keyed.begin(), from_keyed.end());
  for (const std::string& family : KafkaOnlyFamilies()) {
    EXPECT_EQ(exported.count(family), 1u) << family;
  }

  const int prom_port = FreeTcpPort();
  Child prometheus(StartPrometheus(dir, prom_port, {state.port, keyed.port}));
  ASSERT_TRUE(PollUntil([&] { return HttpGetBody(prom_port, "/-/ready").has_value(); }, 60s))
      << ReadFile(dir + "/prometheus.err");
  // rate() and increase() need two samples in their window: wait for three scrapes of both.
  ASSERT_TRUE(PollUntil(
      [&] {
        return PromFirstValue(
                   PromQuery(prom_port, "count(count_over_time(up[1m]) >= 3 and up == 1)")) == 2;
      },
      60s))
      << PromQuery(prom_port, "up") << ReadFile(dir + "/prometheus.err");

  std::size_t kafka_queries = 0;
  for (const std::string& q : DashboardQueries()) {
    const std::set<std::string> families = FamiliesOf(q);
    if (std::none_of(families.begin(), families.end(),
                     [](const std::string& f) { return KafkaOnlyFamilies().count(f) != 0; })) {
      continue;
    }
    SCOPED_TRACE(q);
    ++kafka_queries;
    std::string answer;
    PollUntil(
        [&] {
          answer = PromQuery(prom_port, q);
          return PromNonEmpty(answer);
        },
        15s);
    EXPECT_TRUE(PromSucceeded(answer)) << answer;
    EXPECT_TRUE(PromNonEmpty(answer)) << answer;
  }
  // The Kafka row's twelve queries and the checkpoints' fenced writes, at least.
  EXPECT_GE(kafka_queries, 13u);
  // The lag is really seen per state partition and per input partition.
  EXPECT_GE(PromFirstValue(PromQuery(
                prom_port,
                "count(max by (source, topic, partition) (privmon_kafka_consumer_lag_messages))")),
            kStatePartitions + kInputPartitions);

  EXPECT_EQ(prometheus.Stop(SIGTERM, std::chrono::seconds(30)).value_or(-1), 0);
  EXPECT_EQ(keyed.child->Stop(SIGTERM, std::chrono::seconds(60)), 0)
      << ReadFile(dir + "/keyed.err");
  EXPECT_EQ(state.child->Stop(SIGTERM, std::chrono::seconds(60)), 0)
      << ReadFile(dir + "/state.err");
}

}  // namespace
}  // namespace privmon::testing
