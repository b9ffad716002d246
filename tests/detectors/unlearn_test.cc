// Learned privilege is un-learned when the account's last privileged role is removed
// (docs/RULES.md "Learned privilege"): PrivilegedState::roles keeps the privileged roles a learned
// account is known to hold (state/held_roles.h); an explicit removal of its last assignment, or
// isAdmin false for an account privileged by isAdmin alone, makes it an ordinary account again.
// Configured accounts never change; PIM's activation expiry keeps the eligibility; PRIV-PA-05
// stops; a new gain makes it privileged again; the set survives a checkpoint, and accounts
// restored from format 1 or 2 (which did not keep it) are never un-learned by a removal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view kUnlearnTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kUnlearnAdmin = "jdoe@contoso.com";

Event Gain(const char* time, std::string_view role = "Global Administrator",
           Activity a = Activity::kAddMemberToRole, std::string_view name = "Add member to role") {
  return Audit(kUnlearnTenant, a, name, kUnlearnAdmin, time, role);
}
Event Removal(const char* time, std::string_view role = "Global Administrator",
              Activity a = Activity::kRemoveMemberFromRole,
              std::string_view name = "Remove member from role") {
  return Audit(kUnlearnTenant, a, name, kUnlearnAdmin, time, role);
}
Event EligibleRemoval(const char* time, std::string_view role = "Global Administrator") {
  return Removal(time, role, Activity::kRemoveEligibleMemberFromRole,
                 "Remove eligible member from role in PIM completed (timebound)");
}
Event AdminReport(const char* time, bool is_admin) {
  Event e;
  e.kind = EventKind::kMfaRegistration;
  e.tenant_id.assign(kUnlearnTenant);
  e.tenant_hash = HashLower(kUnlearnTenant);
  e.time = At(time);
  e.account = Account(kUnlearnTenant, kUnlearnAdmin);
  e.registration.is_admin = is_admin;
  e.registration.is_admin_stated = true;
  e.record_id.assign(std::string("reg-") + time);
  return e;
}

// Five failed passwords of kUnlearnAdmin within ten minutes from `hour` (e.g. "2026-11-24T10"):
// PRIV-SI-01 for a privileged account. Returns whether it fired.
bool BadPasswordBurst(EngineHarness& h, const std::string& hour) {
  h.Drain();
  for (int i = 0; i < 5; ++i) {
    const std::string time = hour + ":0" + std::to_string(i) + ":00Z";
    h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, time.c_str(), 50126));
  }
  for (const Alert& a : h.Drain()) {
    if (a.rule == RuleId::kSI01) return true;
  }
  return false;
}

bool Privileged(EngineHarness& h) {
  const AccountState* st = const_cast<AccountTable&>(h.engine().accounts())
                               .Find(Account(kUnlearnTenant, kUnlearnAdmin).key);
  return st != nullptr && st->privileged();
}

