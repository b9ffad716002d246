// PRIV-SI-03 "Naming policy violated" (RULES.md, guide row "Privileged accounts that don't follow
// naming policy"): a privileged account whose UPN does not match the tenant's naming_policy
// (a regular expression, RE2: linear time). Checked once per account, when it is first seen
// privileged: its first sign-in as a privileged account or the record that grants it a privileged
// role. C++ because it is a once-per-account check with a regular expression, not a predicate per
// event. State: AccountState's kNamingChecked flag (checkpointed). Thread-safety: the shard's
// thread. Cost: one RE2 search per privileged account, a flag test per event after that.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct NamingPolicy {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
