// The generic evaluators of the rule language (rules/rule_language.h): match (each event the
// predicate accepts is an alert) and threshold (at least `threshold` accepted events of one
// privileged account within `window` of event time). Rules run only for their record kind and
// side (CompiledRuleSet::For), against the account state the family code just resolved: no
// second probe, no allocation once the rings exist, no string work.
#include <algorithm>

#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "rules/rule_eval.h"
#include "state/time_ring_window.h"

namespace privmon {
namespace {

std::string_view CaStatusName(CaStatus s) {
  switch (s) {
    case CaStatus::kSuccess:
      return "success";
    case CaStatus::kFailure:
      return "failure";
    case CaStatus::kNotApplied:
      return "notApplied";
    case CaStatus::kUnknown:
      break;
  }
  return "";
}

void AddDetails(Alert& a, const GenericRule& r, const Event& e) {
  for (uint8_t i = 0; i < r.detail_count; ++i) {
    switch (r.details[i]) {
      case DetailKind::kErrorCode:
        a.AddNumber("error_code", e.signin.error_code);
        break;
      case DetailKind::kPlace:
        AddPlace(a, e);
        break;
      case DetailKind::kAudit:
        AddAuditDetails(a, e, r.side == AccountSide::kActor);
        break;
      case DetailKind::kRiskState:
        a.AddDetail("risk_state", RiskStateName(e.signin.risk_state));
        break;
      case DetailKind::kCaStatus:
        a.AddDetail("conditional_access_status", CaStatusName(e.signin.ca_status));
        break;
      case DetailKind::kEventId:
        a.AddNumber("event_id", e.security.event_id);
        break;
      case DetailKind::kComputer:
        a.AddDetail("computer", e.security.computer.view());
        break;
      case DetailKind::kRegistration:
        a.AddFlag("is_mfa_registered", e.registration.is_mfa_registered);
        a.AddFlag("is_admin", e.registration.is_admin);
        break;
    }
  }
}

}  // namespace

void DetectionEngine::RunGeneric(const Event& e, AccountSide side, const TenantSettings& tenant) {
  const std::vector<uint16_t>& list = rules_->For(e.kind, side);
  if (list.empty()) return;
  const AccountRef& who = side == AccountSide::kActor ? e.actor : e.account;
  AccountState* st =
      resolved_ != nullptr && resolved_key_ == who.key ? resolved_ : accounts_.Find(who.key);
  if (st == nullptr) return;
  const AccountFacts facts{st->privileged(), (st->flags & kBreakGlass) != 0};
  const Seconds32 t = ToSeconds32(e.time);
  for (const uint16_t index : list) {
    const GenericRule& r = rules_->generic[index];
    const RuleSettings& rs = tenant.rule(r.id);
    if (r.kind == LangKind::kMatch) {
      if (!rs.enabled || !Matches(r.when, e, facts)) continue;
      Alert a = AlertEmitter::Begin(r.id, e, who);
      AddDetails(a, r, e);
      Emit(a, who.key, tenant);
      continue;
    }
    // Threshold: counted for privileged accounts only (their rings live with their state).
    if (!facts.privileged || !Matches(r.when, e, facts)) continue;
    PrivilegedState& ps = accounts_.Privileged(*st);
    WindowCount w;
    if (r.threshold_slot == kSlotBadPasswords) {
      ps.bad_passwords.Add(t);
      w = BestWindowContaining(ps.bad_passwords, t, rs.window_s);
    } else if (r.threshold_slot == kSlotLockouts) {
      ps.lockouts.Add(t);
      w = BestWindowContaining(ps.lockouts, t, rs.window_s);
    } else {
      while (custom_rings_.size() <= st->privileged_index) custom_rings_.emplace_back();
      auto& ring =
          custom_rings_[st->privileged_index][r.threshold_slot - kFirstCustomThresholdSlot];
      ring.Add(t);
      w = BestWindowContaining(ring, t, rs.window_s);
    }
    if (w.count < rs.threshold) continue;
    Alert a = AlertEmitter::Begin(r.id, e, who);
    // Timed by the window's end, not by whichever event of the burst arrived last.
    if (t != w.last) a.time = static_cast<EventTime>(w.last) * kMicrosPerSecond;
    a.first_seen = static_cast<EventTime>(w.first) * kMicrosPerSecond;
    a.last_seen = std::max(e.time, static_cast<EventTime>(w.last) * kMicrosPerSecond);
    a.count = w.count;
    AddDetails(a, r, e);
    Emit(a, who.key, tenant);
  }
}

}  // namespace privmon
