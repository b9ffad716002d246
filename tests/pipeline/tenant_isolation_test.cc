// Tenant isolation on a real `privmon run`: tenant A floods 200 000 records of noise through one
// ZeroMQ connection while tenant B sends its attack set (tenant B's lines of stream.ndjson) through
// another. B's alerts must be exactly those of `privmon scan` over B's records alone (same alert
// ids), every B record must be counted, and B must not wait for the flood to end.
//
// The noise is stamped before B's first record: tenants on one source share its event-time
// watermark (docs/operations.md), so noise from the future would close B's windows early. This
// test isolates queueing and state, which must not leak between tenants.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kTenantIsolationBinary = PRIVMON_BINARY;
const std::string kTenantIsolationStream =
    std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/stream.ndjson";
const std::string kTenantIsolationTenantA = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const std::string kTenantB = "11111111-2222-3333-4444-555555555555";
constexpr int kNoiseLines = 2000;
constexpr int kNoiseLoops = 100;  // 200 000 records
constexpr double kNoiseRecords = double{kNoiseLines} * kNoiseLoops;

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Alert ids of one tenant in a JSONL alert file.
std::multiset<std::string> TenantIsolationAlertIds(const std::string& jsonl,
                                                   const std::string& tenant) {
  std::multiset<std::string> ids;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"tenant_id\":\"" + tenant + "\"") == std::string::npos) continue;
    const auto at = line.find("\"alert_id\":\"");
    if (at != std::string::npos)
      ids.insert(line.substr(at + 12, line.find('"', at + 12) - at - 12));
  }
  return ids;
}

template <class Pred>
bool PollUntil(std::chrono::seconds timeout, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(TenantIsolation, FloodFromOneTenantChangesNeitherAlertsNorCountsOfAnother) {
  const std::string dir = TempDir("isolation");
  const TempDirCleanup cleanup(dir);

  // Tenant B's attack set: its lines of the shared stream, in order.
  std::string first_line;
  {
    std::ifstream in(kTenantIsolationStream);
    std::ofstream b(dir + "/tenant_b.ndjson");
    std::string line;
    while (std::getline(in, line)) {
      if (first_line.empty()) first_line = line;
      if (line.find("\"tenantId\":\"" + kTenantB + "\"") != std::string::npos) b << line << "\n";
    }
  }
  // Tenant A's noise: successful sign-ins of 2000 accounts, stamped before B's first record.
  ASSERT_NE(first_line.find(kTenantIsolationTenantA), std::string::npos);
  ASSERT_NE(first_line.find("2026-11-10T00:00:02.5158312Z"), std::string::npos);
  {
    std::ofstream noise(dir + "/noise.ndjson");
    const std::string early =
        ReplaceAll(first_line, "2026-11-10T00:00:02.5158312Z", "2026-11-09T00:00:00.0000000Z");
    for (int i = 0; i < kNoiseLines; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "%012d", i);
      noise << ReplaceAll(ReplaceAll(early, "user146@contoso.com",
                                     "noise" + std::to_string(i) + "@contoso.com"),
                          "00000001-bbbb-4000-8000-000000000146",
                          std::string("0000000a-bbbb-4000-8000-") + id)
            << "\n";
    }
  }

  const int ingest_port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(ingest_port);
  std::ofstream(dir + "/config.yaml")
      // The flood resends the same 2000 lines 100 times: 200 000 records to count, not a
      // redelivery to drop, so dedupe is off here.
      << "pipeline: {shards: 2, dedupe_horizon: off}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";

  // Reference: B scanned alone, same config.
  ASSERT_EQ(RunToExit({kTenantIsolationBinary, "scan", "--quiet", "--config", dir + "/config.yaml",
                       dir + "/tenant_b.ndjson"},
                      dir + "/alone.jsonl", dir + "/alone.err"),
            0)
      << ReadFile(dir + "/alone.err");
  const std::multiset<std::string> alone =
      TenantIsolationAlertIds(ReadFile(dir + "/alone.jsonl"), kTenantB);
  ASSERT_GE(alone.size(), 5u) << "tenant B's lines should raise alerts";
  unsigned long long b_messages = 0, b_records = 0;
  ASSERT_EQ(std::sscanf(ReadFile(dir + "/alone.err").c_str(),
                        "privmon: %llu messages, %llu records accepted", &b_messages, &b_records),
            2)
      << ReadFile(dir + "/alone.err");

  Child privmon(Spawn({kTenantIsolationBinary, "run", "--config", dir + "/config.yaml"},
                      dir + "/run.out", dir + "/run.err"));
  ASSERT_TRUE(PollUntil(std::chrono::seconds(30), [&] {
    return HttpGetBody(metrics_port, "/metrics").has_value();
  })) << ReadFile(dir + "/run.err");
  auto tenant_events = [&](const std::string& tenant) {
    return MetricSum(HttpGetBody(metrics_port, "/metrics").value_or(""),
                     "privmon_tenant_events_total", "tenant=\"" + tenant + "\"");
  };

  Child flood(Spawn({kTenantIsolationBinary, "replay", dir + "/noise.ndjson", "--to", endpoint,
                     "--loop", std::to_string(kNoiseLoops), "--quiet"},
                    dir + "/flood.out", dir + "/flood.err"));
  ASSERT_TRUE(PollUntil(std::chrono::seconds(60),
                        [&] { return tenant_events(kTenantIsolationTenantA) >= 5000; }))
      << "the flood never started: " << ReadFile(dir + "/flood.err");

  // B sends during the flood, on its own connection.
  Child attack(Spawn(
      {kTenantIsolationBinary, "replay", dir + "/tenant_b.ndjson", "--to", endpoint, "--quiet"},
      dir + "/attack.out", dir + "/attack.err"));
  ASSERT_TRUE(PollUntil(std::chrono::seconds(90),
                        [&] { return tenant_events(kTenantB) >= static_cast<double>(b_records); }))
      << "tenant B counted " << tenant_events(kTenantB) << " of " << b_records;
  const double noise_when_b_done = tenant_events(kTenantIsolationTenantA);
  std::printf("tenant B's %llu records were all processed after %.0f of %.0f noise records\n",
              b_records, noise_when_b_done, kNoiseRecords);
  // B was not queued behind the whole flood: ZeroMQ PULL reads its connections in turn.
  EXPECT_LT(noise_when_b_done, kNoiseRecords);
  EXPECT_EQ(attack.Wait(std::chrono::seconds(60)).value_or(-1), 0) << ReadFile(dir + "/attack.err");

  EXPECT_EQ(flood.Wait(std::chrono::seconds(120)).value_or(-1), 0) << ReadFile(dir + "/flood.err");
  EXPECT_TRUE(PollUntil(std::chrono::seconds(120),
                        [&] { return tenant_events(kTenantIsolationTenantA) >= kNoiseRecords; }));
  EXPECT_EQ(tenant_events(kTenantIsolationTenantA), kNoiseRecords);
  EXPECT_EQ(tenant_events(kTenantB), static_cast<double>(b_records));
  ASSERT_TRUE(privmon.Alive()) << ReadFile(dir + "/run.err");

  // Drain and flush, then B's alerts are exactly those of B alone.
  const auto code = privmon.Stop(SIGTERM, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << ReadFile(dir + "/run.err");
  const std::multiset<std::string> during_flood =
      TenantIsolationAlertIds(ReadFile(dir + "/alerts.jsonl"), kTenantB);
  EXPECT_EQ(during_flood, alone);
}

}  // namespace
}  // namespace privmon::testing
