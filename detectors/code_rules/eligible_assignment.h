// PRIV-EL-01 "Made eligible for a privileged role" (RULES.md, guide row "Added to eligible
// privileged role"): an account made eligible for a privileged role, successfully, by PIM's record
// ("Add eligible member to role in PIM completed (permanent|timebound)") or Core Directory's
// mirror of it ("Add eligible member to role"); the engine holds the mirror's alert until PIM's
// record of the same grant could pair it (one grant, one alert: state/pim_copies.h). C++ because
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
