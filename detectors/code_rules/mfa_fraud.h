// PRIV-SI-08 "MFA fraud reported" (RULES.md, guide row "MFA fraud alert or block"): a privileged
// account reported MFA fraud. Three forms in one rule, which is why it is C++ (a generic rule reads
// one record kind and one side): a sign-in whose authentication details carry the fraud flag; an
// audit fraud report written by an app (or with no actor), naming the target; one a user wrote,
// naming that user (the actor). State: none (reads the account's privileged flag). Thread-safety:
// the shard's thread. Cost: a few flag tests per event of its kinds, an alert when it fires.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct MfaFraud {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
  static void OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                           AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
