// PRIV-EL-03 "Unusual elevation" (RULES.md, guide row "Elevations"): a privileged account's PIM
// activation of a role it did not activate during its learning period, or outside working hours as
// PRIV-SI-10 decides them (the tenant's hours, else the hours of day the account signed in while
// learning: under 1 % of at least SI-10's threshold of sign-ins). C++ because it joins a novelty
// with SI-10's learned hours and names which in a `reason` detail. The activation names the
// account activated: the actor when a user activated, else (no actor, or PIM's app) the target.
// State: KnownValues (NoveltyKind::kActivatedRole) and the learned hours in PrivilegedState.
// Thread-safety: the shard's thread. Cost: one KnownValues probe per activation.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct UnusualElevation {
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
  static void OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                           AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
