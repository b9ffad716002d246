#include "app/tenant_silence.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/hash.h"
#include "core/incident_key.h"

namespace privmon {

Alert TenantSilence::MakeAlert(const CompiledConfig& config, uint64_t tenant_hash,
                               std::string_view tenant_id, int64_t start_us,
                               int64_t silent_since_us, int64_t now_us, int64_t limit_us) {
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
  a.AddNumber("silence_alert_seconds", limit_us / 1'000'000);
  a.incident_key = IncidentKey(a, 0, tenant.incident_span_s);
  return a;
}

int64_t TenantSilence::LimitUs(int64_t floor_us, uint32_t learn, std::vector<int64_t> gaps) {
  if (learn == 0 || gaps.empty()) return floor_us;
  // p99 by rank: the value with 1% of the gaps above it (the longest under 100 gaps).
  const std::size_t above = gaps.size() / 100;
  auto nth = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() - 1 - above);
  std::nth_element(gaps.begin(), nth, gaps.end());
  return std::max(floor_us, *nth * static_cast<int64_t>(learn));
}

void TenantSilence::Poll(const CompiledConfig& config, int64_t now_us) {
  const int64_t process_limit_us = config.pipeline.tenant_silence_alert_s * 1'000'000;
  std::vector<TenantCounters::Snapshot> seen = stats_.tenants.Read();
  // Every watch of a tenant not configured now is marked so, judged this Poll or not (a restored
  // one may not be: breaker round 139, re-added after a restart it counted the removal as silence).
  for (auto& [hash, w] : watches_) {
    if (!config.tenants.contains(hash)) w.configured = false;
  }
  // Configured tenants that sent nothing since start are silent since the start.
  absl::flat_hash_set<uint64_t> listed;
  for (const TenantCounters::Snapshot& t : seen) listed.insert(t.hash);
  // Each configured tenant has a slot of its own (a reload's new ones get theirs here): its
  // records then move its count from the next Poll on. A tenant whose records would count under
  // "other" cannot be told silent from sending: it is not judged (breaker round 135: configured by
  // reloads past the room for configured tenants, or restored from a checkpoint while counted
  // nowhere, it raised PRIV-OP-01 while it sent). Its watch stays, with whether it alerted.
  absl::flat_hash_set<uint64_t> unjudged;
  for (const auto& [hash, tenant] : config.tenants) {
    const uint32_t slot = stats_.tenants.ClaimConfigured(hash, tenant->tenant_id);
    if (slot == stats_.tenants.overflow_slot()) [[unlikely]] {
      listed.insert(hash);
      unjudged.insert(hash);
      continue;
    }
    // A restored watch of a tenant configured since (a reload) gives the tenant's new slot its
    // newest event time too, as Restore does for one configured at start (breaker round 142:
    // onboarded by a SIGHUP after a restart, a tenant already silent had no
    // privmon_tenant_last_event_timestamp_seconds until its next record).
    if (const auto w = watches_.find(hash);
        w != watches_.end() && w->second.sent && w->second.basis_us != 0) {
      stats_.tenants.SeeEventTime(slot, w->second.basis_us);
    }
    if (listed.insert(hash).second) seen.push_back({tenant->tenant_id, 0, {}, 0, hash, 0});
  }
  // Tenants watched before a restart (Restore) that sent nothing since: still watched, while any
  // record of theirs would have counted apart.
  const bool counted_apart = stats_.tenants.NewTenantsCountedApart();
  for (const auto& [hash, w] : watches_) {
    if (!w.tenant_id.empty() && counted_apart && listed.insert(hash).second)
      seen.push_back({w.tenant_id, 0, {}, 0, hash, 0});
  }
  // A tenant configured at start is silent from privmon's start; one first watched later (a
  // reload configured it) from this Poll (breaker round 136: a tenant sending as "other" when a
  // reload configured it was alerted at once, silent "since privmon started").
  const int64_t first_since_us = polled_ ? now_us : start_us_;
  polled_ = true;
  for (const TenantCounters::Snapshot& t : seen) {
    if (t.hash == 0) continue;  // "other": not one tenant
    const TenantSettings& settings = config.ForTenant(t.hash);
    const int64_t floor_us =
        settings.silence_after_s > 0 ? settings.silence_after_s * 1'000'000 : process_limit_us;
    auto [it, inserted] = watches_.try_emplace(t.hash, Watch{t.events, first_since_us, false});
    Watch& w = it->second;
    if (inserted) w.basis_us = start_us_;
    if (inserted && t.events != 0) w.sent = true;
    if (t.last_event_us != 0) w.basis_us = t.last_event_us;
    if (w.tenant_id != t.tenant) w.tenant_id = t.tenant;
    if (t.events != w.events) {
      // A gap ends: kept for learning when it could raise the limit above the floor.
      const int64_t gap = now_us - w.since_us;
      if (w.moved && settings.silence_learn > 0 &&
          gap * static_cast<int64_t>(settings.silence_learn) >= floor_us) {
        if (w.gaps.size() < kGaps) {
          w.gaps.push_back(gap);
        } else {
          w.gaps[w.next_gap] = gap;
        }
        w.next_gap = (w.next_gap + 1) % kGaps;
      }
      w.events = t.events;
      w.since_us = now_us;
      w.alerted = false;
      w.moved = true;
      w.sent = true;
      continue;
    }
    if (inserted && t.events != 0) w.since_us = now_us;  // first seen with records: from now
    const bool configured = config.tenants.contains(t.hash);
    if (configured && !w.configured && !w.sent) w.since_us = now_us;  // configured again
    w.configured = configured;
    if (unjudged.contains(t.hash)) continue;
    // A tenant configured once, removed since, that never sent a record is not judged: the
    // operator took it off (breaker round 135). Its watch keeps whether it alerted, so a reload
    // that adds it back does not raise the same silence twice (breaker round 136).
    if (!w.sent && !configured) continue;
    // A tenant's own silence_after replaces the pipeline's value, `off` there included (breaker
    // round 133: a tenant with silence_after 5s was never judged under the pipeline's off).
    if (floor_us <= 0 || w.alerted || now_us - w.since_us < floor_us) {
      continue;
    }
    // A silence under a disabled PRIV-OP-01 is not marked alerted: enabled again by a reload, the
    // rule raises it (breaker round 136: a tenant muted during a change was never reported).
    const RuleSettings& rs = settings.rule(RuleId::kOP01);
    if (!rs.enabled) continue;
    const int64_t limit_us = LimitUs(floor_us, settings.silence_learn, w.gaps);
    if (now_us - w.since_us < limit_us) continue;
    w.alerted = true;
    // The silence starts at the tenant's newest record (event time), else at privmon's start.
    const Alert a = MakeAlert(config, t.hash, t.tenant, w.basis_us, w.since_us, now_us, limit_us);
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
    if (wake_ != nullptr) wake_->Notify();
    Bump(stats_.operations.alerts_queued);
  }
}

