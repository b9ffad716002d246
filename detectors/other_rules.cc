// The other record kinds: MFA registration (learning privileged status; PRIV-SI-05 is data),
// Azure Activity (the account's state; PRIV-EL-07 is detectors/code_rules/elevate_access.h) and
// Domain Services security events (the account's state; PRIV-CH-04 is data, rules/*.yaml).
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::OnRegistration(const Event& e, const TenantSettings& tenant) {
  AccountState& st = Resolve(e.account, e, tenant);
  // Had MFA by its latest registration, and this one says it has none: lost it again.
  registration_lost_mfa_ = !e.registration.is_mfa_registered &&
                           (st.flags & (kRegistrationSeen | kMfaUnregistered)) == kRegistrationSeen;
  // A record that does not state isMfaRegistered (null, a `$select` without it) says nothing of
  // MFA: what the account's latest stating record said stands. Its isAdmin counts (below).
  if (e.registration.is_mfa_stated) {
    st.flags |= kRegistrationSeen;
    if (e.registration.is_mfa_registered) {
      st.flags &= static_cast<uint8_t>(~kMfaUnregistered);
      registration_time_.erase(e.account.key);
    } else {
      st.flags |= kMfaUnregistered;
      // Its time, for the PRIV-SI-05 of a listing that comes after it (QueueRegistrationRecheck).
      if (e.time != 0) {
        registration_time_[e.account.key] = e.time;
      } else {
        registration_time_.erase(e.account.key);
      }
    }
  }
  // isAdmin names no role: a source of its own, cleared by a newer report of isAdmin false (only
  // a record that states isAdmin; docs/RULES.md "Learned privilege"). The newest statement by
  // lastUpdatedDateTime decides, in any arrival order: an older isAdmin true polled after a newer
  // false changes nothing.
  const Seconds32 t = e.time == 0 ? 0 : ToSeconds32(e.time);
  if (e.registration.is_admin) {
    const PrivilegedState* known = accounts_.PrivilegedIfAny(st);
    if (known == nullptr || t >= known->roles.is_admin_at) {
      const bool was_privileged = st.privileged();
      MakePrivileged(st, e.account, e, kPrivilegedLearned);
      accounts_.Privileged(st).roles.StateIsAdmin(true, t);
      // isAdmin says what holds as of the snapshot, not since when: privileged at every time.
      NoteLearned(e.account.key, was_privileged, 0);
    }
  } else if (e.registration.is_admin_stated && t != 0) {
    // Kept for an account with a PrivilegedState only: every user of a registration page states
    // isAdmin false, and a slot each would cost ~3 KiB per user (docs/RULES.md: a never-privileged
    // account's older isAdmin true arriving after its newer false still makes it privileged).
    if (PrivilegedState* ps = accounts_.PrivilegedIfAny(st)) {
      const bool had = (ps->roles.sources & HeldRoles::kIsAdmin) != 0;
      if (!ps->roles.StateIsAdmin(false, t) && had) Unlearn(e.account.key, st, *ps, t);
    }
  } else if (e.registration.is_admin_stated) {
    // A timeless isAdmin false: clears only a timeless true (any timed statement is newer).
    if (PrivilegedState* ps = accounts_.PrivilegedIfAny(st);
        ps != nullptr && (ps->roles.sources & HeldRoles::kIsAdmin) != 0 &&
        ps->roles.is_admin_at == 0) {
      ps->roles.sources &= static_cast<uint8_t>(~HeldRoles::kIsAdmin);
      Unlearn(e.account.key, st, *ps, 0);
    }
  }
  // PRIV-SI-05 is a match rule (rules/sign-in.yaml) run after this.
}

// PRIV-EL-07 runs after this (detectors/code_rules/elevate_access.h).
void DetectionEngine::OnAzureActivity(const Event& e, const TenantSettings& tenant) {
  Resolve(e.account, e, tenant);
}

// PRIV-CH-04 is a match rule (rules/changes-by-admins.yaml) run after this.
void DetectionEngine::OnSecurityEvent(const Event& e, const TenantSettings& tenant) {
  Resolve(e.account, e, tenant);
}

}  // namespace privmon
