// PRIV-EL-08 pairs an activation's end (its expiry or deactivation) with the activation of the
// same role (docs/RULES.md, PRIV-EL-08): an admin who activates two roles and deactivates one is
// still judged on the other, in either arrival order, across a checkpoint, and from a format-4
// checkpoint (which kept no role of its activations' ends).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kAdmin = "admin@contoso.com";

std::shared_ptr<TenantSettings> TenantListingTheAdmin() {
  auto t = EngineHarness::Tenant(kTenant);
  t->privileged_accounts.insert(HashLower(kAdmin));
  return t;
}

Event Activate(const char* time, std::string_view role) {
  return PimActivation(kTenant, kAdmin, time, role);
}

Event Deactivate(const char* time, std::string_view role) {
  return Audit(kTenant, Activity::kRemoveMemberFromRolePimDeactivate,
               "Remove member from role completed (PIM deactivate)", kAdmin, time, role);
}

Event Expire(const char* time, std::string_view role) {
  return Audit(kTenant, Activity::kRemoveMemberFromRolePimExpired,
               "Remove member from role (PIM activation expired)", kAdmin, time, role);
}

// The roles of the EL-08 alerts raised.
std::vector<std::string> Overdue(EngineHarness& h) {
  h.Feed(SignIn(kTenant, "someone@contoso.com", "2026-11-24T18:00:00Z"));
  h.Finish();
  std::vector<std::string> roles;
  for (const Alert& a : h.Drain()) {
    if (a.rule != RuleId::kEL08 || a.update) continue;
    std::string role;
    for (std::size_t i = 0; i < a.detail_count; ++i) {
      if (a.details[i].key == std::string_view("role"))
        role = std::string(a.details[i].value.view());
    }
    roles.push_back(role);
  }
  std::sort(roles.begin(), roles.end());
  return roles;
}

// Saves shard 0 of `from` and loads it into `to` as format `format` would have it (format 4: the
// PrivilegedState without the roles of PRIV-EL-08's activations and ends).
void Transfer(EngineHarness& from, EngineHarness& to, uint32_t format) {
  CheckpointShardWriter w(0);
  from.engine().SaveState(w);
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(part, [&](CheckpointRecordView r) {
      std::string payload(r.payload);
      const std::size_t prefix = 8 + sizeof(AccountState) + 1;
      if (format == 4 && r.tag == kCkAccount && payload.size() > prefix) {
        payload.resize(prefix + kPrivilegedStateV4Bytes);
      }
      r.payload = payload;
      r.format = format;
      EXPECT_TRUE(to.engine().LoadState(r));
    }));
  }
  to.engine().OnRestored();
}

using Roles = std::vector<std::string>;

TEST(ActivationEndRole, DeactivatingOneRoleLeavesTheOtherRolesActivationJudged) {
  EngineHarness h(TenantListingTheAdmin());
  h.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
  h.Feed(Activate("2026-11-24T10:01:00Z", "Exchange Administrator"));
  h.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
  EXPECT_EQ(Overdue(h), Roles{"Global Administrator"});
}

TEST(ActivationEndRole, EachRolesEndSettlesItsOwnActivationOnly) {
  EngineHarness h(TenantListingTheAdmin());
  h.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
  h.Feed(Activate("2026-11-24T10:01:00Z", "Exchange Administrator"));
  h.Feed(Expire("2026-11-24T11:00:00Z", "Global Administrator"));
  h.Feed(Deactivate("2026-11-24T11:01:00Z", "Exchange Administrator"));
  EXPECT_EQ(Overdue(h), Roles{});
}

// Core Directory's copy of an end ("Remove member from role" initiated by PIM's app, the role in
// Role.DisplayName's old value) is an end too, of its own role's activation only: an export holding
// only that copy saw the end.
Event CoreDirectoryRemoval(const char* time, std::string_view role, bool by_pim) {
  Event e = Audit(kTenant, Activity::kRemoveMemberFromRole, "Remove member from role", kAdmin, time,
                  role);
  if (by_pim) e.audit.flags |= kInitiatedByPim;
  return e;
}

