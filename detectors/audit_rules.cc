// Audit rules written in C++. Target side (what happened to an account): SI-03,
// PA-01/02, EL-01, EL-06, EL-08, and privileged-status learning.
// Actor side (what an admin did): SI-08 (audit form), CH-01, EL-03, EL-05, EL-07.
// BG-02/03/04, SI-12, SI-15, SI-17, SI-18, CH-02, CH-03, PA-03, PA-04, PA-07, EL-02 and EL-04 are
// data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"

namespace privmon {
namespace {

bool IsRoleGain(Activity a) {
  return a == Activity::kAddMemberToRole || a == Activity::kAddMemberToRoleOutsidePim ||
         a == Activity::kAddEligibleMemberToRole || a == Activity::kAddMemberToRoleInPim ||
         a == Activity::kAddMemberToRolePimActivation;
}

bool StartsWithLower(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if (AsciiLower(s[i]) != lower_prefix[i]) return false;
  }
  return true;
}

Alert AuditAlert(RuleId rule, const Event& e, const AccountRef& who) {
  Alert a = AlertEmitter::Begin(rule, e, who);
  AddAuditDetails(a, e, /*names_actor=*/&who == &e.actor);
  return a;
}

}  // namespace

void DetectionEngine::OnAuditTarget(const Event& e, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  const AccountRef& who = e.account;
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool success = (au.flags & kAuditSuccess) != 0;
  const bool privileged_role = au.role_hash != 0 && tenant.privileged_roles.contains(au.role_hash);
  // A failed assignment grants nothing: it is the harmless sibling of every role-gain rule.
  const bool gains_privileged_role = IsRoleGain(au.activity) && privileged_role && success;
  auto emit = [&](RuleId rule) {
    Alert a = AuditAlert(rule, e, who);
    return Emit(a, who.key, tenant);
  };

  if (gains_privileged_role) MakePrivileged(st, who, e, kPrivilegedLearned);
  const bool privileged = st.privileged();
  if (gains_privileged_role) CheckNamingPolicy(st, who, e, tenant);

  // PRIV-BG-02..04, SI-12, SI-17, PA-03, PA-07 are match rules (rules/*.yaml, generic_rules.cc).
  // PRIV-PA-04, EL-02 (role assignments outside PIM) and EL-04 (denied requests) are match rules.
  if (gains_privileged_role && au.service == AuditService::kPim &&
      au.activity == Activity::kAddEligibleMemberToRole &&
      StartsWithLower(au.activity_name.view(), "add eligible member to role in pim completed")) {
    emit(RuleId::kEL01);
  }
  if (au.activity == Activity::kRequestApproved) Bump(stats_.pim_approvals);

  // PRIV-PA-01 / PA-02: sequences on the target, whichever event arrives first.
  const int64_t pa01_window = tenant.rule(RuleId::kPA01).window_s;
  const int64_t pa02_window = tenant.rule(RuleId::kPA02).window_s;
  auto within = [](Seconds32 first, Seconds32 then, int64_t window) {
    return first != 0 && then != 0 && then >= first && static_cast<int64_t>(then - first) <= window;
  };
  // Only what happened counts: a failed "Add user" created no account, a failed delete kept it.
  const bool added = success && au.activity == Activity::kAddUser;
  const bool deleted =
      success && (au.activity == Activity::kDeleteUser || au.activity == Activity::kHardDeleteUser);
  if (added) {
    if (st.user_added == 0 || t < st.user_added) st.user_added = t;
    if (within(t, st.role_gained, pa01_window)) emit(RuleId::kPA01);
    if (within(t, st.deleted, pa02_window)) emit(RuleId::kPA02);
  } else if (gains_privileged_role) {
    if (st.role_gained == 0 || (st.user_added != 0 && t >= st.user_added && t < st.role_gained) ||
        st.role_gained < st.user_added) {
      st.role_gained = t;
    }
    if (within(st.user_added, t, pa01_window)) emit(RuleId::kPA01);
  } else if (deleted) {
    if (st.deleted == 0 || t < st.deleted) st.deleted = t;
    if (within(st.user_added, t, pa02_window)) emit(RuleId::kPA02);
  }

  // Elevation: PIM activation of the target, and its end.
  if (au.activity == Activity::kAddMemberToRolePimActivation) {
    if (!e.actor.present() || (au.flags & kActorIsApp) != 0) ActivationByAccount(e, who, tenant);
    if (st.privileged()) {
      PrivilegedState& ps = accounts_.Privileged(st);
      auto slot = std::find_if(ps.activations.begin(), ps.activations.end(),
                               [](const PendingActivation& p) { return p.time == 0; });
      if (slot == ps.activations.end()) {
        slot = std::min_element(ps.activations.begin(), ps.activations.end(),
                                [](const auto& a, const auto& b) { return a.time < b.time; });
      }
      slot->time = t;
      slot->role = au.role_name;
      slot->record_id = e.record_id;
      slot->paw_verdict_due = !tenant.paw_devices.empty();
      const int64_t policy = tenant.rule(RuleId::kEL08).window_s;
      slot->expiry_due = !ps.role_removals.AnyWithin(t, static_cast<Seconds32>(t + policy));
      const auto index = static_cast<uint8_t>(slot - ps.activations.begin());
      Timer timer;
      timer.account = who.key;
      timer.slot = index;
      timer.basis = t;
      if (slot->paw_verdict_due) {
        timer.due = e.time;
        timer.kind = TimerKind::kPawVerdict;
        PushTimer(e.tenant_hash, timer);
      }
      if (slot->expiry_due) {
        timer.due = e.time + policy * kMicrosPerSecond;
        timer.kind = TimerKind::kActivationExpiry;
        PushTimer(e.tenant_hash, timer);
      }
    }
  } else if (au.activity == Activity::kRemoveMemberFromRolePimExpired ||
             au.activity == Activity::kRemoveMemberFromRolePimDeactivate) {
    // The end of an activation of a privileged role arriving before the activation itself
    // (within the allowed lateness) must not be lost: the account activated that role, so it is
    // privileged, and the removal is kept for the activation to find.
    if (privileged_role && success && !st.privileged()) {
      MakePrivileged(st, who, e, kPrivilegedLearned);
    }
    if (PrivilegedState* ps = accounts_.PrivilegedIfAny(st)) {
      ps->role_removals.Add(t);
      const int64_t policy = tenant.rule(RuleId::kEL08).window_s;
      for (auto& act : ps->activations) {
        if (act.time != 0 && t >= act.time && static_cast<int64_t>(t - act.time) <= policy) {
          act.expiry_due = false;
        }
      }
    }
  }
  // The audit form of PRIV-SI-08 names the actor; an app-reported fraud names the target.
  if ((au.activity == Activity::kFraudReportedBlocked ||
       au.activity == Activity::kFraudReportedNoAction) &&
      (!e.actor.present() || (au.flags & kActorIsApp) != 0) && privileged) {
    emit(RuleId::kSI08);
  }
}

