#include "detectors/code_rules/pim_settings_weakened.h"

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"

namespace privmon::code_rules {

void PimSettingsWeakened::OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                       AccountState& /*st*/, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  // "Update role setting in PIM" is PIM's name alone: a record naming no service (a projection or
  // $select without loggedByService) is PIM's (t16), as EL-01 and EL-02 read theirs.
  if ((au.flags & kAuditSuccess) == 0 || au.service == AuditService::kCoreDirectory ||
      au.service == AuditService::kAccessReviews ||
      (au.activity != Activity::kUpdateRoleSettingInPim &&
       au.activity != Activity::kPimPolicyRemoved)) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kEL05, e, who);
  AddAuditDetails(a, e, /*names_actor=*/true);
  // A policy removed or a resource offboarded says nothing of which setting it took: medium.
  a.severity = (au.flags & kPimSettingDisablesMfa) != 0 ? Severity::kHigh : Severity::kMedium;
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