TEST(Unlearn, TheLastRoleRemovedMakesTheAccountOrdinaryAgain) {
  EngineHarness h;
  h.Feed(Gain("2026-11-24T08:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));
  h.Feed(Removal("2026-11-24T12:00:00Z"));
  EXPECT_FALSE(Privileged(h));
  EXPECT_FALSE(BadPasswordBurst(h, "2026-11-24T14"));
}

TEST(Unlearn, TwoRolesOneRemovedStaysPrivileged) {
  EngineHarness h;
  h.Feed(Gain("2026-11-24T08:00:00Z"));
  h.Feed(Gain("2026-11-24T08:10:00Z", "Privileged Role Administrator"));
  h.Feed(Removal("2026-11-24T09:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));
  h.Feed(Removal("2026-11-24T12:00:00Z", "Privileged Role Administrator"));
  EXPECT_FALSE(BadPasswordBurst(h, "2026-11-24T14"));
}

TEST(Unlearn, ARemovalOfARoleNeverSeenGrantedChangesNothing) {
  EngineHarness h;
  h.Feed(Gain("2026-11-24T08:00:00Z"));
  h.Feed(Removal("2026-11-24T09:00:00Z", "Security Administrator"));
  // A failed removal removes nothing; nor does an older removal arriving late.
  Event failed = Removal("2026-11-24T09:10:00Z");
  failed.audit.flags = 0;
  h.Feed(failed);
  h.Feed(Removal("2026-11-24T07:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));
  // An account never privileged stays as it was.
  h.Feed(Audit(kUnlearnTenant, Activity::kRemoveMemberFromRole, "Remove member from role",
               "user@contoso.com", "2026-11-24T11:00:00Z", "Global Administrator"));
  const AccountState* st = const_cast<AccountTable&>(h.engine().accounts())
                               .Find(Account(kUnlearnTenant, "user@contoso.com").key);
  ASSERT_NE(st, nullptr);
  EXPECT_FALSE(st->privileged());
}

TEST(Unlearn, IsAdminIsASourceOfItsOwnClearedByIsAdminFalse) {
  EngineHarness h;
  h.Feed(AdminReport("2026-11-24T07:00:00Z", true));
  h.Feed(Gain("2026-11-24T08:00:00Z"));
  h.Feed(Removal("2026-11-24T09:00:00Z"));
  EXPECT_TRUE(Privileged(h));  // isAdmin names no role: a removal does not un-learn it
  h.Feed(Gain("2026-11-24T09:30:00Z"));
  h.Feed(AdminReport("2026-11-24T09:40:00Z", false));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));  // still holds Global Administrator
  h.Feed(Removal("2026-11-24T12:00:00Z"));
  EXPECT_FALSE(BadPasswordBurst(h, "2026-11-24T14"));

  // isAdmin alone, then isAdmin false: ordinary. A report that leaves isAdmin out changes nothing.
  EngineHarness g;
  Event g_true = AdminReport("2026-11-24T07:00:00Z", true);
  g.Feed(g_true);
  Event unstated = AdminReport("2026-11-24T08:00:00Z", false);
  unstated.registration.is_admin_stated = false;
  g.Feed(unstated);
  EXPECT_TRUE(BadPasswordBurst(g, "2026-11-24T10"));
  g.Feed(AdminReport("2026-11-24T12:00:00Z", false));
  EXPECT_FALSE(BadPasswordBurst(g, "2026-11-24T14"));
}

TEST(Unlearn, AConfiguredAccountIsUnaffected) {
  auto t = EngineHarness::Tenant(kUnlearnTenant);
  t->privileged_accounts.insert(HashLower(kUnlearnAdmin));
  EngineHarness h(t);
  h.Feed(Gain("2026-11-24T08:00:00Z"));
  h.Feed(Removal("2026-11-24T09:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));
}

TEST(Unlearn, PimActivationExpiryKeepsTheEligibleAccountPrivileged) {
  EngineHarness h;
  h.Feed(Gain("2026-11-24T07:00:00Z", "Global Administrator", Activity::kAddEligibleMemberToRole,
              "Add eligible member to role in PIM completed (permanent)"));
  h.Feed(PimActivation(kUnlearnTenant, kUnlearnAdmin, "2026-11-24T08:00:00Z"));
  // The activation ends: PIM's expiry, and Core Directory's removal of the active assignment.
  h.Feed(Removal("2026-11-24T09:00:00Z", "Global Administrator",
                 Activity::kRemoveMemberFromRolePimExpired,
                 "Remove member from role (PIM activation expired)"));
  h.Feed(Removal("2026-11-24T09:00:01Z"));
  h.Feed(Removal("2026-11-24T09:05:00Z", "Global Administrator",
                 Activity::kRemoveMemberFromRolePimDeactivate,
                 "Remove member from role completed (PIM deactivate)"));
  EXPECT_TRUE(BadPasswordBurst(h, "2026-11-24T10"));
  h.Feed(EligibleRemoval("2026-11-24T12:00:00Z"));
  EXPECT_FALSE(BadPasswordBurst(h, "2026-11-24T14"));
  // The end of an activation no longer makes it privileged again (its removal may have ended it).
  h.Feed(Removal("2026-11-24T15:00:00Z", "Global Administrator",
                 Activity::kRemoveMemberFromRolePimExpired,
                 "Remove member from role (PIM activation expired)"));
  EXPECT_FALSE(Privileged(h));
}

int CountPa05(const std::vector<Alert>& alerts) {
  int n = 0;
  for (const Alert& a : alerts) n += a.rule == RuleId::kPA05 ? 1 : 0;
  return n;
}

TEST(Unlearn, AnExAdminIsNotReportedUnusedAndARegainMakesItPrivilegedAgain) {
  for (const bool removed : {false, true}) {
    EngineHarness h;
    h.Feed(Gain("2026-09-01T08:00:00Z"));
    if (removed) h.Feed(Removal("2026-09-02T08:00:00Z"));
    for (const char* time : {"2026-10-01T10:00:00Z", "2026-11-01T10:00:00Z", "2026-12-01T10:00:00Z",
                             "2027-01-01T10:00:00Z"}) {
      h.Feed(SignIn(kUnlearnTenant, "other@contoso.com", time));
    }
    h.Finish();
    const int pa05 = CountPa05(h.Drain());
    if (removed) {
      EXPECT_EQ(pa05, 0);
    } else {
      EXPECT_GE(pa05, 1);
    }
  }
  // Privileged again by a new gain: its rules judge it again, PRIV-PA-05 from the new gain.
  EngineHarness h;
  h.Feed(Gain("2026-09-01T08:00:00Z"));
  h.Feed(Removal("2026-09-02T08:00:00Z"));
  h.Feed(Gain("2026-11-01T08:00:00Z", "Security Administrator"));
  EXPECT_TRUE(Privileged(h));
  // The timer armed by the first gain (due 2026-10-01) fires now: the account was un-learned in
  // that period, so no alert; it waits from the new gain.
  h.Feed(SignIn(kUnlearnTenant, "other@contoso.com", "2026-11-25T10:00:00Z"));
  EXPECT_EQ(CountPa05(h.Drain()), 0);
  h.Feed(SignIn(kUnlearnTenant, "other@contoso.com", "2026-12-05T10:00:00Z"));
  const auto alerts = h.Drain();
  ASSERT_EQ(CountPa05(alerts), 1);
  for (const Alert& a : alerts) {
    if (a.rule == RuleId::kPA05) {
      EXPECT_EQ(a.first_seen, At("2026-11-01T08:00:00Z"));
    }
  }
  EXPECT_TRUE(BadPasswordBurst(h, "2026-12-06T10"));
}

// The same for an account the config no longer lists (a reload): its PRIV-PA-05 timer, armed
// while it was listed, drops itself instead of reporting an ordinary account as unused.
TEST(Unlearn, AnAccountNoLongerListedIsNotReportedUnused) {
  for (const bool unlisted : {false, true}) {
    auto t = EngineHarness::Tenant(kUnlearnTenant);
    t->privileged_accounts.insert(HashLower(kUnlearnAdmin));
    EngineHarness h(t);
    h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, "2026-09-01T08:00:00Z"));
    if (unlisted) {
      auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
      config->tenants[HashLower(kUnlearnTenant)] = EngineHarness::Tenant(kUnlearnTenant);
      h.engine().OnConfig(config);
    }
    h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, "2026-09-02T08:00:00Z",
                  50126));  // seen under the new config
    for (const char* time : {"2026-10-15T10:00:00Z", "2026-11-15T10:00:00Z"}) {
      h.Feed(SignIn(kUnlearnTenant, "other@contoso.com", time));
    }
    h.Finish();
    const int pa05 = CountPa05(h.Drain());
    if (unlisted) {
      EXPECT_EQ(pa05, 0);
    } else {
      EXPECT_GE(pa05, 1);
    }
  }
}

// Saves shard 0 of `from` and loads it into a fresh harness, as format `format` would have it (a
// format-2 account is format 3's without the held roles).
void UnlearnTransfer(EngineHarness& from, EngineHarness& to, uint32_t format) {
  CheckpointShardWriter w(0);
  from.engine().SaveState(w);
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(part, [&](CheckpointRecordView r) {
      std::string payload(r.payload);
      const std::size_t prefix = 8 + sizeof(AccountState) + 1;
      if (format < 4 && r.tag == kCkAccount && payload.size() > prefix) {
        // Format 3 ends with its held roles (HeldRolesV3: one grant time per role).
        HeldRoles roles;
        std::memcpy(static_cast<void*>(&roles),
                    payload.data() + prefix + offsetof(PrivilegedState, roles), sizeof(roles));
        HeldRolesV3 v3;
        for (std::size_t i = 0; i < HeldRoles::kMax; ++i) {
          if (roles.holds[i] == 0) continue;
          v3.hashes[i] = roles.hashes[i];
          v3.holds[i] = roles.holds[i];
          v3.granted[i] = std::max(roles.eligible_at[i], roles.active_at[i]);
        }
        v3.unlearned = roles.unlearned;
        v3.sources = roles.sources;
        payload.resize(prefix + kPrivilegedStateV2Bytes);
        if (format == 3) payload.append(reinterpret_cast<const char*>(&v3), sizeof(v3));
      }
      r.payload = payload;
      r.format = format;
      EXPECT_TRUE(to.engine().LoadState(r));
    }));
  }
  to.engine().OnRestored();
}

