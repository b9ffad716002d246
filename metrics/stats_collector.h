// StatsCollector: turns PipelineStats into Prometheus metric families at scrape time (DESIGN.md
// section 8). The pipeline only bumps relaxed atomics; all prometheus-cpp work happens here, on the
// scraping thread. Collect() is const, reads atomics only and may run on several threads at once.
// Cost per scrape: O(shards x rules + parsers x shards + tenants).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/stats.h"
#include "metrics/tenant_ranking.h"

namespace privmon {

class StatsCollector final : public prometheus::Collectable {
 public:
  // `stats` must be fully built (shards, parsers, sources) before the first scrape.
  StatsCollector(std::shared_ptr<const PipelineStats> stats, std::string version);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // Tenants of the running config (HashLower of their ids): each has its
  // privmon_tenant_last_event_timestamp_seconds series once it sent a record, busy or not
  // (DESIGN.md section 10 "Metrics"). Thread-safe; called at start and on SIGHUP.
  void SetConfiguredTenants(std::vector<uint64_t> tenant_hashes);

 private:
  std::shared_ptr<const PipelineStats> stats_;
  std::string version_;
  // Per-tenant series follow the busiest tenants; the scores live across scrapes.
  mutable TenantRanking ranking_;
  mutable std::mutex configured_mu_;
  std::vector<uint64_t> configured_;  // guarded by configured_mu_; sorted
};

// `text` as a Prometheus label value: bytes that are not well-formed UTF-8 become U+FFFD (tenant
// ids come from the stream and may be truncated mid-character).
std::string SanitizeLabelValue(std::string_view text);

}  // namespace privmon
