#include "metrics/prometheus_exporter.h"

#include <prometheus/exposer.h>

#include <stdexcept>

#include "core/version.h"
#include "metrics/stats_collector.h"

namespace privmon {

MetricsServer::MetricsServer(const std::string& listen, std::shared_ptr<const PipelineStats> stats)
    : collector_(std::make_shared<StatsCollector>(std::move(stats), PRIVMON_VERSION)) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics: cannot listen on '" + listen + "': " + e.what());
  }
  exposer_->RegisterCollectable(collector_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) throw std::runtime_error("metrics: no listening port for '" + listen + "'");
  port_ = ports.front();
}

MetricsServer::~MetricsServer() = default;

}  // namespace privmon
