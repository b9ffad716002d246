// `run` only (DESIGN.md section 10 "Clocks"): a tenant silent for `tenant_idle_timeout` of wall
// time follows the source's watermark, so its pending timers fire while other tenants' records
// keep the source moving. Contoso's PIM activations (PRIV-EL-08 pending) then silence; Fabrikam
// carries the source three hours on. Real `privmon run`, ZeroMQ over TCP, alerts from the file sink
// before any SIGTERM (which would settle everything anyway).
#include <gtest/gtest.h>

#include <fstream>
#include <zmq.hpp>

#include "tests/app/determinism_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::filesystem::path kScenario =
    std::filesystem::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios" / "elevation_expiry";

// EL-08 alerts for Contoso's accounts written within `wait` of wall time, with the idle timeout.
int ContosoExpiriesBeforeShutdown(const std::string& idle_timeout, std::chrono::seconds wait) {
  const std::string dir = TempDir("tenant_idle");
  TempDirCleanup cleanup(dir);
  const int port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  std::string config;
  for (const std::string& line :
       privmon_test::Lines(privmon_test::ReadFile(kScenario / "config.yaml"))) {
    if (line.rfind("dead_letter:", 0) == 0) continue;
    if (line.rfind("pipeline:", 0) == 0) {
      config += "pipeline: {shards: 2, allowed_lateness: 5m, tenant_idle_timeout: " + idle_timeout +
                "}\n";
      continue;
    }
    config += line + "\n";
  }
  config += "sources: [{zmq: {endpoint: \"" + endpoint + "\", bind: true}}]\n";
  config += "sinks: [{file: {path: \"" + dir + "/alerts.jsonl\"}}]\n";
  config += "metrics: {listen: \"127.0.0.1:" + std::to_string(metrics_port) + "\"}\n";
  config += "dead_letter: {path: \"" + dir + "/rejected.ndjson\"}\n";
  std::ofstream(dir + "/config.yaml") << config;
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  for (int i = 0; i < 1500 && !HttpGetBody(metrics_port, "/metrics") && privmon.Alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(privmon.Alive()) << ReadFile(dir + "/run.err");

  zmq::context_t ctx(1);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 30'000);
  push.connect(endpoint);
  // Contoso: its activations only (no removal will come), then silence.
  for (const std::string& line :
       privmon_test::Lines(privmon_test::ReadFile(kScenario / "diag.ndjson"))) {
    if (line.find("PIM activation)") != std::string::npos &&
        line.find("Remove member") == std::string::npos) {
      push.send(zmq::buffer(line), zmq::send_flags::none);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Fabrikam: its whole day, up to 18:00, three hours past Contoso's deadlines.
  for (const std::string& line :
       privmon_test::Lines(privmon_test::ReadFile(kScenario / "la.ndjson"))) {
    push.send(zmq::buffer(line), zmq::send_flags::none);
  }
  int contoso = 0;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    contoso = 0;
    for (const auto& a : privmon_test::ParseAlerts(ReadFile(dir + "/alerts.jsonl"))) {
      contoso += a.rule == "PRIV-EL-08" && a.account.find("@contoso.com") != std::string::npos;
    }
    if (contoso > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/run.err");
  return contoso;
}

TEST(TenantIdle, ASilentTenantsTimersFireByTheSourcesWatermarkAfterTheIdleTimeout) {
  EXPECT_GT(ContosoExpiriesBeforeShutdown("2s", std::chrono::seconds(8)), 0);
}

TEST(TenantIdle, BeforeTheIdleTimeoutOtherTenantsDoNotMoveItsClock) {
  EXPECT_EQ(ContosoExpiriesBeforeShutdown("10m", std::chrono::seconds(4)), 0);
}

}  // namespace
}  // namespace privmon::testing
