#include "detectors/detection_engine.h"

#include <algorithm>
#include <chrono>

#include "core/hash.h"
#include "detectors/code_rules/naming_policy.h"
#include "detectors/code_rules/unused_account.h"
#include "detectors/role_gain.h"
#include "rules/builtin_rules.h"
#include "rules/rule_eval.h"

namespace privmon {

DetectionEngine::DetectionEngine(std::shared_ptr<const CompiledConfig> config,
                                 SpscQueue<Alert>& alerts, ShardStats& stats,
                                 TenantCounters& tenants)
    : config_(std::move(config)),
      rules_(config_->rules ? config_->rules : BuiltinRuleSet()),
      stats_(stats),
      tenants_(tenants),
      emitter_(alerts, stats, tenants) {
  slots_.Relayout(std::span<const RuleSlot>{}, std::span<const RuleSlot>(rules_->slots),
                  rules_->slot_bytes);
  BuildCodeTable();
  ApplyConfig();
}

void DetectionEngine::BuildCodeTable() {
  for (auto& list : code_) list.clear();
  for (auto& list : code_replay_) list.clear();
  for (const CodeRuleHandler& h : CodeRuleHandlers()) {
    const RuleDefinition* d = rules_->Find(h.rule);
    if (d == nullptr || d->kind != LangKind::kCode) continue;  // data now, or not in this set
    const std::size_t at = static_cast<std::size_t>(h.kind) * 2 + static_cast<std::size_t>(h.side);
    code_[at].push_back(h.run);
    if (h.replay) code_replay_[at].push_back(h.run);
  }
  // The generic rules ReplayPrivilege runs: those whose verdict the account's privilege gates.
  generic_gated_.assign(rules_->generic.size(), 0);
  for (std::size_t i = 0; i < rules_->generic.size(); ++i) {
    const GenericRule& r = rules_->generic[i];
    bool reads = r.kind == LangKind::kThreshold;  // counted for privileged accounts only
    bool reads_listing = false;                   // a listing changes break-glass too
    bool reads_risk = false;                      // a risk verdict polled again (RiskNews)
    auto scan = [&](const std::vector<Condition>& all) {
      for (const Condition& c : all) {
        reads = reads || c.field == Field::kAccountPrivileged;
        reads_listing = reads_listing || c.field == Field::kAccountBreakGlass;
        reads_risk = reads_risk || c.field == Field::kSignInRiskState ||
                     c.field == Field::kSignInRiskDuring || c.field == Field::kSignInRiskAggregated;
      }
    };
    scan(r.when.all);
    for (const auto& group : r.when.any) {
      for (const auto& alternative : group) scan(alternative);
    }
    const bool judged = r.kind == LangKind::kMatch || r.kind == LangKind::kThreshold ||
                        r.kind == LangKind::kSchedule;
    generic_gated_[i] =
        static_cast<uint8_t>((reads && judged ? kReplayLearned | kReplayListing : 0) |
                             (reads_listing && judged ? kReplayListing : 0) |
                             (reads_risk && r.kind == LangKind::kMatch ? kReplayRisk : 0));
  }
}

void DetectionEngine::RunCode(const Event& e, AccountSide side, const TenantSettings& tenant) {
  const std::size_t at = static_cast<std::size_t>(e.kind) * 2 + static_cast<std::size_t>(side);
  const auto& list = replaying_ ? code_replay_[at] : code_[at];
  if (!replaying_) {  // a first judgement: its novelty answers are kept with the record
    learn_answers_ = 0;
    learn_calls_ = 0;
  }
  if (list.empty()) return;
  const AccountRef& who = side == AccountSide::kActor ? e.actor : e.account;
  AccountState* st = ResolvedFor(who.key);
  if (st == nullptr) return;
  for (const CodeRuleFn run : list) run(code_context_, e, who, *st, tenant);
}

AccountState* DetectionEngine::ResolvedFor(uint64_t key) {
  return resolved_ != nullptr && resolved_key_ == key ? resolved_ : accounts_.Find(key);
}

void DetectionEngine::OnConfig(std::shared_ptr<const CompiledConfig> config) {
  config_ = std::move(config);
  std::shared_ptr<const CompiledRuleSet> old = std::move(rules_);
  rules_ = config_->rules ? config_->rules : BuiltinRuleSet();
  BuildCodeTable();
  // The generic rules' state follows the new layout; a rule kept with the same kind keeps it.
  slots_.Relayout(std::span<const RuleSlot>(old->slots), std::span<const RuleSlot>(rules_->slots),
                  rules_->slot_bytes);
  // ...and so do the absence timers waiting on it (breaker round 94).
  RepointRuleTimers(std::span<const RuleSlot>(old->slots),
                    std::span<const RuleSlot>(rules_->slots));
  // Configured flags (break-glass, privileged lists) are re-derived lazily per account. After a
  // wrap, every account is marked unresolved so none mistakes an old generation for the current.
  if (++config_generation_ == 0) {
    config_generation_ = 1;
    accounts_.ForEachMutable([](AccountState& st) { st.config_generation = 0; });
  }
  ApplyConfig();
}

namespace {
int64_t IdleHorizon(const TenantSettings& tenant) {
  int64_t h = tenant.learning_period_s;
  for (const RuleSettings& r : tenant.rules) h = std::max(h, r.window_s);
  return h;
}
// An idle lap is due once the watermark moved by 1/32 of the shortest horizon an entry of the
// tenant can be evicted by (at least 1 s): an entry then stays at most that much longer (plus one
// lap) than its horizon, and a stream whose event time moves fast does not sweep continuously.
constexpr int64_t kLapStepDivisor = 32;
}  // namespace

void DetectionEngine::SetHorizon(TenantTime& tt) {
  tt.idle_horizon_s = IdleHorizon(config_->ForTenant(tt.tenant_hash));
  int64_t shortest = tt.idle_horizon_s;
  if (known_.ttl() > 0) shortest = std::min<int64_t>(shortest, known_.ttl());
  tt.lap_step_us = std::max<int64_t>(1, shortest / kLapStepDivisor) * kMicrosPerSecond;
}

void DetectionEngine::ApplyConfig() {
  const PipelineSettings& p = config_->pipeline;
  // A record later than this is dropped before the rules (beyond the dedupe horizon) or is late
  // beyond the allowed lateness: eviction waits this much longer than the horizon.
  evict_margin_s_ = std::max(p.allowed_lateness_s, p.dedupe_horizon_s);
  whole_inputs_ = p.whole_inputs;
  if (whole_inputs_) dedupe_.SetMinSweep(kWholeInputRecords);
  known_.set_ttl(p.known_value_ttl_s);
  for (TenantTime& tt : tenant_time_) SetHorizon(tt);
}

bool DetectionEngine::EvictStep(std::size_t budget) {
  if (!lap_open_) {  // a new lap: the bounds for accounts of unknown tenant
    lap_open_ = true;
    lap_due_ = false;
    accounts_lap_done_ = values_lap_done_ = false;
    unknown_tenant_floor_ = tenant_time_.empty() ? kMinTime : kMaxTime;
    unknown_tenant_horizon_s_ = 0;
    for (TenantTime& tt : tenant_time_) {
      tt.lap_start_watermark = tt.watermark;
      unknown_tenant_floor_ = std::min(unknown_tenant_floor_, tt.watermark);
      unknown_tenant_horizon_s_ = std::max(unknown_tenant_horizon_s_, tt.idle_horizon_s);
    }
  }
  // Idle beyond the horizon by its tenant's watermark, with room for every record that may still
  // reach the rules: such an account would start over as new at its next event anyway (Resolve).
  auto past = [&](Seconds32 last, EventTime watermark, int64_t horizon) {
    return last != 0 && watermark != kMinTime && watermark != kMaxTime &&
           static_cast<int64_t>(last) + horizon + evict_margin_s_ < watermark / kMicrosPerSecond;
  };
  std::size_t accounts = 0;
  if (!accounts_lap_done_) {
    const uint64_t laps = accounts_.cursor().laps;
    accounts = accounts_.Sweep(budget, [&](uint64_t key, const AccountState& st) {
      // An account whose latest registration said it has no MFA is kept (its registration's time
      // is when it last changed, not when it was read): PRIV-SI-05 when it becomes privileged.
      if ((st.flags & kMfaUnregistered) != 0) return false;
      const bool evict = st.tenant < tenant_time_.size()
                             ? past(st.last_seen, tenant_time_[st.tenant].watermark,
                                    tenant_time_[st.tenant].idle_horizon_s)
                             : past(st.last_seen, unknown_tenant_floor_, unknown_tenant_horizon_s_);
      if (evict && !deletions_.empty()) deletions_.erase(key);  // its history goes with it
      return evict;
    });
    // The cursor is also invalid after a step that erased all it visited: only the table's end
    // ends a lap.
    accounts_lap_done_ = accounts_.cursor().laps != laps;
  }
  // The known values' lap is walked to its end as well: there may be far more of them than
  // accounts (one account, thousands of devices), and a lap that ended with the accounts' would
  // leave all but 2 values an account visit to laps due a lap step later, not keeping up.
  std::size_t values = 0;
  if (known_.ttl() > 0 && !values_lap_done_) {
    const uint64_t laps = known_.cursor().laps;
    values = known_.Sweep(2 * budget, [&](const KnownValues::Entry& e) {
      return e.tenant < tenant_time_.size() &&
             past(e.last, tenant_time_[e.tenant].watermark, known_.ttl());
    });
    values_lap_done_ = known_.cursor().laps != laps;
  } else {
    values_lap_done_ = true;
  }
  if (accounts_lap_done_ && values_lap_done_) lap_open_ = idle_lap_ = false;
  if (accounts > 0) stats_.accounts_evicted.fetch_add(accounts, std::memory_order_relaxed);
  if (values > 0) stats_.known_values_evicted.fetch_add(values, std::memory_order_relaxed);
  return accounts + values > 0;
}

uint32_t DetectionEngine::TenantIndex(uint64_t tenant_hash, std::string_view tenant_id) {
  if (tenant_hash != last_tenant_hash_ || tenant_time_.empty()) {
    auto [it, inserted] =
        tenant_index_.try_emplace(tenant_hash, static_cast<uint32_t>(tenant_time_.size()));
    if (inserted) {
      TenantTime& tt = tenant_time_.emplace_back();
      tt.tenant_hash = tenant_hash;
      tt.counter_slot = UINT32_MAX;  // known once an event names the tenant
      SetHorizon(tt);
    }
    last_tenant_hash_ = tenant_hash;
    last_tenant_index_ = it->second;
  }
  TenantTime& tt = tenant_time_[last_tenant_index_];
  if (!tenant_id.empty() && (tt.counter_slot == UINT32_MAX ||
                             (tt.counter_slot == tenants_.overflow_slot() &&
                              tt.counter_claims != tenants_.configured_claims()))) [[unlikely]] {
    // Counted as "other" until a reload configures the tenant (its own slot then, claimed by the
    // control thread: PRIV-OP-01 reads its count).
    tt.counter_claims = tenants_.configured_claims();
    tt.counter_slot = tenants_.SlotFor(tenant_hash, tenant_id);
  }
  return last_tenant_index_;
}

void DetectionEngine::RepointRuleTimers(std::span<const RuleSlot> from,
                                        std::span<const RuleSlot> to) {
  for (TenantTime& tt : tenant_time_) {
    tt.timers.Retain([&](Timer& t) {
      if (t.kind != TimerKind::kRuleAbsence) return true;
      const auto old = std::find_if(from.begin(), from.end(), [&](const RuleSlot& o) {
        return o.kind == LangKind::kAbsence && o.offset / 4 == t.slot;
      });
      if (old == from.end()) return false;
      const auto now = std::find_if(to.begin(), to.end(), [&](const RuleSlot& n) {
        return n.code_hash == old->code_hash && n.kind == old->kind && n.size == old->size;
      });
      if (now == to.end()) return false;  // the rule is gone: its slot was not kept
      t.slot = static_cast<uint8_t>(now->offset / 4);
      return true;
    });
  }
}

void DetectionEngine::PushTimer(uint64_t tenant_hash, const Timer& t) {
  tenant_time_[TenantIndex(tenant_hash, {})].timers.Push(t);
}

namespace {
// What every row a KQL mv-expand made of one record shares (its element aside): the record's own
// id (else its correlation id), time, initiator and outcome. Not its account: the rows of one
// audit record name different targets, and RowCounted adds the account of the side it counts.
uint64_t ExpandedRecordKey(const Event& e) {
  uint64_t h = HashCombine(HashCombine(e.tenant_hash, static_cast<uint64_t>(e.kind) + 1),
                           HashCombine(static_cast<uint64_t>(e.time), 0x726f7773ULL));  // "rows"
  h = HashCombine(h, HashCombine(e.actor.key, HashLower(e.record_id.view(), ~kHashSeed)));
  h = HashCombine(h, e.kind == EventKind::kAudit
                         ? e.audit.activity_hash
                         : static_cast<uint64_t>(static_cast<uint32_t>(e.signin.error_code)));
  return h == 0 ? 1 : h;
}
}  // namespace

bool DetectionEngine::DedupeExpired(uint32_t t, Seconds32 time) const {
  // Whole inputs: nothing is forgotten before a sweep, and a sweep notes what it forgot.
  if (whole_inputs_) return time < tenant_time_[t].dedupe_floor;
  // Beyond the horizon when older than the tenant's watermark minus the horizon: such a record
  // is late anyway, so forgetting it never depends on arrival order for timely records.
  const EventTime w = tenant_time_[t].watermark;
  return w != kMinTime &&
         static_cast<int64_t>(time) + config_->pipeline.dedupe_horizon_s < w / kMicrosPerSecond;
}

void DetectionEngine::SweepDedupe() {
  if (!whole_inputs_) {
    dedupe_.Sweep([&](uint32_t t, Seconds32 time) { return DedupeExpired(t, time); });
    return;
  }
  // Past kWholeInputRecords: what is past the horizon is forgotten, and each tenant's floor
  // rises above the newest record it forgot (older records are then beyond the horizon).
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  dedupe_.Sweep([&](uint32_t t, Seconds32 time) {
    TenantTime& tt = tenant_time_[t];
    if (time < tt.dedupe_floor) return true;
    const bool past = tt.watermark != kMinTime &&
                      static_cast<int64_t>(time) + horizon < tt.watermark / kMicrosPerSecond;
    if (past) tt.dedupe_floor = std::max<Seconds32>(tt.dedupe_floor, time + 1);
    return past;
  });
}

bool DetectionEngine::Duplicate(const Event& e, uint32_t tenant) {
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  if (horizon <= 0 || e.fingerprint == 0) return false;
  auto expired = [&](uint32_t t, Seconds32 time) { return DedupeExpired(t, time); };
  const Seconds32 t = ToSeconds32(e.time);
  if (dedupe_.Repeat(e.fingerprint, t, tenant, expired)) return true;
  if (dedupe_.SweepDue()) SweepDedupe();
  // One record in a copy with its id and a copy without (a diagnostic-settings record and a KQL
  // projection without `Id`, a Graph object and an export of its rows): keyed by what it says
  // (content_key). A copy with an id leaves its content under a key of its own, which a copy
  // without an id finds; it claims (forgets) the content a copy without an id left, so two
  // records with ids that say the same each pair with one copy at most, in any arrival order.
  // Copies with ids never compare their content with each other: their ids decide.
  // The content key is CopyContentKey's (whole seconds, no correlation id: what every shape
  // keeps), its bit 0 set for a copy with its id; compared with the bit set. A copy without an id
  // leaves its content once it is no repeat of a named copy's (its fingerprint, to the
  // microsecond, tells it from other copies without an id).
  if (e.content_key == 0) return false;  // a registration: keyed by its bytes alone
  const uint64_t content = e.content_key | 1;
  const uint64_t named = HashCombine(content, 0x6e616d6564ULL);  // "named"
  if ((e.content_key & 1) != 0) {
    dedupe_.Repeat(named, t, tenant, expired);
    return dedupe_.Claim(content, expired);
  }
  if (dedupe_.Seen(named, expired)) return true;
  dedupe_.Repeat(content, t, tenant, expired);
  return false;
}

bool DetectionEngine::RiskNews(const Event& e, uint32_t tenant) {
  const uint64_t risk = SignInRisk(e);
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  if (risk == 0 || horizon <= 0 || e.fingerprint == 0) return false;
  auto expired = [&](uint32_t t, Seconds32 time) { return DedupeExpired(t, time); };
  const uint64_t key = HashCombine(e.content_key != 0 ? e.content_key | 1 : e.fingerprint, risk);
  return !dedupe_.Repeat(key == 0 ? 1 : key, ToSeconds32(e.time), tenant, expired);
}

void DetectionEngine::OnEvent(const Event& e, uint8_t roles) {
  // An event reaching two shards is counted once: by its account's shard, else its actor's.
  const bool counts = (roles & kRouteAccount) != 0 || !e.account.present();
  const uint32_t ti = TenantIndex(e.tenant_hash, e.tenant_id.view());
  current_tenant_ = ti;
  // Redelivery is dropped before the lateness check (DESIGN.md section 10); both shards of an
  // audit record see both copies, so each drops the repeat.
  if (Duplicate(e, ti)) {
    if (counts) Bump(stats_.duplicates);
    // A copy of a sign-in polled again after ID Protection held it at risk, or an admin
    // confirmed it compromised (breaker rounds 81, 85): still a redelivery, counted once by every
    // rule; only the match rules that read its risk judge it again (PRIV-SI-11).
    if (e.kind == EventKind::kSignIn && (roles & kRouteAccount) != 0 && RiskNews(e, ti)) {
      row_key_ = 0;
      row_time_ = ToSeconds32(e.time);
      resolved_ = nullptr;  // looked up afresh (RunGeneric)
      replaying_ = kReplayRisk;
      RunGeneric(e, AccountSide::kAccount, config_->ForTenant(e.tenant_hash));
      replaying_ = 0;
    }
    return;
  }
  if (e.kind == EventKind::kSignIn) (void)RiskNews(e, ti);
  TenantTime& tt = tenant_time_[ti];
  if (counts) {
    Bump(stats_.events[static_cast<std::size_t>(e.kind)]);
    tenants_.CountEvent(tt.counter_slot);
    tenants_.SeeEventTime(tt.counter_slot, e.time);
    if (e.time < tt.watermark && !(e.kind == EventKind::kMfaRegistration && e.time == 0)) {
      Bump(stats_.late_events);
      tenants_.CountLate(tt.counter_slot);
    }
  }
  // A record older than the dedupe memory reaches cannot be told from a redelivery (an Event Hubs
  // replay or an overlapping Graph poll hours later): feeding it to the rules would count it twice.
  // Except a registration (Graph userRegistrationDetails): a snapshot polled at any time, whose
  // time is when it last changed, usually long before the poll; a tenant with live logs would
  // keep every one from the rules. Its one rule (PRIV-SI-05) is a match: a re-poll raises the
  // same alert_id again (same event time), at least once, as after a restart.
  // Whole inputs (scan; run of files it does not follow): the memory still holds every record
  // after the tenant's dedupe_floor, so only an older one is beyond it (tests/regressions/k19a_*).
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  if (horizon > 0 && e.fingerprint != 0 && tt.watermark != kMinTime &&
      e.kind != EventKind::kMfaRegistration &&
      (whole_inputs_ ? e.time < static_cast<EventTime>(tt.dedupe_floor) * kMicrosPerSecond
                     : e.time + horizon * kMicrosPerSecond < tt.watermark)) {
    if (counts) Bump(stats_.beyond_horizon);
    return;
  }
  const TenantSettings& tenant = config_->ForTenant(e.tenant_hash);
  row_key_ = e.expanded_row ? ExpandedRecordKey(e) : 0;
  row_time_ = ToSeconds32(e.time);
  switch (e.kind) {
    case EventKind::kSignIn:
      if ((roles & kRouteAccount) != 0 && e.signin.principal == PrincipalType::kUser) {
        // A record older than the account's learned privilege is judged without it, by its
        // family (which keeps privileged accounts' successes) and its rules.
        const bool hidden = OnSignIn(e, tenant);
        RunCode(e, AccountSide::kAccount, tenant);
        RunGeneric(e, AccountSide::kAccount, tenant);
        if (hidden) RevealPrivilege(e.account.key);
        const AccountState* st = ResolvedFor(e.account.key);
        KeepForReplay(e, AccountSide::kAccount, !hidden && st != nullptr && st->privileged());
      }
      break;
    case EventKind::kAudit: {
      const Event& r = ResolveRoleAlias(e, tenant);
      const Event& a = (roles & kRouteAccount) != 0 ? NameSelfTarget(*PairPimCopy(r)) : r;
      if ((roles & kRouteAccount) != 0) {
        // A user target named by its id alone (PIM's own records: its User target carries no
        // userPrincipalName): its verdicts wait for a name (Emit).
        naming_hold_ =
            (a.audit.flags & kTargetNotUser) == 0 && a.account.upn.empty() && !a.account.id.empty();
        OnAuditTarget(a, tenant);  // learns privilege from gains: judged after it
        const bool hidden = HideLaterPrivilege(a.account.key, a.time);
        RunCode(a, AccountSide::kAccount, tenant);
        RunGeneric(a, AccountSide::kAccount, tenant);
        if (hidden) RevealPrivilege(a.account.key);
        if ((a.audit.flags & kTargetNotUser) == 0 && a.account.present()) {
          const AccountState* st = ResolvedFor(a.account.key);
          KeepForReplay(a, AccountSide::kAccount, !hidden && st != nullptr && st->privileged());
        }
      }
      held_copy_ = held_mirror_ = mirror_paired_ = naming_hold_ = false;
      paired_grant_time_ = 0;
      if ((roles & kRouteActor) != 0) {
        OnAuditActor(r, tenant);
        const bool hidden = HideLaterPrivilege(r.actor.key, r.time);
        RunCode(r, AccountSide::kActor, tenant);
        RunGeneric(r, AccountSide::kActor, tenant);
        if (hidden) RevealPrivilege(r.actor.key);
        if ((r.audit.flags & kActorIsApp) == 0 && r.actor.present()) {
          const AccountState* st = ResolvedFor(r.actor.key);
          KeepForReplay(r, AccountSide::kActor, !hidden && st != nullptr && st->privileged());
        }
      }
      break;
    }
    case EventKind::kMfaRegistration:
      if ((roles & kRouteAccount) != 0) {
        OnRegistration(e, tenant);
        RunCode(e, AccountSide::kAccount, tenant);
        RunGeneric(AnchorRegistration(e), AccountSide::kAccount, tenant);
      }
      break;
    case EventKind::kAzureActivity:
      if ((roles & kRouteAccount) != 0) {
        OnAzureActivity(e, tenant);
        RunCode(e, AccountSide::kAccount, tenant);
        RunGeneric(e, AccountSide::kAccount, tenant);
      }
      break;
    case EventKind::kSecurityEvent:
      if ((roles & kRouteAccount) != 0) {
        OnSecurityEvent(e, tenant);
        RunCode(e, AccountSide::kAccount, tenant);
        RunGeneric(e, AccountSide::kAccount, tenant);
      }
      break;
    case EventKind::kCount:
      break;
  }
  row_key_ = 0;
  if (replay_request_count_ != 0) ReplayPrivilege();
  if (registration_recheck_) {
    registration_recheck_ = false;
    if (const AccountState* st = accounts_.Find(recheck_event_.account.key)) {
      recheck_event_.time = LearnedPrivilegeTime(*st);
      // Listed (a reload, a restart on a new config): dated by the registration record as kept,
      // as the record itself is when the listing came first (timeless only when it named no
      // time, or came from a checkpoint older than format 6).
      if (recheck_event_.time == 0 && (st->flags & kPrivilegedConfigured) != 0) {
        if (auto it = registration_time_.find(recheck_event_.account.key);
            it != registration_time_.end()) {
          recheck_event_.time = it->second;
        }
      }
    }
    RunGeneric(recheck_event_, AccountSide::kAccount,
               config_->ForTenant(recheck_event_.tenant_hash));
  }
  // Events sweep only while a lap is under way or due, as idle ticks do: between laps nothing can
  // have become evictable that the next due lap will not find (laps are due every 1/32 of the
  // shortest horizon of event time), and a continuous sweep cost a quarter of the per-event time
  // of a cache-resident engine (BENCHMARKS.md, session 9).
  if (config_->pipeline.idle_eviction && (lap_open_ || lap_due_) &&
      ++events_since_evict_ >= kEvictEvery) {
    events_since_evict_ = 0;
    EvictStep(kEvictPerEvent * kEvictEvery);
  }
  gauges_dirty_ = true;
  if (++events_since_gauges_ >= 4096) PublishGauges();
}

namespace {
bool Listed(const absl::flat_hash_set<uint64_t>& set, const AccountRef& ref) {
  // A guest named by its #EXT# UPN (the directory's: audit and registration records) is also the
  // account a list names by its home UPN, as its sign-ins do (config lists the other way round).
  return AccountListed(set, ref);
}

// Listed in `set`, or, for a Domain Services security event (keyed by the account name without
// its domain), by that name in `names` (config/tenant.cc ReadAccountList).
bool ListedAs(const absl::flat_hash_set<uint64_t>& set, const absl::flat_hash_set<uint64_t>& names,
              const AccountRef& ref, const Event& e) {
  if (Listed(set, ref)) return true;
  if (ref.upn_hash == 0) return false;
  if (e.kind == EventKind::kSecurityEvent) return names.contains(ref.upn_hash);
  // A rename record names the account by its new UPN's text and its former UPN's hash
  // (parsers/audit_fields.cc): listed by the new UPN too (breaker round 53: a list naming the new
  // UPN missed the rename itself, so the account's earlier records were never judged again).
  if (e.kind == EventKind::kAudit && !ref.upn.empty()) {
    const uint64_t current = HashLower(ref.upn.view());
    return current != ref.upn_hash && set.contains(current);
  }
  return false;
}

// The account as its PrivilegedState names it: its object id and its newest UPN. A reload (or a
// restore) re-reads an account's listing from these as well as from the record at hand, which
// may name it by its id alone (a non-interactive sign-in writing the id in the UPN field) while
// the config lists its UPN.
AccountRef KeptNames(const PrivilegedState& ps) {
  AccountRef ref;
  ref.id = ps.id;
  ref.upn.assign(ps.upn.view());
  ref.id_hash = ps.id.empty() ? 0 : HashLower(ps.id.view());
  // A UPN kept cut (longer than kKeptUpnCapacity) is listed by its cut's own hash
  // (state/privileged_state.h).
  ref.upn_hash = ps.upn.empty()       ? 0
                 : ps.upn.truncated() ? KeptUpnCutHash(ps.upn.view())
                                      : HashLower(ps.upn.view());
  return ref;
}

// kBreakGlass | kPrivilegedConfigured as the tenant's lists name `ref` (ListedAs).
uint8_t ListedFlags(const TenantSettings& tenant, const AccountRef& ref, const Event& e) {
  uint8_t listed = 0;
  if (ListedAs(tenant.break_glass, tenant.break_glass_names, ref, e))
    listed |= kBreakGlass | kPrivilegedConfigured;
  if (ListedAs(tenant.privileged_accounts, tenant.privileged_account_names, ref, e))
    listed |= kPrivilegedConfigured;
  return listed;
}
// The lists a rename record matches its account in by the former UPN alone: such a record names
// the account by its new UPN's text and its former UPN's hash (parsers/audit_fields.cc).
uint8_t FormerUpnListing(const TenantSettings& tenant, const AccountRef& ref) {
  if (ref.upn_hash == 0 || ref.upn.empty() || ref.upn_hash == HashLower(ref.upn.view())) return 0;
  uint8_t listed = 0;
  if (tenant.break_glass.contains(ref.upn_hash)) listed |= kBreakGlass | kPrivilegedConfigured;
  if (tenant.privileged_accounts.contains(ref.upn_hash)) listed |= kPrivilegedConfigured;
  return listed;
}
}  // namespace

void DetectionEngine::DropStaleListing(AccountState& st, const PrivilegedState& ps) {
  if (st.config_generation == config_generation_) return;
  // Configured since a reload or a restore, and not seen since: a verdict that waits in event
  // time (PRIV-PA-05's absence, SI-04, EL-06, EL-08, rule absences) reads the listing as the
  // current config has it. What the config no longer lists is dropped now (a de-listed account
  // is no longer privileged or break-glass); what it newly lists is taken up by the account's
  // next record (Resolve: the listing's first effects, PRIV-SI-05's recheck, need one).
  const uint8_t listed =
      static_cast<uint8_t>(ListedFlags(config_->ForTenant(ps.tenant_hash), KeptNames(ps), Event{}) |
                           ps.former_upn_listing);
  st.flags &= static_cast<uint8_t>(
      ~(static_cast<uint8_t>(kPrivilegedConfigured | kBreakGlass) & static_cast<uint8_t>(~listed)));
}

AccountState& DetectionEngine::Resolve(const AccountRef& ref, const Event& e,
                                       const TenantSettings& tenant) {
  const Seconds32 t = e.time == 0 ? 0 : ToSeconds32(e.time);  // 0: a timeless registration
  // A registration resolves the account's lists and names and starts none of its times: its
  // lastUpdatedDateTime is when the registration last changed, often months before the poll and
  // before the logs start (0001-01-01, .NET's default, when it never did), not when the account
  // was seen; a timeless one has no time at all. First seen (the learning period) and the
  // PRIV-PA-05 basis stay unset (0) until the account's first record of another kind; a timed
  // registration still counts as last seen (idle eviction, as before).
  const Seconds32 start = e.kind == EventKind::kMfaRegistration ? 0 : t;
  bool created = false;
  AccountState& st = accounts_.FindOrAdd(ref.key, start, &created);
  if (st.first_seen == 0) st.first_seen = start;
  const TenantTime& tt = tenant_time_[current_tenant_];
  // Idle beyond every window and the learning period, a non-privileged account starts over as
  // new, whether or not the eviction sweep already forgot it: verdicts never depend on when the
  // sweep ran (docs/operations.md section 5).
  if (!created && st.privileged_index == UINT32_MAX && !st.privileged() && st.last_seen != 0 &&
      static_cast<int64_t>(t) > static_cast<int64_t>(st.last_seen) + tt.idle_horizon_s) {
    // Except what its latest registration said (kMfaUnregistered): a registration's time is when
    // it last changed, often months before the poll that read it, yet it holds as of that poll.
    const auto keep = static_cast<uint8_t>(st.flags & kMfaUnregistered);
    st = AccountState{};
    st.first_seen = start;
    st.flags = keep;
  }
  st.tenant =
      current_tenant_ < kUnknownTenant ? static_cast<uint16_t>(current_tenant_) : kUnknownTenant;
  resolved_key_ = ref.key;
  resolved_ = &st;
  if (start != 0) st.first_seen = std::min(st.first_seen, start);
  st.last_seen = std::max(st.last_seen, t);
  if (st.config_generation != config_generation_) {
    st.config_generation = config_generation_;
    // Listed now (a reload, or the account's first record): MakePrivileged() tells a new
    // privilege (PRIV-SI-05's recheck) by the flags before the listing is applied. By the record,
    // or by the names the account's earlier records gave (KeptNames): an account the config lists
    // by UPN stays listed when the first record after a reload names it by its id alone.
    uint8_t listed = ListedFlags(tenant, ref, e);
    if (const PrivilegedState* kept_names = accounts_.PrivilegedIfAny(st)) {
      listed |= ListedFlags(tenant, KeptNames(*kept_names), e);
      listed |= kept_names->former_upn_listing;  // renamed away from its listed UPN
    }
    // Listed before and still: not new (no second PRIV-SI-05 on a reload).
    const auto kept = static_cast<uint8_t>(st.flags & listed & kPrivilegedConfigured);
    const auto was = static_cast<uint8_t>(st.flags & (kPrivilegedConfigured | kBreakGlass));
    st.flags &= static_cast<uint8_t>(~(kPrivilegedConfigured | kBreakGlass));
    if (listed != 0) {
      st.flags |= static_cast<uint8_t>((listed & kBreakGlass) | kept);
      MakePrivileged(st, ref, e, kPrivilegedConfigured);
      // Newly listed (a reload, a restore, a rename naming the listed UPN): its kept records
      // are judged again, as below.
      if (!created && (was & listed) != listed)
        RequestReplay(ref.key, 0, UINT32_MAX, kReplayListing);
    }
  } else if ((st.flags & kBreakGlass) == 0 && ref.upn_hash != 0 &&
             (ListedAs(tenant.break_glass, tenant.break_glass_names, ref, e) ||
              ((st.flags & kPrivilegedConfigured) == 0 &&
               ListedAs(tenant.privileged_accounts, tenant.privileged_account_names, ref, e)))) {
    // An account the config lists by a UPN it has only now been seen under (renamed to it, or its
    // first records named it by id and another UPN): listed from here on. Also break-glass by its
    // UPN when privileged_accounts lists it by its id (breaker round 54: the break-glass listing
    // was never applied).
    if (ListedAs(tenant.break_glass, tenant.break_glass_names, ref, e)) st.flags |= kBreakGlass;
    MakePrivileged(st, ref, e, kPrivilegedConfigured);
    PrivilegedState& ps = accounts_.Privileged(st);
    if (st.first_seen != 0) {
      ps.since = std::min(ps.since, st.first_seen);  // listed since its earliest event, as above
    }
    // Its records that came before this one, under its other name, were judged as of an account
    // no list names: judged again now, as a learned privilege's are (a rename arriving after the
    // renamed break-glass account's sign-in lost PRIV-BG-01; SI-01 and SI-12 of a listed admin
    // likewise: breaker round 53). Only records not older than the tenant's watermark, at every
    // event time: the listing names the account, not a time.
    RequestReplay(ref.key, 0, UINT32_MAX, kReplayListing);
  }
  if (st.privileged_index != UINT32_MAX) {
    PrivilegedState& ps = accounts_.Privileged(st);
    // A rename away from a listed UPN: the kept names lose it, the listing is kept here (an audit
    // record's target only; no hash per sign-in).
    if (e.kind == EventKind::kAudit && (st.flags & kPrivilegedConfigured) != 0) {
      ps.former_upn_listing |= FormerUpnListing(tenant, ref);
    }
    KeepNames(ps, ref, t);
    // A listed account is privileged since its earliest event, whichever arrived first (the
    // PRIV-PA-05 basis before any success).
    if ((st.flags & kPrivilegedConfigured) != 0 && start != 0 && start < ps.since) {
      ps.since = start;
    }
    if (ps.since == 0 && start != 0) {
      // Made privileged by a registration: privileged since its first record of another kind.
      ps.since = start;
      code_rules::UnusedAccount::Arm(code_context_, ref.key, st, tenant);
    }
  }
  return st;
}

void DetectionEngine::KeepNames(PrivilegedState& ps, const AccountRef& ref, Seconds32 t) {
  if (!ref.id.empty()) ps.id = ref.id;
  // The newest UPN by event time (a rename), whatever order the records arrive in.
  if (!ref.upn.empty() && t >= ps.upn_time) {
    ps.upn.assign(ref.upn.view());
    ps.upn_time = t;
  }
}

// A custom role named by its id and its name teaches the pair; one named by either alone reads as
// the pair so learned (one role, however each record names it: PRIV-EL-08's pairing, held roles,
// EL-03's novelty, PIM's copies). The role is keyed by its name, as before, or by its id where the
// tenant's privileged_roles lists the id and not the name (so a listed custom role is privileged
// whichever way a record names it).
const Event& DetectionEngine::ResolveRoleAlias(const Event& e, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  if (au.role_hash == 0) return e;
  uint64_t id = au.role_id_hash;
  uint64_t name = id != au.role_hash ? au.role_hash : 0;
  std::string_view text = au.role_name.view();
  if (id != 0 && name != 0) {
    role_aliases_.Learn(e.tenant_hash, id, name, text);
  } else if (const RoleAliases::Pair* p = role_aliases_.Find(e.tenant_hash, au.role_hash)) {
    id = p->id_hash;
    name = p->name_hash;
    text = p->name.view();
  } else {
    return e;
  }
  const bool by_id =
      tenant.privileged_roles.contains(id) && !tenant.privileged_roles.contains(name);
  const uint64_t key = by_id ? id : name;
  if (key == au.role_hash && id == au.role_id_hash) return e;
  role_alias_event_ = e;
  role_alias_event_.audit.role_hash = key;
  role_alias_event_.audit.role_id_hash = id;
  role_alias_event_.audit.role_name.assign(text);
  return role_alias_event_;
}

// PIM's own record of a role it grants is kept; Core Directory's "Add member to role" initiated by
// an app it does not name, or names "MS-PIM" without PIM's appId, is PIM's copy when such a record
// of the same role and account lies within the window (then returned as PIM's), else its
// direct-assignment verdicts wait (held_copy_) for a PIM record to arrive within the lateness
// (ReleasePimCopies).
const Event* DetectionEngine::PairPimCopy(const Event& e) {
  const AuditFields& au = e.audit;
  if ((au.flags & kAuditSuccess) == 0 || au.role_hash == 0 || !e.account.present()) return &e;
  const Seconds32 t = ToSeconds32(e.time);
  // A removal of the role ends the grant a later copy could be a copy of (PimCopies::Paired).
  if (au.activity == Activity::kRemoveMemberFromRolePimExpired ||
      au.activity == Activity::kRemoveMemberFromRolePimDeactivate ||
      au.activity == Activity::kRemoveMemberFromRole ||
      au.activity == Activity::kRemoveEligibleMemberFromRole) {
    const bool eligible = au.activity == Activity::kRemoveEligibleMemberFromRole;
    for (const uint64_t role : {au.role_hash, au.role_id_hash}) {
      if (role == 0) continue;
      pim_copies_.AddRemoval(e.tenant_hash, e.account.key,
                             eligible ? PimCopies::EligibleKey(role) : role, t, current_tenant_,
                             PimRecordStale());
    }
    return &e;
  }
  // An eligible assignment: PIM's record is kept; Core Directory's mirror of it, whoever initiated
  // it (an export may hold the mirror alone), raises PRIV-EL-01 only when no PIM record of the
  // same grant pairs it (held until the pairing is decided, as a copy's EL-02 / PA-04).
  if (au.activity == Activity::kAddEligibleMemberToRole) {
    const uint64_t key = PimCopies::EligibleKey(au.role_hash);
    if (IsPimEligibleAssignment(au)) {
      AddPimGrant(e, key, t);
    } else if (IsEligibleAssignmentMirror(au)) {
      if (PairedByNameOrId(e, key, PimCopies::EligibleKey(au.role_id_hash), t)) {
        mirror_paired_ = true;
      } else {
        held_mirror_ = true;
        held_role_ = key;
      }
    }
    return &e;
  }
  // PIM's activities are PIM's by their names alone (a projection without loggedByService).
  if (au.activity == Activity::kAddMemberToRolePimActivation ||
      au.activity == Activity::kAddMemberToRoleInPim ||
      (au.service == AuditService::kPim && au.activity == Activity::kAddMemberToRole)) {
    AddPimGrant(e, au.role_hash, t);
    return &e;
  }
  if (au.activity != Activity::kAddMemberToRole || au.service == AuditService::kPim) return &e;
  if ((au.flags & kInitiatedByPim) != 0) {
    // PIM's copy by its app: no pairing needed, but one of PIM's record by the role's id alone
    // dates the privilege it teaches (paired_grant_time_).
    (void)PairedByNameOrId(e, au.role_hash, au.role_id_hash, t);
    return &e;
  }
  if ((au.flags & (kInitiatorUnnamed | kInitiatorNamedPim)) == 0) return &e;
  if (!PairedByNameOrId(e, au.role_hash, au.role_id_hash, t)) {
    held_copy_ = true;
    held_role_ = au.role_hash;
    return &e;
  }
  pim_copy_event_ = e;
  pim_copy_event_.audit.flags =
      static_cast<uint16_t>((au.flags | kInitiatedByPim) &
                            ~static_cast<uint16_t>(kInitiatorUnnamed | kInitiatorNamedPim));
  return &pim_copy_event_;
}

// PIM's record of a grant is kept at its time and, when it schedules the grant later (its
// additionalDetails "StartTime"), at that start too: Core Directory writes its copy when the
// grant starts (breaker round 89: an assignment saved at 15:00 to start at 09:00 the next day,
// whose copy at 09:00 raised a second PRIV-EL-01, or a false EL-02 and PA-04).
void DetectionEngine::AddPimGrant(const Event& e, uint64_t key, Seconds32 t) {
  pim_copies_.AddGrant(e.tenant_hash, e.account.key, key, t, current_tenant_, PimRecordStale());
  if (e.pim_start > t) {  // a start within the window too (breaker round 91: 3 min later)
    pim_copies_.AddGrant(e.tenant_hash, e.account.key, key, e.pim_start, current_tenant_,
                         PimRecordStale());
  }
}

// PIM's record of a custom role named by its id alone, before any record taught the role's name,
// was kept under the id (ResolveRoleAlias): Core Directory's copy, which names the role both ways
// and teaches the pair, pairs it by the id as well as by the key it reads as (breaker round 45:
// a false PRIV-EL-02 and PA-04 on the copy of the first such activation).
// PIM's record was judged then as of an account whose role it could not name: the privilege the
// copy teaches dates from PIM's record (paired_grant_time_, OnAuditTarget), so the records of the
// account since then, PIM's own among them, are judged again as an admin's (the learned
// privilege's replay: PRIV-EL-08's tracking, EL-06's sign-in before the activation).
bool DetectionEngine::PairedByNameOrId(const Event& e, uint64_t key, uint64_t id_key, Seconds32 t) {
  if (pim_copies_.Paired(e.tenant_hash, e.account.key, key, t) != 0) return true;
  if (e.audit.role_id_hash == 0 || id_key == key) return false;
  paired_grant_time_ = pim_copies_.Paired(e.tenant_hash, e.account.key, id_key, t);
  return paired_grant_time_ != 0;
}

// A user acting on itself (PIM's self-activation) whose record names the target by id alone and
// the initiator by id and UPN: the target is named as the initiator is (the same object).
const Event& DetectionEngine::NameSelfTarget(const Event& e) {
  const AccountRef& target = e.account;
  if (!target.upn.empty() || target.id_hash == 0 || target.id_hash != e.actor.id_hash ||
      e.actor.upn.empty() || (e.audit.flags & (kTargetNotUser | kActorIsApp)) != 0) {
    return e;
  }
  self_named_event_ = e;
  self_named_event_.account.upn = e.actor.upn;
  self_named_event_.account.upn_hash = e.actor.upn_hash;
  return self_named_event_;
}

void DetectionEngine::ReleasePimCopies(uint64_t tenant_hash, EventTime watermark, bool all) {
  if (!pim_copies_.HasPending()) return;
  const TenantSettings& tenant = config_->ForTenant(tenant_hash);
  // Each held alert's row was counted when it was raised (Emit).
  releasing_ = true;
  pim_copies_.Release(tenant_hash, watermark, all, [&](Alert& a, uint64_t account) {
    Emit(a, account, tenant, /*row_counted=*/true);
  });
  releasing_ = false;
}

bool DetectionEngine::RowCounted(uint64_t account_key, uint64_t what) {
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  if (row_key_ == 0 || horizon <= 0) return false;  // dedupe off: nothing is remembered
  auto expired = [&](uint32_t t, Seconds32 time) { return DedupeExpired(t, time); };
  const uint64_t key = HashCombine(HashCombine(row_key_, account_key), what);
  return dedupe_.Repeat(key == 0 ? 1 : key, row_time_, current_tenant_, expired);
}

bool DetectionEngine::AlertRowCounted(const Alert& a, uint64_t account_key) {
  // Another row of this record raised it ("alert"): one verdict per record and rule.
  return RowCounted(account_key, HashCombine(static_cast<uint64_t>(a.rule), 0x616c657274ULL));
}

bool DetectionEngine::Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                           bool row_counted) {
  if (!row_counted && AlertRowCounted(a, account_key)) return false;
  // A direct assignment's verdicts on what may be PIM's copy wait for the pairing (PairPimCopy);
  // so does an eligible assignment's on Core Directory's mirror of it, which PIM's record of the
  // same grant already raised when it paired the mirror at once.
  if ((held_copy_ &&
       (a.rule == RuleId::kEL02 || a.rule == RuleId::kPA04 || a.rule == RuleId::kPA01)) ||
      (held_mirror_ && (a.rule == RuleId::kEL01 || a.rule == RuleId::kPA01))) {
    const Seconds32 t = ToSeconds32(a.time);
    if (pim_copies_.Hold(a.tenant_hash, account_key, held_role_, t, a)) return true;
  }
  // PRIV-PA-01 alike: the mirror of an eligible grant is no gain of its own (m16q_*).
  if (mirror_paired_ && (a.rule == RuleId::kEL01 || a.rule == RuleId::kPA01)) return false;
  // Name a privileged account by the best identity kept for it, not by whichever record raised the
  // alert (a late record may carry a UPN the account has since been renamed from).
  if (const AccountState* st = accounts_.Find(account_key)) {
    if (const PrivilegedState* ps = accounts_.PrivilegedIfAny(*st)) {
      // Unless the kept UPN is the first 96 bytes of the alert's own (PrivilegedState keeps no
      // more): the alert then names the account by the record's UPN whole.
      if (!ps->upn.empty() && !(ps->upn.truncated() && a.upn().starts_with(ps->upn.view()))) {
        a.SetUpn(ps->upn.view());
      }
      if (a.account_id.empty()) a.account_id = ps->id;
    }
  }
  if (!releasing_) {
    // A verdict about a target its record names by id alone waits until the tenant's watermark
    // passes its time + PimCopies::kWindowS, for the records that name the account in that window
    // (Core Directory's copy of PIM's grant, a sign-in) in either arrival order; so do the
    // account's later verdicts of the same rule behind it (a copy's, a second grant's), and of a
    // once-per-account rule (PRIV-SI-03 on an older sign-in), leaving with it: suppression
    // admits them in event-time order, under one name. Released through here (releasing_).
    const bool naming = naming_hold_ && !a.account_id.empty();
    const bool behind = !naming && pim_copies_.HasPending() &&
                        pim_copies_.HoldsNaming(a.tenant_hash, account_key, a.rule,
                                                GetRuleInfo(a.rule).once_per_account);
    if ((naming || behind) &&
        pim_copies_.Hold(a.tenant_hash, account_key,
                         naming ? PimCopies::kNamingHold : PimCopies::kHeldBehind,
                         ToSeconds32(a.time), a)) {
      return true;
    }
  } else if (AccountState* st = accounts_.Find(account_key);
             st != nullptr && !code_rules::NamingPolicy::StillHolds(a, *st, tenant)) {
    return false;  // judged by a name the window replaced
  }
  if (a.upn().empty() && !a.account_id.empty()) [[unlikely]] {
    // A record before it, of an account unprivileged then, named it only in the replay ring.
    if (const KeptName kept = KeptUpn(account_key); !kept.upn.empty()) a.SetUpn(kept.upn);
  }
  return emitter_.Emit(a, account_key, tenant);
}

