#include "detectors/code_rules/eligible_assignment.h"

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "detectors/role_gain.h"

namespace privmon::code_rules {

void EligibleAssignment::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                       AccountState& /*st*/, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  // PIM's record, or Core Directory's mirror of the grant: the engine drops the mirror's alert
  // when PIM's record of the same grant lies within 5 minutes of it, in either arrival order
  // (DetectionEngine::PairPimCopy, state/pim_copies.h), so one grant is one alert.
  if ((!IsPimEligibleAssignment(au) && !IsEligibleAssignmentMirror(au)) ||
      !GainsPrivilegedRole(au, tenant)) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kEL01, e, who);
  AddAuditDetails(a, e, /*names_actor=*/false);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