TEST(ActivationEndRole, CoreDirectorysRemovalByPimEndsTheActivationOfItsRole) {
  EngineHarness h(TenantListingTheAdmin());
  h.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
  h.Feed(Activate("2026-11-24T10:01:00Z", "Exchange Administrator"));
  h.Feed(CoreDirectoryRemoval("2026-11-24T10:40:00Z", "Global Administrator", true));
  EXPECT_EQ(Overdue(h), Roles{"Exchange Administrator"});
  // Arriving before its activation (within the allowed lateness) as well.
  EngineHarness early(TenantListingTheAdmin());
  early.Feed(CoreDirectoryRemoval("2026-11-24T10:10:00Z", "Global Administrator", true));
  early.Feed(Activate("2026-11-24T10:06:00Z", "Global Administrator"));
  EXPECT_EQ(Overdue(early), Roles{});
}

// The end arriving first (within the allowed lateness) is kept with its role.
TEST(ActivationEndRole, AnEndArrivingBeforeItsActivationIsPairedByRoleToo) {
  EngineHarness h(TenantListingTheAdmin());
  h.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
  h.Feed(Activate("2026-11-24T10:06:00Z", "Global Administrator"));
  h.Feed(Activate("2026-11-24T10:07:00Z", "Exchange Administrator"));
  EXPECT_EQ(Overdue(h), Roles{"Global Administrator"});
}

// An end that names no role (an export that dropped the Role target) ends any activation within
// the policy length, as before the role was kept.
TEST(ActivationEndRole, AnEndNamingNoRoleIsPairedByTimeAlone) {
  EngineHarness h(TenantListingTheAdmin());
  h.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
  h.Feed(Deactivate("2026-11-24T10:10:00Z", ""));
  EXPECT_EQ(Overdue(h), Roles{});
}

// A restore gives the same verdicts: the roles of pending activations and of kept ends are in the
// checkpoint.
TEST(ActivationEndRole, TheRolesSurviveACheckpoint) {
  {
    EngineHarness before(TenantListingTheAdmin());
    before.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
    before.Feed(Activate("2026-11-24T10:01:00Z", "Exchange Administrator"));
    EngineHarness after(TenantListingTheAdmin());
    Transfer(before, after, kCheckpointFormat);
    after.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
    EXPECT_EQ(Overdue(after), Roles{"Global Administrator"});
  }
  {
    EngineHarness before(TenantListingTheAdmin());
    before.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
    EngineHarness after(TenantListingTheAdmin());
    Transfer(before, after, kCheckpointFormat);
    after.Feed(Activate("2026-11-24T10:06:00Z", "Global Administrator"));
    after.Feed(Activate("2026-11-24T10:07:00Z", "Exchange Administrator"));
    EXPECT_EQ(Overdue(after), Roles{"Global Administrator"});
  }
}

// Format 4 kept no role of an activation's end: a pending activation is known by the name it
// kept, a kept end (unknown role) ends any activation within the policy length, as it did.
TEST(ActivationEndRole, AFormatFourCheckpointIsMigrated) {
  {
    EngineHarness before(TenantListingTheAdmin());
    before.Feed(Activate("2026-11-24T10:00:00Z", "Global Administrator"));
    before.Feed(Activate("2026-11-24T10:01:00Z", "Exchange Administrator"));
    EngineHarness after(TenantListingTheAdmin());
    Transfer(before, after, 4);
    after.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
    EXPECT_EQ(Overdue(after), Roles{"Global Administrator"});
  }
  {
    EngineHarness before(TenantListingTheAdmin());
    before.Feed(Deactivate("2026-11-24T10:10:00Z", "Exchange Administrator"));
    EngineHarness after(TenantListingTheAdmin());
    Transfer(before, after, 4);
    after.Feed(Activate("2026-11-24T10:06:00Z", "Global Administrator"));
    EXPECT_EQ(Overdue(after), Roles{});
  }
}

}  // namespace
}  // namespace privmon::testing