bool DetectionEngine::EmitEarliest(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                                   bool only_replace) {
  if (AlertRowCounted(a, account_key)) return false;
  if (releasing_) return Emit(a, account_key, tenant, /*row_counted=*/true);
  switch (
      pim_copies_.HoldEarliest(a.tenant_hash, account_key, ToSeconds32(a.time), a, only_replace)) {
    case PimCopies::EarliestHold::kHeld:
    case PimCopies::EarliestHold::kReplaced:
    case PimCopies::EarliestHold::kKept:
      return true;
    case PimCopies::EarliestHold::kNotHeld:
      return false;
    case PimCopies::EarliestHold::kFull:
      break;
  }
  return Emit(a, account_key, tenant, /*row_counted=*/true);
}

DetectionEngine::KeptName DetectionEngine::KeptUpn(uint64_t account_key) {
  KeptName name;
  EventTime newest = kMinTime;
  replay_.ForEachOf(account_key, 0, UINT32_MAX, [&](const PrivilegeReplay::Entry& kept) {
    const AccountRef& who =
        kept.side == PrivilegeReplay::kActorSide ? kept.event.actor : kept.event.account;
    if (!who.upn.empty() && kept.event.time >= newest) {
      newest = kept.event.time;
      name = KeptName{who.upn.view(), ToSeconds32(kept.event.time)};
    }
  });
  return name;
}

