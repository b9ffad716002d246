// Event time is per tenant (DESIGN.md section 4): one tenant's lag, backlog or implausible
// timestamp never moves another tenant's time. Three tenants share one input; the second and third
// arrive 2 h and 4 h behind the first (a customer's Event Hub catching up on a backlog), and each
// must get exactly the alerts it gets when scanned alone. Runs the real binary on real files.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/app/determinism_helpers.h"

namespace {

using namespace privmon_test;

const fs::path kMixed = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios" / "mixed";
constexpr const char* kContoso = "11111111-2222-3333-4444-555555555555";
constexpr const char* kFabrikam = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr const char* kNorthwind = "bbbbbbbb-0000-4000-8000-000000000003";

// The mixed scenario keeps one format per tenant: Contoso in Event Hubs batches, Fabrikam in Log
// Analytics rows, Northwind in Graph objects and pages (tenant from --tenant).
int TenantOf(const std::string& line) {
  if (line.rfind("{\"records\"", 0) == 0) return 0;
  if (line.rfind("{\"TenantId\"", 0) == 0) return 1;
  return 2;
}
const char* kTenants[3] = {kContoso, kFabrikam, kNorthwind};

class TenantLag : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = Lines(ReadText(kMixed / "mixed.ndjson"));
    args_ = ReadText(kMixed / "args");
    std::replace(args_.begin(), args_.end(), '\n', ' ');
    tmp_ = TempDir("tenant_lag");
  }
  void TearDown() override { fs::remove_all(tmp_); }

  ScanOutput ScanLines(const std::vector<std::string>& lines,
                       const std::string& config_extra = "") {
    std::string config = ReadText(kMixed / "config.yaml");
    const auto at = config.find("pipeline: {");
    if (at != std::string::npos) config.insert(at + 11, config_extra);
    { std::ofstream(tmp_ / "config.yaml") << config; }
    WriteLines(tmp_ / "input.ndjson", lines);
    return Scan("--config " + (tmp_ / "config.yaml").string() + " " + args_ + " " +
                    (tmp_ / "input.ndjson").string(),
                tmp_);
  }

  // Each tenant's lines in their own order; tenant k's arrive `k * lag_s` behind in event time.
  std::vector<std::string> Lagged(int64_t lag_s) const {
    std::vector<std::pair<int64_t, std::string>> keyed;
    for (const std::string& l : lines_) keyed.emplace_back(LineSeconds(l) + TenantOf(l) * lag_s, l);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [k, l] : keyed) out.push_back(l);
    return out;
  }

  std::vector<std::string> Alone(int tenant) {
    std::vector<std::string> mine;
    for (const std::string& l : lines_) {
      if (TenantOf(l) == tenant) mine.push_back(l);
    }
    const ScanOutput r = ScanLines(mine);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Verdicts(r.out, kTenants[tenant]);
  }

  std::vector<std::string> lines_;
  std::string args_;
  fs::path tmp_;
};

TEST_F(TenantLag, TenantsArrivingTwoAndFourHoursBehindGetTheAlertsEachGetsAlone) {
  const ScanOutput r = ScanLines(Lagged(2 * 3600));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int t = 0; t < 3; ++t) {
    const std::vector<std::string> alone = Alone(t);
    EXPECT_FALSE(alone.empty()) << kTenants[t];
    EXPECT_EQ(Verdicts(r.out, kTenants[t]), alone) << "tenant " << kTenants[t] << "\n" << r.out;
  }
}

// One Contoso batch re-dated five years ahead (fresh record ids, so it is no redelivery).
std::string FiveYearsAhead(std::string line) {
  for (std::size_t at = 0; (at = line.find("\"2026-", at)) != std::string::npos; at += 6) {
    line.replace(at + 1, 4, "2031");
  }
  for (std::size_t at = 0; (at = line.find("\"id\":\"", at)) != std::string::npos; at += 6) {
    line.insert(at + 6, "future-");
  }
  return line;
}

TEST_F(TenantLag, ARecordDatedFiveYearsAheadIsRejectedAndChangesNoAlert) {
  std::vector<std::string> lines = Lagged(2 * 3600);
  const auto contoso =
      std::find_if(lines.begin(), lines.end(), [](const auto& l) { return TenantOf(l) == 0; });
  ASSERT_NE(contoso, lines.end());
  lines.insert(contoso + 1, FiveYearsAhead(*contoso));
  const ScanOutput r = ScanLines(lines);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rejected future_time"), std::string::npos) << r.err;
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(Verdicts(r.out, kTenants[t]), Alone(t)) << "tenant " << kTenants[t];
  }
}

// With the skew check off, the record is accepted and moves its own tenant's clock five years on:
// the other tenants' clocks, timers and alerts do not move with it.
TEST_F(TenantLag, AFutureRecordAcceptedMovesOnlyItsOwnTenantsClock) {
  std::vector<std::string> lines = Lagged(2 * 3600);
  const auto contoso =
      std::find_if(lines.begin(), lines.end(), [](const auto& l) { return TenantOf(l) == 0; });
  ASSERT_NE(contoso, lines.end());
  lines.insert(contoso + 1, FiveYearsAhead(*contoso));
  const ScanOutput r = ScanLines(lines, "max_future_skew: off, ");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("rejected future_time"), std::string::npos) << r.err;
  for (int t = 1; t < 3; ++t) {
    EXPECT_EQ(Verdicts(r.out, kTenants[t]), Alone(t)) << "tenant " << kTenants[t];
  }
}

}  // namespace
