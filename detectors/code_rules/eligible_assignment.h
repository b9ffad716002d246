// PRIV-EL-01 "Made eligible for a privileged role" (RULES.md, guide row "Added to eligible
// privileged role"): PIM completed making an account eligible for a privileged role ("Add eligible
// member to role in PIM completed (permanent|timebound)", logged by PIM, successful). C++ because
// it compares a prefix of the activity name, which the rule language does not (a request, "...
// requested", is not yet an eligibility). State: none. Thread-safety: the shard's thread. Cost: a
// few comparisons per audit record of the target, a short prefix compare on eligible assignments.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct EligibleAssignment {
  static void OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
