#include "detectors/code_rules/mfa_fraud.h"

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"

namespace privmon::code_rules {
namespace {

bool IsFraudReport(Activity a) {
  return a == Activity::kFraudReportedBlocked || a == Activity::kFraudReportedNoAction ||
         a == Activity::kSuspiciousActivityReported;
}

}  // namespace

void MfaFraud::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                        AccountState& st, const TenantSettings& tenant) {
  if (!st.privileged() || !e.signin.fraud_reported) return;
  Alert a = AlertEmitter::Begin(RuleId::kSI08, e, who);
  a.AddDetail("source", "sign-in authentication details");
  ctx.Emit(a, who.key, tenant);
}

void MfaFraud::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                             AccountState& st, const TenantSettings& tenant) {
  // An app-reported fraud names the target; a user's report names the user (OnAuditActor).
  if (!IsFraudReport(e.audit.activity) || !st.privileged() ||
      (e.actor.present() && (e.audit.flags & kActorIsApp) == 0)) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kSI08, e, who);
  AddAuditDetails(a, e, /*names_actor=*/false);
  ctx.Emit(a, who.key, tenant);
}

void MfaFraud::OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant) {
  if (!IsFraudReport(e.audit.activity) || !st.privileged() || (e.audit.flags & kActorIsApp) != 0) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kSI08, e, who);
  AddAuditDetails(a, e, /*names_actor=*/true);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
