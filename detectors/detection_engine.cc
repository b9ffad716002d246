#include "detectors/detection_engine.h"

#include <algorithm>
#include <chrono>

namespace privmon {

DetectionEngine::DetectionEngine(std::shared_ptr<const CompiledConfig> config,
                                 SpscQueue<Alert>& alerts, ShardStats& stats,
                                 TenantCounters& tenants)
    : config_(std::move(config)),
      stats_(stats),
      tenants_(tenants),
      emitter_(alerts, stats, tenants) {}

void DetectionEngine::OnConfig(std::shared_ptr<const CompiledConfig> config) {
  config_ = std::move(config);
  // Configured flags (break-glass, privileged lists) are re-derived lazily per account.
  if (++config_generation_ == 0) config_generation_ = 1;
}

void DetectionEngine::CountEvent(const Event& e) {
  Bump(stats_.events[static_cast<std::size_t>(e.kind)]);
  auto [it, inserted] = tenant_slots_.try_emplace(e.tenant_hash, 0);
  if (inserted) it->second = tenants_.SlotFor(e.tenant_hash, e.tenant_id.view());
  tenants_.CountEvent(it->second);
}

void DetectionEngine::OnEvent(const Event& e, uint8_t roles) {
  // An event reaching two shards is counted once: by its account's shard, else its actor's.
  if ((roles & kRouteAccount) != 0 || !e.account.present()) CountEvent(e);
  if (e.time < watermark_) Bump(stats_.late_events);
  const TenantSettings& tenant = config_->ForTenant(e.tenant_hash);
  switch (e.kind) {
    case EventKind::kSignIn:
      if ((roles & kRouteAccount) != 0 && e.signin.principal == PrincipalType::kUser) {
        OnSignIn(e, tenant);
      }
      break;
    case EventKind::kAudit:
      if ((roles & kRouteAccount) != 0) OnAuditTarget(e, tenant);
      if ((roles & kRouteActor) != 0) OnAuditActor(e, tenant);
      break;
    case EventKind::kMfaRegistration:
      if ((roles & kRouteAccount) != 0) OnRegistration(e, tenant);
      break;
    case EventKind::kAzureActivity:
      if ((roles & kRouteAccount) != 0) OnAzureActivity(e, tenant);
      break;
    case EventKind::kSecurityEvent:
      if ((roles & kRouteAccount) != 0) OnSecurityEvent(e, tenant);
      break;
    case EventKind::kCount:
      break;
  }
  if (++events_since_gauges_ >= 4096) PublishGauges();
}

namespace {
bool Listed(const absl::flat_hash_set<uint64_t>& set, const AccountRef& ref) {
  return (ref.id_hash != 0 && set.contains(ref.id_hash)) ||
         (ref.upn_hash != 0 && set.contains(ref.upn_hash));
}
}  // namespace

AccountState& DetectionEngine::Resolve(const AccountRef& ref, const Event& e,
                                       const TenantSettings& tenant) {
  const Seconds32 t = ToSeconds32(e.time);
  bool created = false;
  AccountState& st = accounts_.FindOrAdd(ref.key, t, &created);
  st.first_seen = std::min(st.first_seen, t);
  st.last_seen = std::max(st.last_seen, t);
  if (st.config_generation != config_generation_) {
    st.config_generation = config_generation_;
    st.flags &= static_cast<uint16_t>(~(kPrivilegedConfigured | kBreakGlass));
    if (Listed(tenant.break_glass, ref)) st.flags |= kBreakGlass | kPrivilegedConfigured;
    if (Listed(tenant.privileged_accounts, ref)) st.flags |= kPrivilegedConfigured;
    if ((st.flags & kPrivilegedConfigured) != 0) MakePrivileged(st, ref, e, kPrivilegedConfigured);
  }
  if (st.privileged_index != UINT32_MAX) {
    PrivilegedState& ps = accounts_.Privileged(st);
    if (!ref.id.empty()) ps.id = ref.id;
    if (!ref.upn.empty()) ps.upn = ref.upn;
  }
  return st;
}

void DetectionEngine::MakePrivileged(AccountState& st, const AccountRef& ref, const Event& e,
                                     uint16_t how) {
  st.flags |= how;
  const bool fresh = st.privileged_index == UINT32_MAX;
  PrivilegedState& ps = accounts_.Privileged(st);
  if (!ref.id.empty()) ps.id = ref.id;
  if (!ref.upn.empty()) ps.upn = ref.upn;
  if (fresh) {
    ps.tenant_id = e.tenant_id;
    ps.tenant_hash = e.tenant_hash;
    ps.since = ToSeconds32(e.time);
    ArmAbsence(ref.key, st, config_->ForTenant(e.tenant_hash));
  }
}

void DetectionEngine::ArmAbsence(uint64_t key, AccountState& st, const TenantSettings& tenant) {
  PrivilegedState* ps = accounts_.PrivilegedIfAny(st);
  // One pending timer per account: a later sign-in moves the basis, and the timer re-arms itself
  // when it fires early, so steady sign-in traffic never grows the timer heap.
  if (ps == nullptr || ps->absence_timer_pending) return;
  ps->absence_timer_pending = true;
  const RuleSettings& rs = tenant.rule(RuleId::kPA05);
  const Seconds32 basis = std::max(st.last_success, ps->since);
  Timer t;
  t.due = (static_cast<int64_t>(basis) + rs.window_s) * kMicrosPerSecond;
  t.account = key;
  t.kind = TimerKind::kAbsence;
  t.basis = basis;
  timers_.Push(t);
}

void DetectionEngine::CheckNamingPolicy(AccountState& st, const AccountRef& ref, const Event& e,
                                        const TenantSettings& tenant) {
  if ((st.flags & kNamingChecked) != 0 || !tenant.naming_policy || ref.upn.empty()) return;
  st.flags |= kNamingChecked;
  const std::string_view upn = ref.upn.view();
  if (tenant.naming_policy->Search(upn)) return;
  Alert a = AlertEmitter::Begin(RuleId::kSI03, e, ref);
  a.AddDetail("naming_policy", tenant.naming_policy_text);
  Emit(a, ref.key, tenant);
}

void DetectionEngine::OnWatermark(EventTime watermark) {
  watermark_ = watermark;
  while (timers_.HasDue(watermark)) FireTimer(timers_.Pop());
  PublishGauges();
}

void DetectionEngine::OnFinish(EventTime final_time) {
  // Nothing can arrive late any more: every verdict due by the last event time is final.
  if (final_time != kMinTime) OnWatermark(std::max(watermark_, final_time));
  PublishGauges();
}

std::size_t DetectionEngine::MemoryBytes() const {
  return accounts_.MemoryBytes() + known_.MemoryBytes() + timers_.MemoryBytes() +
         emitter_.MemoryBytes();
}

void DetectionEngine::PublishGauges() {
  events_since_gauges_ = 0;
  stats_.accounts.store(static_cast<int64_t>(accounts_.size()), std::memory_order_relaxed);
  stats_.state_bytes.store(static_cast<int64_t>(MemoryBytes()), std::memory_order_relaxed);
  if (watermark_ != kMinTime) {
    // How far event time trails the wall clock (large when replaying old logs).
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    stats_.watermark_lag_us.store(now_us - watermark_, std::memory_order_relaxed);
  }
}

}  // namespace privmon
