// The Kafka alert sink behind its SinkWorker, against librdkafka's mock cluster: an alert counts as
// written only on a successful delivery report; a failed report is counted as an error and the
// alert produced again, and after the last redelivery (or at shutdown) it is counted as dropped,
// never as written.
#include "sinks/kafka_output.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "metrics/health.h"
#include "sinks/sink_worker.h"
#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

SinkSettings Sink(const MockKafka& kafka, const char* message_timeout_ms) {
  SinkSettings s;
  s.type = SinkType::kKafka;
  s.kafka.brokers = kafka.bootstrap_servers();
  s.kafka.topics = {"alerts"};
  s.kafka.properties = {{"message.timeout.ms", message_timeout_ms}};
  return s;
}

std::unique_ptr<KafkaOutput> Output(const MockKafka& kafka, const char* message_timeout_ms) {
  return std::make_unique<KafkaOutput>(Sink(kafka, message_timeout_ms));
}

// The worker's counters: written only on a delivery report, lost after the last redelivery.
TEST(KafkaOutput, FailedDeliveryIsCountedAndProducedAgainNotCountedAsWritten) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  SinkStats stats;
  stats.name = "kafka";
  {
    SinkWorker worker(Output(kafka, "500"), stats, SinkPolicy{});
    EXPECT_TRUE(worker.keyed_by_tenant());
    ASSERT_TRUE(worker.TryPush("tenant-1\x1f{\"alert_id\":\"a1\"}\n"));
    ASSERT_TRUE(PollUntil([&] { return stats.errors.load() >= 1; }, 15s, 20ms));
    EXPECT_EQ(stats.written.load(), 0u);
    EXPECT_EQ(stats.dropped.load(), 0u);
    ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(PollUntil([&] { return stats.written.load() == 1; }, 15s, 20ms))
        << "errors " << stats.errors.load() << ", dropped " << stats.dropped.load();
  }
  EXPECT_EQ(stats.written.load(), 1u);
  EXPECT_EQ(stats.dropped.load(), 0u);
  const std::vector<KafkaRecord> records = kafka.ReadAll("alerts", 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "tenant-1");
  EXPECT_EQ(records[0].value, "{\"alert_id\":\"a1\"}");
}

// Breaker round 80: every delivery failed, errors and drops were counted, yet /readyz stayed
// 200. A failed report now fails readiness, naming the sink, until a later delivery succeeds.
TEST(KafkaOutput, AFailedDeliveryFailsReadinessUntilADeliverySucceeds) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  PipelineStats stats(1, 1, 0);
  SinkStats& sink = stats.sinks.emplace_back();
  sink.name = "kafka";
  {
    SinkWorker worker(Output(kafka, "500"), sink, SinkPolicy{});
    ASSERT_TRUE(worker.TryPush("tenant-1\x1f{\"alert_id\":\"a1\"}\n"));
    ASSERT_TRUE(PollUntil([&] { return sink.errors.load() >= 1; }, 15s, 20ms));
    EXPECT_TRUE(sink.failing.load());
    EXPECT_NE(ReadinessFailures(stats, 0).find("sink kafka: last write failed"), std::string::npos)
        << ReadinessFailures(stats, 0);
    ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(PollUntil([&] { return sink.written.load() == 1; }, 15s, 20ms));
    EXPECT_FALSE(sink.failing.load());
    EXPECT_EQ(ReadinessFailures(stats, 0).find("sink kafka"), std::string::npos)
        << ReadinessFailures(stats, 0);
  }
}

TEST(KafkaOutput, AlertIsDroppedLoudlyAfterTheLastRedelivery) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  SinkStats stats;
  stats.name = "kafka";
  {
    SinkWorker worker(Output(kafka, "200"), stats, SinkPolicy{});
    ASSERT_TRUE(worker.TryPush("tenant-1\x1f{\"alert_id\":\"a2\"}\n"));
    ASSERT_TRUE(PollUntil([&] { return stats.dropped.load() == 1; }, 15s, 20ms));
  }
  EXPECT_EQ(stats.errors.load(), 1u + KafkaOutput::kRedeliveries);
  EXPECT_TRUE(stats.failing.load());  // readiness stays failing after the drop
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.dropped.load(), 1u);
  EXPECT_EQ(stats.lost.load(), 1u);
}

// Shutdown with a broker that does not answer: after the grace, what is in flight is counted as
// dropped (lost), exactly once, and never as written.
TEST(KafkaOutput, UnacknowledgedAlertsAreCountedAsLostAtShutdown) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  SinkStats stats;
  stats.name = "kafka";
  {
    SinkWorker worker(Output(kafka, "60000"), stats, SinkPolicy{});
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(worker.TryPush("tenant-1\x1f{\"alert_id\":\"a" + std::to_string(i) + "\"}\n"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(stats.written.load() + stats.dropped.load(), 0u);
    worker.StartShutdownGrace(std::chrono::milliseconds(300));
    worker.Finish();
  }
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.dropped.load(), 3u);
  EXPECT_EQ(stats.lost.load(), 3u);
}

}  // namespace
}  // namespace privmon::testing
