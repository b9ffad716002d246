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
  a.account_upn = account.upn;
  a.time = a.first_seen = a.last_seen = e.time;
  a.received_ns = e.received_ns;
  a.AddEvidence(e);
  return a;
}

bool AlertEmitter::Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant) {
  const RuleSettings& rs = tenant.rule(a.rule);
  if (!rs.enabled) return false;
  const auto rule_index = static_cast<std::size_t>(a.rule);
  if (!suppressor_.Admit(static_cast<uint8_t>(a.rule), account_key, ToSeconds32(a.time),
                         rs.suppress_s)) {
    Bump(stats_.suppressed[rule_index]);
    return false;
  }
  if (a.severity == GetRuleInfo(a.rule).severity) a.severity = rs.severity;
  uint64_t id =
      HashCombine(HashCombine(static_cast<uint64_t>(a.rule) + 1, a.tenant_hash), account_key);
  for (uint8_t i = 0; i < a.evidence_count; ++i) {
    id = HashCombine(id, HashBytes(a.evidence[i].record_id.view()));
    id = HashCombine(id, static_cast<uint64_t>(a.evidence[i].time));
  }
  id = HashCombine(id, static_cast<uint64_t>(a.time));
  a.alert_id = id;
  Bump(stats_.alerts[rule_index]);
  if (a.severity != GetRuleInfo(a.rule).severity) {
    Bump(stats_.alerts_other_severity[rule_index][static_cast<std::size_t>(a.severity)]);
  }
  tenants_.CountAlert(tenants_.SlotFor(a.tenant_hash, a.tenant_id.view()), a.severity);
  a.tenant_name.assign(tenant.name);
  a.incident_key = IncidentKey(a, account_key, tenant.incident_span_s);
  if (!queue_.push(a)) {
    while (!queue_.push(a)) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return true;
}

}  // namespace privmon
