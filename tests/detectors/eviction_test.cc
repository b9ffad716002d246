// Bounded state over months of event time (issue 12, docs/operations.md section 5): idle
// non-privileged accounts and stale novelty values are evicted by event time, the account count
// and state bytes stay bounded and go down when traffic does, and the alerts on planted attacks
// are exactly those of a run that never evicts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

using ::testing::Contains;

constexpr std::string_view kEvictionTenant = "11111111-2222-3333-4444-555555555555";
constexpr EventTime kDay = 86400 * kMicrosPerSecond;
constexpr EventTime kHourUs = 3600 * kMicrosPerSecond;

Event SignInAt(std::string_view upn, EventTime t, std::string_view device) {
  Event e = SignInFromDevice(kEvictionTenant, upn, "2026-01-01T00:00:00Z", device);
  e.time = t;
  e.record_id.assign("si-" + std::string(upn) + "-" + std::to_string(t));
  return e;
}

Event AuditAt(Activity activity, std::string_view name, std::string_view upn, EventTime t,
              std::string_view role = {}) {
  Event e = Audit(kEvictionTenant, activity, name, upn, "2026-01-01T00:00:00Z", role);
  e.time = t;
  e.record_id.assign("au-" + std::string(upn) + "-" + std::to_string(t));
  return e;
}

struct MonthsRun {
  std::vector<std::tuple<RuleId, std::string, EventTime>> alerts;
  std::vector<int64_t> accounts_by_month, bytes_by_month;
  std::size_t known_values = 0;
  uint64_t evicted = 0, values_evicted = 0;
};

// 240 days: 150 new accounts a day for four months, then 15 a day; every account signs in twice
// on its day from its own device and is never seen again, except the planted ones.
MonthsRun Months(bool eviction) {
  auto tenant = EngineHarness::Tenant(kEvictionTenant);
  tenant->privileged_accounts.insert(HashLower("admin@contoso.com"));
  PipelineSettings pipeline = BuiltinDefaultConfig()->pipeline;
  pipeline.idle_eviction = eviction;
  pipeline.known_value_ttl_s = 60 * 86400;
  EngineHarness h(tenant, nullptr, &pipeline);
  MonthsRun run;
  auto drain = [&] {
    for (const Alert& a : h.Drain()) {
      run.alerts.emplace_back(a.rule, std::string(a.account_upn.view()), a.time);
    }
  };
  const EventTime start = At("2026-01-05T00:00:00Z");
  for (int day = 0; day < 240; ++day) {
    const EventTime d = start + day * kDay;
    const int fresh = day < 120 ? 150 : 15;
    for (int i = 0; i < fresh; ++i) {
      const std::string upn = "u" + std::to_string(day) + "-" + std::to_string(i) + "@contoso.com";
      const std::string device = "dev-" + upn;
      h.Feed(SignInAt(upn, d + 8 * kHourUs + i * kMicrosPerSecond, device));
      h.Feed(SignInAt(upn, d + 17 * kHourUs + i * kMicrosPerSecond, device));
    }
    // The admin signs in every day from the usual laptop; day 150 from an unknown one (PRIV-SI-14).
    h.Feed(SignInAt("admin@contoso.com", d + 9 * kHourUs, day == 150 ? "evil-pc" : "admin-pc"));
    // A user seen in the first days, idle for months, returns on day 120 and is made Global
    // Administrator: it starts over as new (learning), with or without eviction.
    if (day < 3 || day == 120 || day == 125) {
      h.Feed(SignInAt("returner@contoso.com", d + 10 * kHourUs, day < 125 ? "ret-pc" : "ret-new"));
    }
    if (day == 121) {
      h.Feed(AuditAt(Activity::kAddMemberToRole, "Add member to role", "returner@contoso.com",
                     d + 11 * kHourUs, "Global Administrator"));
    }
    // PRIV-PA-01 on day 160: a new user made Global Administrator two hours after its creation.
    if (day == 160) {
      h.Feed(AuditAt(Activity::kAddUser, "Add user", "new@contoso.com", d + 10 * kHourUs));
      h.Feed(AuditAt(Activity::kAddMemberToRole, "Add member to role", "new@contoso.com",
                     d + 12 * kHourUs, "Global Administrator"));
    }
    // The shard's idle ticks between bursts of traffic.
    for (int tick = 0; tick < 4; ++tick) h.engine().OnIdle();
    drain();
    if (day % 30 == 29) {
      const ShardStats& s = h.stats().shards[0];
      run.accounts_by_month.push_back(s.accounts.load());
      run.bytes_by_month.push_back(s.state_bytes.load());
    }
  }
  h.Finish();
  drain();
  run.known_values = h.engine().known_value_count();
  run.evicted = h.stats().shards[0].accounts_evicted.load();
  run.values_evicted = h.stats().shards[0].known_values_evicted.load();
  return run;
}

