// Kafka records of odd shapes reach the pipeline as something it counts and dead-letters, never
// as nothing: a record with no value (a tombstone) is an empty payload (the parser rejects it as
// invalid_json), a `tenant` header too long or holding JSON is a frame error (bad_frames), a
// record without a key under tenant_from_key names no tenant frame (the record's own applies).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "pipeline/kafka_source.h"
#include "tests/kafka/mock_kafka.h"

namespace privmon::testing {
namespace {

struct Got {
  std::string payload;
  std::string tenant_frame;
  const char* frame_error = nullptr;
};

TEST(KafkaOddRecords, TombstonesHugeOrJsonTenantHeadersAndMissingKeysAreEachAccountedFor) {
  MockKafka kafka;
  kafka.CreateTopic("signins", 1);
  const std::string record = R"({"a":1})";
  kafka.ProduceWithHeaders("signins", 0, "", {});  // tombstone
  kafka.ProduceWithHeaders("signins", 0, record, {{"tenant", std::string(10'000, 't')}});
  kafka.ProduceWithHeaders("signins", 0, record, {{"tenant", R"({"id":"x"})"}});
  kafka.ProduceWithHeaders("signins", 0, record, {{"tenant", "contoso.example"}});  // no GUID
  kafka.Produce("signins", 0, record);  // no key, no header
  kafka.ProduceWithHeaders("signins", 0, record,
                           {{"tenant", "{0C7E2F4A-5B6D-4E8F-9A1B-2C3D4E5F6A7B}"}});  // a GUID
  kafka.Flush();

  SourceSettings s;
  s.type = SourceType::kKafka;
  s.name = "odd";
  s.kafka.brokers = kafka.bootstrap_servers();
  s.kafka.topics = {"signins"};
  s.kafka.group = "odd.reader";  // never joined: assign() only
  s.kafka.assign_partition = 0;
  s.kafka.tenant_from_key = true;
  KafkaSourceStats stats("odd", 1);
  std::unique_ptr<MessageSource> source = OpenKafkaSource(s, &stats);
  ASSERT_TRUE(source->Resume(-1));
  std::vector<Got> got;
  RawMessage raw;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.size() < 6 && std::chrono::steady_clock::now() < deadline) {
    if (source->Receive(raw, std::chrono::milliseconds(200)) != ReceiveStatus::kMessage) continue;
    got.push_back({std::string(raw.payload), std::string(raw.tenant_frame), raw.frame_error});
  }
  ASSERT_EQ(got.size(), 6u);
  EXPECT_TRUE(got[0].payload.empty());
  EXPECT_EQ(got[0].frame_error, nullptr);
  EXPECT_NE(got[1].frame_error, nullptr);
  EXPECT_EQ(got[1].payload, record);  // kept whole for the dead letter
  EXPECT_NE(got[2].frame_error, nullptr);
  // A tenant that is no GUID: refused as a ZeroMQ frame naming one is (pipeline/tenant_id.h).
  EXPECT_NE(got[3].frame_error, nullptr);
  EXPECT_EQ(got[4].frame_error, nullptr);
  EXPECT_TRUE(got[4].tenant_frame.empty());
  EXPECT_EQ(got[5].frame_error, nullptr);  // braces and upper case, as `tenants:` takes them
  EXPECT_EQ(got[5].tenant_frame, "{0C7E2F4A-5B6D-4E8F-9A1B-2C3D4E5F6A7B}");
}

}  // namespace
}  // namespace privmon::testing