TEST(Unlearn, TheHeldRolesSurviveACheckpointAndFormatTwoAccountsAreNeverUnlearned) {
  EngineHarness before;
  before.Feed(Gain("2026-11-24T08:00:00Z"));
  before.Feed(Gain("2026-11-24T08:10:00Z", "Privileged Role Administrator"));

  EngineHarness after;
  UnlearnTransfer(before, after, kCheckpointFormat);
  after.Feed(Removal("2026-11-24T09:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(after, "2026-11-24T10"));
  after.Feed(Removal("2026-11-24T12:00:00Z", "Privileged Role Administrator"));
  EXPECT_FALSE(BadPasswordBurst(after, "2026-11-24T14"));

  EngineHarness v3;  // format 3's held roles are migrated
  UnlearnTransfer(before, v3, 3);
  v3.Feed(Removal("2026-11-24T09:00:00Z"));
  EXPECT_TRUE(BadPasswordBurst(v3, "2026-11-24T10"));
  v3.Feed(Removal("2026-11-24T12:00:00Z", "Privileged Role Administrator"));
  EXPECT_FALSE(BadPasswordBurst(v3, "2026-11-24T14"));

  EngineHarness old;
  UnlearnTransfer(before, old, 2);
  old.Feed(Removal("2026-11-24T09:00:00Z"));
  old.Feed(Removal("2026-11-24T12:00:00Z", "Privileged Role Administrator"));
  EXPECT_TRUE(BadPasswordBurst(old, "2026-11-24T14"));
}

// Role gains and removals of one account in every arrival order (all within the allowed lateness):
// the final privilege is the one event-time order gives (docs/operations.md section 4). Before,
// un-learning followed arrival order: a removal arriving before the gain it undoes found nothing
// to remove (the account stayed privileged), and the end of an activation arriving after another
// role's removal no longer kept the account eligible.
struct Step {
  const char* time;
  const char* role;
  Activity activity;
  const char* name;
};

Event StepEvent(const Step& s) {
  return Audit(kUnlearnTenant, s.activity, s.name, kUnlearnAdmin, s.time, s.role);
}

// Feeds `steps` in the order of `order` and returns whether the admin ends privileged and whether a
// bad-password burst after them raises PRIV-SI-01.
std::pair<bool, bool> FinalPrivilege(const std::vector<Step>& steps,
                                     const std::vector<int>& order) {
  EngineHarness h;
  for (const int i : order) h.Feed(StepEvent(steps[i]));
  const bool privileged = Privileged(h);
  return {privileged, BadPasswordBurst(h, "2026-11-24T12")};
}

void ExpectSameInEveryOrder(const std::vector<Step>& steps, bool privileged) {
  std::vector<int> order(steps.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);  // event time
  const auto expected = FinalPrivilege(steps, order);
  EXPECT_EQ(expected.first, privileged);
  EXPECT_EQ(expected.second, privileged);
  do {
    std::string arrival;
    for (const int i : order)
      arrival += std::string(" ") + steps[i].time + " " + steps[i].name + ";";
    EXPECT_EQ(FinalPrivilege(steps, order), expected) << "arrival order:" << arrival;
  } while (std::next_permutation(order.begin(), order.end()));
}

constexpr const char* kGa = "Global Administrator";
constexpr const char* kPra = "Privileged Role Administrator";

TEST(Unlearn, TheFinalPrivilegeFollowsEventTimeInAnyArrivalOrder) {
  // A direct assignment and its removal two minutes later: ordinary in any order.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"},
       {"2026-11-24T08:02:00Z", kGa, Activity::kRemoveMemberFromRole, "Remove member from role"}},
      false);
  // A removal of an older assignment, then a new one: privileged in any order.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kGa, Activity::kRemoveMemberFromRole, "Remove member from role"},
       {"2026-11-24T08:02:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"}},
      true);
  // Assigned, removed, assigned again.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"},
       {"2026-11-24T08:01:00Z", kGa, Activity::kRemoveMemberFromRole, "Remove member from role"},
       {"2026-11-24T08:02:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"}},
      true);
  // PIM: eligible, activated, the activation's end (Core Directory's removal of the active
  // assignment and PIM's expiry), then the eligibility removed: ordinary in any order.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kPra, Activity::kAddEligibleMemberToRole,
        "Add eligible member to role in PIM completed (permanent)"},
       {"2026-11-24T08:01:00Z", kPra, Activity::kAddMemberToRolePimActivation,
        "Add member to role completed (PIM activation)"},
       {"2026-11-24T08:02:00Z", kPra, Activity::kRemoveMemberFromRole, "Remove member from role"},
       {"2026-11-24T08:02:01Z", kPra, Activity::kRemoveMemberFromRolePimExpired,
        "Remove member from role (PIM activation expired)"},
       {"2026-11-24T08:03:00Z", kPra, Activity::kRemoveEligibleMemberFromRole,
        "Remove eligible member from role in PIM completed (permanent)"}},
      false);
  // A direct Global Administrator assignment and the end of an activation of Privileged Role
  // Administrator (its start before the logs): removing Global Administrator leaves an account
  // eligible for the other role, whichever arrives first.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"},
       {"2026-11-24T08:01:00Z", kPra, Activity::kRemoveMemberFromRolePimExpired,
        "Remove member from role (PIM activation expired)"},
       {"2026-11-24T08:02:00Z", kGa, Activity::kRemoveMemberFromRole, "Remove member from role"}},
      true);
  // Two roles, one removed, one assigned and removed.
  ExpectSameInEveryOrder(
      {{"2026-11-24T08:00:00Z", kGa, Activity::kAddMemberToRole, "Add member to role"},
       {"2026-11-24T08:01:00Z", kPra, Activity::kAddMemberToRole, "Add member to role"},
       {"2026-11-24T08:02:00Z", kGa, Activity::kRemoveMemberFromRole, "Remove member from role"},
       {"2026-11-24T08:03:00Z", kPra, Activity::kRemoveMemberFromRole, "Remove member from role"}},
      false);
}