TEST(Eviction, MonthsOfAccountsStayBoundedAndTheAlertsAreUnchanged) {
  const MonthsRun kept = Months(false);
  const MonthsRun evicting = Months(true);
  ASSERT_EQ(kept.accounts_by_month.size(), 8u);
  ASSERT_EQ(evicting.accounts_by_month.size(), 8u);

  // The planted attacks raise the same alerts either way.
  std::vector<RuleId> rules;
  for (const auto& a : evicting.alerts) rules.push_back(std::get<0>(a));
  EXPECT_THAT(rules, Contains(RuleId::kSI14));
  EXPECT_THAT(rules, Contains(RuleId::kPA01));
  EXPECT_EQ(evicting.alerts, kept.alerts);

  // Without eviction every account stays: 18,000 by day 120, 19,800 by day 240 (+ planted).
  EXPECT_GE(kept.accounts_by_month.back(), 19'800);
  EXPECT_EQ(kept.evicted, 0u);
  // With it, an account goes once idle beyond the longest window (30 days, PRIV-PA-05) plus the
  // lateness margin and at most one sweep lap: about 31 days of accounts remain.
  const int64_t bound_busy = 33 * 150 + 10;
  for (std::size_t m = 1; m < 4; ++m) EXPECT_LE(evicting.accounts_by_month[m], bound_busy) << m;
  EXPECT_GE(evicting.accounts_by_month[3], 30 * 150);
  // Traffic drops to a tenth from day 120: accounts and state bytes go down with it.
  EXPECT_LE(evicting.accounts_by_month.back(), 33 * 15 + 10);
  EXPECT_LT(evicting.bytes_by_month.back(), evicting.bytes_by_month[3] / 4);
  EXPECT_LT(evicting.bytes_by_month.back(), kept.bytes_by_month.back() / 10);
  EXPECT_GE(evicting.evicted, 19'800u - static_cast<uint64_t>(33 * 15 + 10));
  // Novelty values (two devices per sign-in pair, one per account) unseen for 60 days go too.
  EXPECT_GT(evicting.values_evicted, 0u);
  EXPECT_LE(evicting.known_values, 62u * 15 + 10);
  EXPECT_GE(kept.known_values, 19'800u);
  for (std::size_t m = 0; m < 8; ++m) {
    std::printf("month %zu: accounts %lld (kept %lld), state bytes %lld (kept %lld)\n", m + 1,
                static_cast<long long>(evicting.accounts_by_month[m]),
                static_cast<long long>(kept.accounts_by_month[m]),
                static_cast<long long>(evicting.bytes_by_month[m]),
                static_cast<long long>(kept.bytes_by_month[m]));
  }
  std::printf("%zu alerts either way; evicted %llu accounts, %llu known values\n",
              evicting.alerts.size(), static_cast<unsigned long long>(evicting.evicted),
              static_cast<unsigned long long>(evicting.values_evicted));
}

}  // namespace
}  // namespace privmon::testing
