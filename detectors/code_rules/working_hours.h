// PRIV-SI-10 "Sign-in outside working hours" (RULES.md, guide row "Outside of normal sign-in
// times"): a privileged account's successful interactive sign-in (a non-interactive one is a
// client renewing its token unattended) outside the tenant's working hours; where the
// tenant set none, outside the hours of day the account signed in while learning (an hour holding
// under 1 % of at least `threshold` learned sign-ins). C++ because a schedule rule has no learned
// hours. State: PrivilegedState::learning_hours / learning_signins (checkpointed; PRIV-EL-03 reads
// them too). Thread-safety: the shard's thread. Cost: O(1) per privileged successful sign-in.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct WorkingHours {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