// isAdmin (userRegistrationDetails) is stated by records dated by their lastUpdatedDateTime, polled
// in any order: the newest statement decides. Before, the last to arrive did: a page polled late
// with an older isAdmin true made an account privileged again after a newer isAdmin false.
TEST(Unlearn, IsAdminFollowsTheNewestStatementInAnyArrivalOrder) {
  for (const bool false_first : {false, true}) {
    EngineHarness h;
    // Privileged once before (a statement of a never-privileged account is kept only once it has
    // a PrivilegedState: docs/RULES.md).
    h.Feed(Gain("2026-11-24T05:00:00Z"));
    h.Feed(Removal("2026-11-24T05:30:00Z"));
    const Event older_true = AdminReport("2026-11-24T07:00:00Z", true);
    const Event newer_false = AdminReport("2026-11-24T08:00:00Z", false);
    h.Feed(false_first ? newer_false : older_true);
    h.Feed(false_first ? older_true : newer_false);
    EXPECT_FALSE(Privileged(h)) << (false_first ? "false first" : "true first");
    EXPECT_FALSE(BadPasswordBurst(h, "2026-11-24T10"));
  }
  for (const bool true_first : {false, true}) {
    EngineHarness h;
    const Event older_false = AdminReport("2026-11-24T07:00:00Z", false);
    const Event newer_true = AdminReport("2026-11-24T08:00:00Z", true);
    h.Feed(true_first ? newer_true : older_false);
    h.Feed(true_first ? older_false : newer_true);
    EXPECT_TRUE(Privileged(h)) << (true_first ? "true first" : "false first");
  }
}

