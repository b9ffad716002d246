// Whether an audit record grants its target a privileged role: a successful role-granting activity
// (direct, outside PIM, eligible, PIM assignment or activation) of a role in the tenant's
// privileged_roles. Shared by the engine (privileged-status learning) and the C++ rules that judge
// role gains (detectors/code_rules/). Pure; any thread; one hash-set probe.
#pragma once

#include "core/config.h"
#include "core/event.h"

namespace privmon {

inline bool IsRoleGain(Activity a) {
  return a == Activity::kAddMemberToRole || a == Activity::kAddMemberToRoleOutsidePim ||
         a == Activity::kAddEligibleMemberToRole || a == Activity::kAddMemberToRoleInPim ||
         a == Activity::kAddMemberToRolePimActivation;
}

// A failed assignment grants nothing: it is the harmless sibling of every role-gain rule.
inline bool GainsPrivilegedRole(const AuditFields& au, const TenantSettings& tenant) {
  return IsRoleGain(au.activity) && (au.flags & kAuditSuccess) != 0 && au.role_hash != 0 &&
         tenant.privileged_roles.contains(au.role_hash);
}

}  // namespace privmon