void DetectionEngine::MakePrivileged(AccountState& st, const AccountRef& ref, const Event& e,
                                     uint8_t how) {
  const bool was_privileged = st.privileged();
  st.flags |= how;
  if (!was_privileged && (st.flags & kMfaUnregistered) != 0 &&
      e.kind != EventKind::kMfaRegistration) {
    // Privileged after a registration record said it has no MFA: the registration's own rule
    // (PRIV-SI-05, a match on that record) would have fired had the record come after; it is run
    // once this event is handled, on the record as it is known (OnEvent).
    QueueRegistrationRecheck(ref, e);
  }
  const bool fresh = st.privileged_index == UINT32_MAX;
  PrivilegedState& ps = accounts_.Privileged(st);
  KeepNames(ps, ref, ToSeconds32(e.time));
  if (fresh && ps.upn.empty()) {
    // Made privileged by a record naming it by id alone (PIM's): named by its latest record kept
    // from before, when it was not privileged (the replay ring; records within the lateness).
    const KeptName kept = KeptUpn(ref.key);
    ps.upn.assign(kept.upn);
    ps.upn_time = kept.time;  // an older record arriving later names it no more
  }
  // A registration's time starts none of the account's times (Resolve).
  const bool timed = e.time != 0 && e.kind != EventKind::kMfaRegistration;
  if (!fresh && !was_privileged && ps.since != 0 && timed) {
    // Privileged again after its privilege was un-learned (Unlearn): its state is reused, and
    // PRIV-PA-05 waits from now, as for an account new to privilege.
    ps.since = ToSeconds32(e.time);
    code_rules::UnusedAccount::Arm(code_context_, ref.key, st, config_->ForTenant(e.tenant_hash));
  }
  if (fresh) {
    ps.tenant_id = e.tenant_id;
    ps.tenant_hash = e.tenant_hash;
    ps.since = timed ? ToSeconds32(e.time) : 0;  // 0: a registration (Resolve)
    // PRIV-PA-05 waits from the time the account became privileged (a timeless registration's
    // account from its first timed record: Resolve).
    if (ps.since != 0) {
      code_rules::UnusedAccount::Arm(code_context_, ref.key, st, config_->ForTenant(e.tenant_hash));
    }
  }
}

