// KafkaSource: a MessageSource that consumes Kafka topics (or an Event Hubs namespace's Kafka
// endpoint) as a member of a consumer group, on librdkafka. Each (topic, partition) is its own
// clock input (DESIGN.md section 10 "Clocks"): Event Hubs spreads one tenant's records over
// partitions round robin, and a partition that lags must not make another's records late. To keep
// partitions level in event time, messages are handed out round robin over the partitions that
// have some, waiting briefly for a partition that has not caught up (at its end, no wait; right
// after an assignment, until its first fetch answers).
// Owned and read by one thread (a parse thread, or a fan-out reader); librdkafka's threads do the
// network I/O. Back-pressure: when the pipeline's queues are full, Receive() is not called, so
// librdkafka stops fetching once `queued.max.messages.kbytes` is buffered. No allocation per
// message; the held messages are librdkafka's own buffers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "pipeline/message_source.h"

namespace privmon {

// Joins the group and subscribes. Throws std::runtime_error on a refused property or an
// unreadable secret file (the broker connection itself is asynchronous: errors are logged and
// counted, and librdkafka keeps retrying; while it reports every broker down, stats->not_reading
// says so and GET /readyz fails). `stats` may be null.
std::unique_ptr<MessageSource> OpenKafkaSource(const SourceSettings& settings,
                                               KafkaSourceStats* stats);

// The clock input of (topic, partition) for a source of `topics` (named, in their configured
// order) and `max_partitions`: the same in every run and process (a state-topic header names the
// input partition; this maps it). O(topics).
uint32_t KafkaClockInput(const std::vector<std::string>& topics, uint32_t max_partitions,
                         std::string_view topic, int32_t partition);

}  // namespace privmon
