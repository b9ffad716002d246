#include "config/reload.h"

#include <tuple>

namespace privmon {
namespace {

// The pipeline settings read once at start-up (threads, queues, sockets, the tenant clocks and
// the message limit of sources opened then): a reload keeps the running values. Breaker round
// 137: allowed_lateness, max_message_bytes and the rest were changed silently by a SIGHUP or
// applied in part (the engine's eviction margin moved, the clocks' lateness did not).
template <typename P>
auto StartupPipeline(P& p) {
  return std::tie(p.shards, p.parse_threads, p.queue_capacity, p.alert_queue_capacity,
                  p.max_tenant_series, p.sink_drain_timeout_ms, p.source_drain_timeout_ms,
                  p.max_inflight_bytes, p.fanout_block, p.allowed_lateness_s, p.max_message_bytes,
                  p.tenant_idle_timeout_s, p.max_future_skew_s, p.wall_clock, p.whole_inputs);
}

}  // namespace

std::vector<std::string> SectionsNeedingRestart(const CompiledConfig& running,
                                                const CompiledConfig& next) {
  std::vector<std::string> sections;
  if (StartupPipeline(running.pipeline) != StartupPipeline(next.pipeline)) {
    sections.emplace_back("pipeline");
  }
  if (running.checkpoint.dir != next.checkpoint.dir ||
      running.checkpoint.interval_s != next.checkpoint.interval_s) {
    sections.emplace_back("checkpoint");
  }
  if (running.sources != next.sources) sections.emplace_back("sources");
  if (running.sinks != next.sinks) sections.emplace_back("sinks");
  if (running.metrics_listen != next.metrics_listen) sections.emplace_back("metrics");
  if (running.dead_letter_path != next.dead_letter_path ||
      running.dead_letter_keep_skipped != next.dead_letter_keep_skipped ||
      running.dead_letter_kafka != next.dead_letter_kafka) {
    sections.emplace_back("dead_letter");
  }
  return sections;
}

std::shared_ptr<const CompiledConfig> KeepStartupSections(const CompiledConfig& running,
                                                          const CompiledConfig& next) {
  auto out = std::make_shared<CompiledConfig>(next);
  StartupPipeline(out->pipeline) = StartupPipeline(running.pipeline);
  out->checkpoint = running.checkpoint;
  out->sources = running.sources;
  out->sinks = running.sinks;
  out->metrics_listen = running.metrics_listen;
  out->dead_letter_path = running.dead_letter_path;
  out->dead_letter_keep_skipped = running.dead_letter_keep_skipped;
  out->dead_letter_kafka = running.dead_letter_kafka;
  return out;
}

}  // namespace privmon
