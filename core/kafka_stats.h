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

enum KafkaReading : uint8_t { kKafkaReading = 0, kKafkaAllBrokersDown = 1, kKafkaFatal = 2 };

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
  // Errors librdkafka reported to the consumer: those attached to messages and those handed to
  // its error callback (broker connections failing, every broker down, fatal errors; breaker
  // round 93: only the former were counted, a broker outage left this at 0).
  std::atomic<uint64_t> errors{0};
  // Why the source reads nothing (GET /readyz fails while it is not kKafkaReading,
  // metrics/health.h): librdkafka reported every broker down (set by the consumer's error callback,
  // on its own thread; cleared by its next message, partition end or assignment, or a broker
  // answering the consumer's probe), or a fatal error (never cleared: the consumer is unusable).
  // The state partitions' consumers share one: any of them sets it, any clears it. A KafkaReading
  // value.
  std::atomic<uint8_t> not_reading{0};
  // The state partitions' consumers (set before the metrics server starts): slots count `lost`.
  bool state_partitions = false;
};

}  // namespace privmon
