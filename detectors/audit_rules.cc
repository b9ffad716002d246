// The audit family: the target's and the actor's state and privileged-status learning. Its C++
// rules are small classes in detectors/code_rules/ (SI-03, SI-08, EL-01, EL-03, EL-05, EL-06,
// EL-07, EL-08, CH-01, PA-01/02), run after this.
// BG-02/03/04, SI-12, SI-15, SI-17, SI-18, CH-02, CH-03, PA-03, PA-04, PA-07, EL-02 and EL-04 are
// data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "detectors/role_gain.h"

namespace privmon {
namespace {

// Mixed into a role's hash for its hold over an administrative unit (AuditFields::unit_scoped).
constexpr uint64_t kUnitScopedHold = 0x9e3779b97f4a7c15;

}  // namespace

void DetectionEngine::OnAuditTarget(const Event& e, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  const AccountRef& who = e.account;
  AccountState& st = Resolve(who, e, tenant);
  const bool success = (au.flags & kAuditSuccess) != 0;
  const bool privileged_role = au.role_hash != 0 && tenant.privileged_roles.contains(au.role_hash);
  const bool gains_privileged_role = GainsPrivilegedRole(au, tenant);

  // A service principal or a group given a role is no user account: its rules (EL-01, EL-02,
  // PA-04) name it, but it signs in as no user (PA-05, SI-03 would misjudge it).
  // A copy paired with PIM's record by the role's id alone grants as of PIM's record
  // (DetectionEngine::PairedByNameOrId).
  const Seconds32 t = paired_grant_time_ != 0 ? std::min(paired_grant_time_, ToSeconds32(e.time))
                                              : ToSeconds32(e.time);
  // The hold this record grants or removes: the role, directory-wide or over an administrative
  // unit. One account may hold a role both ways (two assignments): removing one leaves the other
  // (breaker round 27). Units apart are one hold (the record names no unit in a field read here).
  const uint64_t hold = au.unit_scoped ? HashCombine(au.role_hash, kUnitScopedHold) : au.role_hash;
  if (gains_privileged_role && (au.flags & kTargetNotUser) == 0) {
    // Each held role follows its newest record in event time: a gain older than a removal of the
    // same hold already seen (the removal arrived first) grants nothing.
    const PrivilegedState* known = accounts_.PrivilegedIfAny(st);
    if (known == nullptr || known->roles.Admits(hold, RoleHold(au.activity), t)) {
      const bool was_privileged = st.privileged();
      // A removal of this hold older than this gain, already seen: the privilege before it ended
      // then (an older gain arriving later covers the times up to that removal only).
      const Seconds32 ended =
          known != nullptr ? known->roles.RemovedAt(hold, RoleHold(au.activity)) : 0;
      MakePrivileged(st, who, e, kPrivilegedLearned);
      accounts_.Privileged(st).roles.Grant(hold, RoleHold(au.activity), t);
      NoteLearned(who.key, was_privileged, t);
      if (!was_privileged && ended != 0 && ended < t) NoteEndedBefore(who.key, ended, t);
    } else if ((st.flags & kPrivilegedLearned) != 0 && known->roles.Holds(hold)) {
      // An older gain of a role it holds (a newer record of that hold came first): privileged
      // since this older time, as when the records arrive in order; up to a removal between the
      // two only, when one is known.
      NoteOlderGain(who.key, t);
    }
  } else if (IsRoleRemoval(au.activity) && success && privileged_role &&
             (au.flags & kTargetNotUser) == 0) {
    // The removal of an assignment the account is known to hold; the last one un-learns its
    // privilege (docs/RULES.md "Learned privilege"). A removal of a role never seen granted is
    // remembered (its time), so that the gain it undoes, arriving after it, grants nothing: the
    // same final privilege in any arrival order.
    const bool fresh = st.privileged_index == UINT32_MAX;
    PrivilegedState& ps = accounts_.Privileged(st);
    if (fresh) {
      // Never privileged: the slot keeps the removal only. Named and dated as a slot left by an
      // un-learned account (MakePrivileged restarts its PRIV-PA-05 period at a later gain).
      ps.tenant_id = e.tenant_id;
      ps.tenant_hash = e.tenant_hash;
      ps.since = std::max<Seconds32>(t, 1);
      KeepNames(ps, who, t);
    }
    if (ps.roles.Remove(hold, RemovedHold(au.activity), t)) {
      Unlearn(who.key, st, ps, t);
    } else if ((st.flags & kPrivilegedLearned) != 0 && ps.roles.sources == 0 &&
               ps.roles.count() == 1 && ps.roles.Holds(hold, RemovedHold(au.activity))) {
      // Older than the grant of the one role it holds (which arrived first): its privilege
      // before that grant ended here.
      NoteEndedBefore(who.key, t, ps.roles.GrantedAt(hold, RemovedHold(au.activity)));
    }
  }

  // PRIV-BG-02..04, SI-12, SI-17, PA-03, PA-07 are match rules (rules/*.yaml, generic_rules.cc).
  // PRIV-PA-04, EL-02 (role assignments outside PIM) and EL-04 (denied requests) are match rules.
  // PRIV-SI-03, SI-08, EL-01, EL-03, EL-06/08 and PA-01/02 run after this (detectors/code_rules/).
  if (au.activity == Activity::kRequestApproved) Bump(stats_.pim_approvals);

  // The end of an activation of a privileged role arriving before the activation itself (within
  // the allowed lateness) must not be lost: the account activated that role, so it is privileged
  // (PRIV-EL-06/08, detectors/code_rules/pim_activations.h, keep the removal for it).
  // An account already learned privileged by another role keeps the expired role as eligible too
  // (its activation may precede the logs): removing the other role does not un-learn it.
  // The eligibility an expiry proves is a weak grant (time 0): any removal of that eligibility,
  // older or newer, arriving before or after, wins (a removal of the eligible assignment ends its
  // activation, whose expiry PIM writes after it: such an account is not made privileged again),
  // so the outcome is the same in any order.
  // A request to activate the role (asked, approved, denied, canceled) proves the same
  // eligibility: only an eligible account asks (PRIV-EL-04 judges a denied one of such an account).
  if ((au.activity == Activity::kRemoveMemberFromRolePimExpired ||
       au.activity == Activity::kRemoveMemberFromRolePimDeactivate ||
       (au.flags & kPimActivationRequest) != 0) &&
      privileged_role && success && (au.flags & kTargetNotUser) == 0) {
    PrivilegedState* ps = accounts_.PrivilegedIfAny(st);
    const bool admitted = ps == nullptr || ps->roles.Admits(au.role_hash, HeldRoles::kEligible, 0);
    // The eligibility it proves began before the record: privileged at every time (0).
    if (!st.privileged() && admitted) {
      MakePrivileged(st, who, e, kPrivilegedLearned);
      accounts_.Privileged(st).roles.Grant(au.role_hash, HeldRoles::kEligible, 0);
      NoteLearned(who.key, false, 0);
    } else if (ps != nullptr && (st.flags & kPrivilegedLearned) != 0 &&
               (admitted || (ps->roles.Holds(au.role_hash, HeldRoles::kEligible) &&
                             !privilege_gap_.contains(who.key)))) {
      // Also for a role it holds already, directly or by the activation this record ends or asks
      // for (whose eligibility that activation granted at its own time): the eligibility began
      // before, as when this record arrives first (breaker round 6). Not across a known end of
      // an earlier privilege (a removal of the eligibility before that activation: round 7).
      if (admitted) ps->roles.Grant(au.role_hash, HeldRoles::kEligible, 0);
      NoteLearned(who.key, true, 0);
    }
  }
}

// The actor's state. Its rules run after this: the C++ ones (SI-08, EL-03, EL-05, EL-07, CH-01:
// detectors/code_rules/), then the data ones (SI-15, SI-18, CH-02, CH-03: rules/*.yaml).
void DetectionEngine::OnAuditActor(const Event& e, const TenantSettings& tenant) {
  Resolve(e.actor, e, tenant);
}

}  // namespace privmon
