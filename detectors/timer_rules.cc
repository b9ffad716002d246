// Verdicts that wait in event time: PRIV-EL-06 (sign-ins before a PIM activation, once late
// sign-ins can no longer arrive), PRIV-EL-08 (activation not ended within the policy length),
// PRIV-SI-04's interrupt verdict (detectors/code_rules/mfa_interrupt.h) and PRIV-PA-05 (absence).
#include <algorithm>
#include <string>

#include "detectors/alert_details.h"
#include "detectors/code_rules/mfa_interrupt.h"
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::FireTimer(const Timer& t) {
  AccountState* st = accounts_.Find(t.account);
  if (st == nullptr) return;
  PrivilegedState* ps = accounts_.PrivilegedIfAny(*st);
  if (ps == nullptr) return;
  switch (t.kind) {
    case TimerKind::kPawVerdict:
      if (ps->activations[t.slot].time == t.basis) FirePawVerdict(t.account, *st, *ps, t.slot);
      break;
    case TimerKind::kActivationExpiry:
      if (ps->activations[t.slot].time == t.basis) {
        FireActivationExpiry(t.account, *st, *ps, t.slot);
      }
      break;
    case TimerKind::kInterruptVerdict:
      if (ps->interrupts[t.slot].time == t.basis) {
        code_rules::MfaInterrupt::Fire(code_context_, t.account, *ps, t.slot,
                                       config_->ForTenant(ps->tenant_hash));
      }
      break;
    case TimerKind::kAbsence:
      FireAbsence(t.account, *st, *ps, t.basis);
      break;
    case TimerKind::kRuleAbsence:
      FireRuleAbsence(t.account, *st, *ps, t);
      break;
  }
}

void DetectionEngine::FirePawVerdict(uint64_t key, AccountState& st, PrivilegedState& ps,
                                     uint8_t slot) {
  PendingActivation& act = ps.activations[slot];
  act.paw_verdict_due = false;
  const TenantSettings& tenant = config_->ForTenant(ps.tenant_hash);
  if (tenant.paw_devices.empty()) return;
  const int64_t window = tenant.rule(RuleId::kEL06).window_s;
  const auto from = static_cast<Seconds32>(std::max<int64_t>(0, act.time - window));
  const SignInPoint* offender = nullptr;
  bool any = false;
  for (const SignInRun& run : ps.signins.runs()) {
    if (!run.Overlaps(from, act.time)) continue;
    any = true;
    if (run.paw) continue;
    const SignInPoint& s = run.Inside(from, act.time);
    if (offender == nullptr || s.time > offender->time) offender = &s;
  }
  // Sign-ins from before the account was privileged left only their times in AccountState.
  auto in_window = [&](Seconds32 x) {
    return x != 0 && x <= act.time && static_cast<int64_t>(act.time - x) <= window;
  };
  const bool unrecorded_non_paw = offender == nullptr && in_window(st.last_non_paw_signin);
  any = any || in_window(st.last_signin);
  if (any && offender == nullptr && !unrecorded_non_paw) return;  // all from a PAW
  Alert a = TimerAlert(RuleId::kEL06, ps, Micros(act.time));
  if (offender != nullptr) {
    AddTimerEvidence(a, EventKind::kSignIn, Micros(offender->time), offender->record_id);
    a.first_seen = Micros(offender->time);
    a.AddDetail("device_id", offender->device_id.empty() ? "(none)" : offender->device_id.view());
    a.AddDetail("device", offender->device_label.view());
  } else if (unrecorded_non_paw) {
    a.first_seen = Micros(st.last_non_paw_signin);
    a.AddDetail("device_id", "(not a PAW; signed in before the account was known as privileged)");
  } else {
    a.AddDetail("device_id", "(no sign-in seen in the hour before)");
  }
  AddTimerEvidence(a, EventKind::kAudit, Micros(act.time), act.record_id);
  a.AddDetail("role", act.role.view());
  Emit(a, key, tenant);
}

void DetectionEngine::FireActivationExpiry(uint64_t key, AccountState&, PrivilegedState& ps,
                                           uint8_t slot) {
  PendingActivation& act = ps.activations[slot];
  if (!act.expiry_due) return;
  act.expiry_due = false;
  const TenantSettings& tenant = config_->ForTenant(ps.tenant_hash);
  const int64_t policy = tenant.rule(RuleId::kEL08).window_s;
  Alert a = TimerAlert(RuleId::kEL08, ps, Micros(act.time) + policy * kMicrosPerSecond);
  a.first_seen = Micros(act.time);
  AddTimerEvidence(a, EventKind::kAudit, Micros(act.time), act.record_id);
  a.AddDetail("role", act.role.view());
  a.AddNumber("policy_seconds", policy);
  Emit(a, key, tenant);
}

void DetectionEngine::FireAbsence(uint64_t key, AccountState& st, PrivilegedState& ps,
                                  uint32_t basis) {
  ps.absence_timer_pending = false;
  const TenantSettings& tenant = config_->ForTenant(ps.tenant_hash);
  const int64_t period = tenant.rule(RuleId::kPA05).window_s;
  const Seconds32 current = std::max(st.last_success, ps.since);
  const auto due = static_cast<Seconds32>(std::min<int64_t>(basis + period, UINT32_MAX));
  // A success after the deadline that arrived before the watermark passed it does not undo the
  // silence before it: only a success inside (basis, deadline] does.
  const bool silent =
      current == basis || (current > due && !ps.successes.AnyWithin(basis + 1, due));
  if (current != basis) ArmAbsence(key, st, tenant);  // wait from the new basis
  if (!silent || ps.absence_reported_for == basis) return;
  // A privileged account deleted during the period is gone, not unused (no alert).
  if (st.deleted != 0 && st.deleted >= basis && st.deleted <= due) return;
  ps.absence_reported_for = basis;
  Alert a = TimerAlert(RuleId::kPA05, ps, Micros(basis) + period * kMicrosPerSecond);
  a.first_seen = Micros(basis);
  char last[40];
  const std::size_t last_len =
      st.last_success == 0 ? 0 : FormatIsoTime(Micros(st.last_success), last);
  a.AddDetail("last_successful_sign_in",
              last_len == 0 ? std::string_view("none seen") : std::string_view(last, last_len));
  a.AddNumber("period_days", period / kDay);
  Emit(a, key, tenant);
}

}  // namespace privmon
