// The PIM activation family (RULES.md, guide row "Elevations" and "Elevation not occurring on
// SAW/PAW"): PRIV-EL-06 "Elevation not from a privileged access workstation" (an activation with
// a successful sign-in not from the tenant's paw_devices, or none at all, in the `window` before
// it; a failed or interrupted sign-in opened no session and is no evidence either way) and
// PRIV-EL-08 "Elevation longer than policy" (an activation not ended by an expiry or deactivation
// of the same role within `window`, the policy length plus grace, as PIM writes it or as its copy
// in Core Directory, "Remove member from role" initiated by PIM's app; an end naming no role ends
// any; an account deleted during it, and not restored by the policy's end, ended it too).
// C++ because both are verdicts on an activation that wait in event time for late records
// (timers kPawVerdict and kActivationExpiry, fired as the watermark passes) over state no generic
// kind keeps: the account's sign-in runs from and not from a PAW, and activations paired with
// their ends in either arrival order.
// State: AccountState::last_signin / last_non_paw_signin (every account, where the tenant lists
// PAWs), PrivilegedState::signins (runs), activations (4 slots, the oldest replaced) and
// role_removals (the newest 4), each with its role (activation_roles, role_removal_roles); all
// checkpointed. Thread-safety: the shard's thread. Cost: one hash of the device id per sign-in
// where the tenant lists PAWs; O(slots) per activation or removal; one or two timers per
// activation.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct PimActivations {
  // Remembers the sign-in (from a PAW or not) for EL-06.
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  // An activation of the target opens a slot and arms its verdicts; a removal ends one.
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
  // EL-06's verdict on activation `slot` (its timer is due and the slot still holds it).
  static void FirePawVerdict(CodeRuleContext& ctx, uint64_t account_key, AccountState& st,
                             PrivilegedState& ps, uint8_t slot, const TenantSettings& tenant);
  // EL-08's verdict on activation `slot`.
  static void FireExpiry(CodeRuleContext& ctx, uint64_t account_key, PrivilegedState& ps,
                         uint8_t slot, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
