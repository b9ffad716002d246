// A real Prometheus server scraping a real `privmon run` while `privmon replay` keeps two tenants'
// traffic flowing: every dashboard query of dashboards/queries.txt evaluates through the HTTP API
// (GET /api/v1/query) to status "success" with a non-empty result (dashboard_test.cc proves
// queries.txt is exactly the dashboard's expressions), but for the queries over families only a
// Kafka source or the state topic exports (KafkaOnlyFamilies(): no broker here; they must be
// answered "success"; kafka.KafkaPrometheus proves they return data), and `promtool check metrics`
// finds nothing to say about /metrics. Every process started here is killed and reaped, pass or
// fail. Skipped only when /usr/bin/prometheus (or promtool) is not installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/prometheus_helpers.h"

namespace privmon::testing {
namespace {

const std::string kPrometheusServerBinary = PRIVMON_BINARY;
const std::string kSourceDir = PRIVMON_SOURCE_DIR;

// Runs `command` through the shell; returns its exit status and everything it printed.
std::pair<int, std::string> Shell(const std::string& command) {
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string output;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(PrometheusServer, EveryDashboardQueryReturnsDataFromARealScrape) {
  if (!std::filesystem::exists(kPrometheus) || !std::filesystem::exists(kPromtool)) {
    GTEST_SKIP() << kPrometheus << " or " << kPromtool << " is not installed";
  }
  const std::string dir = TempDir("prometheus");
  const TempDirCleanup cleanup(dir);
  const int ingest_port = FreeTcpPort(), metrics_port = FreeTcpPort(), prom_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(ingest_port);

  std::ofstream(dir + "/privmon.yaml")
      << "pipeline: {shards: 2}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint
      << "\", bind: true, name: collectors}},\n"
      // A followed file not there yet: privmon_source_follow_events_total{event="missing"}.
      << "          {file: {path: \"" << dir << "/later.ndjson\", follow: true, name: files}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "checkpoint: {dir: \"" << dir << "/checkpoints\", interval: 1s}\n";
  Child privmon(Spawn({kPrometheusServerBinary, "run", "--config", dir + "/privmon.yaml"},
                      dir + "/privmon.out", dir + "/privmon.err"));
  ASSERT_TRUE(PollUntil([&] { return HttpGetBody(metrics_port, "/metrics").has_value(); }, 30s))
      << ReadFile(dir + "/privmon.err");

  Child prometheus(StartPrometheus(dir, prom_port, {metrics_port}));

  // Traffic for the whole test: the stream (two tenants, alerts, 3 malformed lines) looped at a
  // steady rate, so every rate() window holds increasing samples while the queries run.
  Child replay(
      Spawn({kPrometheusServerBinary, "replay", kSourceDir + "/tests/data/pipeline/stream.ndjson",
             "--to", endpoint, "--rate", "500", "--loop", "100", "--linger", "0", "--quiet"},
            dir + "/replay.out", dir + "/replay.err"));

  ASSERT_TRUE(PollUntil([&] { return HttpGetBody(prom_port, "/-/ready").has_value(); }, 60s))
      << ReadFile(dir + "/prometheus.err");
  // rate() needs two samples in its window; wait for five scrapes that saw traffic.
  ASSERT_TRUE(PollUntil(
      [&] {
        return PromFirstValue(PromQuery(prom_port,
                                        "count_over_time(privmon_events_total{kind=\"signin\"}[1m])"
                                        " and privmon_events_total{kind=\"signin\"} > 0")) >= 5;
      },
      60s))
      << PromQuery(prom_port, "up") << ReadFile(dir + "/prometheus.err");
  ASSERT_TRUE(replay.Alive()) << "replay ended early: " << ReadFile(dir + "/replay.err");

  const auto scraped = HttpGetBody(metrics_port, "/metrics");
  ASSERT_TRUE(scraped.has_value());
  const std::set<std::string> exported = ExportedFamilies(*scraped);
  const std::vector<std::string> queries = DashboardQueries();
  ASSERT_GE(queries.size(), 20u);
  for (const std::string& q : queries) {
    SCOPED_TRACE(q);
    std::string answer;
    bool needs_kafka = false;
    for (const std::string& family : FamiliesOf(q)) {
      if (exported.count(family) != 0) continue;
      EXPECT_EQ(KafkaOnlyFamilies().count(family), 1u) << family << " is not exported by this run";
      needs_kafka = true;
    }
    if (needs_kafka) {
      answer = PromQuery(prom_port, q);
      EXPECT_TRUE(PromSucceeded(answer)) << answer;
      continue;
    }
    // A series appears at its first non-zero sample (tenant alerts, say): allow a few scrapes.
    PollUntil(
        [&] {
          answer = PromQuery(prom_port, q);
          return PromNonEmpty(answer);
        },
        15s);
    EXPECT_TRUE(PromSucceeded(answer)) << answer;
    EXPECT_TRUE(PromNonEmpty(answer)) << answer;
  }
  // The traffic is really seen: events, both tenants, alerts, the malformed lines.
  EXPECT_GT(PromFirstValue(PromQuery(prom_port, "sum(rate(privmon_events_total[1m]))")), 0);
  EXPECT_GT(PromFirstValue(PromQuery(prom_port, "sum(privmon_alerts_total)")), 0);
  EXPECT_GT(PromFirstValue(PromQuery(prom_port, "sum(privmon_alerts_written_total)")), 0);
  EXPECT_GT(PromFirstValue(PromQuery(prom_port, "sum(privmon_dead_letters_total)")), 0);
  EXPECT_EQ(PromFirstValue(
                PromQuery(prom_port, "count(count by (tenant) (privmon_tenant_events_total))")),
            2);
  EXPECT_EQ(PromFirstValue(PromQuery(prom_port, "count(privmon_queue_depth)")), 2);

  // promtool lints the exposition as Prometheus reads it: silence and exit 0.
  const auto exposition = HttpGetBody(metrics_port, "/metrics");
  ASSERT_TRUE(exposition.has_value());
  std::ofstream(dir + "/metrics.txt", std::ios::binary) << *exposition;
  const auto [status, output] = Shell(kPromtool + " check metrics < " + dir + "/metrics.txt");
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");

  EXPECT_TRUE(replay.Stop(SIGTERM, std::chrono::seconds(30)).has_value());
  const auto code = privmon.Stop(SIGTERM, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "privmon did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << ReadFile(dir + "/privmon.err");
  EXPECT_EQ(prometheus.Stop(SIGTERM, std::chrono::seconds(30)).value_or(-1), 0);
}

}  // namespace
}  // namespace privmon::testing