EventTime DetectionEngine::LearnedPrivilegeTime(const AccountState& st) {
  if ((st.flags & (kPrivilegedLearned | kPrivilegedConfigured)) != kPrivilegedLearned) return 0;
  const PrivilegedState* ps = accounts_.PrivilegedIfAny(st);
  return ps == nullptr ? 0 : static_cast<EventTime>(ps->since) * kMicrosPerSecond;
}

const Event& DetectionEngine::AnchorRegistration(const Event& e) {
  if (e.registration.is_mfa_registered || e.registration.is_admin || registration_lost_mfa_ ||
      resolved_ == nullptr || resolved_key_ != e.account.key) {
    return e;
  }
  const EventTime t = LearnedPrivilegeTime(*resolved_);
  if (t == 0) return e;
  anchored_event_ = e;  // cold: a no-MFA registration of a privileged account
  anchored_event_.time = t;
  return anchored_event_;
}

void DetectionEngine::QueueRegistrationRecheck(const AccountRef& ref, const Event& e) {
  // The registration record as privmon knows it: its id the user's object id
  // (userRegistrationDetails' id), no MFA registered, and (at the end of OnEvent) the time
  // LearnedPrivilegeTime gives, which AnchorRegistration gives the record in the other order: its
  // alert has the same alert_id, time and evidence time in both (a listed account's recheck, after
  // a reload, the registration's own time, registration_time_, as when listed first).
  Event& r = recheck_event_;
  r = Event{};
  r.kind = EventKind::kMfaRegistration;
  r.format = RecordFormat::kGraph;
  r.source_index = e.source_index;
  r.received_ns = e.received_ns;
  r.tenant_hash = e.tenant_hash;
  r.tenant_id = e.tenant_id;
  r.record_id.assign(ref.id.empty() ? ref.upn.view() : ref.id.view());
  r.account = ref;
  r.registration.is_mfa_registered = false;
  registration_recheck_ = true;
}

