// Rules on the other record kinds: MFA registration (PRIV-SI-05), Azure Activity elevate access
// (PRIV-EL-07) and Domain Services security events (PRIV-CH-04).
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::OnRegistration(const Event& e, const TenantSettings& tenant) {
  AccountState& st = Resolve(e.account, e, tenant);
  if (e.registration.is_admin) MakePrivileged(st, e.account, e, kPrivilegedLearned);
  if (!e.registration.is_mfa_registered && st.privileged()) {
    Alert a = AlertEmitter::Begin(RuleId::kSI05, e, e.account);
    a.AddFlag("is_mfa_registered", false);
    a.AddFlag("is_admin", e.registration.is_admin);
    Emit(a, e.account.key, tenant);
  }
}

void DetectionEngine::OnAzureActivity(const Event& e, const TenantSettings& tenant) {
  Resolve(e.account, e, tenant);
  if (!e.elevate_access) return;
  Alert a = AlertEmitter::Begin(RuleId::kEL07, e, e.account);
  a.AddDetail("operation", "Microsoft.Authorization/elevateAccess/action");
  Emit(a, e.account.key, tenant);
}

void DetectionEngine::OnSecurityEvent(const Event& e, const TenantSettings& tenant) {
  AccountState& st = Resolve(e.account, e, tenant);
  if (e.security.event_id != 4673 || !st.privileged()) return;
  Alert a = AlertEmitter::Begin(RuleId::kCH04, e, e.account);
  a.AddNumber("event_id", 4673);
  a.AddDetail("computer", e.security.computer.view());
  Emit(a, e.account.key, tenant);
}

}  // namespace privmon
