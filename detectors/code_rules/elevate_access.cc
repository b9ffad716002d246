#include "detectors/code_rules/elevate_access.h"

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"

namespace privmon::code_rules {

void ElevateAccess::OnAzureActivity(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                    AccountState& /*st*/, const TenantSettings& tenant) {
  if (!e.elevate_access) return;
  Alert a = AlertEmitter::Begin(RuleId::kEL07, e, who);
  a.AddDetail("operation", "Microsoft.Authorization/elevateAccess/action");
  ctx.Emit(a, who.key, tenant);
}

void ElevateAccess::OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                 AccountState& /*st*/, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  if ((au.flags & kAuditSuccess) == 0 || au.category != AuditCategory::kAzureRbacElevateAccess ||
      (au.flags & kElevateAccessRemoved) != 0) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kEL07, e, who);
  AddAuditDetails(a, e, /*names_actor=*/true);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
