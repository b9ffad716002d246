// Records deleted before a state partition's consumer read them (README "Running N instances",
// "Retention"): librdkafka's mock cluster keeps about 5 MB per partition and deletes the oldest
// records beyond it, as retention does. A state partition's consumer (manually assigned, resuming
// at its checkpoint's offset, with auto.offset.reset=error) that finds its next record gone gets
// ERR__AUTO_OFFSET_RESET from librdkafka, counts the records
// below the partition's earliest kept offset in its slot (privmon_kafka_records_lost_total),
// reports them on stderr and goes on from there. A consumer resuming at a kept offset, or from the
// beginning without a checkpoint, counts nothing. Offset gaps alone (transaction markers, Event
// Hubs' offsets) count nothing by construction; librdkafka 2.0.2's mock writes no transaction
// markers into its log, so no test here shows such a gap.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "pipeline/kafka_source.h"
#include "tests/kafka/mock_kafka.h"

namespace privmon::testing {
namespace {

constexpr int kRecords = 900;  // of 10 kB: 9 MB, beyond what the mock keeps of one partition

SourceSettings StatePartitionReader(const MockKafka& kafka) {
  SourceSettings s;
  s.type = SourceType::kKafka;
  s.name = "state";
  s.kafka.brokers = kafka.bootstrap_servers();
  s.kafka.topics = {"privmon-events"};
  s.kafka.group = "lost.state-reader";  // never joined: assign() only
  s.kafka.assign_partition = 0;
  return s;
}

// Reads from `resume` (-1: the beginning) to the end of partition 0; returns the first offset read
// (the source's position after its first message, minus one) and fills `read`.
int64_t ReadToEnd(const MockKafka& kafka, int64_t resume, KafkaSourceStats& stats, int64_t high,
                  int* read) {
  std::unique_ptr<MessageSource> source = OpenKafkaSource(StatePartitionReader(kafka), &stats);
  EXPECT_TRUE(source->Resume(resume));
  RawMessage raw;
  int64_t first = -1;
  *read = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (source->Position() < high && std::chrono::steady_clock::now() < deadline) {
    if (source->Receive(raw, std::chrono::milliseconds(200)) != ReceiveStatus::kMessage) continue;
    if (first < 0) first = source->Position() - 1;
    ++*read;
  }
  EXPECT_EQ(source->Position(), high) << "did not reach the end";
  return first;
}

TEST(KafkaRecordsLost, RecordsDeletedBeforeAStatePartitionReadThemAreCounted) {
  MockKafka kafka;
  kafka.CreateTopic("privmon-events", 1);
  const std::string value(10'000, 'x');  // only offsets matter here
  for (int i = 0; i < kRecords; ++i) kafka.Produce("privmon-events", 0, value);
  kafka.Flush();
  const auto [low, high] = kafka.Watermarks("privmon-events", 0);
  ASSERT_EQ(high, kRecords);
  ASSERT_GT(low, 10) << "the mock cluster deleted nothing: this test cannot make records vanish";

  // The checkpoint stored offset 10; records [10, low) are gone.
  KafkaSourceStats stats("state", 1);
  int read = 0;
  EXPECT_EQ(ReadToEnd(kafka, 10, stats, high, &read), low);
  EXPECT_EQ(read, high - low);
  ASSERT_EQ(stats.used.load(), 1u);
  EXPECT_EQ(stats.partitions[0].topic, "privmon-events");
  EXPECT_EQ(stats.partitions[0].lost.load(), static_cast<uint64_t>(low - 10));
  EXPECT_EQ(stats.partitions[0].messages.load(), static_cast<uint64_t>(high - low));
}

TEST(KafkaRecordsLost, AConsumerResumingAtAKeptOffsetOrWithoutACheckpointCountsNothing) {
  MockKafka kafka;
  kafka.CreateTopic("privmon-events", 1);
  const std::string value(10'000, 'x');
  for (int i = 0; i < kRecords; ++i) kafka.Produce("privmon-events", 0, value);
  kafka.Flush();
  const auto [low, high] = kafka.Watermarks("privmon-events", 0);
  ASSERT_GT(low, 0);
  KafkaSourceStats kept("state", 1);
  int read = 0;
  EXPECT_EQ(ReadToEnd(kafka, low + 5, kept, high, &read), low + 5);
  EXPECT_EQ(kept.partitions[0].lost.load(), 0u);
  // No checkpoint: nothing is known to precede the earliest record kept.
  KafkaSourceStats fresh("state", 1);
  EXPECT_EQ(ReadToEnd(kafka, -1, fresh, high, &read), low);
  EXPECT_EQ(fresh.partitions[0].lost.load(), 0u);
}

}  // namespace
}  // namespace privmon::testing
