#include "metrics/health.h"

#include <algorithm>

namespace privmon {

std::string ReadinessFailures(const PipelineStats& stats, int64_t now_us) {
  std::string out;
  const ReadinessStats& r = stats.readiness;
  if (r.stopping.load(std::memory_order_relaxed)) {
    out += "sources: stopping (SIGTERM received, draining)\n";
  } else if (!r.sources_started.load(std::memory_order_relaxed)) {
    out += "sources: not started\n";
  }
  for (const SinkStats& sink : stats.sinks) {
    if (sink.failing.load(std::memory_order_relaxed)) {
      out += "sink " + sink.name + ": last write failed\n";
    } else if (const int64_t since = sink.waiting_since_us.load(std::memory_order_relaxed);
               since > 0 && now_us - since >= kSinkStallSeconds * 1'000'000) {
      out += "sink " + sink.name + ": alerts waiting, none delivered for " +
             std::to_string((now_us - since) / 1'000'000) +
             " s (its reader stopped reading, or its destination is unreachable)\n";
    }
  }
  if (stats.dead_letter_failing.load(std::memory_order_relaxed)) {
    out += "dead letter: last write failed (rejected messages are not kept)\n";
  }
  if (const SinkStats& kafka = stats.dead_letter_kafka; !kafka.name.empty()) {
    if (kafka.failing.load(std::memory_order_relaxed)) {
      out += "dead letter " + kafka.name + ": last delivery failed\n";
    } else if (const int64_t since = kafka.waiting_since_us.load(std::memory_order_relaxed);
               since > 0 && now_us - since >= kSinkStallSeconds * 1'000'000) {
      out += "dead letter " + kafka.name + ": entries waiting, none delivered for " +
             std::to_string((now_us - since) / 1'000'000) + " s\n";
    }
  }
  // Breaker round 93: a consumer with every broker down read nothing while /readyz said ready
  // (kafka.KafkaBrokerDown.*).
  for (const KafkaSourceStats& k : stats.kafka_sources) {
    const uint8_t why = k.not_reading.load(std::memory_order_relaxed);
    if (why == kKafkaAllBrokersDown) {
      out += "source " + k.name + ": all brokers down (none reachable; librdkafka retries)\n";
    } else if (why == kKafkaFatal) {
      out += "source " + k.name + ": fatal Kafka error, reads nothing more (see its stderr)\n";
    }
  }
  if (const int64_t unread = stats.state_topic.unread.load(std::memory_order_relaxed); unread > 0) {
    out += "state partitions: " + std::to_string(unread) +
           " assigned to this process but not read (see its stderr)\n";
  }
  const int64_t interval = r.checkpoint_interval_us.load(std::memory_order_relaxed);
  if (interval > 0) {
    // A checkpoint restored at start may be days old: the clock starts at the later of the two.
    const int64_t since =
        std::max(stats.checkpoints.last_written_us.load(std::memory_order_relaxed),
                 r.started_us.load(std::memory_order_relaxed));
    const int64_t age = now_us - since;
    if (since > 0 && age > 3 * interval) {
      out += "checkpoint: none written for " + std::to_string(age / 1'000'000) + " s (limit " +
             std::to_string(3 * interval / 1'000'000) + " s)\n";
    }
  }
  return out;
}

}  // namespace privmon