TEST(HeldRoles, EachHoldFollowsItsNewestRecordWhateverTheArrivalOrder) {
  // A removal first, then the older grant it undoes: nothing held.
  HeldRoles r;
  EXPECT_FALSE(r.Remove(7, HeldRoles::kActive, 200));
  EXPECT_FALSE(r.Admits(7, HeldRoles::kActive, 100));
  r.Grant(7, HeldRoles::kActive, 100);
  EXPECT_FALSE(r.Holds(7));
  EXPECT_TRUE(r.Empty());
  // A newer grant holds it; at the removal's own second, the grant wins.
  EXPECT_TRUE(r.Admits(7, HeldRoles::kActive, 200));
  r.Grant(7, HeldRoles::kActive, 200);
  EXPECT_TRUE(r.Holds(7));
  EXPECT_FALSE(r.Remove(7, HeldRoles::kActive, 200));
  // The eligible hold has a time of its own: the active one's removal does not touch it.
  HeldRoles e;
  e.Grant(9, HeldRoles::kEligible, 100);
  e.Remove(9, HeldRoles::kActive, 300);
  e.Grant(9, HeldRoles::kActive, 200);  // older than the active removal: ignored
  EXPECT_TRUE(e.Holds(9));
  EXPECT_TRUE(e.Remove(9, HeldRoles::kEligible, 150));
  EXPECT_FALSE(e.Holds(9));
  // A weak grant (time 0: an activation's end) yields to any removal of the eligibility.
  HeldRoles w;
  w.Grant(5, HeldRoles::kEligible, 0);
  EXPECT_TRUE(w.Remove(5, HeldRoles::kEligible, 1));
  EXPECT_FALSE(w.Admits(5, HeldRoles::kEligible, 0));
  // isAdmin: the newest statement wins, true at a tie; a timeless one (0) is the oldest.
  HeldRoles a;
  EXPECT_FALSE(a.StateIsAdmin(false, 200));
  EXPECT_FALSE(a.StateIsAdmin(true, 100));
  EXPECT_FALSE(a.StateIsAdmin(true, 0));
  EXPECT_TRUE(a.StateIsAdmin(true, 200));
  EXPECT_TRUE(a.StateIsAdmin(false, 150));
  EXPECT_FALSE(a.StateIsAdmin(false, 300));
  // Roles seen removed give their slots to new roles, the longest-removed first.
  HeldRoles f;
  for (uint64_t role = 1; role <= 4; ++role) f.Remove(role, HeldRoles::kActive, 100 + role);
  f.Grant(8, HeldRoles::kActive, 50);
  EXPECT_TRUE(f.Holds(8));
  EXPECT_EQ(f.sources, 0);
  EXPECT_TRUE(f.Admits(1, HeldRoles::kActive, 50));  // role 1's removal was forgotten
  EXPECT_FALSE(f.Admits(2, HeldRoles::kActive, 50));
}