void DetectionEngine::OnAuditActor(const Event& e, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  const AccountRef& who = e.actor;
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool is_user = (au.flags & kActorIsApp) == 0;
  auto emit = [&](RuleId rule, Severity severity) {
    Alert a = AuditAlert(rule, e, who);
    a.severity = severity;
    return Emit(a, who.key, tenant);
  };
  auto sev = [](RuleId r) { return GetRuleInfo(r).severity; };
  // The change rules below name a change that happened: a failed record changed nothing (the
  // sibling-event principle of RULES.md; the fraud reports of PRIV-SI-08 are reports either way).
  const bool success = (au.flags & kAuditSuccess) != 0;

  if (is_user && st.privileged() &&
      (au.activity == Activity::kFraudReportedBlocked ||
       au.activity == Activity::kFraudReportedNoAction)) {
    emit(RuleId::kSI08, sev(RuleId::kSI08));
  }
  // PRIV-SI-18, CH-02 and CH-03 are match rules on the actor (rules/*.yaml, generic_rules.cc).
  if (success && au.service == AuditService::kPim &&
      au.activity == Activity::kUpdateRoleSettingInPim) {
    emit(RuleId::kEL05,
         (au.flags & kPimSettingDisablesMfa) != 0 ? Severity::kHigh : Severity::kMedium);
  }
  if (success && au.category == AuditCategory::kAzureRbacElevateAccess &&
      (au.flags & kElevateAccessRemoved) == 0) {
    emit(RuleId::kEL07, sev(RuleId::kEL07));
  }

  // PRIV-CH-01: an activity this privileged admin never performed while learning. A view or a
  // failed attempt changed nothing.
  if (au.activity_hash != 0 && success && (au.flags & kViewOnly) == 0) {
    const bool fresh =
        known_.Add(who.key, NoveltyKind::kActivity, au.activity_hash, t, current_tenant_);
    if (fresh && st.privileged() && !InLearning(st, t, tenant)) {
      emit(RuleId::kCH01, sev(RuleId::kCH01));
    }
  }
  if (is_user && au.activity == Activity::kAddMemberToRolePimActivation) {
    ActivationByAccount(e, who, tenant);
  }
}

// PRIV-EL-03: a PIM activation of a role this account did not activate while learning, or
// outside working hours.
void DetectionEngine::ActivationByAccount(const Event& e, const AccountRef& who,
                                          const TenantSettings& tenant) {
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool learning = InLearning(st, t, tenant);
  const bool new_role = e.audit.role_hash != 0 && known_.Add(who.key, NoveltyKind::kActivatedRole,
                                                             e.audit.role_hash, t, current_tenant_);
  // "Outside working hours" as PRIV-SI-10 decides them: the tenant's hours, else the hours of day
  // this account signed in during its learning period (under 1% of at least 20 sign-ins).
  bool off_hours = false;
  if (tenant.working_hours.configured) {
    off_hours = !tenant.working_hours.Contains(t);
  } else if (const PrivilegedState* ps = accounts_.PrivilegedIfAny(st); ps && !learning) {
    const int hour = static_cast<int>((t % 86400) / 3600);
    off_hours = ps->learning_signins >= tenant.rule(RuleId::kSI10).threshold &&
                ps->learning_hours[hour] * 100u < ps->learning_signins;
  }
  if (!st.privileged() || !((new_role && !learning) || off_hours)) return;
  Alert a = AuditAlert(RuleId::kEL03, e, who);
  a.AddDetail("reason", off_hours ? "outside working hours" : "role not activated before");
  Emit(a, who.key, tenant);
}

}  // namespace privmon
