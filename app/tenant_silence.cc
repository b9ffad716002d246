#include "app/tenant_silence.h"

#include <absl/container/flat_hash_set.h>

#include <chrono>
#include <thread>

#include "core/hash.h"
#include "core/incident_key.h"

namespace privmon {

Alert TenantSilence::MakeAlert(const CompiledConfig& config, uint64_t tenant_hash,
                               std::string_view tenant_id, int64_t start_us,
                               int64_t silent_since_us, int64_t now_us) {
  const TenantSettings& tenant = config.ForTenant(tenant_hash);
  const RuleSettings& rs = tenant.rule(RuleId::kOP01);
  Alert a;
  a.rule = RuleId::kOP01;
  a.severity = rs.severity;
  a.tenant_hash = tenant_hash;
  a.tenant_id.assign(tenant_id);
  a.tenant_name.assign(tenant.name);
  a.time = a.first_seen = a.last_seen = start_us;
  // docs/operations.md "Alert ids": no account (key 0); the silence start is the event time of
  // the tenant's newest record, in seconds.
  const uint64_t base =
      HashCombine(HashCombine(HashBytes(GetRuleInfo(RuleId::kOP01).code), tenant_hash), 0);
  int64_t start_s = start_us / kMicrosPerSecond;
  if (start_us % kMicrosPerSecond < 0) --start_s;
  a.alert_id = HashCombine(base, static_cast<uint64_t>(start_s));
  a.AddNumber("silent_seconds", (now_us - silent_since_us) / 1'000'000);
  a.AddNumber("silence_alert_seconds", config.pipeline.tenant_silence_alert_s);
  a.incident_key = IncidentKey(a, 0, tenant.incident_span_s);
  return a;
}

void TenantSilence::Poll(const CompiledConfig& config, int64_t now_us) {
  const int64_t limit_us = config.pipeline.tenant_silence_alert_s * 1'000'000;
  std::vector<TenantCounters::Snapshot> seen = stats_.tenants.Read();
  // Configured tenants that sent nothing since start are silent since the start.
  absl::flat_hash_set<uint64_t> listed;
  for (const TenantCounters::Snapshot& t : seen) listed.insert(t.hash);
  for (const auto& [hash, tenant] : config.tenants) {
    if (!listed.contains(hash)) seen.push_back({tenant->tenant_id, 0, {}, 0, hash, 0});
  }
  for (const TenantCounters::Snapshot& t : seen) {
    if (t.hash == 0) continue;  // "other": not one tenant
    auto [it, inserted] = watches_.try_emplace(t.hash, Watch{t.events, start_us_, false});
    Watch& w = it->second;
    if (t.events != w.events) {
      w = Watch{t.events, now_us, false};
      continue;
    }
    if (inserted && t.events != 0) w.since_us = now_us;  // first seen with records: from now
    if (limit_us <= 0 || w.alerted || now_us - w.since_us < limit_us) continue;
    w.alerted = true;
    const RuleSettings& rs = config.ForTenant(t.hash).rule(RuleId::kOP01);
    if (!rs.enabled) continue;
    // The silence starts at the tenant's newest record (event time), else at privmon's start.
    const int64_t start = t.last_event_us != 0 ? t.last_event_us : start_us_;
    const Alert a = MakeAlert(config, t.hash, t.tenant, start, w.since_us, now_us);
    const auto rule = static_cast<std::size_t>(RuleId::kOP01);
    Bump(stats_.operations.alerts[rule]);
    if (a.severity != GetRuleInfo(RuleId::kOP01).severity) {
      Bump(stats_.operations.alerts_other_severity[rule][static_cast<std::size_t>(a.severity)]);
    }
    stats_.tenants.CountAlert(stats_.tenants.SlotFor(t.hash, t.tenant), a.severity);
    if (!alerts_.push(a)) {
      // The dispatcher drains this queue; it is full only when every sink is stuck: a rare
      // alert waits for room rather than being lost.
      while (!alerts_.push(a)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Bump(stats_.operations.alerts_queued);
  }
}

}  // namespace privmon
