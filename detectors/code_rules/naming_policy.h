// PRIV-SI-03 "Naming policy violated" (RULES.md, guide row "Privileged accounts that don't follow
// naming policy"): a privileged account whose UPN does not match the tenant's naming_policy
// (a regular expression, RE2: linear time). Checked at each sign-in as a privileged account and
// each record that grants it a privileged role, until it fires once for the account: an account
// renamed out of the policy after its first (compliant) check is caught. A grant naming the
// account by id alone (PIM's own records) is checked by its kept name, else by the first sign-in
// that names it, whichever arrives first (an older one as of the privilege learned after it). C++
// because it is a once-per-account verdict with a regular expression, not a predicate per event.
// State: AccountState's kNamingChecked flag (checkpointed; set when the alert fires).
// Thread-safety: the shard's thread. Cost: one RE2 search per privileged sign-in of a compliant
// account (UPNs are short), a flag test per event after a violation.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct NamingPolicy {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
  // A verdict held for its account's name (DetectionEngine::Emit) leaves named by the newest name
  // the window gave: false when `a` is this rule's and that name follows the policy (a rename
  // within the window); the account is then checked again at its next record.
  static bool StillHolds(const Alert& a, AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
