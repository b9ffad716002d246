// StatsCollector: turns PipelineStats into Prometheus metric families at scrape time (DESIGN.md
// section 8). The pipeline only bumps relaxed atomics; all prometheus-cpp work happens here, on the
// scraping thread. Collect() is const, reads atomics only and may run on several threads at once.
// Cost per scrape: O(shards x rules + parsers x shards + tenants).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
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

 private:
  std::shared_ptr<const PipelineStats> stats_;
  std::string version_;
  // Per-tenant series follow the busiest tenants; the scores live across scrapes.
  mutable TenantRanking ranking_;
};

// `text` as a Prometheus label value: bytes that are not well-formed UTF-8 become U+FFFD (tenant
// ids come from the stream and may be truncated mid-character).
std::string SanitizeLabelValue(std::string_view text);

}  // namespace privmon
