// Event time is per tenant (DESIGN.md section 4): one tenant's lag, backlog or implausible
// timestamp never moves another tenant's time. Three tenants share one input; the second and third
// arrive 2 h and 4 h behind the first (a customer's Event Hub catching up on a backlog), and each
// must get exactly the alerts it gets when scanned alone. Runs the real binary on real files.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>

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
    lines_ = Lines(ReadFile(kMixed / "mixed.ndjson"));
    args_ = ReadFile(kMixed / "args");
    std::replace(args_.begin(), args_.end(), '\n', ' ');
    tmp_ = TempDir("tenant_lag");
  }
  void TearDown() override { fs::remove_all(tmp_); }

  ScanOutput ScanLines(const std::vector<std::string>& lines,
                       const std::string& config_extra = "") {
    std::string config = ReadFile(kMixed / "config.yaml");
    const auto at = config.find("pipeline: {");
    if (at != std::string::npos) config.insert(at + 11, config_extra);
    { std::ofstream(tmp_ / "config.yaml") << config; }
    WriteLines(tmp_ / "input.ndjson", lines);
    return Scan("--config " + (tmp_ / "config.yaml").string() + " " + args_ + " " +
                    (tmp_ / "input.ndjson").string(),
                tmp_);
  }

  // Each tenant's lines in their own order; tenant k arrives `lag_s[k]` behind in event time.
  std::vector<std::string> Lagged(const std::array<int64_t, 3>& lag_s) const {
    std::vector<std::pair<int64_t, std::string>> keyed;
    for (const std::string& l : lines_) keyed.emplace_back(LineSeconds(l) + lag_s[TenantOf(l)], l);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [k, l] : keyed) out.push_back(l);
    return out;
  }

  // The verdicts of tenant t scanned alone (computed once).
  const std::vector<std::string>& Alone(int tenant) {
    if (alone_[tenant].empty()) {
      std::vector<std::string> mine;
      for (const std::string& l : lines_) {
        if (TenantOf(l) == tenant) mine.push_back(l);
      }
      const ScanOutput r = ScanLines(mine);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      alone_[tenant] = Verdicts(r.out, kTenants[tenant]);
    }
    return alone_[tenant];
  }

  std::array<std::vector<std::string>, 3> alone_;
  std::vector<std::string> lines_;
  std::string args_;
  fs::path tmp_;
};

// Every tenant takes its turn at being on time, 2 h behind and 4 h behind.
TEST_F(TenantLag, TenantsArrivingTwoAndFourHoursBehindGetTheAlertsEachGetsAlone) {
  constexpr int64_t kHour = 3600;
  const std::array<std::array<int64_t, 3>, 3> rotations = {
      {{0, 2 * kHour, 4 * kHour}, {4 * kHour, 0, 2 * kHour}, {2 * kHour, 4 * kHour, 0}}};
  for (const auto& lag : rotations) {
    const ScanOutput r = ScanLines(Lagged(lag));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (int t = 0; t < 3; ++t) {
      EXPECT_FALSE(Alone(t).empty()) << kTenants[t];
      EXPECT_EQ(Verdicts(r.out, kTenants[t]), Alone(t))
          << "tenant " << kTenants[t] << " lagging " << lag[t] << " s\n"
          << r.out;
    }
  }
}

// A line of the tenant re-dated five years ahead, with fresh record ids (so it is no redelivery).
std::string FiveYearsAhead(std::string line) {
  for (std::size_t at = 0; (at = line.find("\"2026-", at)) != std::string::npos; at += 6) {
    line.replace(at + 1, 4, "2031");
  }
  for (const char* key : {"\"id\":\"", "\"Id\":\""}) {
    for (std::size_t at = 0; (at = line.find(key, at)) != std::string::npos; at += 6) {
      line.insert(at + 6, "future-");
    }
  }
  return line;
}

// Inserts, right after tenant `t`'s first line, that line dated five years ahead.
std::vector<std::string> WithFutureRecord(std::vector<std::string> lines, int t) {
  const auto first =
      std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return TenantOf(l) == t; });
  if (first != lines.end()) lines.insert(first + 1, FiveYearsAhead(*first));
  return lines;
}

TEST_F(TenantLag, ARecordDatedFiveYearsAheadIsRejectedAndChangesNoAlert) {
  for (int future = 0; future < 3; ++future) {
    const ScanOutput r = ScanLines(WithFutureRecord(Lagged({0, 2 * 3600, 4 * 3600}), future));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("rejected future_time"), std::string::npos) << r.err;
    for (int t = 0; t < 3; ++t) {
      EXPECT_EQ(Verdicts(r.out, kTenants[t]), Alone(t))
          << "tenant " << kTenants[t] << ", future record in " << kTenants[future];
    }
  }
}

// With the skew check off, the record is accepted and moves its own tenant's clock five years on:
// the other tenants' clocks, timers and alerts do not move with it.
TEST_F(TenantLag, AFutureRecordAcceptedMovesOnlyItsOwnTenantsClock) {
  for (int future = 0; future < 3; ++future) {
    const ScanOutput r = ScanLines(WithFutureRecord(Lagged({0, 2 * 3600, 4 * 3600}), future),
                                   "max_future_skew: off, ");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(" 0 rejected"), std::string::npos) << r.err;
    for (int t = 0; t < 3; ++t) {
      if (t == future) continue;
      EXPECT_EQ(Verdicts(r.out, kTenants[t]), Alone(t))
          << "tenant " << kTenants[t] << ", future record in " << kTenants[future];
    }
  }
}

// PIM activations ended within the policy (PRIV-EL-08's near misses) of a tenant arriving 2 h
// behind another on one input: a clock shared with the tenant ahead would decide their expiry
// before their removals arrive.
TEST(TenantLagTimers, ElevationNearMissesOfALaggingTenantStayQuiet) {
  const fs::path dir = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios" / "elevation_expiry";
  const std::vector<std::string> contoso = Lines(ReadFile(dir / "diag.ndjson"));
  const std::vector<std::string> fabrikam = Lines(ReadFile(dir / "la.ndjson"));
  const fs::path tmp = TempDir("lag_timers");
  const std::string config = "--config " + (dir / "config.yaml").string() + " ";
  auto verdicts = [&](const std::vector<std::string>& lines) {
    WriteLines(tmp / "input.ndjson", lines);
    const ScanOutput r = Scan(config + (tmp / "input.ndjson").string(), tmp);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Verdicts(r.out);
  };
  std::vector<std::string> alone = verdicts(contoso);
  const std::vector<std::string> fabrikam_alone = verdicts(fabrikam);
  ASSERT_FALSE(fabrikam_alone.empty());
  alone.insert(alone.end(), fabrikam_alone.begin(), fabrikam_alone.end());
  std::sort(alone.begin(), alone.end());
  for (const int lagging : {0, 1}) {
    std::vector<std::pair<int64_t, std::string>> keyed;
    for (const auto& l : contoso) keyed.emplace_back(LineSeconds(l) + (lagging == 0 ? 7200 : 0), l);
    for (const auto& l : fabrikam)
      keyed.emplace_back(LineSeconds(l) + (lagging == 1 ? 7200 : 0), l);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> lines;
    for (auto& [k, l] : keyed) lines.push_back(l);
    EXPECT_EQ(verdicts(lines), alone) << (lagging == 0 ? "Contoso" : "Fabrikam") << " 2 h behind";
  }
  fs::remove_all(tmp);
}

}  // namespace