void DetectionEngine::Unlearn(uint64_t key, AccountState& st, PrivilegedState& ps, Seconds32 t) {
  if ((st.flags & kPrivilegedLearned) == 0 || !ps.roles.Empty()) return;
  st.flags &= static_cast<uint8_t>(~kPrivilegedLearned);
  learned_since_.erase(key);
  privilege_gap_.erase(key);
  if (st.privileged()) return;  // a configured account stays privileged
  // The slot stays (names, look-backs, held roles; reused on re-learning), as does any pending
  // timer: PRIV-PA-05's drops itself for an account no longer privileged (UnusedAccount::Fire);
  // verdicts armed while it was privileged (EL-06, EL-08, SI-04) are still judged.
  ps.roles.unlearned = std::max<Seconds32>(t, 1);
}

void DetectionEngine::AdvanceTenant(TenantTime& tt, EventTime watermark) {
  if (watermark <= tt.watermark) return;
  tt.watermark = watermark;
  if (tt.lap_start_watermark == kMinTime || watermark - tt.lap_start_watermark >= tt.lap_step_us) {
    lap_due_ = true;
  }
  watermark_ = std::max(watermark_, watermark);
  gauges_dirty_ = true;
  while (tt.timers.HasDue(watermark)) FireTimer(tt.timers.Pop());
  ReleasePimCopies(tt.tenant_hash, watermark, false);
  // Not a bucket a held verdict, or a pending verdict dated before it is due, may still repeat
  // into (its update line would go without it).
  emitter_.Settle(tt.tenant_hash,
                  std::min(pim_copies_.HasPending()
                               ? std::min(watermark, pim_copies_.EarliestHeld(tt.tenant_hash))
                               : watermark,
                           tt.timers.EarliestDatedVerdict()));
  emitter_.Sweep([&](uint64_t tenant) {
    auto it = tenant_index_.find(tenant);
    return it == tenant_index_.end() ? kMinTime : tenant_time_[it->second].watermark;
  });
}

