// A real Prometheus server scraping a real `privmon run` while `privmon replay` keeps two tenants'
// traffic flowing: every dashboard query of dashboards/queries.txt evaluates through the HTTP API
// (GET /api/v1/query) to status "success" with a non-empty result (dashboard_test.cc proves
// queries.txt is exactly the dashboard's expressions), but for the queries over families only a
// Kafka source or the state topic exports (kNeedKafka: no broker here; they must be answered
// "success"), and `promtool check metrics` finds nothing to say about /metrics. Every process
// started here is killed and reaped, pass or fail. Skipped only when /usr/bin/prometheus (or
// promtool) is not installed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kPrometheusServerBinary = PRIVMON_BINARY;
const std::string kSourceDir = PRIVMON_SOURCE_DIR;
const std::string kPrometheus = "/usr/bin/prometheus";
const std::string kPromtool = "/usr/bin/promtool";

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::vector<std::string> DashboardQueries() {
  std::ifstream in(kSourceDir + "/dashboards/queries.txt");
  std::vector<std::string> queries;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') queries.push_back(line);
  }
  return queries;
}

// Families that only a Kafka source (CollectKafka in metrics/stats_collector.cc) or the state
// topic (CollectStateTopic) exports. This test runs no broker: a dashboard query over them is
// answered "success" with no series; Dashboard.EveryExportedFamilyIsQueriedByAPanel proves the
// dashboard names them as the exporter does. Any other family a query names must be exported here.
const std::set<std::string> kNeedKafka = {
    "privmon_kafka_consumer_lag_messages",      "privmon_kafka_assigned_partitions",
    "privmon_kafka_rebalances_total",           "privmon_kafka_consumer_errors_total",
    "privmon_kafka_records_lost_total",         "privmon_kafka_tenant_split_records_total",
    "privmon_state_partitions_assigned",        "privmon_state_partitions_unread",
    "privmon_state_rebalances_total",           "privmon_state_topic_produced_total",
    "privmon_state_topic_produce_errors_total", "privmon_checkpoint_fenced_total"};

// The metric families a query reads: its privmon_* and process_* names, a histogram's _bucket
// series as its family.
std::set<std::string> FamiliesOf(const std::string& query) {
  std::set<std::string> out;
  const auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  for (std::size_t i = 0; i < query.size();) {
    if (!name_char(query[i]) || (i > 0 && name_char(query[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < query.size() && name_char(query[end])) ++end;
    std::string name = query.substr(i, end - i);
    if (name.rfind("privmon_", 0) == 0 || name.rfind("process_", 0) == 0) {
      if (name.size() > 7 && name.compare(name.size() - 7, 7, "_bucket") == 0) {
        name.resize(name.size() - 7);
      }
      out.insert(name);
    }
    i = end;
  }
  return out;
}

// The families an exposition declares ("# TYPE <name> <type>" lines).
std::set<std::string> ExportedFamilies(const std::string& exposition) {
  std::set<std::string> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

// The API answer to an instant query, or "" when Prometheus does not answer.
std::string Query(int port, const std::string& promql) {
  return HttpGetBody(port, "/api/v1/query?query=" + UrlEncode(promql)).value_or("");
}

// The API answer's "data"."result" array, when the query succeeded.
std::optional<simdjson::dom::array> Result(simdjson::dom::parser& parser,
                                           const std::string& answer) {
  simdjson::dom::element doc;
  std::string_view status;
  simdjson::dom::array result;
  if (parser.parse(answer).get(doc) != simdjson::SUCCESS || doc["status"].get(status) != 0 ||
      status != "success" || doc["data"]["result"].get(result) != 0) {
    return std::nullopt;
  }
  return result;
}

bool Succeeded(const std::string& answer) {
  simdjson::dom::parser parser;
  return Result(parser, answer).has_value();
}

bool NonEmpty(const std::string& answer) {
  simdjson::dom::parser parser;
  const auto result = Result(parser, answer);
  return result && result->size() > 0;
}

// The value of the first sample of a vector answer ("value":[<time>,"<value>"]), NaN if none.
double FirstValue(const std::string& answer) {
  simdjson::dom::parser parser;
  const auto result = Result(parser, answer);
  std::string_view value;
  if (!result || result->size() == 0 || result->at(0)["value"].at(1).get(value) != 0) {
    return std::nan("");
  }
  return std::strtod(std::string(value).c_str(), nullptr);
}

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

  std::ofstream(dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
      << "scrape_configs:\n"
      << "  - job_name: privmon\n"
      << "    static_configs: [{targets: [\"127.0.0.1:" << metrics_port << "\"]}]\n";
  Child prometheus(
      Spawn({kPrometheus, "--config.file=" + dir + "/prometheus.yml",
             "--storage.tsdb.path=" + dir + "/tsdb",
             "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
            dir + "/prometheus.out", dir + "/prometheus.err"));

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
        return FirstValue(Query(prom_port,
                                "count_over_time(privmon_events_total{kind=\"signin\"}[1m])"
                                " and privmon_events_total{kind=\"signin\"} > 0")) >= 5;
      },
      60s))
      << Query(prom_port, "up") << ReadFile(dir + "/prometheus.err");
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
      EXPECT_EQ(kNeedKafka.count(family), 1u) << family << " is not exported by this run";
      needs_kafka = true;
    }
    if (needs_kafka) {
      answer = Query(prom_port, q);
      EXPECT_TRUE(Succeeded(answer)) << answer;
      continue;
    }
    // A series appears at its first non-zero sample (tenant alerts, say): allow a few scrapes.
    PollUntil(
        [&] {
          answer = Query(prom_port, q);
          return NonEmpty(answer);
        },
        15s);
    EXPECT_TRUE(Succeeded(answer)) << answer;
    EXPECT_TRUE(NonEmpty(answer)) << answer;
  }
  // The traffic is really seen: events, both tenants, alerts, the malformed lines.
  EXPECT_GT(FirstValue(Query(prom_port, "sum(rate(privmon_events_total[1m]))")), 0);
  EXPECT_GT(FirstValue(Query(prom_port, "sum(privmon_alerts_total)")), 0);
  EXPECT_GT(FirstValue(Query(prom_port, "sum(privmon_alerts_written_total)")), 0);
  EXPECT_GT(FirstValue(Query(prom_port, "sum(privmon_dead_letters_total)")), 0);
  EXPECT_EQ(FirstValue(Query(prom_port, "count(count by (tenant) (privmon_tenant_events_total))")),
            2);
  EXPECT_EQ(FirstValue(Query(prom_port, "count(privmon_queue_depth)")), 2);

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
