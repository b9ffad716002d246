// PRIV-SI-09 "Sign-in outside approved controls" (RULES.md, guide row "Privileged account sign-ins
// outside of expected controls"): a privileged account's sign-in from a country the tenant did not
// approve, else from an IP address outside its approved ranges (CIDR), else from a device neither
// compliant nor managed where the tenant requires one. Only the controls the tenant configured
// (`approved:`) are checked, in that order; the first that fails is named in the `violation`
// detail, which is why it is C++ (a computed detail, CIDR ranges). State: none. Thread-safety:
// the shard's thread. Cost: one hash-set probe and a scan of the approved ranges per privileged
// sign-in, an alert when it fires.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct ApprovedControls {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