void DetectionEngine::OnWatermark(EventTime watermark) {
  // Timers may arm timers of the same tenant, never add tenants: index, not reference.
  for (TenantTime& tt : tenant_time_) AdvanceTenant(tt, watermark);
  PublishGauges();
}

void DetectionEngine::OnTenantWatermark(uint64_t tenant_hash, EventTime watermark) {
  AdvanceTenant(tenant_time_[TenantIndex(tenant_hash, {})], watermark);
}

void DetectionEngine::OnFinish(EventTime final_time) {
  // Nothing can arrive late any more: every verdict due by each tenant's last event time is final,
  // one in that record's second too (while the input goes on, a timer waits for its whole second:
  // state/timer_queue.h); one due after it is not, as before.
  if (final_time != kMinTime) OnWatermark(final_time);
  for (TenantTime& tt : tenant_time_) {
    while (tt.watermark != kMinTime && tt.timers.HasDueAtEnd(tt.watermark)) {
      FireTimer(tt.timers.Pop());
    }
  }
  for (const TenantTime& tt : tenant_time_) ReleasePimCopies(tt.tenant_hash, final_time, true);
  emitter_.SettleAll();
  PublishGauges();
}

std::size_t DetectionEngine::MemoryBytes() const {
  std::size_t timers = 0;
  for (const TenantTime& tt : tenant_time_) timers += tt.timers.MemoryBytes();
  return accounts_.MemoryBytes() + slots_.MemoryBytes() + known_.MemoryBytes() + timers +
         dedupe_.MemoryBytes() + emitter_.MemoryBytes() + pim_copies_.MemoryBytes() +
         role_aliases_.MemoryBytes() + tenant_time_.capacity() * sizeof(TenantTime) +
         registration_time_.capacity() * (sizeof(uint64_t) + sizeof(EventTime) + 1) +
         (learned_since_.capacity() + privilege_gap_.capacity()) *
             (sizeof(uint64_t) + sizeof(Seconds32) + 1) +
         deletions_.capacity() * (sizeof(uint64_t) + sizeof(DeletionHistory) + 1) +
         snapshot_.MemoryBytes();  // not replay_: a fixed ring, no account's state
}

void DetectionEngine::PublishGauges() {
  ReleaseLargeSnapshot();
  events_since_gauges_ = 0;
  gauges_dirty_ = false;
  stats_.accounts.store(static_cast<int64_t>(accounts_.size()), std::memory_order_relaxed);
  stats_.state_bytes.store(static_cast<int64_t>(MemoryBytes()), std::memory_order_relaxed);
  // The scrape reports the wall clock minus it (metrics/stats_collector.cc).
  if (watermark_ != kMinTime) stats_.watermark_us.store(watermark_, std::memory_order_relaxed);
}

}  // namespace privmon