TEST(HeldRoles, KeepsFourRolesThenMarksTheRestUnknown) {
  HeldRoles r;
  for (uint64_t role = 1; role <= 4; ++role) r.Grant(role, HeldRoles::kActive, 100);
  EXPECT_EQ(r.count(), 4u);
  EXPECT_EQ(r.sources, 0);
  r.Grant(5, HeldRoles::kActive, 100);
  EXPECT_EQ(r.sources, HeldRoles::kUnknown);
  for (uint64_t role = 1; role <= 4; ++role) EXPECT_TRUE(r.Remove(role, HeldRoles::kActive, 200));
  EXPECT_FALSE(r.Empty());  // the fifth role is unknown: never un-learned
  EXPECT_FALSE(r.Remove(5, HeldRoles::kActive, 200));
  // Eligible and active holds of one role are removed separately; an older removal is ignored.
  HeldRoles e;
  e.Grant(7, HeldRoles::kEligible | HeldRoles::kActive, 100);
  EXPECT_FALSE(e.Remove(7, HeldRoles::kEligible, 50));
  EXPECT_TRUE(e.Remove(7, HeldRoles::kActive, 150));
  EXPECT_TRUE(e.Holds(7));
  EXPECT_TRUE(e.Remove(7, HeldRoles::kEligible, 160));
  EXPECT_TRUE(e.Empty());
}

}  // namespace
}  // namespace privmon::testing

namespace privmon::testing {
namespace {

int CountSi05(const std::vector<Alert>& alerts) {
  int n = 0;
  for (const Alert& a : alerts) n += a.rule == RuleId::kSI05 ? 1 : 0;
  return n;
}

// PRIV-SI-05 in either order (si5, si5b) also when what makes the account privileged is a reload
// that lists it: a registration said it has no MFA, then the config lists it in
// privileged_accounts. Resolve() set the configured flag before MakePrivileged() asked whether the
// account was privileged already, so the account seemed so and nothing was raised (listed first,
// the registration raises PRIV-SI-05).
TEST(RegistrationRecheck, AnAccountListedByAReloadAfterItsNoMfaRegistrationRaisesSi05) {
  for (const bool mfa : {false, true}) {
    EngineHarness h(EngineHarness::Tenant(kUnlearnTenant));
    Event reg = AdminReport("2026-09-01T08:00:00Z", false);
    reg.registration.is_admin_stated = false;
    reg.registration.is_mfa_registered = mfa;
    h.Feed(reg);
    EXPECT_EQ(CountSi05(h.Drain()), 0);  // not privileged yet
    auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
    auto t = EngineHarness::Tenant(kUnlearnTenant);
    t->privileged_accounts.insert(HashLower(kUnlearnAdmin));
    config->tenants[HashLower(kUnlearnTenant)] = t;
    h.engine().OnConfig(config);
    h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, "2026-09-01T09:00:00Z"));
    EXPECT_EQ(CountSi05(h.Drain()), mfa ? 0 : 1) << "mfa registered: " << mfa;
    // Another reload that still lists it: nothing new (no second PRIV-SI-05).
    h.engine().OnConfig(std::make_shared<CompiledConfig>(*config));
    h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, "2026-09-01T10:00:00Z"));
    h.Finish();
    EXPECT_EQ(CountSi05(h.Drain()), 0) << "mfa registered: " << mfa;
  }
}

// A registration's time is when it last changed (lastUpdatedDateTime), often months before the
// poll that read it: the account of a no-MFA registration, idle since by that time, was evicted
// (or started over as new at its next record) with what the registration said, so the role grant
// that made it an admin months later raised no PRIV-SI-05 (si5c; in the other order it fires).
TEST(RegistrationRecheck, ANoMfaRegistrationMonthsBeforeTheGrantOutlivesEviction) {
  PipelineSettings pipeline = BuiltinDefaultConfig()->pipeline;
  pipeline.idle_eviction = true;
  EngineHarness h(EngineHarness::Tenant(kUnlearnTenant), nullptr, &pipeline);
  Event reg = AdminReport("2026-01-05T08:00:00Z", false);
  reg.registration.is_admin_stated = false;
  reg.registration.is_mfa_registered = false;
  h.Feed(reg);
  // Months of another user's sign-ins move the tenant's clock; the shard sweeps between them.
  for (int month = 2; month <= 7; ++month) {
    for (int day = 1; day <= 28; ++day) {
      char time[64];
      std::snprintf(time, sizeof(time), "2026-%02d-%02dT09:00:00Z", month, day);
      h.Feed(SignIn(kUnlearnTenant, "other@contoso.com", time));
      for (int tick = 0; tick < 4; ++tick) h.engine().OnIdle();
    }
  }
  EXPECT_EQ(CountSi05(h.Drain()), 0);
  h.Feed(Gain("2026-08-01T10:00:00Z"));
  EXPECT_EQ(CountSi05(h.Drain()), 1);
}

