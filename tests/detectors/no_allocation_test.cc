// The hot path allocates nothing in steady state: once an account's state, learned values and
// timers exist, more of the same traffic through DetectionEngine::OnEvent never calls operator new.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "rules/builtin_rules.h"
#include "tests/support/allocation_helpers.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kNoAllocationTenant = "11111111-2222-3333-4444-555555555555";

TEST(HotPath, SteadyStateSignInsAndAuditsAllocateNothing) {
  auto t = EngineHarness::Tenant(kNoAllocationTenant);
  for (int i = 0; i < 50; ++i)
    t->privileged_accounts.insert(HashLower("adm" + std::to_string(i) + "@c.com"));
  EngineHarness h(t);
  std::vector<Event> day;
  for (int i = 0; i < 200; ++i) {
    const std::string upn = "adm" + std::to_string(i) + "@c.com";
    Event e = SignIn(kNoAllocationTenant, upn, "2026-11-01T10:00:00Z", i % 7 == 0 ? 50140 : 0);
    e.signin.device_hash = HashLower("dev" + std::to_string(i % 3));
    e.signin.location_hash = HashLower("US/Redmond");
    e.signin.client_app_hash = HashLower("Browser");
    day.push_back(e);
    Event a = Audit(kNoAllocationTenant, Activity::kUpdateUser, "Update user", upn,
                    "2026-11-01T10:00:00Z");
    a.actor = Account(kNoAllocationTenant, "adm0@c.com");
    day.push_back(a);
  }
  auto feed_day = [&](int d) {
    for (Event e : day) {
      e.time += static_cast<EventTime>(d) * 86400 * kMicrosPerSecond + (e.sequence++ % 60);
      h.engine().Prefetch(e, kRouteAccount | kRouteActor);  // the shard's look-ahead hint
      h.Feed(e);
    }
  };
  for (int d = 0; d < 3; ++d) feed_day(d);  // warm-up: accounts, learned values, tables grow
  h.Drain();
  const long before = AllocationCount();
  for (int d = 3; d < 6; ++d) feed_day(d);
  const long after = AllocationCount();
  EXPECT_EQ(after - before, 0) << "allocations per event in steady state";
  EXPECT_EQ(h.engine().accounts().size(), 200u);
}

// The generic evaluators with custom rules: a match rule and a threshold rule (its own ring per
// account) that fire on every account every day allocate nothing once their state exists.
TEST(HotPath, CustomMatchAndThresholdRulesAllocateNothing) {
  auto rules = std::make_shared<CompiledRuleSet>(*BuiltinRuleSet());
  std::vector<RuleFileError> errors;
  LoadRuleText(R"(rules:
  - id: HOTPATH-1
    name: match
    kind: match
    sources: [signin]
    severity: low
    when: {account.privileged: true, signin.error_code: {in: [50055, 50056]}}
    details: [error_code, place]
  - id: HOTPATH-2
    name: threshold
    kind: threshold
    sources: [signin]
    severity: low
    parameters: {threshold: 2, window: 10m}
    when: {account.privileged: true, signin.error_code: 50144}
)",
               "hotpath.yaml", false, rules.get(), &errors);
  ASSERT_TRUE(errors.empty()) << errors[0].message;
  auto t = EngineHarness::Tenant(kNoAllocationTenant);
  for (const RuleDefinition& d : rules->definitions) {
    if (d.builtin) continue;
    t->rules[static_cast<std::size_t>(d.id)].enabled = true;  // rule_files would turn it on
    t->rules[static_cast<std::size_t>(d.id)].threshold = 2;
    t->rules[static_cast<std::size_t>(d.id)].window_s = 600;
    // Every alert sent: this measures the evaluators and the emitter, not the suppressor's
    // map of hour buckets (which grows with new buckets until its sweep catches up).
    t->rules[static_cast<std::size_t>(d.id)].suppress_s = 0;
  }
  for (int i = 0; i < 50; ++i)
    t->privileged_accounts.insert(HashLower("adm" + std::to_string(i) + "@c.com"));
  EngineHarness h(t, rules);
  std::vector<Event> day;
  for (int i = 0; i < 50; ++i) {
    const std::string upn = "adm" + std::to_string(i) + "@c.com";
    day.push_back(SignIn(kNoAllocationTenant, upn, "2026-11-01T10:00:00Z", 50055));
    day.push_back(SignIn(kNoAllocationTenant, upn, "2026-11-01T10:01:00Z", 50144));
    day.push_back(SignIn(kNoAllocationTenant, upn, "2026-11-01T10:02:00Z", 50144));
  }
  auto feed_day = [&](int d) {
    for (Event e : day) {
      e.time += static_cast<EventTime>(d) * 86400 * kMicrosPerSecond;
      h.Feed(e);
    }
  };
  for (int d = 0; d < 3; ++d) feed_day(d);
  EXPECT_EQ(h.DrainCount(), 3u * 100u);  // both rules, every account, every day
  const long before = AllocationCount();
  for (int d = 3; d < 6; ++d) feed_day(d);
  const long after = AllocationCount();
  EXPECT_EQ(after - before, 0) << "allocations per event in steady state";
  EXPECT_EQ(h.DrainCount(), 3u * 100u);
}

TEST(HotPath, AccountStateIsCompact) {
  EXPECT_LE(sizeof(AccountState), 40u);
  EngineHarness h;
  for (int i = 0; i < 100000; ++i) {
    h.Feed(SignIn(kNoAllocationTenant, "u" + std::to_string(i) + "@c.com", "2026-11-01T10:00:00Z"));
  }
  const double per_account = static_cast<double>(h.engine().MemoryBytes()) /
                             static_cast<double>(h.engine().accounts().size());
  RecordProperty("bytes_per_account", std::to_string(per_account));
  EXPECT_LT(per_account, 256.0);
}

// The counter the zero-allocation tests read does count in this binary: an allocation that
// escapes (so the compiler may not elide it) moves it.
TEST(AllocationCounter, SeesAnAllocationInThisBinary) {
  static std::vector<std::unique_ptr<int>> kept;
  const long before = AllocationCount();
  kept.push_back(std::make_unique<int>(7));
  EXPECT_GT(AllocationCount(), before);
}

}  // namespace
}  // namespace privmon::testing
