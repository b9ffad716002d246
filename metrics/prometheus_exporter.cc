#include "metrics/prometheus_exporter.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
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

// Why `listen` ("host:port", an IPv4 literal) cannot be bound, by binding it as the server would
// (then closing it): civetweb says only "null context ... Possible problem binding to port".
// Empty when it can be, or is no IPv4 literal (a name, an IPv6 address: left to the server).
std::string BindProblem(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return {};
  const std::string host = listen.substr(0, colon);
  int port = 0;
  const auto [end, ec] =
      std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port);
  if (ec != std::errc() || end != listen.data() + listen.size() || port <= 0 || port > 65535) {
    return {};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.empty() ? "0.0.0.0" : host.c_str(), &addr.sin_addr) != 1) return {};
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string problem;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    problem = std::strerror(errno);
  }
  ::close(fd);
  return problem;
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen, std::shared_ptr<const PipelineStats> stats)
    : collector_(std::make_shared<StatsCollector>(stats, PRIVMON_VERSION)) {
  CivetCallbacks callbacks{};
  callbacks.begin_request = &BeginRequest;  // copied by the server
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 2, &callbacks);
  } catch (const std::exception& e) {
    // Name the cause (a second privmon on the same port is the usual one) and the setting.
    const std::string problem = BindProblem(listen);
    throw std::runtime_error(
        "metrics: cannot listen on '" + listen +
        "': " + (problem.empty() ? std::string(e.what()) : problem) +
        " (metrics.listen: choose a free address, or off for no endpoint; `privmon check "
        "--host CONFIG` tests it before a start)");
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
