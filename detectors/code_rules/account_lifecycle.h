// The account lifecycle family (RULES.md, guide row "Privileged account creation"): PRIV-PA-01 "New
// account made privileged" (an account created, then granted a privileged role within `window`)
// and PRIV-PA-02 "Short-lived account" (an account created and deleted within `window`, in either
// order of event time: a deletion then a re-creation of the same id). C++ because each holds in
// either arrival order (the times are kept and the pair judged by whichever event comes second),
// not as ordered sequence steps. Only what happened counts: a failed "Add user" created nothing,
// a failed delete kept the account. State: AccountState::user_added, role_gained, deleted (the
// earliest of each; checkpointed; PRIV-PA-05 also reads `deleted`). Thread-safety: the shard's
// thread. Cost: O(1) per audit record of the target.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct AccountLifecycle {
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
