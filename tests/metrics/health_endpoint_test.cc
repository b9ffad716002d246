// GET /healthz and /readyz on the real metrics endpoint (civetweb through prometheus-cpp's
// Exposer): each readiness check fails on its own and is named in the 503 body.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "metrics/health.h"
#include "metrics/prometheus_exporter.h"
#include "tests/metrics/http_get.h"

namespace privmon {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(HealthEndpoints, HealthzAnswers200WhileTheProcessLivesEvenWhenNotReady) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  MetricsServer server("127.0.0.1:0", stats);
  const auto health = testing::HttpGet(server.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 503);
  EXPECT_EQ(testing::HttpGet(server.port(), "/metrics").status, 200);  // still the Exposer's
  EXPECT_EQ(testing::HttpGet(server.port(), "/nothing").status, 404);
}

// A second server on a port in use (a second privmon with the same config) says why and which
// setting to change (breaker round 34: civetweb's "null context when constructing CivetServer").
TEST(HealthEndpoints, APortInUseIsNamedWithItsSetting) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  MetricsServer first("127.0.0.1:0", stats);
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsServer second(listen, stats);
    ADD_FAILURE() << "a second server listened on " << listen;
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot listen on '" + listen + "': Address already in use"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("metrics.listen"), std::string::npos) << what;
  }
}

TEST(HealthEndpoints, ReadyzNamesEachFailingCheckAndIsReadyWhenAllPass) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  SinkStats& file = stats->sinks.emplace_back();
  file.name = "file";
  stats->sinks.emplace_back().name = "stdout";
  MetricsServer server("127.0.0.1:0", stats);
  const int port = server.port();

  auto ready = testing::HttpGet(port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "sources: not started\n");

  stats->readiness.started_us.store(NowMicros());
  stats->readiness.sources_started.store(true);
  ready = testing::HttpGet(port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");

  file.failing.store(true);
  ready = testing::HttpGet(port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "sink file: last write failed\n");
  file.failing.store(false);

  // Checkpoints every 2 s, started 10 s ago, none written since: stale. A restored checkpoint
  // older than the start does not count as fresh.
  stats->readiness.checkpoint_interval_us.store(2'000'000);
  stats->readiness.started_us.store(NowMicros() - 10'000'000);
  stats->checkpoints.last_written_us.store(NowMicros() - 3'600'000'000);
  ready = testing::HttpGet(port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "checkpoint: none written for 10 s (limit 6 s)\n");
  stats->checkpoints.last_written_us.store(NowMicros() - 1'000'000);
  EXPECT_EQ(testing::HttpGet(port, "/readyz").status, 200);

  stats->readiness.stopping.store(true);
  file.failing.store(true);
  ready = testing::HttpGet(port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body,
            "sources: stopping (SIGTERM received, draining)\nsink file: last write failed\n");
}

// A state partition assigned to this process that no task reads (its task did not start, or the
// topic grew beyond state_partitions) fails readiness, and the gauge is exported.
TEST(HealthEndpoints, UnreadStatePartitionsFailReadinessAndAreExported) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  stats->readiness.started_us.store(NowMicros());
  stats->readiness.sources_started.store(true);
  stats->state_topic.enabled.store(true);
  stats->state_topic.assigned.store(3);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()), "");
  stats->state_topic.unread.store(2);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()),
            "state partitions: 2 assigned to this process but not read (see its stderr)\n");
  MetricsServer server("127.0.0.1:0", stats);
  const auto ready = testing::HttpGet(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  const auto metrics = testing::HttpGet(server.port(), "/metrics");
  EXPECT_NE(metrics.body.find("\nprivmon_state_partitions_unread 2\n"), std::string::npos)
      << metrics.body;
  stats->state_topic.unread.store(0);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 200);
}

// A sink holding alerts it has delivered none of for kSinkStallSeconds (a stdout nobody reads,
// every Kafka broker down) fails readiness and shows in privmon_sink_stalled_seconds; one that
// holds none, or delivered lately, does not.
TEST(HealthEndpoints, ASinkThatDeliveredNothingForItsStallLimitFailsReadiness) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  stats->readiness.started_us.store(NowMicros());
  stats->readiness.sources_started.store(true);
  SinkStats& sink = stats->sinks.emplace_back();
  sink.name = "stdout";
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()), "");
  sink.waiting_since_us.store(NowMicros() - (kSinkStallSeconds - 5) * 1'000'000);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()), "");
  sink.waiting_since_us.store(NowMicros() - (kSinkStallSeconds + 1) * 1'000'000);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()),
            "sink stdout: alerts waiting, none delivered for " +
                std::to_string(kSinkStallSeconds + 1) +
                " s (its reader stopped reading, or its destination is unreachable)\n");
  MetricsServer server("127.0.0.1:0", stats);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 503);
  const std::string metrics = testing::HttpGet(server.port(), "/metrics").body;
  const std::size_t at = metrics.find("\nprivmon_sink_stalled_seconds{sink=\"stdout\"} ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(
                at + 1 + std::string("privmon_sink_stalled_seconds{sink=\"stdout\"} ").size())),
            static_cast<double>(kSinkStallSeconds + 1));
  sink.waiting_since_us.store(0);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 200);
}

// Session 44: a dead letter that cannot keep what it is given failed no check (rejected messages
// went unkept while /readyz said 200): its file's last write, or its Kafka topic failing or
// stalled, fails readiness like an alert sink.
TEST(HealthEndpoints, ADeadLetterThatCannotKeepItsEntriesFailsReadiness) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 4);
  stats->readiness.started_us.store(NowMicros());
  stats->readiness.sources_started.store(true);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()), "");
  stats->dead_letter_failing.store(true);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()),
            "dead letter: last write failed (rejected messages are not kept)\n");
  MetricsServer server("127.0.0.1:0", stats);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 503);
  stats->dead_letter_failing.store(false);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 200);

  stats->dead_letter_kafka.name = "kafka";
  stats->dead_letter_kafka.failing.store(true);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()), "dead letter kafka: last delivery failed\n");
  stats->dead_letter_kafka.failing.store(false);
  stats->dead_letter_kafka.waiting_since_us.store(NowMicros() -
                                                  (kSinkStallSeconds + 1) * 1'000'000);
  EXPECT_EQ(ReadinessFailures(*stats, NowMicros()),
            "dead letter kafka: entries waiting, none delivered for " +
                std::to_string(kSinkStallSeconds + 1) + " s\n");
  stats->dead_letter_kafka.waiting_since_us.store(0);
  EXPECT_EQ(testing::HttpGet(server.port(), "/readyz").status, 200);
}

TEST(HealthEndpoints, TwoServersInOneProcessAnswerForTheirOwnStats) {
  auto ready_stats = std::make_shared<PipelineStats>(1, 1, 4);
  ready_stats->readiness.sources_started.store(true);
  MetricsServer ready("127.0.0.1:0", ready_stats);
  MetricsServer not_ready("127.0.0.1:0", std::make_shared<PipelineStats>(1, 1, 4));
  EXPECT_EQ(testing::HttpGet(ready.port(), "/readyz").status, 200);
  EXPECT_EQ(testing::HttpGet(not_ready.port(), "/readyz").status, 503);
}

}  // namespace
}  // namespace privmon
