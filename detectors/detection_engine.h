// DetectionEngine: the rules of one shard. Implements the pipeline's EventConsumer: for each event
// it updates the state of the accounts this shard owns (the event's account and/or actor) and
// evaluates every rule of RULES.md that reads that kind of event, and it fires event-time timers
// (absence, verdicts that wait for late events) as the watermark passes them.
// Owns the shard's AccountTable, KnownValues, TimerQueue and AlertEmitter. Called only from its
// shard's thread. Per event: O(1) expected, no allocation once tables have grown, no locks.
// The rule bodies are split by family: signin_rules.cc, audit_rules.cc, other_rules.cc,
// timer_rules.cc, and the C++ rules moved into small classes (detectors/code_rules/) run from a
// table after their event's family; rules written as data (the generic kinds, rules/*.yaml and the
// config's rule_files) run in generic_rules.cc after their event's family.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "detectors/alert_emitter.h"
#include "detectors/code_rules/code_rule.h"
#include "detectors/engine_snapshot.h"
#include "pipeline/event_consumer.h"
#include "pipeline/spsc_queue.h"
#include "rules/rule_eval.h"
#include "rules/rule_language.h"
#include "state/account_table.h"
#include "state/dedupe_memory.h"
#include "state/deletion_history.h"
#include "state/known_values.h"
#include "state/pim_copies.h"
#include "state/privilege_replay.h"
#include "state/role_aliases.h"
#include "state/rule_slots.h"
#include "state/timer_queue.h"

namespace privmon {

class DetectionEngine final : public EventConsumer {
 public:
  // PipelineSettings::whole_inputs: records each shard's dedupe memory keeps before its first
  // sweep (at most 43 B each: 45 MiB a shard), so an input up to about this many records per
  // shard has every late record told from a redelivery exactly.
  static constexpr std::size_t kWholeInputRecords = std::size_t{1} << 20;

  DetectionEngine(std::shared_ptr<const CompiledConfig> config, SpscQueue<Alert>& alerts,
                  ShardStats& stats, TenantCounters& tenants);

  void OnEvent(const Event& event, uint8_t roles) override;
  // Prefetches what OnEvent(event, roles) will probe: the dedupe memory, the account table for
  // each account this shard owns, and a user sign-in's client-app, device and place values
  // (detectors/engine_prefetch.cc). Reads the tables' sizes only; no state changes.
  void Prefetch(const Event& event, uint8_t roles) override;
  void OnWatermark(EventTime watermark) override;
  void OnTenantWatermark(uint64_t tenant_hash, EventTime watermark) override;
  void OnIdle() override {
    // An idle shard sweeps only once a tenant's watermark moved by its lap step since the last
    // lap began, and then until that lap's end (nothing else makes an entry evictable, and
    // horizons are days): a quiet process does not spin laps, nor does a busy one whose shards
    // idle between events while the watermark creeps. Laps the events' steps open are theirs.
    if (config_->pipeline.idle_eviction && (idle_lap_ || lap_due_)) {
      idle_lap_ = true;
      if (EvictStep(kEvictPerIdle)) gauges_dirty_ = true;
    }
    if (snapshot_encoded_.load(std::memory_order_relaxed)) ReleaseLargeSnapshot();
    if (gauges_dirty_) PublishGauges();
  }
  void OnConfig(std::shared_ptr<const CompiledConfig> config) override;
  void OnFinish(EventTime final_time) override;
  // Checkpoints (detectors/engine_checkpoint.cc, docs/operations.md "Checkpoints"). At a cut the
  // shard only copies its tables (SnapshotState); the control thread encodes the copy
  // (EncodeSnapshot) while the shard goes on. SaveState is the two back to back.
  void SaveState(CheckpointShardWriter& out) override;
  bool SnapshotState() override;
  void EncodeSnapshot(CheckpointShardWriter& out) override;
  bool LoadState(const CheckpointRecordView& record) override;
  void ReserveState(uint8_t tag, std::size_t records) override;
  void OnRestored() override;
  // A snapshot whose buffers hold more than this is freed once encoded, on the shard's thread (its
  // next gauges or idle step), instead of kept for the next cut: a cut in steady state allocates
  // nothing below it, and a large state is not held twice between cuts (the <= 256 B per account
  // of issue 15; above it the next cut allocates its copy again). Tests set it lower.
  static constexpr std::size_t kKeptSnapshotBytes = std::size_t{64} << 20;
  void set_kept_snapshot_bytes(std::size_t bytes) { kept_snapshot_bytes_ = bytes; }
  // The alert dispatcher's wake, notified after each alert queued (sinks/alert_dispatcher.h).
  void SetAlertWake(EventCount* wake) { emitter_.set_wake(wake); }
  // Allocates and touches the records kept for a later role gain (state/privilege_replay.h) now,
  // before records flow, instead of on the first record of an ordinary account: ~5.8 MiB whose
  // first touch stalled the shard for tens of milliseconds. The constructor leaves it lazy (tests
  // build many engines).
  void PrewarmReplay() { replay_.Prewarm(); }

