#include "detectors/code_rules/unusual_elevation.h"

#include <span>

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"

namespace privmon::code_rules {
namespace {

void Judge(CodeRuleContext& ctx, const Event& e, const AccountRef& who, AccountState& st,
           const TenantSettings& tenant) {
  if ((e.audit.flags & kAuditSuccess) == 0) return;  // a failed activation elevated nothing
  // An Azure resource role's or a group's activation: no directory role elevation.
  if ((e.audit.flags & kPimOtherProvider) != 0) return;
  const Seconds32 t = ToSeconds32(e.time);
  const bool learning = ctx.InLearning(st, t, tenant);
  // A custom role's activation learned under its id (PIM named it by its id alone before any
  // record taught its name) is the same role once it reads by its name (breaker round 45).
  const uint64_t id = e.audit.role_id_hash;
  const bool new_role = e.audit.role_hash != 0 &&
                        ctx.LearnFolded(who.key, NoveltyKind::kActivatedRole, e.audit.role_hash,
                                        std::span<const uint64_t>(&id, 1), t);
  bool off_hours = false;
  if (tenant.working_hours.configured) {
    off_hours = !tenant.working_hours.Contains(t);
  } else if (const PrivilegedState* ps = ctx.PrivilegedIfAny(st); ps && !learning) {
    const int hour = static_cast<int>((t % 86400) / 3600);
    off_hours = ps->learning_signins >= tenant.rule(RuleId::kSI10).threshold &&
                ps->learning_hours[hour] * 100u < ps->learning_signins;
  }
  if (!st.privileged() || !((new_role && !learning) || off_hours)) return;
  Alert a = AlertEmitter::Begin(RuleId::kEL03, e, who);
  AddAuditDetails(a, e, /*names_actor=*/&who == &e.actor);
  a.AddDetail("reason", off_hours ? "outside working hours" : "role not activated before");
  ctx.Emit(a, who.key, tenant);
}

}  // namespace

void UnusualElevation::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                     AccountState& st, const TenantSettings& tenant) {
  if (e.audit.activity != Activity::kAddMemberToRolePimActivation) return;
  if (e.actor.present() && (e.audit.flags & kActorIsApp) == 0) return;  // the actor's (below)
  Judge(ctx, e, who, st, tenant);
}

void UnusualElevation::OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                    AccountState& st, const TenantSettings& tenant) {
  if (e.audit.activity != Activity::kAddMemberToRolePimActivation) return;
  if ((e.audit.flags & kActorIsApp) != 0) return;
  Judge(ctx, e, who, st, tenant);
}

}  // namespace privmon::code_rules
