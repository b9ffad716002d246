// Audit rules written in C++ still in the engine. Target side (what happened to an account):
// SI-03, EL-06, EL-08, and privileged-status learning. SI-08, EL-01, EL-03, EL-05, EL-07, CH-01
// and PA-01/02 are small classes in detectors/code_rules/.
// BG-02/03/04, SI-12, SI-15, SI-17, SI-18, CH-02, CH-03, PA-03, PA-04, PA-07, EL-02 and EL-04 are
// data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "detectors/role_gain.h"

namespace privmon {

void DetectionEngine::OnAuditTarget(const Event& e, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  const AccountRef& who = e.account;
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool success = (au.flags & kAuditSuccess) != 0;
  const bool privileged_role = au.role_hash != 0 && tenant.privileged_roles.contains(au.role_hash);
  const bool gains_privileged_role = GainsPrivilegedRole(au, tenant);

  if (gains_privileged_role) MakePrivileged(st, who, e, kPrivilegedLearned);
  if (gains_privileged_role) CheckNamingPolicy(st, who, e, tenant);

  // PRIV-BG-02..04, SI-12, SI-17, PA-03, PA-07 are match rules (rules/*.yaml, generic_rules.cc).
  // PRIV-PA-04, EL-02 (role assignments outside PIM) and EL-04 (denied requests) are match rules.
  // PRIV-SI-08, EL-01, EL-03 and PA-01/02 run after this (detectors/code_rules/).
  if (au.activity == Activity::kRequestApproved) Bump(stats_.pim_approvals);

  // Elevation: PIM activation of the target, and its end.
  if (au.activity == Activity::kAddMemberToRolePimActivation) {
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
}

// The actor's state. Its rules run after this: the C++ ones (SI-08, EL-03, EL-05, EL-07, CH-01:
// detectors/code_rules/), then the data ones (SI-15, SI-18, CH-02, CH-03: rules/*.yaml).
void DetectionEngine::OnAuditActor(const Event& e, const TenantSettings& tenant) {
  Resolve(e.actor, e, tenant);
}

}  // namespace privmon
