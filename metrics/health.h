// Readiness of a running privmon for GET /readyz (docs/operations.md "Health endpoints"): the
// sources are started and not stopping, no sink's last write failed, no sink has held alerts
// for kSinkStallSeconds without delivering one (a reader that stopped reading, every Kafka
// broker unreachable: SinkStats::waiting_since_us), the dead letter's last write did not fail
// (its file, or its Kafka topic failing or stalled as a sink is), no Kafka source has every
// broker down or a fatal error (core/kafka_stats.h KafkaSourceStats::not_reading), no assigned
// state partition is left unread (core/stats.h StateTopicStats::unread), and with checkpoints the
// newest one written since start (or the start itself) is at most 3 intervals old. Pure function
// of relaxed atomics: any thread, no allocation when ready, O(sinks + Kafka sources).
#pragma once

#include <cstdint>
#include <string>

#include "core/stats.h"

namespace privmon {

// "" when ready, else one short line per failing check ("sink file: last write failed\n").
std::string ReadinessFailures(const PipelineStats& stats, int64_t now_us);

}  // namespace privmon
