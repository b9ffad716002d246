// Tenancy as a security boundary (DESIGN.md section 10) on a real `privmon run`: Contoso's feed is
// a file source bound to Contoso; Fabrikam's feed, bound to Fabrikam, carries Fabrikam's records
// and, forged into it, the first half of Contoso's (where its attacks are). Every forged record is
// rejected as tenant_mismatch (counted, dead-lettered whole), Contoso's alerts are exactly those of
// its own feed alone (`privmon scan` over it) and Fabrikam's those of its own records: one
// customer's feed cannot write into another tenant's state. Declared `multi_tenant: true`, the same
// feed is read.
#include <gtest/gtest.h>

#include "sinks/dead_letter.h"
#include "tests/app/determinism_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kContoso = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const std::string kFabrikam = "11111111-2222-3333-4444-555555555555";

struct RunResult {
  std::string alerts, metrics;
  std::vector<DeadLetterEntry> dead;
};

// `privmon run` over the two feeds (followed files), until every line is received; then SIGTERM,
// which settles pending verdicts as the end of a scan does.
RunResult RunFeeds(const std::string& dir, bool fabrikam_multi_tenant, double expected_records) {
  const int metrics_port = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2}\n"
      << "sources: [{file: {path: \"" << dir << "/contoso.ndjson\", follow: true, tenant: \""
      << kContoso << "\", name: contoso}},\n"
      << "          {file: {path: \"" << dir << "/fabrikam.ndjson\", follow: true, tenant: \""
      << kFabrikam
      << "\", name: fabrikam, multi_tenant: " << (fabrikam_multi_tenant ? "true" : "false")
      << "}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "tenants:\n"
      << "  \"" << kContoso << "\": {name: Contoso}\n"
      << "  \"" << kFabrikam << "\": {name: Fabrikam}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  RunResult r;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until && privmon.Alive()) {
    r.metrics = HttpGetBody(metrics_port, "/metrics").value_or("");
    // Every line received, and every record parsed: routed to the shards or rejected.
    if (MetricSum(r.metrics, "privmon_messages_received_total") >= expected_records &&
        MetricSum(r.metrics, "privmon_tenant_events_total") +
                MetricSum(r.metrics, "privmon_events_rejected_total") >=
            expected_records) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/run.err");
  r.alerts = ReadFile(dir + "/alerts.jsonl");
  try {
    r.dead = ReadDeadLetterFile(dir + "/rejected.ndjson");
  } catch (const std::runtime_error&) {
  }
  return r;
}

TEST(TenantBoundary, AFeedBoundToOneTenantCannotWriteIntoAnother) {
  const auto dir = privmon_test::TempDir("tenant_boundary").string();
  TempDirCleanup cleanup(dir);
  std::vector<std::string> contoso, fabrikam;
  for (const std::string& line : privmon_test::Lines(privmon_test::ReadFile(
           std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/stream.ndjson"))) {
    if (line.find("\"tenantId\":\"" + kContoso + "\"") != std::string::npos) {
      contoso.push_back(line);
    } else if (line.find("\"tenantId\":\"" + kFabrikam + "\"") != std::string::npos) {
      fabrikam.push_back(line);
    }
  }
  ASSERT_GT(contoso.size(), 800u);
  ASSERT_GT(fabrikam.size(), 800u);
  // Contoso's attacks are in the first half of its records: that half is the forged one.
  const std::size_t half = contoso.size() / 2;
  const std::vector<std::string> forged(contoso.begin(), contoso.begin() + half);
  const std::vector<std::string> own(contoso.begin() + half, contoso.end());
  std::vector<std::string> fabrikam_feed = fabrikam;
  fabrikam_feed.insert(fabrikam_feed.end(), forged.begin(), forged.end());
  privmon_test::WriteLines(dir + "/contoso.ndjson", own);
  privmon_test::WriteLines(dir + "/fabrikam.ndjson", fabrikam_feed);

  // What each tenant's own records alone raise, and what the forged half would add to Contoso.
  privmon_test::WriteLines(dir + "/contoso_all.ndjson", contoso);
  privmon_test::WriteLines(dir + "/fabrikam_only.ndjson", fabrikam);
  const auto scan = [&](const std::string& file) {
    const auto out = privmon_test::Scan(dir + "/" + file, dir);
    EXPECT_EQ(out.exit_code, 0) << out.err;
    return out.out;
  };
  const auto contoso_own = privmon_test::Verdicts(scan("contoso.ndjson"), kContoso);
  const auto contoso_all = privmon_test::Verdicts(scan("contoso_all.ndjson"), kContoso);
  const auto fabrikam_own = privmon_test::Verdicts(scan("fabrikam_only.ndjson"), kFabrikam);
  ASSERT_FALSE(fabrikam_own.empty());
  ASSERT_NE(contoso_own, contoso_all) << "the forged half must change Contoso's alerts if read";

  const double records = static_cast<double>(own.size() + fabrikam_feed.size());
  const RunResult bound = RunFeeds(dir, false, records);
  EXPECT_EQ(MetricSum(bound.metrics, "privmon_events_rejected_total", "reason=\"tenant_mismatch\""),
            static_cast<double>(forged.size()))
      << bound.metrics;
  std::size_t mismatches = 0;
  for (const DeadLetterEntry& d : bound.dead) {
    if (d.reason != "tenant_mismatch") continue;
    ++mismatches;
    EXPECT_EQ(d.source, "fabrikam");
    EXPECT_NE(d.raw.find(kContoso), std::string::npos);
  }
  EXPECT_EQ(mismatches, forged.size());
  EXPECT_EQ(privmon_test::Verdicts(bound.alerts, kContoso), contoso_own);
  EXPECT_EQ(privmon_test::Verdicts(bound.alerts, kFabrikam), fabrikam_own);
  const std::string contoso_series = "tenant=\"" + kContoso + "\"";
  EXPECT_EQ(MetricSum(bound.metrics, "privmon_tenant_events_total", contoso_series),
            static_cast<double>(own.size()));  // Contoso's state saw its own feed only

  // The same feeds with Fabrikam's source declared multi-tenant: the forged half is read.
  std::filesystem::remove(dir + "/alerts.jsonl");
  std::filesystem::remove(dir + "/rejected.ndjson");
  const RunResult multi = RunFeeds(dir, true, records);
  EXPECT_EQ(MetricSum(multi.metrics, "privmon_events_rejected_total", "reason=\"tenant_mismatch\""),
            0);
  EXPECT_EQ(MetricSum(multi.metrics, "privmon_tenant_events_total", contoso_series),
            static_cast<double>(contoso.size()));
}

}  // namespace
}  // namespace privmon::testing