  const AccountTable& accounts() const { return accounts_; }
  std::size_t known_value_count() const { return known_.size(); }
  std::size_t MemoryBytes() const;

 private:
  // Shared helpers (detection_engine.cc).
  AccountState& Resolve(const AccountRef& ref, const Event& e, const TenantSettings& tenant);
  void MakePrivileged(AccountState& st, const AccountRef& ref, const Event& e, uint8_t how);
  // Runs the registration rules (PRIV-SI-05) for `ref` once the current event is handled, on its
  // latest registration record as kept (kMfaUnregistered): set when `e` made it privileged.
  void QueueRegistrationRecheck(const AccountRef& ref, const Event& e);
  // The event time (microseconds) PRIV-SI-05 is raised at for an account privileged by a learned
  // role only (not listed): when it became privileged (PrivilegedState::since, whole seconds), in
  // either arrival order of its no-MFA registration and that role grant; 0 for any other account
  // (the registration's own time then decides).
  EventTime LearnedPrivilegeTime(const AccountState& st);
  // `e` (a registration), or a copy of it at LearnedPrivilegeTime when its account has one and
  // `e` does not itself make it privileged (isAdmin true) nor follows a registration that said
  // MFA registered (a new loss of MFA keeps its own time): the rules then see the record as the
  // recheck of the other arrival order sees it (same alert_id, time and evidence time).
  const Event& AnchorRegistration(const Event& e);
  // A learned account left holding no role and no source naming none (HeldRoles::Empty) is
  // privileged no more: clears kPrivilegedLearned (never kPrivilegedConfigured). `t`: the event
  // time of the record that removed the last one; `key`: the account's.
  void Unlearn(uint64_t key, AccountState& st, PrivilegedState& ps, Seconds32 t);
  // Learned privilege follows event time (docs/RULES.md "Learned privilege"). `st` was privileged
  // before the current event (`was_privileged`) and is privileged by a learned source now, from
  // event time `since` (s; 0: at every time, a source that proves an earlier privilege: isAdmin,
  // the eligibility an activation's end or request proves). Keeps learned_since_ and asks for the
  // replay of the kept records the change makes privileged (ReplayPrivilege).
  void NoteLearned(uint64_t key, bool was_privileged, Seconds32 since);
  // Asks for the replay of the records of account `key` kept in event times [from, to), by the
  // rules `cause` gates (kReplayLearned, kReplayListing).
  void RequestReplay(uint64_t key, Seconds32 from, Seconds32 to, uint8_t cause = kReplayLearned);
  // An older gain (at `t`) of a role the learned account holds: privileged since `t`, unless an
  // earlier privilege of it is known to have ended after `t` (privilege_gap_): then only the
  // records of [t, gap) are judged again and its learned time stays.
  void NoteOlderGain(uint64_t key, Seconds32 t);
  // A removal at `t` that takes nothing away because the role's newer grant (at `regained`) is
  // known: when that grant is all the account holds, its privilege before `t` ended at `t`
  // (privilege_gap_), and when it was learned from before `t`, it is privileged from `regained`
  // now (a record of [t, regained) arriving later is an ordinary account's, as in event order).
  void NoteEndedBefore(uint64_t key, Seconds32 t, Seconds32 regained);
  // While the rules judge a record older than the learned privilege of the account `key` on its
  // side (learned_since_), its kPrivilegedLearned is hidden: returns true when hidden, and
  // RevealPrivilege(key) gives it back. Nothing to do (one branch) while no account has one.
  bool HideLaterPrivilege(uint64_t key, EventTime time);
  void RevealPrivilege(uint64_t key);
  // Keeps `e` for the account on `side` when the rules judged it as of an unprivileged account
  // (`judged_privileged` false) and it is not late (PrivilegeReplay).
  void KeepForReplay(const Event& e, AccountSide side, bool judged_privileged);
  // The novelty rules' answers (CodeRuleContext::Learn) for the record and side being judged: bit
  // i is the i-th call's (the first 32). Kept with the record (PrivilegeReplay::Entry::learned)
  // and given back by ReplayedLearnAnswer while a replay judges it again.
  bool NoteLearnAnswer(bool fresh) {
    if (learn_calls_ < 32) learn_answers_ |= static_cast<uint32_t>(fresh) << learn_calls_;
    if (learn_calls_ < UINT8_MAX) ++learn_calls_;
    return fresh;
  }
  bool ReplayedLearnAnswer() {
    const uint8_t i = replay_learn_next_;
    if (replay_learn_next_ < UINT8_MAX) ++replay_learn_next_;
    return i < replay_learn_calls_ && i < 32 && ((replay_learn_answers_ >> i) & 1U) != 0;
  }
  // Runs the rules gated on privilege (generic_gated_, code_replay_) for the kept records the
  // learned privilege of replay_requests_ covers, in arrival order: as if the gain had come first.
  void ReplayPrivilege();
  void ReplayKept(PrivilegeReplay::Entry& kept);
  // Unset first seen (only registrations so far, which start none of its times): not begun yet.
  bool InLearning(const AccountState& st, Seconds32 t, const TenantSettings& tenant) const {
    return st.first_seen == 0 ||
           static_cast<int64_t>(t) - static_cast<int64_t>(st.first_seen) < tenant.learning_period_s;
  }
  // Names the alert's account from its kept identity (privileged accounts), then emits it.
  // An mv-expand row raises no alert its record's other rows raised already (same rule, account).
  // `row_counted`: the caller counted this record once already (a threshold rule, whose one record
  // may raise several verdicts): no other row of an mv-expanded record reaches this call, so its
  // verdicts are not taken for another row's.
  bool Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant, bool row_counted = false);
  // A verdict timed by the earliest trigger that completes it (PRIV-PA-02: a soft delete and the
  // purge that follows it both pair with the creation): held until the tenant's watermark passes
  // its time + PimCopies::kWindowS, and replaced meanwhile by the same verdict timed earlier, so
  // its time (and id) is the one event-time order gives, whichever deletion arrived first
  // (PimCopies::HoldEarliest; `only_replace` as there). Then emitted as by Emit.
  bool EmitEarliest(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                    bool only_replace);
  // An mv-expand row (Event::expanded_row) whose record already counted for `what` (a rule, salted
  // by the use) and this account: true from the second row on, whichever row came first, so one
  // record counts once in a window, a baseline or an alert. False for every other record.
  bool RowCounted(uint64_t account_key, uint64_t what);
  // RowCounted for alert `a`'s rule: another row of this record raised it (Emit, EmitEarliest).
  bool AlertRowCounted(const Alert& a, uint64_t account_key);
  void KeepNames(PrivilegedState& ps, const AccountRef& ref, Seconds32 t);
  // Drops the configured flags (privileged_accounts, break_glass) of an account the current
  // config no longer lists when no record of it arrived since the reload (FireTimer).
  void DropStaleListing(AccountState& st, const PrivilegedState& ps);
  // Event time of one tenant in this shard (DESIGN.md section 4): its watermark and its timers.
  struct TenantTime {
    uint64_t tenant_hash = 0;
    uint32_t counter_slot = 0;  // TenantCounters slot
    // TenantCounters::configured_claims() when counter_slot was found to be the overflow slot: a
    // tenant configured since (a reload) is looked up again (breaker round 134).
    uint32_t counter_claims = 0;
    EventTime watermark = kMinTime;
    // The learning period or the longest rule window, whichever is longer: an account idle this
    // long (event time) can no longer influence a verdict, and starts over as new.
    int64_t idle_horizon_s = 0;
    // Idle eviction laps: the watermark when the current lap began, and how far it must move
    // (event time) before an idle shard starts another lap (LapStep).
    EventTime lap_start_watermark = kMinTime;
    int64_t lap_step_us = 0;
    // PipelineSettings::whole_inputs: the dedupe memory remembers every record of the tenant from
    // this time on (seconds; 0 = all it read); an older record is beyond the horizon.
    Seconds32 dedupe_floor = 0;
    TimerQueue timers;
  };
  // Idle eviction (docs/operations.md section 5): while a lap is under way or one is due, each
  // event visits kEvictPerEvent accounts and known values, each idle tick kEvictPerIdle.
  // Returns true when something was evicted.
  static constexpr std::size_t kEvictPerEvent = 2;
  // The events' visits are made in one step every kEvictEvery events: one cursor probe (a cache
  // miss in a large table) per step instead of per event.
  static constexpr uint32_t kEvictEvery = 16;
  static constexpr std::size_t kEvictPerIdle = 512;
  bool EvictStep(std::size_t budget);
  void ApplyConfig();               // the settings derived from config_ (horizons, ttl, margin)
  void SetHorizon(TenantTime& tt);  // idle_horizon_s and lap_step_us from the tenant's settings
  uint32_t TenantIndex(uint64_t tenant_hash, std::string_view tenant_id);
  void AdvanceTenant(TenantTime& tt, EventTime watermark);
  void PushTimer(uint64_t tenant_hash, const Timer& t);
  bool Duplicate(const Event& e, uint32_t tenant);
  // Whether `e` (a sign-in) brings a risk verdict no copy of its row brought before: remembers
  // it (SignInRisk) beside its row's redelivery key. False for a sign-in not at risk.
  bool RiskNews(const Event& e, uint32_t tenant);
  // True when the dedupe memory may have forgotten a record of tenant index `t` at `time`: older
  // than the watermark minus the horizon, or (whole_inputs) than what a sweep forgot.
  bool DedupeExpired(uint32_t t, Seconds32 time) const;
  // Forgets what is past the horizon (whole_inputs: raising the tenants' dedupe_floor).
  void SweepDedupe();
  void PublishGauges();

