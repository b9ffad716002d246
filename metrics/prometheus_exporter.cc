#include "metrics/prometheus_exporter.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/exposer.h>

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "core/version.h"
#include "metrics/health.h"
#include "metrics/stats_collector.h"

namespace privmon {
namespace {

// prometheus-cpp 1.0.1's Exposer has no way to add a handler (upstream issue #716), but it hands
// civetweb's callbacks through: begin_request sees every request first. Civetweb's user data is
// the Exposer's own CivetServer, so the server is found by its listening port.
struct HealthRegistry {
  std::mutex mutex;
  std::unordered_map<int, std::shared_ptr<const PipelineStats>> by_port;
};
HealthRegistry& Registry() {
  static HealthRegistry registry;
  return registry;
}

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Reply(mg_connection* conn, int status, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            status, status == 200 ? "OK" : "Service Unavailable", body.size());
  mg_write(conn, body.data(), body.size());
  return status;  // non-zero: handled; civetweb logs it as the status
}

// Civetweb worker threads: /healthz and /readyz answered here, anything else left to the Exposer.
int BeginRequest(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info == nullptr || info->local_uri == nullptr) return 0;
  const std::string_view uri = info->local_uri;
  if (uri != "/healthz" && uri != "/readyz") return 0;
  std::shared_ptr<const PipelineStats> stats;
  {
    std::lock_guard lock(Registry().mutex);
    const auto it = Registry().by_port.find(info->server_port);
    if (it != Registry().by_port.end()) stats = it->second;
  }
  if (stats == nullptr) return Reply(conn, 503, "starting\n");
  if (uri == "/healthz") return Reply(conn, 200, "ok\n");
  const std::string failures = ReadinessFailures(*stats, WallMicros());
  return failures.empty() ? Reply(conn, 200, "ready\n") : Reply(conn, 503, failures);
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen, std::shared_ptr<const PipelineStats> stats)
    : collector_(std::make_shared<StatsCollector>(stats, PRIVMON_VERSION)) {
  CivetCallbacks callbacks{};
  callbacks.begin_request = &BeginRequest;  // copied by the server
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 2, &callbacks);
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics: cannot listen on '" + listen + "': " + e.what());
  }
  exposer_->RegisterCollectable(collector_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) throw std::runtime_error("metrics: no listening port for '" + listen + "'");
  port_ = ports.front();
  std::lock_guard lock(Registry().mutex);
  Registry().by_port[port_] = std::move(stats);
}

MetricsServer::~MetricsServer() {
  {
    std::lock_guard lock(Registry().mutex);
    Registry().by_port.erase(port_);
  }
  exposer_.reset();  // joins the HTTP threads
}

void MetricsServer::SetConfiguredTenants(std::vector<uint64_t> tenant_hashes) {
  collector_->SetConfiguredTenants(std::move(tenant_hashes));
}

}  // namespace privmon
