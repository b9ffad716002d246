// The Kafka alert sink against librdkafka's mock cluster: an alert counts as delivered only on a
// successful delivery report; a failed report is counted and the alert produced again, and after
// the last redelivery it is counted as dropped, never as delivered.
#include "sinks/kafka_output.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/kafka/mock_kafka.h"

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

// Serves the output's delivery reports until `done` or 15 s.
template <class Done>
bool ServeUntil(KafkaOutput& out, Done&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    out.Idle();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(KafkaOutput, FailedDeliveryIsCountedAndProducedAgainNotCountedAsDelivered) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  KafkaSinkStats stats("kafka");
  {
    KafkaOutput out(Sink(kafka, "500"), &stats);
    Alert alert;
    alert.tenant_id.assign("tenant-1");
    out.WriteAlert(alert, "{\"alert_id\":\"a1\"}\n");
    ASSERT_TRUE(ServeUntil(out, [&] { return stats.errors.load() >= 1; }));
    EXPECT_EQ(stats.delivered.load(), 0u);
    ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(ServeUntil(out, [&] { return stats.delivered.load() == 1; }))
        << "errors " << stats.errors.load() << ", dropped " << stats.dropped.load();
  }
  EXPECT_EQ(stats.dropped.load(), 0u);
  EXPECT_EQ(stats.in_flight.load(), 0);
  const std::vector<KafkaRecord> records = kafka.ReadAll("alerts", 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "tenant-1");
  EXPECT_EQ(records[0].value, "{\"alert_id\":\"a1\"}");
}

TEST(KafkaOutput, AlertIsDroppedLoudlyAfterTheLastRedelivery) {
  MockKafka kafka;
  kafka.CreateTopic("alerts", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  KafkaSinkStats stats("kafka");
  {
    KafkaOutput out(Sink(kafka, "200"), &stats);
    Alert alert;
    alert.tenant_id.assign("tenant-1");
    out.WriteAlert(alert, "{\"alert_id\":\"a2\"}\n");
    ASSERT_TRUE(ServeUntil(out, [&] { return stats.dropped.load() == 1; }));
  }
  EXPECT_EQ(stats.errors.load(), 1u + KafkaOutput::kRedeliveries);
  EXPECT_EQ(stats.delivered.load(), 0u);
  EXPECT_EQ(stats.in_flight.load(), 0);
}

}  // namespace
}  // namespace privmon::testing
