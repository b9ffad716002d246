#include "detectors/code_rules/naming_policy.h"

#include "detectors/alert_emitter.h"
#include "detectors/role_gain.h"

namespace privmon::code_rules {
namespace {

void Check(CodeRuleContext& ctx, const Event& e, const AccountRef& who, AccountState& st,
           const TenantSettings& tenant) {
  if ((st.flags & kNamingChecked) != 0 || !tenant.naming_policy || who.upn.empty()) return;
  // Once per account, for the first name that violates the policy: a compliant name is checked
  // again at the account's next record (a rename to a name outside the policy is the same fault).
  if (tenant.naming_policy->Search(who.upn.view())) return;
  st.flags |= kNamingChecked;
  Alert a = AlertEmitter::Begin(RuleId::kSI03, e, who);
  a.AddDetail("naming_policy", tenant.naming_policy_text);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace

void NamingPolicy::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant) {
  if (st.privileged()) Check(ctx, e, who, st, tenant);
}

void NamingPolicy::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                 AccountState& st, const TenantSettings& tenant) {
  // A user's name only: a service principal or a group given a role follows no UPN policy.
  if (GainsPrivilegedRole(e.audit, tenant) && (e.audit.flags & kTargetNotUser) == 0) {
    Check(ctx, e, who, st, tenant);
  }
}

}  // namespace privmon::code_rules
