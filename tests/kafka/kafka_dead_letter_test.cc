// Dead letters to a Kafka topic (`dead_letter: {kafka: ...}`), against librdkafka's mock cluster:
// an entry counts as written only on a successful delivery report; a broker that is down makes
// deliveries fail, counted as errors and retried, never as written; an entry never acknowledged
// is counted dropped. And a real `privmon run` sends each rejected record to the topic, keyed by
// its source, as the same JSON entry the dead-letter file holds.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "sinks/dead_letter.h"
#include "sinks/kafka_output.h"
#include "sinks/sink_worker.h"
#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

SinkSettings DeadLetterTopic(const MockKafka& kafka, const char* message_timeout_ms) {
  SinkSettings s;
  s.type = SinkType::kKafka;
  s.name = "dead_letter";
  s.kafka.brokers = kafka.bootstrap_servers();
  s.kafka.topics = {"dead-letters"};
  s.kafka.properties = {{"message.timeout.ms", message_timeout_ms}};
  return s;
}

DeadLetterEntry Parse(const std::string& line) {
  DeadLetterEntry e;
  EXPECT_TRUE(ParseDeadLetterLine(line, e)) << line;
  return e;
}

template <class Done>
bool WaitUntil(Done&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(KafkaDeadLetter, EntriesCountAsWrittenOnlyOnceDelivered) {
  MockKafka kafka;
  kafka.CreateTopic("dead-letters", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  SinkStats stats;
  Counter entries{0};
  {
    DeadLetterWriter writer("", &entries);  // no file: Kafka only
    writer.AlsoTo(std::make_unique<SinkWorker>(
        std::make_unique<KafkaOutput>(DeadLetterTopic(kafka, "500")), stats, SinkPolicy{}));
    writer.Write(RejectReason::kInvalidJson, "not JSON", "{oops", "zmq", 0);
    writer.Write(RejectReason::kNoTenant, "no tenant", R"({"a":1})", "file", 0);
    writer.Write(RejectReason::kTenantMismatch, "another tenant", R"({"b":2})", "zmq", 0);
    ASSERT_TRUE(WaitUntil([&] { return stats.errors.load() >= 1; }));
    EXPECT_EQ(stats.written.load(), 0u);  // failed deliveries are never counted as written
    ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() == 3; }))
        << "errors " << stats.errors.load() << ", dropped " << stats.dropped.load();
  }
  EXPECT_EQ(entries.load(), 3u);
  EXPECT_EQ(stats.dropped.load(), 0u);
  const std::vector<KafkaRecord> records = kafka.ReadAll("dead-letters", 1);
  ASSERT_EQ(records.size(), 3u);  // each once: the producer is idempotent
  std::vector<DeadLetterEntry> parsed;
  for (const KafkaRecord& r : records) parsed.push_back(Parse(r.value));
  EXPECT_EQ(records[0].key, "zmq");
  EXPECT_EQ(parsed[0].reason, "invalid_json");
  EXPECT_EQ(parsed[0].raw, "{oops");
  EXPECT_EQ(records[1].key, "file");
  EXPECT_EQ(parsed[1].reason, "no_tenant");
  EXPECT_EQ(parsed[2].reason, "tenant_mismatch");
  EXPECT_EQ(parsed[2].raw, R"({"b":2})");
}

TEST(KafkaDeadLetter, AnEntryNeverAcknowledgedIsCountedDroppedNotWritten) {
  MockKafka kafka;
  kafka.CreateTopic("dead-letters", 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  SinkStats stats;
  stats.name = "dead_letter";
  stats.dead_letter = true;
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter writer("");
    auto output = std::make_unique<KafkaOutput>(DeadLetterTopic(kafka, "200"));
    output->set_item("dead-letter entry");
    writer.AlsoTo(std::make_unique<SinkWorker>(std::move(output), stats, SinkPolicy{}));
    writer.Write(RejectReason::kInvalidJson, "not JSON", "{oops", "zmq", 0);
    EXPECT_TRUE(WaitUntil([&] { return stats.dropped.load() == 1; }));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(stats.errors.load(), 1u + KafkaOutput::kRedeliveries);
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.lost.load(), 1u);
  // Its lines name what was lost (breaker round 137: "alert NOT delivered", counted in an
  // alert series that does not exist for the dead letter).
  EXPECT_NE(err.find("dead-letter entry NOT delivered to Kafka topic dead-letters"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("alert"), std::string::npos) << err;
  EXPECT_EQ(err.find("privmon_alerts_dropped_total"), std::string::npos) << err;
}

TEST(KafkaDeadLetter, RunSendsEveryRejectedRecordToTheTopic) {
  const std::string dir = TempDir("kafka-dead-letter");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("dead-letters", 1);
  std::ofstream(dir + "/input.ndjson")
      << "{not json\n"
      << R"({"id":"x","createdDateTime":"2026-11-24T10:00:00Z","userId":"U","status":{}})"
      << "\n";
  std::ofstream(dir + "/config.yaml")
      << "sources: [{file: {path: \"" << dir << "/input.ndjson\", name: collector}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\", kafka: {brokers: \""
      << kafka.bootstrap_servers() << "\", topic: dead-letters}}\n";
  ASSERT_EQ(RunToExit({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"),
            0)
      << ReadFile(dir + "/run.err");
  const std::vector<KafkaRecord> records = kafka.ReadAll("dead-letters", 1);
  ASSERT_EQ(records.size(), 2u) << ReadFile(dir + "/run.err");
  const std::vector<DeadLetterEntry> file = ReadDeadLetterFile(dir + "/rejected.ndjson");
  ASSERT_EQ(file.size(), 2u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].key, "collector");
    const DeadLetterEntry e = Parse(records[i].value);
    EXPECT_EQ(e.reason, file[i].reason);
    EXPECT_EQ(e.raw, file[i].raw);
  }
  EXPECT_EQ(Parse(records[0].value).reason, "invalid_json");
  EXPECT_EQ(Parse(records[1].value).reason, "no_tenant");
}

}  // namespace
}  // namespace privmon::testing
