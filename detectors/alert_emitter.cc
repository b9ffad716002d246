#include "detectors/alert_emitter.h"

#include <chrono>
#include <thread>

#include "core/hash.h"
#include "core/incident_key.h"

namespace privmon {

Alert AlertEmitter::Begin(RuleId rule, const Event& e, const AccountRef& account) {
  Alert a;
  a.rule = rule;
  a.severity = GetRuleInfo(rule).severity;
  a.tenant_hash = e.tenant_hash;
  a.tenant_id = e.tenant_id;
  a.account_id = account.id;
  a.SetUpn(account.upn.view());
  a.time = a.first_seen = a.last_seen = e.time;
  a.received_ns = e.received_ns;
  a.AddEvidence(e);
  return a;
}

uint64_t AlertEmitter::AlertId(const Alert& a, uint64_t account_key, int64_t suppress_s) {
  // docs/operations.md "Alert ids" states this hash; tests/detectors/alert_id_test.cc pins it.
  uint64_t id =
      HashCombine(HashCombine(HashBytes(GetRuleInfo(a.rule).code), a.tenant_hash), account_key);
  // A verdict once per account is the account's one alert: no time enters its id, which would be
  // that of whichever violating record arrived first (breaker round 28).
  if (GetRuleInfo(a.rule).once_per_account) return id;
  if (suppress_s > 0)
    return HashCombine(id, static_cast<uint64_t>(Suppressor::BucketOf(a.time, suppress_s)));
  id = HashCombine(id, static_cast<uint64_t>(a.time));
  for (uint8_t i = 0; i < a.evidence_count; ++i) {
    id = HashCombine(id, HashBytes(a.evidence[i].record_id.view()));
    id = HashCombine(id, static_cast<uint64_t>(a.evidence[i].time));
  }
  return id;
}

void AlertEmitter::Push(const Alert& a) {
  if (a.time == 0 || a.first_seen == 0) [[unlikely]] {
    PushTimeless(a);
    return;
  }
  PushQueued(a);
}

// An alert about a timeless record (a registration snapshot naming no time: event time 0) goes
// out with the time it was raised wherever its times are 0: written as the epoch, a SIEM filed it
// in 1970, outside any time-bounded search. Its alert_id and incident_key (already computed, from
// time 0) stay, so a re-poll of the snapshot repeats the same alert_id. Cold: one copy.
void AlertEmitter::PushTimeless(const Alert& a) {
  Alert stamped = a;
  const EventTime now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  auto stamp = [now](EventTime& t) {
    if (t == 0) t = now;
  };
  stamp(stamped.time);
  stamp(stamped.first_seen);
  stamp(stamped.last_seen);
  for (uint8_t i = 0; i < stamped.evidence_count; ++i) stamp(stamped.evidence[i].time);
  PushQueued(stamped);
}

void AlertEmitter::PushQueued(const Alert& a) {
  if (!queue_.push(a)) {
    while (!queue_.push(a)) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  if (wake_ != nullptr) wake_->Notify();
  Bump(stats_.alerts_queued);
}

bool AlertEmitter::Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant) {
  const RuleSettings& rs = tenant.rule(a.rule);
  if (!rs.enabled) return false;
  const auto rule_index = static_cast<std::size_t>(a.rule);
  if (a.severity == GetRuleInfo(a.rule).severity) a.severity = rs.severity;
  a.alert_id = AlertId(a, account_key, rs.suppress_s);
  // Before Admit: a repeat is kept as its bucket's update line, which names the tenant and the
  // incident as the alert it updates does.
  a.tenant_name.assign(tenant.name);
  a.incident_key = IncidentKey(a, account_key, tenant.incident_span_s);
  if (rs.suppress_s > 0 && !suppressor_.Admit(a, account_key, rs.suppress_s)) {
    Bump(stats_.suppressed[rule_index]);
    return false;
  }
  Bump(stats_.alerts[rule_index]);
  if (a.severity != GetRuleInfo(a.rule).severity) {
    Bump(stats_.alerts_other_severity[rule_index][static_cast<std::size_t>(a.severity)]);
  }
  tenants_.CountAlert(tenants_.SlotFor(a.tenant_hash, a.tenant_id.view()), a.severity);
  Push(a);
  return true;
}

}  // namespace privmon
