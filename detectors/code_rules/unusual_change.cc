#include "detectors/code_rules/unusual_change.h"

#include <array>
#include <span>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "parsers/activity_names.h"

namespace privmon::code_rules {
namespace {
// An admin's password reset in the portal is written twice: Core Directory's "Reset password"
// and Self-service Password Management's "Reset password (by admin)" (SCHEMA-detail section 2.3):
// one operation here, learned once (breaker round 107: an admin who had reset passwords through
// the API got "unusual" for the second service's name). Only PRIV-CH-01 folds it: a custom rule
// on either name counts that service's records alone (breaker round 108).
constexpr uint64_t kResetPassword = HashLower("Reset password");
}  // namespace

void UnusualChange::OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                 AccountState& st, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  if (au.activity_hash == 0 || (au.flags & kAuditSuccess) == 0 || (au.flags & kViewOnly) != 0) {
    return;
  }
  // The account acting on itself (its own password, security info, profile, PIM activation) is
  // self-service, not a change an admin makes to the tenant: SI-12, PA-03 and EL-03 judge those.
  // Not a role the admin assigns itself (directly, as eligible or permanent in PIM): no user can
  // give itself a role as self-service, only an admin able to assign roles; that is a change.
  const AccountRef& target = e.account;
  const bool assigns_role = au.activity == Activity::kAddMemberToRole ||
                            au.activity == Activity::kAddMemberToRoleOutsidePim ||
                            au.activity == Activity::kAddEligibleMemberToRole ||
                            au.activity == Activity::kAddMemberToRoleInPim;
  if (!assigns_role && ((target.id_hash != 0 && target.id_hash == who.id_hash) ||
                        (target.upn_hash != 0 && target.upn_hash == who.upn_hash))) {
    return;
  }
  const Seconds32 t = ToSeconds32(e.time);
  // One operation under any of its names (renamed, or named differently by activityDisplayName
  // and operationName): learned by its current name's key. A key learned before under another
  // spelling (a checkpoint's, or this record's own) still counts.
  const uint64_t activity =
      au.activity == Activity::kResetPasswordByAdmin ? kResetPassword : au.activity_hash;
  const uint64_t key = parsers::CanonicalActivityKey(activity);
  std::array<uint64_t, 8> former{};
  const std::size_t n = parsers::FormerActivityKeys(activity, former);
  const bool fresh = ctx.LearnFolded(who.key, NoveltyKind::kActivity, key,
                                     std::span<const uint64_t>(former.data(), n), t);
  if (!fresh || !st.privileged() || ctx.InLearning(st, t, tenant)) return;
  Alert a = AlertEmitter::Begin(RuleId::kCH01, e, who);
  AddAuditDetails(a, e, /*names_actor=*/true);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
