// PRIV-EL-05 "PIM settings weakened" (RULES.md, guide row "Changes to PIM settings"): an admin
// changed a PIM role setting ("Update role setting in PIM", logged by PIM, successful). C++ because
// its severity depends on the event: high when the change disables MFA on activation, else medium
// (a tenant's severity override applies to the high form only, as for every rule whose alert
// differs from its catalogue severity). State: none. Thread-safety: the shard's thread. Cost: two
// comparisons per audit record of the actor, an alert when it fires.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct PimSettingsWeakened {
  static void OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                           AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