void TenantSilence::Save(CheckpointShardWriter& out, int64_t now_us) const {
  absl::flat_hash_map<uint64_t, TenantCounters::Snapshot> counted;
  for (TenantCounters::Snapshot& t : stats_.tenants.Read()) {
    if (t.hash != 0 && t.events != 0) counted.emplace(t.hash, std::move(t));
  }
  SilenceRecord r;
  auto add = [&](uint64_t hash) {
    out.Add(kCheckpointSilenceTag, CheckpointRoute::kByOrigin, hash, EncodeSilence(r));
  };
  for (const auto& [hash, w] : watches_) {
    r.since_us = w.since_us;
    r.last_event_us = w.basis_us;
    r.alerted = w.alerted;
    r.moved = w.moved;
    r.never_sent = !w.sent;
    r.unconfigured = !w.configured;
    r.next_gap = static_cast<uint32_t>(w.next_gap);
    r.gaps = w.gaps;
    r.tenant_id = w.tenant_id;
    if (auto it = counted.find(hash); it != counted.end()) {
      if (it->second.events != w.events) {  // moved since the last Poll: silent from now
        r.since_us = now_us;
        r.alerted = false;
        r.moved = true;
      }
      if (it->second.last_event_us != 0) r.last_event_us = it->second.last_event_us;
      r.never_sent = false;
      counted.erase(it);
    }
    add(hash);
  }
  for (const auto& [hash, t] : counted) {  // first seen since the last Poll
    r = SilenceRecord{};
    r.since_us = now_us;
    r.last_event_us = t.last_event_us;
    r.tenant_id = t.tenant;
    r.never_sent = false;
    add(hash);
  }
}

void TenantSilence::Restore(const std::vector<SilenceRecord>& records) {
  for (const SilenceRecord& r : records) {
    Watch& w = watches_[r.tenant];
    w.events = 0;
    w.since_us = r.since_us;
    w.basis_us = r.last_event_us;
    w.alerted = r.alerted;
    w.moved = r.moved;
    w.gaps.assign(r.gaps.begin(),
                  r.gaps.begin() + static_cast<std::ptrdiff_t>(std::min(r.gaps.size(), kGaps)));
    w.next_gap = w.gaps.empty() ? 0 : r.next_gap % kGaps;
    w.tenant_id = r.tenant_id;
    w.sent = !r.never_sent;
    w.configured = !r.unconfigured;
    // The tenant's newest event time is its privmon_tenant_last_event_timestamp_seconds from the
    // start, not from its next record (breaker round 140: a tenant already silent lost the series
    // at each restart, and an alert on its age resolved). Configured tenants have their slots by
    // now; a tenant without one has no series to restore.
    if (w.sent && r.last_event_us != 0) {
      const uint32_t slot = stats_.tenants.Find(r.tenant);
      if (slot != stats_.tenants.overflow_slot()) {
        stats_.tenants.SeeEventTime(slot, r.last_event_us);
      }
    }
  }
}

}  // namespace privmon
