// Alert details shared by the C++ rules and the generic evaluator (detectors/generic_rules.cc), so
// a rule moved from code to data writes the same details. Pure helpers; no allocation.
#pragma once

#include <string_view>

#include "core/alert.h"
#include "core/event_time.h"
#include "detectors/alert_emitter.h"
#include "state/privileged_state.h"

namespace privmon {

// The record's riskState as Entra names it; "other" for remediated, dismissed and the rest,
// "unknown" when the record states none. Before, every state but confirmedCompromised read
// "atRisk", a custom rule's detail included (breaker round 94).
inline const char* RiskStateName(RiskState s) {
  switch (s) {
    case RiskState::kConfirmedCompromised:
      return "confirmedCompromised";
    case RiskState::kAtRisk:
      return "atRisk";
    case RiskState::kNone:
      return "none";
    case RiskState::kOther:
      return "other";
    case RiskState::kUnknown:
      break;
  }
  return "unknown";
}

// country, city, ip_address of a sign-in.
inline void AddPlace(Alert& a, const Event& e) {
  if (e.signin.country[0] != 0) a.AddDetail("country", std::string_view(e.signin.country, 2));
  a.AddDetail("city", e.signin.city.view());
  a.AddDetail("ip_address", e.signin.ip_text.view());
}

// activity, role, and the other account of an audit record: who initiated it when the alert names
// the target, the target when it names the initiator.
inline void AddAuditDetails(Alert& a, const Event& e, bool names_actor) {
  a.AddDetail("activity", e.audit.activity_name.view());
  a.AddDetail("role", e.audit.role_name.view());
  if (e.actor.present() && !names_actor) {
    a.AddDetail("initiated_by", e.actor.upn.empty() ? e.actor.id.view() : e.actor.upn.view());
  }
  if (e.account.present() && names_actor) {
    a.AddDetail("target", e.account.upn.empty() ? e.account.id.view() : e.account.upn.view());
  }
}

// An alert raised by a timer has no completing event: it names the account from its state.
inline Alert TimerAlert(RuleId rule, const PrivilegedState& ps, EventTime when) {
  Alert a;
  a.rule = rule;
  a.severity = GetRuleInfo(rule).severity;
  a.tenant_hash = ps.tenant_hash;
  a.tenant_id = ps.tenant_id;
  a.account_id = ps.id;
  a.account_upn = ps.upn;
  a.time = a.first_seen = a.last_seen = when;
  return a;
}

inline void AddTimerEvidence(Alert& a, EventKind kind, EventTime time,
                             const FixedString<80>& record) {
  if (a.evidence_count == Alert::kMaxEvidence) return;
  Evidence& ev = a.evidence[a.evidence_count++];
  ev.kind = kind;
  ev.time = time;
  ev.record_id = record;
}

inline EventTime Micros(Seconds32 s) { return static_cast<EventTime>(s) * kMicrosPerSecond; }

}  // namespace privmon