  // Rule families.
  // Returns whether it hid the account's learned privilege (HideLaterPrivilege): the caller runs
  // the sign-in's rules, then gives it back (RevealPrivilege).
  bool OnSignIn(const Event& e, const TenantSettings& tenant);
  void OnAuditTarget(const Event& e, const TenantSettings& tenant);
  void OnAuditActor(const Event& e, const TenantSettings& tenant);
  void OnRegistration(const Event& e, const TenantSettings& tenant);
  void OnAzureActivity(const Event& e, const TenantSettings& tenant);
  void OnSecurityEvent(const Event& e, const TenantSettings& tenant);
  // C++ rules moved out of the engine (detectors/code_rules/): the table of their handlers by
  // (record kind, side), built from the rule set (rules it defines as `kind: code`), and running
  // the ones of this event's kind for the account on `side`, after the family code.
  friend class CodeRuleContext;
  void BuildCodeTable();
  void RunCode(const Event& e, AccountSide side, const TenantSettings& tenant);
  // Returns the account on `side` of the event being handled: resolved_ when it is, else found.
  AccountState* ResolvedFor(uint64_t key);
  // Generic rules (generic_rules.cc): the compiled match and threshold rules of this event's
  // kind for the account on `side`, after the family code has updated that account's state.
  void RunGeneric(const Event& e, AccountSide side, const TenantSettings& tenant);
  static bool OutsideHours(const GenericRule& r, const TenantSettings& tenant, Seconds32 t);
  void RunSequence(const GenericRule& r, const Event& e, const AccountRef& who,
                   const AccountFacts& facts, std::byte* record, const TenantSettings& tenant);
  void RunAbsence(const GenericRule& r, const Event& e, const AccountRef& who,
                  const AccountFacts& facts, std::byte* record);
  void FireRuleAbsence(uint64_t key, AccountState& st, PrivilegedState& ps, const Timer& timer);
  // Re-points every queued kRuleAbsence timer from its rule's slot in `from` to the slot of the
  // same rule (id hash, kind, size: what RuleSlots::Relayout keeps) in `to`, and drops the timer of
  // a rule `to` lacks (its slot starts zeroed, nothing stays pending). At a reload and after a
  // restore (breaker round 94: a rule moved in its file lost its pending verdict, and its slot
  // stayed pending for good; GenericKinds.AbsenceVerdictFollowsItsRuleAcrossAReordering*,
  // CustomRules.AbsenceVerdictSurvivesARestoreWithTheRulesReordered). O(timers x slots); allocates
  // nothing.
  void RepointRuleTimers(std::span<const RuleSlot> from, std::span<const RuleSlot> to);
  void FireTimer(const Timer& t);