// k15 (h-hold): an account listed (privileged_accounts, break_glass) by a reload after its v1.0
// registration (userRegistrationDetails, lastUpdatedDateTime) said it has no MFA raised a timeless
// PRIV-SI-05 (time 0: dated when privmon raised it, months after the record the same alert is
// dated by when the listing comes first), because the registration's time was not kept; nor was it
// across a checkpoint restore. It is now kept (DetectionEngine::registration_time_, checkpoint
// format 6) and dates the alert as the record itself does when the listing comes first.
TEST(RegistrationRecheck, AnAccountListedByAReloadIsDatedByItsRegistrationsTime) {
  const char* kRegistered = "2026-09-01T08:00:00.25Z";
  for (const bool break_glass : {false, true}) {
    for (const bool restart : {false, true}) {
      auto listed = [&] {
        auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
        auto t = EngineHarness::Tenant(kUnlearnTenant);
        (break_glass ? t->break_glass : t->privileged_accounts).insert(HashLower(kUnlearnAdmin));
        config->tenants[HashLower(kUnlearnTenant)] = t;
        return config;
      };
      // The reference: listed first, the registration raises PRIV-SI-05 itself.
      EngineHarness first(EngineHarness::Tenant(kUnlearnTenant));
      first.engine().OnConfig(listed());
      Event reg = AdminReport(kRegistered, false);
      reg.registration.is_admin_stated = false;
      reg.registration.is_mfa_registered = false;
      first.Feed(reg);
      const auto want = first.Drain();
      ASSERT_EQ(CountSi05(want), 1);
      const Alert& ref = *std::find_if(want.begin(), want.end(),
                                       [](const Alert& a) { return a.rule == RuleId::kSI05; });
      EXPECT_EQ(ref.time, At(kRegistered));

      EngineHarness before(EngineHarness::Tenant(kUnlearnTenant));
      before.Feed(reg);
      EXPECT_EQ(CountSi05(before.Drain()), 0);  // not privileged yet
      EngineHarness after(EngineHarness::Tenant(kUnlearnTenant));
      if (restart) UnlearnTransfer(before, after, kCheckpointFormat);
      EngineHarness& h = restart ? after : before;
      h.engine().OnConfig(listed());
      h.Feed(SignIn(kUnlearnTenant, kUnlearnAdmin, "2026-09-01T09:00:00Z"));
      const auto got = h.Drain();
      ASSERT_EQ(CountSi05(got), 1) << break_glass << restart;
      const Alert& a = *std::find_if(got.begin(), got.end(),
                                     [](const Alert& x) { return x.rule == RuleId::kSI05; });
      EXPECT_EQ(a.time, At(kRegistered)) << "break_glass " << break_glass << " restart "
                                         << restart;  // was the wall clock (timeless)
    }
  }
}

}  // namespace
}  // namespace privmon::testing

