// Verdicts that wait in event time, dispatched by timer kind: PRIV-EL-06 and EL-08
// (detectors/code_rules/pim_activations.h), PRIV-SI-04's interrupt verdict
// (detectors/code_rules/mfa_interrupt.h), PRIV-PA-05 (detectors/code_rules/unused_account.h) and
// the absence rules of the rule language (generic_rules.cc).
#include <algorithm>
#include <string>

#include "detectors/alert_details.h"
#include "detectors/code_rules/mfa_interrupt.h"
#include "detectors/code_rules/pim_activations.h"
#include "detectors/code_rules/unused_account.h"
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::FireTimer(const Timer& t) {
  AccountState* st = accounts_.Find(t.account);
  if (st == nullptr) return;
  PrivilegedState* ps = accounts_.PrivilegedIfAny(*st);
  if (ps == nullptr) return;
  // A reload since the account's last record: judged as the current config lists it (a
  // de-listed account's pending absence is no unused privileged account).
  DropStaleListing(*st, *ps);
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
      code_rules::UnusedAccount::Fire(code_context_, t.account, *st, *ps, t.basis,
                                      config_->ForTenant(ps->tenant_hash));
      break;
    case TimerKind::kRuleAbsence:
      FireRuleAbsence(t.account, *st, *ps, t);
      break;
  }
}

}  // namespace privmon
