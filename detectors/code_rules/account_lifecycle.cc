#include "detectors/code_rules/account_lifecycle.h"

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "detectors/code_rules/unused_account.h"
#include "detectors/role_gain.h"

namespace privmon::code_rules {

void AccountLifecycle::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                     AccountState& st, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  const bool success = (au.flags & kAuditSuccess) != 0;
  const bool added = success && au.activity == Activity::kAddUser;
  const bool deleted =
      success && (au.activity == Activity::kDeleteUser || au.activity == Activity::kHardDeleteUser);
  // Deletions and restores are kept by time for PRIV-PA-05 (gone, or deleted and restored: an
  // account in use again). PA-01/02 read the earliest deletion below as before.
  if (deleted || (success && au.activity == Activity::kRestoreUser)) {
    ctx.NoteDeletion(who.key, ToSeconds32(e.time), !deleted);
    // A restored privileged account is waited for again from its restore (no timer is pending
    // when the last one found it gone).
    if (!deleted && st.privileged()) UnusedAccount::Arm(ctx, who.key, st, tenant);
  }
  // A gain is an assignment (RULES.md's list: direct, eligible, PIM's): not a PIM activation, the
  // use of an eligibility already granted (that grant was the gain), nor PIM's Core Directory copy
  // of a grant it logged itself (kInitiatedByPim; a copy not yet paired holds its verdict, as its
  // PRIV-EL-02 / PA-04 do: DetectionEngine::Emit). Else an account made eligible, then activated
  // hours later, raised PA-01 twice (tests/regressions/m16a_*).
  const bool gained =
      !added && !deleted && GainsPrivilegedRole(au, tenant) &&
      au.activity != Activity::kAddMemberToRolePimActivation &&
      !(au.activity == Activity::kAddMemberToRole && (au.flags & kInitiatedByPim) != 0);
  if (!added && !deleted && !gained) return;
  const Seconds32 t = ToSeconds32(e.time);
  const int64_t pa01_window = tenant.rule(RuleId::kPA01).window_s;
  const int64_t pa02_window = tenant.rule(RuleId::kPA02).window_s;
  auto within = [](Seconds32 first, Seconds32 then, int64_t window) {
    return first != 0 && then != 0 && then >= first && static_cast<int64_t>(then - first) <= window;
  };
  // Timed by the pair's later event in event time, whichever of the two arrived second, so the
  // verdict's time (and the id: its suppression bucket) never depends on the arrival order
  // (docs/operations.md "Alert ids"). `other`: the stored time of the pair's other event.
  // PRIV-PA-02 is timed by the earliest deletion paired with the creation: its verdict is held
  // for a deletion arriving later yet dated earlier (a purge read before the soft delete it
  // follows: breaker round 125, z35a), which takes its place (`replaces`).
  auto emit = [&](RuleId rule, Seconds32 other, bool replaces = false) {
    Alert a = AlertEmitter::Begin(rule, e, who);
    const EventTime other_us = static_cast<EventTime>(other) * kMicrosPerSecond;
    if (other > t) {
      a.time = a.last_seen = other_us;
    } else if (other < t) {
      a.first_seen = other_us;
    }
    AddAuditDetails(a, e, /*names_actor=*/false);
    if (rule == RuleId::kPA02) {
      ctx.EmitEarliest(a, who.key, tenant, replaces);
    } else {
      ctx.Emit(a, who.key, tenant);
    }
  };
  if (added) {
    if (st.user_added == 0 || t < st.user_added) st.user_added = t;
    // Each role granted after it that arrived first (a Graph page read newest first) is a
    // verdict, as each is when it arrives after "Add user" (breaker round 39: two grants raised
    // one; across an hour, the later hour's alert_id was missing). Else the earliest gain kept.
    bool paired = false;
    if (const PrivilegedState* ps = ctx.PrivilegedIfAny(st)) {
      ps->roles.ForEachGrant([&](Seconds32 granted) {
        if (within(t, granted, pa01_window)) {
          emit(RuleId::kPA01, granted);
          paired = true;
        }
      });
    }
    if (!paired && within(t, st.role_gained, pa01_window)) emit(RuleId::kPA01, st.role_gained);
    if (within(t, st.deleted, pa02_window)) emit(RuleId::kPA02, st.deleted);
  } else if (gained) {
    if (st.role_gained == 0 || (st.user_added != 0 && t >= st.user_added && t < st.role_gained) ||
        st.role_gained < st.user_added) {
      st.role_gained = t;
    }
    if (within(st.user_added, t, pa01_window)) emit(RuleId::kPA01, st.user_added);
  } else {
    // One short life, one alert: the soft delete ("Delete user") and the purge from the recycle
    // bin that follows it ("Hard delete user", the same prefixed UPN) end the same account, so a
    // deletion already paired with its creation raises no second PRIV-PA-02 (in either order).
    const bool paired = within(st.user_added, st.deleted, pa02_window);
    const bool earlier = st.deleted != 0 && t < st.deleted;
    if (st.deleted == 0 || t < st.deleted) st.deleted = t;
    if (within(st.user_added, t, pa02_window) && (!paired || earlier)) {
      emit(RuleId::kPA02, st.user_added, /*replaces=*/paired);
    }
  }
}

}  // namespace privmon::code_rules
