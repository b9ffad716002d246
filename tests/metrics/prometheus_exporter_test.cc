#include "metrics/prometheus_exporter.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/follow_event.h"
#include "core/stats.h"
#include "core/version.h"
#include "tests/metrics/http_get.h"

namespace privmon {
namespace {

// The value of the sample line that starts with `series` ("name{labels}" or "name"), or -1.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

std::shared_ptr<PipelineStats> BusyStats() {
  auto stats = std::make_shared<PipelineStats>(2, 2, 8);
  auto& zmq = stats->sources.emplace_back();
  zmq.name = "zmq";
  Bump(zmq.messages, 10);
  Bump(zmq.bytes, 12345);
  auto& logs = stats->sources.emplace_back();  // a followed file
  logs.name = "logs";
  logs.followed.store(true);
  Bump(logs.skipped_nul_bytes, 5000);
  Bump(logs.read_errors, 1);
  Bump(logs.follow_events[static_cast<std::size_t>(FollowEvent::kTruncated)], 2);
  Bump(stats->shards[0].events[static_cast<std::size_t>(EventKind::kSignIn)], 7);
  Bump(stats->shards[1].events[static_cast<std::size_t>(EventKind::kSignIn)], 3);
  Bump(stats->shards[1].events[static_cast<std::size_t>(EventKind::kSecurityEvent)], 2);
  Bump(stats->parsers[0].rejected[static_cast<std::size_t>(RejectReason::kInvalidJson)], 4);
  Bump(stats->parsers[1].rejected[static_cast<std::size_t>(RejectReason::kInvalidJson)], 1);
  Bump(stats->parsers[0].skipped[static_cast<std::size_t>(SkippedCategory::kRiskyUsers)], 3);
  Bump(stats->parsers[1].skipped[static_cast<std::size_t>(SkippedCategory::kRiskyUsers)], 1);
  Bump(stats->shards[0].alerts[static_cast<std::size_t>(RuleId::kEL06)], 2);
  Bump(stats->shards[1].alerts[static_cast<std::size_t>(RuleId::kEL06)], 1);
  Bump(stats->shards[1].suppressed[static_cast<std::size_t>(RuleId::kSI01)], 9);
  Bump(stats->shards[0].updates[static_cast<std::size_t>(RuleId::kSI01)], 4);
  stats->shards[1].queue_depth.store(17);
  stats->shards[0].accounts.store(1000);
  stats->shards[0].state_bytes.store(65536);
  stats->shards[1].watermark_us.store(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count() -
                                      2'500'000);
  Bump(stats->parsers[0].backpressure_waits[1], 5);
  Bump(stats->parsers[1].backpressure_waits[1], 6);
  Bump(stats->shards[0].late_events, 3);
  Bump(stats->shards[1].pim_approvals, 2);
  stats->shards[0].ObserveLatency(20'000);         // 20us -> le=5e-05
  stats->shards[1].ObserveLatency(3'000'000);      // 3ms -> le=0.005
  stats->shards[1].ObserveLatency(2'000'000'000);  // 2s -> le=5
  const uint32_t contoso = stats->tenants.SlotFor(11, "contoso-tenant");
  stats->tenants.CountEvent(contoso);
  stats->tenants.CountEvent(contoso);
  stats->tenants.CountAlert(contoso, Severity::kHigh);
  const uint32_t odd = stats->tenants.SlotFor(12, "bad\xff\"q\\");
  stats->tenants.CountEvent(odd);
  Bump(stats->dead_letters, 5);
  SinkStats& file = stats->sinks.emplace_back();
  file.name = "file";
  Bump(file.written, 3);
  file.dropped.fetch_add(2);
  Bump(file.errors, 4);
  Bump(file.backpressure_waits, 6);
  file.queue_bytes.store(1200);
  Bump(stats->config_reloads, 1);
  Bump(stats->config_reload_failures, 2);
  return stats;
}

std::string Scrape(const MetricsServer& server) {
  const auto r = testing::HttpGet(server.port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  return r.body;
}

TEST(MetricsServer, ListensOnAnEphemeralPortAndServesMetrics) {
  MetricsServer server("127.0.0.1:0", std::make_shared<PipelineStats>(1, 1, 4));
  EXPECT_GT(server.port(), 0);
  const std::string text = Scrape(server);
  EXPECT_EQ(Sample(text, "privmon_build_info{version=\"" PRIVMON_VERSION "\"}"), 1);
  EXPECT_NE(text.find("# HELP privmon_events_total "), std::string::npos);
}

TEST(MetricsServer, ServesTheStandardProcessMetrics) {
  MetricsServer server("127.0.0.1:0", std::make_shared<PipelineStats>(1, 1, 4));
  const std::string t = Scrape(server);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(Sample(t, "process_open_fds"), 2);  // at least stdin/out/err and the listener
  EXPECT_GE(Sample(t, "process_max_fds"), Sample(t, "process_open_fds"));
  EXPECT_GT(Sample(t, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Sample(t, "process_virtual_memory_bytes"), Sample(t, "process_resident_memory_bytes"));
  EXPECT_GT(Sample(t, "process_start_time_seconds"), now - 3600);  // this test process
  EXPECT_LE(Sample(t, "process_start_time_seconds"), now + 1);
  EXPECT_NE(t.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

// A feed that stops leaves the shard's watermark where it was: its lag behind the wall clock
// grows from scrape to scrape (breaker round 140: it was stored when the shard last moved, so a
// stopped feed looked current for ever).
TEST(MetricsServer, WatermarkLagGrowsWhileTheShardsWatermarkStandsStill) {
  auto stats = BusyStats();
  MetricsServer server("127.0.0.1:0", stats);
  const double first = Sample(Scrape(server), R"(privmon_watermark_lag_seconds{shard="1"})");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const double second = Sample(Scrape(server), R"(privmon_watermark_lag_seconds{shard="1"})");
  EXPECT_GE(second - first, 1.0);
  EXPECT_LT(second - first, 30.0);
}

TEST(MetricsServer, ReportsThePipelineCountersAtScrapeTime) {
  auto stats = BusyStats();
  MetricsServer server("127.0.0.1:0", stats);
  const std::string t = Scrape(server);
  EXPECT_EQ(Sample(t, R"(privmon_messages_received_total{source="zmq"})"), 10);
  EXPECT_EQ(Sample(t, R"(privmon_message_bytes_received_total{source="zmq"})"), 12345);
  EXPECT_EQ(Sample(t, R"(privmon_source_skipped_bytes_total{source="logs",reason="nul"})"), 5000);
  EXPECT_EQ(Sample(t, R"(privmon_source_skipped_bytes_total{source="zmq",reason="nul"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_source_read_errors_total{source="logs"})"), 1);
  EXPECT_EQ(Sample(t, R"(privmon_source_follow_events_total{source="logs",event="truncated"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_source_follow_events_total{source="logs",event="deleted"})"), 0);
  EXPECT_EQ(t.find(R"(privmon_source_follow_events_total{source="zmq")"), std::string::npos);
  EXPECT_EQ(Sample(t, R"(privmon_events_total{kind="signin"})"), 10);
  EXPECT_EQ(Sample(t, R"(privmon_events_total{kind="security_event"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_events_total{kind="registration"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_events_rejected_total{reason="invalid_json"})"), 5);
  EXPECT_EQ(Sample(t, R"(privmon_events_rejected_total{reason="too_deep"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_alerts_total{rule_id="PRIV-EL-06",severity="high"})"), 3);
  EXPECT_EQ(Sample(t, R"(privmon_alerts_total{rule_id="PRIV-EL-04",severity="low"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_alerts_suppressed_total{rule_id="PRIV-SI-01"})"), 9);
  EXPECT_EQ(Sample(t, R"(privmon_alert_updates_total{rule_id="PRIV-SI-01"})"), 4);
  EXPECT_EQ(Sample(t, R"(privmon_alert_updates_total{rule_id="PRIV-EL-06"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_queue_depth{shard="1"})"), 17);
  EXPECT_EQ(Sample(t, R"(privmon_backpressure_waits_total{shard="1"})"), 11);
  EXPECT_EQ(Sample(t, R"(privmon_backpressure_waits_total{shard="0"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_accounts{shard="0"})"), 1000);
  EXPECT_EQ(Sample(t, R"(privmon_state_bytes{shard="0"})"), 65536);
  // Taken at the scrape: 2.5 s behind when the test set it, a little more by now.
  EXPECT_GE(Sample(t, R"(privmon_watermark_lag_seconds{shard="1"})"), 2.5);
  EXPECT_LT(Sample(t, R"(privmon_watermark_lag_seconds{shard="1"})"), 60.0);
  EXPECT_EQ(Sample(t, R"(privmon_watermark_lag_seconds{shard="0"})"), 0.0);  // no watermark yet
  EXPECT_EQ(Sample(t, "privmon_late_events_total"), 3);
  EXPECT_EQ(Sample(t, "privmon_pim_approvals_total"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="1e-05"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="5e-05"})"), 1);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="0.005"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="1"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="5"})"), 3);
  EXPECT_EQ(Sample(t, R"(privmon_event_latency_seconds_bucket{le="+Inf"})"), 3);
  EXPECT_EQ(Sample(t, "privmon_event_latency_seconds_count"), 3);
  EXPECT_NEAR(Sample(t, "privmon_event_latency_seconds_sum"), 2.00302, 1e-9);
  EXPECT_EQ(Sample(t, R"(privmon_tenant_events_total{tenant="contoso-tenant"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_tenant_alerts_total{tenant="contoso-tenant",severity="high"})"),
            1);
  EXPECT_EQ(Sample(t, R"(privmon_tenant_alerts_total{tenant="contoso-tenant",severity="low"})"), 0);
  EXPECT_EQ(Sample(t, "privmon_tenant_events_total{tenant=\"bad\xef\xbf\xbd\\\"q\\\\\"}"), 1);
  EXPECT_EQ(Sample(t, "privmon_dead_letters_total"), 5);
  EXPECT_EQ(Sample(t, R"(privmon_records_skipped_total{category="risky_users"})"), 4);
  EXPECT_EQ(Sample(t, R"(privmon_records_skipped_total{category="provisioning"})"), 0);
  EXPECT_EQ(Sample(t, R"(privmon_alerts_written_total{sink="file"})"), 3);
  EXPECT_EQ(Sample(t, R"(privmon_alerts_dropped_total{sink="file"})"), 2);
  EXPECT_EQ(Sample(t, R"(privmon_sink_errors_total{sink="file"})"), 4);
  EXPECT_EQ(Sample(t, R"(privmon_sink_backpressure_waits_total{sink="file"})"), 6);
  EXPECT_EQ(Sample(t, R"(privmon_sink_queue_bytes{sink="file"})"), 1200);
  EXPECT_EQ(Sample(t, "privmon_config_reloads_total"), 1);
  EXPECT_EQ(Sample(t, "privmon_config_reload_failures_total"), 2);

  Bump(stats->dead_letters, 1);  // read live, at the next scrape
  EXPECT_EQ(Sample(Scrape(server), "privmon_dead_letters_total"), 6);
}

// Checkpoint age: 0 with checkpoints off; before the first checkpoint, the time since the start
// (a process that never manages one shows a growing age an `age > N` alert catches, not 0, as it
// did before); then the time since the latest one.
TEST(MetricsServer, CheckpointAgeCountsFromTheStartUntilTheFirstCheckpoint) {
  const auto now_us = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  stats->readiness.started_us.store(now_us() - 100'000'000);
  MetricsServer server("127.0.0.1:0", stats);
  EXPECT_EQ(Sample(Scrape(server), "privmon_checkpoint_age_seconds"), 0);
  stats->readiness.checkpoint_interval_us.store(10'000'000);
  const double since_start = Sample(Scrape(server), "privmon_checkpoint_age_seconds");
  EXPECT_GE(since_start, 100);
  EXPECT_LT(since_start, 200);
  stats->checkpoints.last_written_us.store(now_us() - 5'000'000);
  const double since_last = Sample(Scrape(server), "privmon_checkpoint_age_seconds");
  EXPECT_GE(since_last, 5);
  EXPECT_LT(since_last, 100);
}

// A checkpoint restored at start, written before a downtime, is older than the process: the age
// counts from the start, as GET /readyz does (breaker round 140: the metric read the file's age,
// past an `age > 3 x interval` alert, while /readyz said ready).
TEST(MetricsServer, CheckpointAgeOfARestoredFileCountsFromTheStart) {
  const auto now_us = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  stats->readiness.checkpoint_interval_us.store(5'000'000);
  stats->readiness.started_us.store(now_us() - 1'000'000);
  stats->checkpoints.last_written_us.store(now_us() - 60'000'000);  // the restored file
  MetricsServer server("127.0.0.1:0", stats);
  const double age = Sample(Scrape(server), "privmon_checkpoint_age_seconds");
  EXPECT_GE(age, 1);
  EXPECT_LT(age, 30);
}

TEST(MetricsServer, ListsEveryRuleAndEveryReasonWithZeros) {
  MetricsServer server("127.0.0.1:0", std::make_shared<PipelineStats>(1, 1, 4));
  const std::string t = Scrape(server);
  for (const RuleInfo& rule : kRuleCatalog) {
    const std::string series = "privmon_alerts_total{rule_id=\"" + std::string(rule.code) +
                               "\",severity=\"" + std::string(SeverityName(rule.severity)) + "\"}";
    EXPECT_EQ(Sample(t, series), 0) << series;
  }
  for (int r = 0; r < static_cast<int>(RejectReason::kCount); ++r) {
    const std::string series = "privmon_events_rejected_total{reason=\"" +
                               std::string(RejectReasonName(static_cast<RejectReason>(r))) + "\"}";
    EXPECT_EQ(Sample(t, series), 0) << series;
  }
  for (std::size_t c = 0; c < kSkippedCategoryCount; ++c) {
    const std::string series = "privmon_records_skipped_total{category=\"" +
                               std::string(SkippedCategoryName(static_cast<SkippedCategory>(c))) +
                               "\"}";
    EXPECT_EQ(Sample(t, series), 0) << series;
  }
}

TEST(MetricsServer, ThrowsWhenItCannotListen) {
  MetricsServer first("127.0.0.1:0", std::make_shared<PipelineStats>(1, 1, 4));
  EXPECT_THROW(MetricsServer("127.0.0.1:" + std::to_string(first.port()),
                             std::make_shared<PipelineStats>(1, 1, 4)),
               std::runtime_error);
}

TEST(MetricsServer, PassesPromtoolCheckMetrics) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  MetricsServer server("127.0.0.1:0", BusyStats());
  const std::string text = Scrape(server);
  const auto path = std::filesystem::temp_directory_path() /
                    ("privmon_metrics_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << text;
  const std::string cmd = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) output.append(buf, n);
  const int status = ::pclose(p);
  std::filesystem::remove(path);
  EXPECT_EQ(output, "");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
}

}  // namespace
}  // namespace privmon
