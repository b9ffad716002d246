#include "detectors/code_rules/working_hours.h"

#include "detectors/alert_emitter.h"

namespace privmon::code_rules {

void WorkingHours::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant) {
  if (!st.privileged() || e.signin.error_code != 0) return;
  // Only a sign-in the person made: a non-interactive one is a client renewing its token by itself
  // (a desktop app or device left on overnight), at any hour, with nobody at the keyboard. It is
  // neither judged nor learned (its hours would hide the person's own; PRIV-EL-03 reads them too),
  // as the Microsoft Sentinel query the guide's row points to reads SigninLogs alone.
  if (e.signin.channel == SignInChannel::kNonInteractive) return;
  // One sign-in is one sign-in of the baseline (and one verdict) however mv-expand split it.
  if (ctx.RowCounted(RuleId::kSI10, who.key)) return;
  const Seconds32 t = ToSeconds32(e.time);
  if (tenant.working_hours.configured) {
    if (tenant.working_hours.Contains(t)) return;
    Alert a = AlertEmitter::Begin(RuleId::kSI10, e, who);
    a.AddDetail("working_hours", "outside the tenant's working hours");
    ctx.Emit(a, who.key, tenant);
    return;
  }
  PrivilegedState& ps = ctx.Privileged(st);
  const int hour = static_cast<int>((t % 86400) / 3600);
  if (ctx.InLearning(st, t, tenant)) {
    ++ps.learning_hours[hour];
    ++ps.learning_signins;
  } else if (ps.learning_signins >= tenant.rule(RuleId::kSI10).threshold &&
             ps.learning_hours[hour] * 100u < ps.learning_signins) {
    Alert a = AlertEmitter::Begin(RuleId::kSI10, e, who);
    a.AddNumber("hour_utc", hour);
    ctx.Emit(a, who.key, tenant);
  }
}

}  // namespace privmon::code_rules
