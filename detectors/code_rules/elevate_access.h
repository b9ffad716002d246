// PRIV-EL-07 "Elevated to manage all subscriptions" (RULES.md, guide row "Elevation to manage all
// Azure subscriptions"): an account used Entra ID's "elevate access" to become User Access
// Administrator of every subscription. C++ because one rule reads two record kinds: the Azure
// Activity record (Microsoft.Authorization/elevateAccess/action, naming its caller) and the audit
// record (category AzureRBACRoleManagementElevateAccess, successful, not the removal, naming the
// actor). State: none. Thread-safety: the shard's thread. Cost: one or two comparisons per
// record of its kinds, an alert when it fires.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct ElevateAccess {
  static void OnAzureActivity(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                              AccountState& st, const TenantSettings& tenant);
  static void OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                           AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