namespace privmon::testing {
namespace {

// k12: an account the config lists by UPN is known by its object id once a record names the two
// together; a reload re-read its listing from the first record after it alone, so a break-glass
// account whose next sign-in named it by its id only (a non-interactive sign-in writing the id in
// the UPN field) was no longer break-glass: no PRIV-BG-01. Its kept names count too now.
TEST(ReloadListing, AnAccountListedByUpnStaysListedWhenTheRecordAfterAReloadNamesItsIdAlone) {
  auto tenant = EngineHarness::Tenant(kUnlearnTenant);
  tenant->break_glass.insert(HashLower("bg@contoso.com"));
  EngineHarness h(tenant);
  Event named = SignIn(kUnlearnTenant, "bg@contoso.com", "2026-09-01T08:00:00Z");
  named.account = Account(kUnlearnTenant, "bg@contoso.com", "id-bg");
  h.Feed(named);
  auto count_bg01 = [](const std::vector<Alert>& alerts) {
    return std::count_if(alerts.begin(), alerts.end(),
                         [](const Alert& a) { return a.rule == RuleId::kBG01; });
  };
  EXPECT_EQ(count_bg01(h.Drain()), 1);
  auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
  config->tenants[HashLower(kUnlearnTenant)] = tenant;
  h.engine().OnConfig(config);
  Event by_id = SignIn(kUnlearnTenant, "", "2026-09-01T10:00:00Z");  // another suppression hour
  by_id.account = AccountRef{};
  by_id.account.id.assign("id-bg");
  by_id.account.id_hash = HashLower("id-bg");
  by_id.account.key = HashCombine(HashLower(kUnlearnTenant), by_id.account.id_hash);
  h.Feed(by_id);
  h.Finish();
  const std::vector<Alert> alerts = h.Drain();
  EXPECT_EQ(count_bg01(alerts), 1);
  for (const Alert& a : alerts) EXPECT_EQ(a.account_upn.view(), "bg@contoso.com");
}

// z7a: PrivilegedState keeps an account's UPN by its first 96 bytes (Entra ID allows 113
// characters). A break-glass account listed by such a UPN was re-read after a reload from that cut
// UPN, which the config's list does not hold: when its first record after the reload named it by
// its object id alone, it was no longer break-glass (no PRIV-BG-01), and a due PRIV-PA-05 absence
// was dropped as de-listed. The list now also holds the cut form of a longer UPN.
TEST(ReloadListing, AnAccountListedByALongUpnStaysListedWhenTheRecordAfterAReloadNamesItsIdAlone) {
  const std::string upn =
      "adm-emergency-access-0123456789012345678901234567890123456789abc@"
      "tenant-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example.com";  // 113 characters
  ASSERT_EQ(upn.size(), 113u);
  const ConfigLoadResult loaded = LoadConfigText("tenants:\n  \"" + std::string(kUnlearnTenant) +
                                                 "\":\n    break_glass: [" + upn + "]\n");
  ASSERT_TRUE(loaded.errors.empty());
  EngineHarness h(loaded.config);
  Event named = SignIn(kUnlearnTenant, upn, "2026-09-01T08:00:00Z");
  named.account = Account(kUnlearnTenant, upn, "id-bg");
  h.Feed(named);
  auto count_bg01 = [](const std::vector<Alert>& alerts) {
    return std::count_if(alerts.begin(), alerts.end(),
                         [](const Alert& a) { return a.rule == RuleId::kBG01; });
  };
  EXPECT_EQ(count_bg01(h.Drain()), 1);
  h.engine().OnConfig(LoadConfigText("tenants:\n  \"" + std::string(kUnlearnTenant) +
                                     "\":\n    break_glass: [" + upn + "]\n")
                          .config);
  Event by_id = SignIn(kUnlearnTenant, "", "2026-09-01T10:00:00Z");  // another suppression hour
  by_id.account = AccountRef{};
  by_id.account.id.assign("id-bg");
  by_id.account.id_hash = HashLower("id-bg");
  by_id.account.key = HashCombine(HashLower(kUnlearnTenant), by_id.account.id_hash);
  h.Feed(by_id);
  h.Finish();
  EXPECT_EQ(count_bg01(h.Drain()), 1);
}

}  // namespace
}  // namespace privmon::testing

namespace privmon::testing {
namespace {

// k15 (h-hold, the same kind: state a restart lost): a custom role's id and name, learned from a
// record naming both (state/role_aliases.h), were not checkpointed. A tenant listing the role in
// privileged_roles by its id made the role privileged however a record named it, but only until a
// restart: the first assignment after it, named by the role's name alone (Core Directory's
// "Add member to role" naming Role.DisplayName), was an unlisted role, so no PRIV-PA-04. The pairs
// are now checkpointed (kCkRoleAlias, format 6).
TEST(RoleAliasCheckpoint, ACustomRoleListedByItsIdStaysPrivilegedAfterARestart) {
  constexpr std::string_view kRoleId = "7b2c1f9e-0d4a-4e8b-9c3d-2f1e0a9b8c7d";
  constexpr std::string_view kRoleName = "Payroll Approver";
  auto t = EngineHarness::Tenant(kUnlearnTenant);
  t->privileged_roles.insert(HashLower(kRoleId));  // listed by its id only
  auto count_pa04 = [](const std::vector<Alert>& alerts, std::string_view upn) {
    return std::count_if(alerts.begin(), alerts.end(),
                         [&](const Alert& a) { return a.rule == RuleId::kPA04 && a.upn() == upn; });
  };
  for (const bool restart : {false, true}) {
    EngineHarness before(t);
    Event both = Gain("2026-11-24T08:00:00Z", kRoleName);  // names the role both ways
    both.audit.role_id_hash = HashLower(kRoleId);
    before.Feed(both);
    EngineHarness after(t);
    if (restart) UnlearnTransfer(before, after, kCheckpointFormat);
    EngineHarness& h = restart ? after : before;
    h.Feed(Audit(kUnlearnTenant, Activity::kAddMemberToRole, "Add member to role",
                 "other.admin@contoso.com", "2026-11-24T09:00:00Z", kRoleName));
    h.Finish();
    EXPECT_EQ(count_pa04(h.Drain(), "other.admin@contoso.com"), 1) << "restart " << restart;
  }
}

}  // namespace
}  // namespace privmon::testing
