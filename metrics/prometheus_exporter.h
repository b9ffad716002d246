// MetricsServer: the /metrics HTTP endpoint (prometheus-cpp Exposer, its own civetweb threads)
// serving PipelineStats through a StatsCollector at scrape time. Construct once at start-up (throws
// std::runtime_error if it cannot listen); the pipeline never calls into it. Destruction stops
// the HTTP threads. port() is the bound port, useful with "127.0.0.1:0" (an ephemeral port).
// The same port answers GET /healthz (200 while the process serves) and GET /readyz (200, or 503
// with one line per failing check of metrics/health.h), from the civetweb threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/stats.h"

namespace prometheus {
class Exposer;
}

namespace privmon {

class StatsCollector;

class MetricsServer {
 public:
  // listen: "host:port", e.g. "127.0.0.1:9464"; port 0 picks a free port.
  MetricsServer(const std::string& listen, std::shared_ptr<const PipelineStats> stats);
  ~MetricsServer();

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }
  // StatsCollector::SetConfiguredTenants.
  void SetConfiguredTenants(std::vector<uint64_t> tenant_hashes);

 private:
  std::shared_ptr<StatsCollector> collector_;  // the Exposer holds only a weak_ptr
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace privmon
