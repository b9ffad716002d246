// Whether an audit record grants its target a privileged role: a successful role-granting activity
// (direct, outside PIM, eligible, PIM assignment or activation) of a role in the tenant's
// privileged_roles. Shared by the engine (privileged-status learning) and the C++ rules that judge
// role gains (detectors/code_rules/); and which records remove a held role. Pure; any thread; one
// hash-set probe.
#pragma once

#include "core/config.h"
#include "core/event.h"
#include "state/held_roles.h"

namespace privmon {

inline bool IsRoleGain(Activity a) {
  return a == Activity::kAddMemberToRole || a == Activity::kAddMemberToRoleOutsidePim ||
         a == Activity::kAddEligibleMemberToRole || a == Activity::kAddMemberToRoleInPim ||
         a == Activity::kAddMemberToRolePimActivation;
}

// An assignment removed (active or eligible); PIM's activation expiry and deactivation are not:
// the account stays eligible (docs/RULES.md "Learned privilege").
inline bool IsRoleRemoval(Activity a) {
  return a == Activity::kRemoveMemberFromRole || a == Activity::kRemoveEligibleMemberFromRole;
}

// How a gain holds its role (HeldRoles::Hold): an eligible assignment, an active one, or both for
// a PIM activation (only an eligible account activates).
inline uint8_t RoleHold(Activity a) {
  if (a == Activity::kAddEligibleMemberToRole) return HeldRoles::kEligible;
  if (a == Activity::kAddMemberToRolePimActivation)
    return HeldRoles::kEligible | HeldRoles::kActive;
  return HeldRoles::kActive;
}
inline uint8_t RemovedHold(Activity a) {
  return a == Activity::kRemoveEligibleMemberFromRole ? HeldRoles::kEligible : HeldRoles::kActive;
}

// PRIV-EL-01's two records of one eligible assignment, told apart by the name the parser resolved
// (AuditFields::eligible_name). PIM's own, "Add eligible member to role in PIM completed
// (permanent|timebound)": the name is PIM's alone, so a record naming no service (a projection or
// $select without loggedByService) is PIM's; Core Directory and Access Reviews write no such
// record. A request ("... requested ...") is no eligibility yet (not kAddEligibleMemberToRole).
inline bool IsPimEligibleAssignment(const AuditFields& au) {
  return au.activity == Activity::kAddEligibleMemberToRole &&
         au.eligible_name == EligibleName::kPimCompleted &&
         au.service != AuditService::kCoreDirectory && au.service != AuditService::kAccessReviews;
}
// Core Directory's mirror of it, "Add eligible member to role" (AssignEligibleRole): that
// service's name alone, so a record naming no service is Core Directory's.
inline bool IsEligibleAssignmentMirror(const AuditFields& au) {
  return au.activity == Activity::kAddEligibleMemberToRole &&
         au.eligible_name == EligibleName::kDirectoryMirror && au.service != AuditService::kPim &&
         au.service != AuditService::kAccessReviews;
}

// A failed assignment grants nothing: it is the harmless sibling of every role-gain rule.
inline bool GainsPrivilegedRole(const AuditFields& au, const TenantSettings& tenant) {
  return IsRoleGain(au.activity) && (au.flags & kAuditSuccess) != 0 && au.role_hash != 0 &&
         tenant.privileged_roles.contains(au.role_hash);
}

}  // namespace privmon
