// A real Prometheus server scraping a real `privmon run` while `privmon replay` keeps two tenants'
// traffic flowing: every dashboard query of dashboards/queries.txt evaluates through the HTTP API
// (GET /api/v1/query) to status "success" with a non-empty result (dashboard_test.cc proves
// queries.txt is exactly the dashboard's expressions), and `promtool check metrics`
// finds nothing to say about /metrics. Every process started here is killed and reaped, pass or
// fail. Skipped only when /usr/bin/prometheus (or promtool) is not installed.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "tests/pipeline/child_process.h"
#include "tests/pipeline/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kBinary = PRIVMON_BINARY;
const std::string kSourceDir = PRIVMON_SOURCE_DIR;
const std::string kPrometheus = "/usr/bin/prometheus";
const std::string kPromtool = "/usr/bin/promtool";

// HTTP/1.0 GET on 127.0.0.1:port: the body of a 200 answer, else nullopt. Not process_helpers.h's
// HttpGet: this binary also links tests/metrics/http_get.h, whose inline HttpGet has the same
// signature and another return type, so odr-using either one here would break the other test.
std::optional<std::string> Fetch(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return std::nullopt;
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) {
    response.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (response.compare(0, 12, "HTTP/1.1 200") != 0 &&
      response.compare(0, 12, "HTTP/1.0 200") != 0) {
    return std::nullopt;
  }
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

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

// The API answer to an instant query, or "" when Prometheus does not answer.
std::string Query(int port, const std::string& promql) {
  return Fetch(port, "/api/v1/query?query=" + UrlEncode(promql)).value_or("");
}

bool Succeeded(const std::string& answer) {
  return answer.find("\"status\":\"success\"") != std::string::npos;
}

bool NonEmpty(const std::string& answer) {
  return Succeeded(answer) && answer.find("\"result\":[]") == std::string::npos &&
         answer.find("\"result\":[") != std::string::npos;
}

// The value of the first sample of a vector answer ("value":[<time>,"<value>"]), NaN if none.
double FirstValue(const std::string& answer) {
  const auto at = answer.find("\"value\":[");
  if (at == std::string::npos) return std::nan("");
  const auto open = answer.find(",\"", at);
  const auto close = answer.find('"', open + 2);
  if (open == std::string::npos || close == std::string::npos) return std::nan("");
  return std::strtod(answer.substr(open + 2, close - open - 2).c_str(), nullptr);
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

template <class Pred>
bool PollUntil(std::chrono::seconds timeout, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
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
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true, name: collectors}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "checkpoint: {dir: \"" << dir << "/checkpoints\", interval: 1s}\n";
  Child privmon(Spawn({kBinary, "run", "--config", dir + "/privmon.yaml"}, dir + "/privmon.out",
                      dir + "/privmon.err"));
  ASSERT_TRUE(PollUntil(std::chrono::seconds(30), [&] {
    return Fetch(metrics_port, "/metrics").has_value();
  })) << ReadFile(dir + "/privmon.err");

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
  Child replay(Spawn({kBinary, "replay", kSourceDir + "/tests/data/pipeline/stream.ndjson", "--to",
                      endpoint, "--rate", "500", "--loop", "100", "--linger", "0", "--quiet"},
                     dir + "/replay.out", dir + "/replay.err"));

  ASSERT_TRUE(PollUntil(std::chrono::seconds(60), [&] {
    return Fetch(prom_port, "/-/ready").has_value();
  })) << ReadFile(dir + "/prometheus.err");
  // rate() needs two samples in its window; wait for five scrapes that saw traffic.
  ASSERT_TRUE(PollUntil(std::chrono::seconds(60),
                        [&] {
                          return FirstValue(Query(
                                     prom_port,
                                     "count_over_time(privmon_events_total{kind=\"signin\"}[1m])"
                                     " and privmon_events_total{kind=\"signin\"} > 0")) >= 5;
                        }))
      << Query(prom_port, "up") << ReadFile(dir + "/prometheus.err");
  ASSERT_TRUE(replay.Alive()) << "replay ended early: " << ReadFile(dir + "/replay.err");

  const std::vector<std::string> queries = DashboardQueries();
  ASSERT_GE(queries.size(), 20u);
  for (const std::string& q : queries) {
    SCOPED_TRACE(q);
    std::string answer;
    // A series appears at its first non-zero sample (tenant alerts, say): allow a few scrapes.
    PollUntil(std::chrono::seconds(15), [&] {
      answer = Query(prom_port, q);
      return NonEmpty(answer);
    });
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
  const auto exposition = Fetch(metrics_port, "/metrics");
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
