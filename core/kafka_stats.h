// Counters of the Kafka source, read by the metrics exporter at scrape time. Each
// struct has one writer thread (the source's parse thread or reader); fields are
// relaxed atomics. A partition slot's labels (topic, partition) are written once, before `ready`
// is published with release; the exporter reads only ready slots, so labels need no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace privmon {

struct KafkaPartitionSlot {
  std::string topic;
  int32_t partition = 0;
  std::atomic<bool> ready{false};
  std::atomic<int64_t> lag{-1};  // high watermark - position; -1 until known
  std::atomic<bool> assigned{false};
  std::atomic<uint64_t> messages{0};
};

struct KafkaSourceStats {
  KafkaSourceStats(std::string source, uint32_t max_partitions)
      : name(std::move(source)),
        capacity(max_partitions),
        partitions(std::make_unique<KafkaPartitionSlot[]>(max_partitions)) {}
  std::string name;
  uint32_t capacity;
  std::unique_ptr<KafkaPartitionSlot[]> partitions;  // slots [0, used) are claimed, in order
  std::atomic<uint32_t> used{0};
  std::atomic<int64_t> assigned{0};
  std::atomic<uint64_t> rebalances{0};
  std::atomic<uint64_t> errors{0};  // consumer errors reported by librdkafka
};

}  // namespace privmon
