// HeldRoles: what a role's hold was last seen as, by event time: held since its newest grant,
// or removed at its newest removal (the times a learned admin's privilege began and ended).
#include "state/held_roles.h"

#include <gtest/gtest.h>

namespace privmon {
namespace {

constexpr uint64_t kHeldRolesTestRole = 0x62e90394;
constexpr uint64_t kHeldRolesTestOther = 0x194ae4cb;

TEST(HeldRoles, GrantedAtAndRemovedAtNameTheNewestRecordOfAHold) {
  HeldRoles roles;
  EXPECT_EQ(roles.GrantedAt(kHeldRolesTestRole, HeldRoles::kActive), 0u) << "never seen";
  EXPECT_EQ(roles.RemovedAt(kHeldRolesTestRole, HeldRoles::kActive), 0u);
  roles.Grant(kHeldRolesTestRole, HeldRoles::kActive, 1000);
  EXPECT_TRUE(roles.Holds(kHeldRolesTestRole, HeldRoles::kActive));
  EXPECT_FALSE(roles.Holds(kHeldRolesTestRole, HeldRoles::kEligible));
  EXPECT_EQ(roles.GrantedAt(kHeldRolesTestRole, HeldRoles::kActive), 1000u);
  EXPECT_EQ(roles.RemovedAt(kHeldRolesTestRole, HeldRoles::kActive), 0u) << "held: no removal";
  // A removal older than the grant (arriving after it) takes nothing away.
  EXPECT_FALSE(roles.Remove(kHeldRolesTestRole, HeldRoles::kActive, 900));
  EXPECT_EQ(roles.GrantedAt(kHeldRolesTestRole, HeldRoles::kActive), 1000u);
  EXPECT_TRUE(roles.Remove(kHeldRolesTestRole, HeldRoles::kActive, 1100));
  EXPECT_FALSE(roles.Holds(kHeldRolesTestRole, HeldRoles::kActive));
  EXPECT_EQ(roles.GrantedAt(kHeldRolesTestRole, HeldRoles::kActive), 0u);
  EXPECT_EQ(roles.RemovedAt(kHeldRolesTestRole, HeldRoles::kActive), 1100u);
  EXPECT_EQ(roles.RemovedAt(kHeldRolesTestOther, HeldRoles::kActive), 0u) << "another role";
}

TEST(HeldRoles, AnActivationHoldsItsRoleAsEligibleAndActive) {
  HeldRoles roles;
  roles.Grant(kHeldRolesTestRole, HeldRoles::kEligible | HeldRoles::kActive, 2000);
  EXPECT_TRUE(roles.Holds(kHeldRolesTestRole, HeldRoles::kEligible));
  EXPECT_TRUE(roles.Holds(kHeldRolesTestRole, HeldRoles::kActive));
  // Its end removes the active hold: still eligible, and the active one was removed then.
  EXPECT_TRUE(roles.Remove(kHeldRolesTestRole, HeldRoles::kActive, 2100));
  EXPECT_TRUE(roles.Holds(kHeldRolesTestRole, HeldRoles::kEligible));
  EXPECT_EQ(roles.RemovedAt(kHeldRolesTestRole, HeldRoles::kActive), 2100u);
  EXPECT_EQ(roles.GrantedAt(kHeldRolesTestRole, HeldRoles::kEligible), 2000u);
  EXPECT_FALSE(roles.Admits(kHeldRolesTestRole, HeldRoles::kEligible, 0))
      << "a proof of eligibility (time 0) is older than the activation's own grant";
}

}  // namespace
}  // namespace privmon
