// A state partition's consumer (clock_from_header) reads its clock from the privmon-input and
// privmon-mark headers of the state topic (pipeline/state_topic_format.h). Those headers are
// untrusted bytes like the records: a mark whose digits overflow an int64, or that is not a number
// at all, is refused (frame_error: counted as bad_frames and dead-lettered) instead of moving a
// tenant clock to whatever its digits added up to (an overflow was undefined behaviour); a
// privmon-input whose partition is not an int32 leaves the record on its partition's own clock.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "pipeline/kafka_source.h"
#include "pipeline/state_topic_format.h"
#include "tests/kafka/mock_kafka.h"

namespace privmon::testing {
namespace {

struct Received {
  std::string payload;
  const char* frame_error = nullptr;
  int64_t mark_us = INT64_MIN;
  uint32_t clock_input = 0;
};

std::vector<Received> ReadState(MockKafka& kafka, int expected) {
  SourceSettings s;
  s.type = SourceType::kKafka;
  s.name = "state";
  s.kafka.brokers = kafka.bootstrap_servers();
  s.kafka.topics = {"privmon-state"};
  s.kafka.group = "headers.state-reader";  // never joined: assign() only
  s.kafka.assign_partition = 0;
  s.kafka.clock_from_header = true;
  s.kafka.tenant_from_key = true;
  s.kafka.input_topics = {"in"};
  s.kafka.max_partitions = 8;
  KafkaSourceStats stats("state", 8);
  std::unique_ptr<MessageSource> source = OpenKafkaSource(s, &stats);
  EXPECT_TRUE(source->Resume(-1));
  std::vector<Received> out;
  RawMessage raw;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (static_cast<int>(out.size()) < expected && std::chrono::steady_clock::now() < deadline) {
    if (source->Receive(raw, std::chrono::milliseconds(200)) != ReceiveStatus::kMessage) continue;
    out.push_back({std::string(raw.payload), raw.frame_error, raw.mark_us, raw.clock_input});
  }
  EXPECT_EQ(static_cast<int>(out.size()), expected) << "did not read every message";
  return out;
}

TEST(KafkaStateHeaders, AMarkThatIsNoInt64IsRefusedAndAnOddInputKeepsThePartitionsClock) {
  MockKafka kafka;
  kafka.CreateTopic("privmon-state", 1);
  auto headers = [](std::string input, std::string mark) {
    std::vector<std::pair<std::string, std::string>> h = {{kStateFormatHeader, kStateFormatValue},
                                                          {kStateInputHeader, std::move(input)}};
    if (!mark.empty()) h.emplace_back(kStateMarkHeader, std::move(mark));
    return h;
  };
  kafka.ProduceWithHeaders("privmon-state", 0, "", headers("in:3", "1700000000000000"));
  kafka.ProduceWithHeaders("privmon-state", 0, "", headers("in:3", "99999999999999999999"));
  kafka.ProduceWithHeaders("privmon-state", 0, "", headers("in:3", "12-34"));
  kafka.ProduceWithHeaders("privmon-state", 0, "", headers("in:3", "-1700000000000000"));
  kafka.ProduceWithHeaders("privmon-state", 0, "{}", headers("in:99999999999", ""));
  kafka.ProduceWithHeaders("privmon-state", 0, "{}", headers("in:5x", ""));
  kafka.ProduceWithHeaders("privmon-state", 0, "{}", headers("in:5", ""));
  kafka.Flush();
  const std::vector<Received> got = ReadState(kafka, 7);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].frame_error, nullptr);
  EXPECT_EQ(got[0].mark_us, 1700000000000000);
  EXPECT_EQ(got[0].clock_input, 3u);
  for (int i : {1, 2}) {
    EXPECT_NE(got[i].frame_error, nullptr) << "mark " << i << " read as " << got[i].mark_us;
  }
  EXPECT_EQ(got[3].frame_error, nullptr);
  EXPECT_EQ(got[3].mark_us, -1700000000000000);
  // A partition that is no int32 (or no number): the record's own partition clock (0 here).
  EXPECT_EQ(got[4].frame_error, nullptr);
  EXPECT_EQ(got[4].clock_input, 0u);
  EXPECT_EQ(got[5].frame_error, nullptr);
  EXPECT_EQ(got[5].clock_input, 0u);
  EXPECT_EQ(got[6].clock_input, 5u);
  for (int i : {4, 5, 6}) EXPECT_EQ(got[i].mark_us, INT64_MIN);
}

}  // namespace
}  // namespace privmon::testing
