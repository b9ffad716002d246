// Counters of the Kafka source, read by the metrics exporter at scrape time. Each
// struct has one writer thread (the source's parse thread or reader), except the state
// partitions' (app/state_partitions.h): the group's coordinator (control thread) writes `assigned`
// and `rebalances` and fills every slot's labels up front, and each partition's task writes only
// its own slot's counters. Fields are relaxed atomics. A partition slot's labels (topic, partition)
// are written once, before `ready` is published with release; the exporter reads only ready slots,
// so labels need no lock.
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
  // Records deleted (retention) before this process read them: the offset gap between where a
  // state partition's consumer was to go on (its checkpoint, its previous message) and the next
  // message it got. Counted by manually assigned consumers only (state partitions).
  std::atomic<uint64_t> lost{0};
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
  // The state partitions' consumers (set before the metrics server starts): slots count `lost`.
  bool state_partitions = false;
};

}  // namespace privmon