  std::shared_ptr<const CompiledConfig> config_;
  std::shared_ptr<const CompiledRuleSet> rules_;  // config_->rules, else the builtin catalogue
  uint8_t config_generation_ = 1;
  uint32_t current_tenant_ = 0;  // tenant_time_ index of the event being handled
  // The record key of the mv-expand row being handled by the rules (else 0), and its time.
  uint64_t row_key_ = 0;
  Seconds32 row_time_ = 0;
  int64_t evict_margin_s_ = 0;  // how late a record may still reach the rules
  bool whole_inputs_ = false;   // PipelineSettings::whole_inputs
  // For accounts of unknown tenant (restored from format 1): the lowest tenant watermark and the
  // longest horizon, taken at the start of each eviction lap.
  bool lap_due_ = false;   // a tenant watermark moved by its lap step since the last lap began
  bool lap_open_ = false;  // a lap began and has not reached both tables' ends
  bool accounts_lap_done_ = false;  // this lap reached the account table's end
  bool values_lap_done_ = false;    // this lap reached the known values' end (or has none)
  bool idle_lap_ = false;           // idle ticks sweep the open lap (it was due) until its end
  EventTime unknown_tenant_floor_ = kMinTime;
  int64_t unknown_tenant_horizon_s_ = 0;
  ShardStats& stats_;
  TenantCounters& tenants_;
  AlertEmitter emitter_;
  AccountTable accounts_;
  KnownValues known_;
  DedupeMemory dedupe_;
  std::vector<TenantTime> tenant_time_;
  absl::flat_hash_map<uint64_t, uint32_t> tenant_index_;  // tenant hash -> tenant_time_ index
  uint64_t last_tenant_hash_ = 0;                         // one-entry cache of tenant_index_
  uint32_t last_tenant_index_ = 0;
  EventTime watermark_ = kMinTime;  // the newest tenant watermark (gauge only)
  uint64_t events_since_gauges_ = 0;
  uint32_t events_since_evict_ = 0;  // events since the last per-event eviction step
  bool gauges_dirty_ = false;        // events or watermarks since the gauges were published
  // The account Resolve() returned last (one probe per account per event): valid until another
  // account is resolved, as only Resolve() inserts.
  uint64_t resolved_key_ = 0;
  AccountState* resolved_ = nullptr;
  // Core Directory's copies of PIM's grants that name no app (state/pim_copies.h): PIM's records
  // kept to pair them, and the direct-assignment verdicts of the copies not paired yet. While an
  // unpaired copy is handled, held_copy_ says so and Emit holds its PRIV-EL-02 / PA-04 alerts.
  // pim_copy_event_: a paired copy as PIM's (kept: no allocation).
  PimCopies pim_copies_;
  Event pim_copy_event_;
  bool held_copy_ = false;
  // Core Directory's mirror of an eligible assignment being handled: its PRIV-EL-01 is held
  // (held_mirror_), or dropped as PIM's record of the grant raised it (mirror_paired_).
  bool held_mirror_ = false;
  bool mirror_paired_ = false;
  // The time of PIM's record a copy at hand was paired with by the role's id alone (0: none): the
  // privilege the copy teaches dates from it (OnAuditTarget).
  Seconds32 paired_grant_time_ = 0;
  uint64_t held_role_ = 0;  // the held copy's role (PimCopies::EligibleKey for a mirror)
  // An audit record naming its user target by id alone is being handled: Emit holds the target's
  // verdicts that no kept name names (pim_copies_, role 0) for a record naming it in the window.
  bool naming_hold_ = false;
  const Event& NameSelfTarget(const Event& e);
  Event self_named_event_;  // NameSelfTarget's copy (kept: no allocation)
  // Emit is releasing held alerts (ReleasePimCopies): none is held again.
  bool releasing_ = false;
  // The UPN of the newest record of `account_key` in the replay ring and its event time (empty:
  // none). O(ring).
  struct KeptName {
    std::string_view upn;
    Seconds32 time = 0;
  };
  KeptName KeptUpn(uint64_t account_key);
  const Event* PairPimCopy(const Event& e);
  // The names of the tenants' custom roles by their ids (state/role_aliases.h): a record naming a
  // custom role by its id alone reads as the name another record gave it (role_alias_event_, kept:
  // no allocation).
  RoleAliases role_aliases_;
  Event role_alias_event_;
  const Event& ResolveRoleAlias(const Event& e, const TenantSettings& tenant);
  // Whether PIM's record of the grant `e` copies was kept under `key` or under `id_key` (the
  // role's id: PIM's record named it by its id alone, before its name was known).
  // Sets paired_grant_time_ when paired by the id alone.
  bool PairedByNameOrId(const Event& e, uint64_t key, uint64_t id_key, Seconds32 t);
  // Whether a PIM record kept in pim_copies_ can pair no copy any more: its tenant's watermark
  // passed PimCopies::StaleFrom(its time) (a full ring overwrites such a record first).
  auto PimRecordStale() const {
    return [this](uint32_t tenant, Seconds32 time) {
      return tenant < tenant_time_.size() &&
             PimCopies::StaleFrom(time) <= tenant_time_[tenant].watermark;
    };
  }
  // PIM's record of a grant of `key` at `t` into pim_copies_, and at its scheduled start.
  void AddPimGrant(const Event& e, uint64_t key, Seconds32 t);
  void ReleasePimCopies(uint64_t tenant_hash, EventTime watermark, bool all);
  // QueueRegistrationRecheck's record, run at the end of OnEvent (kept: no allocation).
  Event recheck_event_;
  // By account key: the time (lastUpdatedDateTime) of the account's latest registration record,
  // where it said no MFA (kMfaUnregistered) and named a time (a v1.0 userRegistrationDetails; a
  // beta snapshot is timeless). AccountState has no room for it (40 B); only such accounts have
  // an entry, dropped when a registration says MFA registered. The recheck of an account listed
  // after it (a reload, a restart on a new config) is dated by it, as the record is when listed
  // first (PRIV-SI-05); checkpointed (kCkRegistrationTime).
  absl::flat_hash_map<uint64_t, EventTime> registration_time_;
  // By account key: its latest deletions and restores (PRIV-PA-05: gone, or deleted and restored;
  // AccountLifecycle records them). An entry per account ever deleted or restored, erased when the
  // account is evicted; checkpointed after the account's own record (engine_checkpoint.cc).
  absl::flat_hash_map<uint64_t, DeletionHistory> deletions_;
  bool registration_recheck_ = false;
  // AnchorRegistration's copy (kept: no allocation).
  Event anchored_event_;
  // The registration being handled says no MFA where the account's previous one said MFA
  // registered (OnRegistration): not re-dated by AnchorRegistration, a new PRIV-SI-05.
  bool registration_lost_mfa_ = false;
  // The generic rules' per-account slot records, by privileged_index (state/rule_slots.h),
  // laid out as rules_->slots says; checkpointed as kCkRuleSlots records.
  RuleSlots slots_;
  // The layout of the checkpoint being restored (its kCkRuleSlots records' slots, offsets rebuilt
  // with SlotOffsetAfter): its kRuleAbsence timers name slots of it, re-pointed by OnRestored.
  // Empty outside a restore.
  std::vector<RuleSlot> restored_slots_;
  // The state copied at the last checkpoint cut, until the control thread has encoded it; its
  // buffers are kept for the next cut.
  EngineSnapshot snapshot_;
  // Set (release) by EncodeSnapshot once done with snapshot_; the shard then owns it again.
  std::atomic<bool> snapshot_encoded_{false};
  std::size_t kept_snapshot_bytes_ = kKeptSnapshotBytes;
  void ReleaseLargeSnapshot();
  // For an account privileged by learned sources only: the event time (s) of the oldest gain of
  // its current privilege; a record older than it is judged as of an unprivileged account. No
  // entry: privileged at every time (isAdmin, a proven eligibility, a configured account, or
  // state restored from a checkpoint, which does not keep this). Erased when un-learned.
  absl::flat_hash_map<uint64_t, Seconds32> learned_since_;
  // By account key, beside its learned_since_ entry: the event time at which an earlier privilege
  // of the account ended (a removal older than the gain its current privilege rests on). An older
  // gain arriving later covers the times up to it only: [gain, gap), not [gain, since)
  // (breaker round 6: a removal between two gains). Erased with the learned_since_ entry.
  absl::flat_hash_map<uint64_t, Seconds32> privilege_gap_;
  // Records judged as of unprivileged accounts, for ReplayPrivilege; the requests of the event
  // being handled (an account and the event times [from, to) its privilege now covers).
  PrivilegeReplay replay_;
  // What made an account privileged at the times of records already judged (ReplayRequest's
  // cause, generic_gated_'s bits): a learned privilege re-judges the rules gated on privilege, a
  // listing tied to the account later (a rename to or from a listed UPN) those gated on
  // break-glass too.
  // kReplayRisk: a redelivered sign-in whose risk verdict is new (RiskNews) is judged again by the
  // match rules that read its risk, and by nothing else (it counts in no threshold twice).
  static constexpr uint8_t kReplayLearned = 1, kReplayListing = 2, kReplayRisk = 4;
  struct ReplayRequest {
    uint64_t key = 0;
    Seconds32 from = 0, to = 0;
    uint8_t cause = kReplayLearned;
  };
  std::array<ReplayRequest, 2> replay_requests_{};
  uint8_t replay_request_count_ = 0;
  uint8_t replaying_ = 0;       // ReplayPrivilege: the cause of the request being replayed
  uint32_t learn_answers_ = 0;  // NoteLearnAnswer: this record and side's, while judged
  uint8_t learn_calls_ = 0;
  uint32_t replay_learn_answers_ = 0;  // ReplayedLearnAnswer: the kept record's, while replayed
  uint8_t replay_learn_calls_ = 0;
  uint8_t replay_learn_next_ = 0;
  // By generic rule index: judged again by ReplayPrivilege (a match, threshold or schedule rule
  // whose predicate reads account.privileged, or a threshold: counted for privileged accounts).
  std::vector<uint8_t> generic_gated_;
  CodeRuleContext code_context_{*this};
  std::array<std::vector<CodeRuleFn>, static_cast<std::size_t>(EventKind::kCount) * 2> code_{};
  // The handlers ReplayPrivilege runs (CodeRuleHandler::replay), by (record kind, side).
  std::array<std::vector<CodeRuleFn>, static_cast<std::size_t>(EventKind::kCount) * 2>
      code_replay_{};
};

}  // namespace privmon
