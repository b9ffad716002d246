#include "config/reload.h"

#include <tuple>

namespace privmon {
namespace {

auto StartupPipeline(const PipelineSettings& p) {
  return std::tie(p.shards, p.parse_threads, p.queue_capacity, p.alert_queue_capacity,
                  p.max_tenant_series, p.sink_drain_timeout_ms, p.source_drain_timeout_ms,
                  p.max_inflight_bytes, p.fanout_block);
}

}  // namespace

std::vector<std::string> SectionsNeedingRestart(const CompiledConfig& running,
                                                const CompiledConfig& next) {
  std::vector<std::string> sections;
  if (StartupPipeline(running.pipeline) != StartupPipeline(next.pipeline)) {
    sections.emplace_back("pipeline");
  }
  if (running.sources != next.sources) sections.emplace_back("sources");
  if (running.sinks != next.sinks) sections.emplace_back("sinks");
  if (running.metrics_listen != next.metrics_listen) sections.emplace_back("metrics");
  if (running.dead_letter_path != next.dead_letter_path ||
      running.dead_letter_kafka != next.dead_letter_kafka) {
    sections.emplace_back("dead_letter");
  }
  return sections;
}

}  // namespace privmon
