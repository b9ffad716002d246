// Verdicts that wait in event time, dispatched by timer kind: PRIV-EL-06 and EL-08
// (detectors/code_rules/pim_activations.h), PRIV-SI-04's interrupt verdict
// (detectors/code_rules/mfa_interrupt.h), PRIV-PA-05 (absence, here) and the absence rules of the
// rule language (generic_rules.cc).
#include <algorithm>
#include <string>

#include "detectors/alert_details.h"
#include "detectors/code_rules/mfa_interrupt.h"
#include "detectors/code_rules/pim_activations.h"
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::FireTimer(const Timer& t) {
  AccountState* st = accounts_.Find(t.account);
  if (st == nullptr) return;
  PrivilegedState* ps = accounts_.PrivilegedIfAny(*st);
  if (ps == nullptr) return;
  switch (t.kind) {
    case TimerKind::kPawVerdict:
      if (ps->activations[t.slot].time == t.basis) {
        code_rules::PimActivations::FirePawVerdict(code_context_, t.account, *st, *ps, t.slot,
                                                   config_->ForTenant(ps->tenant_hash));
      }
      break;
    case TimerKind::kActivationExpiry:
      if (ps->activations[t.slot].time == t.basis) {
        code_rules::PimActivations::FireExpiry(code_context_, t.account, *ps, t.slot,
                                               config_->ForTenant(ps->tenant_hash));
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
