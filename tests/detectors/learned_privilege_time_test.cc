// A learned privilege follows event time for the rules gated on privilege (docs/RULES.md "Learned
// privilege"; state/privilege_replay.h): a record of an account no list names is judged as of an
// admin when a role gain older than it made the account one, whichever of the two arrived first;
// a record older than every gain of the account's privilege is judged as of an ordinary account.
// Before, each record was judged by the privilege of the moment it arrived (breaker round 4:
// tests/regressions/k20*).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kLptTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kLptAdmin = "lnovak@contoso.com";

Event LptGain(const char* time) {
  return Audit(kLptTenant, Activity::kAddMemberToRole, "Add member to role", kLptAdmin, time,
               "Global Administrator");
}

using LptAlerts = std::vector<std::tuple<RuleId, uint64_t, uint32_t>>;

// The alerts (rule, id, count) the engine raises for `events` fed in the order `order` gives.
LptAlerts LptRun(const std::vector<Event>& events, const std::vector<std::size_t>& order) {
  EngineHarness h;
  for (const std::size_t i : order) h.Feed(events[i]);
  h.Finish();
  // Each alert once, with its final count (a suppression bucket's update repeats its id).
  std::map<std::pair<RuleId, uint64_t>, uint32_t> last;
  for (const Alert& a : h.Drain()) last[{a.rule, a.alert_id}] = a.count;
  LptAlerts out;
  for (const auto& [key, count] : last) out.emplace_back(key.first, key.second, count);
  return out;
}

// Every arrival order of `events` (a few, all within the harness's 5 min lateness) gives the
// alerts of the sorted order; returns those.
LptAlerts LptSameInEveryOrder(const std::vector<Event>& events) {
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return events[a].time < events[b].time; });
  const LptAlerts sorted = LptRun(events, order);
  std::sort(order.begin(), order.end());
  do {
    EXPECT_EQ(LptRun(events, order), sorted) << "order starting with record " << order[0];
  } while (std::next_permutation(order.begin(), order.end()));
  return sorted;
}

bool LptHas(const LptAlerts& alerts, RuleId rule) {
  return std::any_of(alerts.begin(), alerts.end(),
                     [&](const auto& a) { return std::get<0>(a) == rule; });
}

TEST(LearnedPrivilegeTime, AThresholdCountsTheFailuresThatArrivedBeforeTheOlderGain) {
  // Five bad passwords after the gain, within the lateness: PRIV-SI-01 with one id and count
  // whichever place the gain arrives at, the failures oldest or newest first (12 orders).
  std::vector<Event> events = {LptGain("2026-11-24T08:10:00Z")};
  for (int i = 0; i < 5; ++i) {
    const std::string time = "2026-11-24T08:1" + std::to_string(i) + ":30Z";
    events.push_back(SignIn(kLptTenant, kLptAdmin, time.c_str(), 50126));
  }
  const LptAlerts sorted = LptRun(events, {0, 1, 2, 3, 4, 5});
  ASSERT_TRUE(LptHas(sorted, RuleId::kSI01));
  for (const bool newest_first : {false, true}) {
    for (std::size_t at = 0; at <= 5; ++at) {
      std::vector<std::size_t> order;
      for (std::size_t i = 1; i <= 5; ++i) order.push_back(newest_first ? 6 - i : i);
      order.insert(order.begin() + static_cast<std::ptrdiff_t>(at), 0);
      EXPECT_EQ(LptRun(events, order), sorted)
          << "gain at " << at << ", newest first " << newest_first;
    }
  }
}

TEST(LearnedPrivilegeTime, ARecordOlderThanTheGainIsJudgedAsOfAnOrdinaryAccount) {
  // Blocked by Conditional Access (PRIV-SI-02, a match on privileged accounts) a minute before
  // the account was made an admin: no alert in either order. Before, the gain arriving first
  // raised it.
  const LptAlerts before =
      LptSameInEveryOrder({SignIn(kLptTenant, kLptAdmin, "2026-11-24T08:05:00Z", 53003),
                           LptGain("2026-11-24T08:06:00Z")});
  EXPECT_FALSE(LptHas(before, RuleId::kSI02));
  // A minute after: raised in either order. Before, the block arriving first missed it.
  const LptAlerts after =
      LptSameInEveryOrder({SignIn(kLptTenant, kLptAdmin, "2026-11-24T08:07:00Z", 53003),
                           LptGain("2026-11-24T08:06:00Z")});
  EXPECT_TRUE(LptHas(after, RuleId::kSI02));
}

TEST(LearnedPrivilegeTime, ACodeRuleJudgesTheKeptRecordToo) {
  // A sign-in whose MFA prompt the user reported as fraud (PRIV-SI-08, a C++ rule gated on
  // privilege), after the gain, arriving before it.
  Event fraud = SignIn(kLptTenant, kLptAdmin, "2026-11-24T08:07:00Z", 500121);
  fraud.signin.fraud_reported = true;
  const LptAlerts alerts = LptSameInEveryOrder({fraud, LptGain("2026-11-24T08:06:00Z")});
  EXPECT_TRUE(LptHas(alerts, RuleId::kSI08));
}

TEST(LearnedPrivilegeTime, AnOlderGainOfAHeldRoleMovesThePrivilegeEarlier) {
  // Two gains of the same role (the newer arriving first, so the older one grants no new hold)
  // and a block between them: the account was an admin at 08:07, in every order.
  const LptAlerts alerts =
      LptSameInEveryOrder({LptGain("2026-11-24T08:06:00Z"),
                           SignIn(kLptTenant, kLptAdmin, "2026-11-24T08:07:00Z", 53003),
                           LptGain("2026-11-24T08:08:00Z")});
  EXPECT_TRUE(LptHas(alerts, RuleId::kSI02));
}

TEST(LearnedPrivilegeTime, AKeptRecordOverwrittenWithinTheWatermarkIsCounted) {
  EngineHarness h;
  // One more record of ordinary accounts than the ring keeps, all at one time (none late).
  for (std::size_t i = 0; i <= PrivilegeReplay::kCapacity; ++i) {
    Event e = SignIn(kLptTenant, "user" + std::to_string(i) + "@contoso.com",
                     "2026-11-24T08:00:00Z", 50126);
    h.Feed(e);
  }
  uint64_t lost = 0;
  for (const ShardStats& s : h.stats().shards) lost += s.privilege_replay_lost.load();
  EXPECT_EQ(lost, 1u);
}

}  // namespace
}  // namespace privmon::testing
