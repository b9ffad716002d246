#include "detectors/code_rules/naming_policy.h"

#include <string_view>

#include "detectors/alert_emitter.h"
#include "detectors/role_gain.h"

namespace privmon::code_rules {
namespace {

void Check(CodeRuleContext& ctx, const Event& e, const AccountRef& who, AccountState& st,
           const TenantSettings& tenant) {
  if ((st.flags & kNamingChecked) != 0 || !tenant.naming_policy) return;
  // By the newest name kept for the account (a sign-in older than a rename arriving after it is
  // checked by the new name), else the record's; a record naming the account by its id alone
  // (PIM's own records) and none kept: by the next record that names it.
  std::string_view upn = who.upn.view();
  // (Unless the kept name is the record's cut at kKeptUpnCapacity: then the record's, whole.)
  if (const PrivilegedState* ps = ctx.PrivilegedIfAny(st);
      ps != nullptr && !ps->upn.empty() &&
      !(ps->upn.truncated() && upn.starts_with(ps->upn.view()))) {
    upn = ps->upn.view();
  }
  if (upn.empty()) return;
  // Once per account, for the first name that violates the policy: a compliant name is checked
  // again at the account's next record (a rename to a name outside the policy is the same fault).
  if (tenant.naming_policy->Search(upn)) return;
  st.flags |= kNamingChecked;
  Alert a = AlertEmitter::Begin(RuleId::kSI03, e, who);
  a.AddDetail("naming_policy", tenant.naming_policy_text);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace

void NamingPolicy::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant) {
  // Or privileged from a later time, by a gain that arrived first and named it by id alone: the
  // once-per-account verdict is the gain's, whichever of the two came first (a sign-in arriving
  // first is judged again when the gain comes: ReplayPrivilege).
  if (st.privileged() ||
      ((st.flags & kNamingChecked) == 0 && tenant.naming_policy && ctx.PrivilegedLater(who.key))) {
    Check(ctx, e, who, st, tenant);
  }
}

void NamingPolicy::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                 AccountState& st, const TenantSettings& tenant) {
  // A user's name only: a service principal or a group given a role follows no UPN policy.
  if (GainsPrivilegedRole(e.audit, tenant) && (e.audit.flags & kTargetNotUser) == 0) {
    Check(ctx, e, who, st, tenant);
  }
}

bool NamingPolicy::StillHolds(const Alert& a, AccountState& st, const TenantSettings& tenant) {
  if (a.rule != RuleId::kSI03 || a.update || !tenant.naming_policy || a.upn().empty() ||
      !tenant.naming_policy->Search(a.upn())) {
    return true;
  }
  st.flags &= static_cast<uint8_t>(~kNamingChecked);
  return false;
}

}  // namespace privmon::code_rules
