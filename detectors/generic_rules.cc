// The generic evaluators of the rule language (rules/rule_language.h, docs/rules-language.md):
// match, threshold, sequence, novelty, schedule and absence. Rules run only for their record kind
// and side (CompiledRuleSet::For), against the account state the family code just resolved: no
// second probe (the slot record of a privileged account is found by its arena index), no
// allocation once the records exist, no string work. Novelty values go to the shard's
// KnownValues, salted with the rule's id hash; absence verdicts wait for a TimerKind::kRuleAbsence.
#include <algorithm>
#include <array>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "rules/rule_eval.h"
#include "state/rule_slots.h"
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
    case CaStatus::kFederationServer:
      break;
  }
  return "";
}

void AddDetails(Alert& a, const GenericRule& r, const Event& e) {
  for (uint8_t i = 0; i < r.detail_count; ++i) {
    switch (r.details[i]) {
      case DetailKind::kErrorCode:  // a sign-in's (an audit record has none: no 0 for it)
        if (e.kind == EventKind::kSignIn) a.AddNumber("error_code", e.signin.error_code);
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
        if (e.registration.is_mfa_stated) {
          a.AddFlag("is_mfa_registered", e.registration.is_mfa_registered);
        }
        a.AddFlag("is_admin", e.registration.is_admin);
        break;
      case DetailKind::kApp:
        a.AddDetail("app", e.audit.app_name.view());
        break;
      case DetailKind::kResult:  // an audit record's own result (breaker round 94: "success")
        a.AddDetail("result", (e.kind == EventKind::kAudit ? (e.audit.flags & kAuditSuccess) != 0
                                                           : e.signin.error_code == 0)
                                  ? "success"
                                  : "failure");
        break;
      case DetailKind::kCrossTenant:
        a.AddDetail("detail", "resource tenant differs from home tenant");
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
  const AccountFacts facts{st->privileged(), (st->flags & kBreakGlass) != 0, &who, &tenant};
  const Seconds32 t = ToSeconds32(e.time);
  // The account's slot record: privileged accounts only, found by their arena index (no probe).
  std::byte* record = nullptr;
  auto slots = [&]() {
    if (record == nullptr) {
      accounts_.Privileged(*st);  // assigns privileged_index when new
      record = slots_.Record(st->privileged_index);
    }
    return record;
  };
  for (const uint16_t index : list) {
    // ReplayPrivilege: the rules its cause gates only.
    if (replaying_ != 0 && (generic_gated_[index] & replaying_) == 0) continue;
    const GenericRule& r = rules_->generic[index];
    const RuleSettings& rs = tenant.rule(r.id);
    switch (r.kind) {
      case LangKind::kMatch: {
        if (!rs.enabled || !Matches(r.when, e, facts)) break;
        Alert a = AlertEmitter::Begin(r.id, e, who);
        AddDetails(a, r, e);
        Emit(a, who.key, tenant);
        break;
      }
      case LangKind::kThreshold: {
        // Counted for privileged accounts only (their rings live with their state).
        if (!facts.privileged || !Matches(r.when, e, facts)) break;
        // Another row of this mv-expand record counted already: one record counts once.
        if (RowCounted(who.key, HashCombine(r.code_hash, 0x636f756e74ULL))) break;  // "count"
        PrivilegedState& ps = accounts_.Privileged(*st);
        // A verdict per record that holds the threshold (the window [x - window, x] ending at it
        // does, the records of one second ranked), in any arrival order: the record's own, or a
        // later record's that a late one completed (state/time_ring_window.h). Each says
        // `threshold` records: the bucket's update counts the threshold plus each further record
        // that held it in the bucket (the records), the same in any order. Timed by the window's
        // end (its suppression bucket), not by whichever record of the burst arrived last.
        auto verdict = [&](const WindowCount& w, uint32_t records) {
          Alert a = AlertEmitter::Begin(r.id, e, who);
          const EventTime end = static_cast<EventTime>(w.last) * kMicrosPerSecond;
          if (t != w.last) a.time = end;
          a.first_seen = static_cast<EventTime>(w.first) * kMicrosPerSecond;
          a.last_seen = t != w.last ? end : std::max(e.time, end);
          a.count = rs.threshold;
          AddDetails(a, r, e);
          // This record was counted once (RowCounted above): its verdicts are all its own.
          for (uint32_t i = 0; i < records; ++i) Emit(a, who.key, tenant, true);
        };
        // A record older than a full ring of newer ones is not kept: it counts nothing.
        auto count_in = [&](auto& ring) {
          const auto before = ring;  // 68 bytes at most: which windows held it before this one
          if (ring.Put(t) >= 0) {
            ForEachThresholdReached(before, ring, t, rs.window_s, rs.threshold, verdict);
          }
        };
        if (r.builtin_ring == GenericRule::kRingBadPasswords) {
          count_in(ps.bad_passwords);
        } else if (r.builtin_ring == GenericRule::kRingLockouts) {
          count_in(ps.lockouts);
        } else {
          count_in(RuleSlots::At<ThresholdSlot>(slots(), r.slot_offset));
        }
        break;
      }
      case LangKind::kSchedule: {
        if (!Matches(r.when, e, facts) || !OutsideHours(r, tenant, t)) break;
        Alert a = AlertEmitter::Begin(r.id, e, who);
        a.AddNumber("hour_utc", static_cast<int64_t>((t % 86400) / 3600));
        AddDetails(a, r, e);
        Emit(a, who.key, tenant);
        break;
      }
      case LangKind::kNovelty: {
        if (!Matches(r.when, e, facts)) break;
        const uint64_t value = FieldValue(e, r.value_field, 0, facts);
        if (value == 0) break;  // the record does not carry the field
        const uint64_t salt = HashCombine(who.key, r.code_hash);
        bool fresh = known_.AddFingerprint(HashCombine(salt, value), t, current_tenant_);
        if (fresh) {
          // A value whose name is folded (a renamed activity, a legacy protocol, a device's OS
          // and browser): the keys it was learned under before the fold (a checkpoint's) still
          // count, as for the builtin novelty rules (CodeRuleContext::LearnFolded).
          std::array<uint64_t, 8> former{};
          const std::size_t n = FormerFieldValues(e, r.value_field, value, former);
          for (std::size_t i = 0; i < n && fresh; ++i) {
            fresh = former[i] == 0 || former[i] == value ||
                    !known_.KnownFingerprint(HashCombine(salt, former[i]), t);
          }
        }
        const int64_t learning = r.learning_s >= 0 ? r.learning_s : tenant.learning_period_s;
        // first_seen 0: only registrations so far, which start no learning period (InLearning).
        if (!fresh || st->first_seen == 0 ||
            static_cast<int64_t>(t) - static_cast<int64_t>(st->first_seen) < learning) {
          break;
        }
        Alert a = AlertEmitter::Begin(r.id, e, who);
        AddDetails(a, r, e);
        Emit(a, who.key, tenant);
        break;
      }
      case LangKind::kSequence:
        if (facts.privileged) RunSequence(r, e, who, facts, slots(), tenant);
        break;
      case LangKind::kAbsence:
        if (facts.privileged) RunAbsence(r, e, who, facts, slots());
        break;
      case LangKind::kCode:
        break;
    }
  }
}

bool DetectionEngine::OutsideHours(const GenericRule& r, const TenantSettings& tenant,
                                   Seconds32 t) {
  if (r.tenant_hours) {
    return tenant.working_hours.configured && !tenant.working_hours.Contains(t);
  }
  // 1970-01-01 was a Thursday: weekday 3 with Monday = 0.
  const int64_t days = static_cast<int64_t>(t) / 86400;
  const int weekday = static_cast<int>((days + 3) % 7);
  const auto minute = static_cast<uint16_t>((t % 86400) / 60);
  return !InShift(r.day_mask, weekday, minute, r.start_minute, r.end_minute);
}

void DetectionEngine::RunSequence(const GenericRule& r, const Event& e, const AccountRef& who,
                                  const AccountFacts& facts, std::byte* record,
                                  const TenantSettings& tenant) {
  SequenceSlot& s = RuleSlots::At<SequenceSlot>(record, r.slot_offset);
  const Seconds32 t = ToSeconds32(e.time);
  const auto last = static_cast<int>(r.steps.size()) - 1;
  // From the last step down, so one event never serves as two consecutive steps.
  for (int k = last; k >= 0; --k) {
    const RuleStep& step = r.steps[static_cast<std::size_t>(k)];
    if (step.source != e.kind || !Matches(step.when, e, facts)) continue;
    const auto key =
        r.keyed ? static_cast<uint32_t>(Mix64(FieldValue(e, r.key_field, 0, facts))) : 0u;
    if (k == 0) {
      SequenceSlot::Partial& p = s.partial[0];
      if (t >= p.start) p = {t, t, key};  // the latest start is the likeliest to finish in time
      continue;
    }
    const SequenceSlot::Partial prev = s.partial[static_cast<std::size_t>(k - 1)];
    if (prev.start == 0 || t < prev.last || static_cast<int64_t>(t - prev.start) > r.span_s ||
        prev.key != key) {
      continue;
    }
    if (k < last) {
      SequenceSlot::Partial& cur = s.partial[static_cast<std::size_t>(k)];
      if (prev.start >= cur.start) cur = {prev.start, t, key};
      continue;
    }
    s = SequenceSlot{};  // complete: the next alert needs a new first step
    Alert a = AlertEmitter::Begin(r.id, e, who);
    a.first_seen = static_cast<EventTime>(prev.start) * kMicrosPerSecond;
    a.AddNumber("steps", static_cast<int64_t>(r.steps.size()));
    AddDetails(a, r, e);
    Emit(a, who.key, tenant);
    return;
  }
}

void DetectionEngine::RunAbsence(const GenericRule& r, const Event& e, const AccountRef& who,
                                 const AccountFacts& facts, std::byte* record) {
  AbsenceSlot& s = RuleSlots::At<AbsenceSlot>(record, r.slot_offset);
  const Seconds32 t = ToSeconds32(e.time);
  // An expected event at `x` meets a trigger at `p` when p <= x <= p + window.
  auto meets = [&](Seconds32 x, Seconds32 p) {
    return x != 0 && p != 0 && x >= p && static_cast<int64_t>(x - p) <= r.span_s;
  };
  const RuleStep& expect = r.steps[1];
  if (expect.source == e.kind && Matches(expect.when, e, facts)) {
    // Every trigger it meets is settled (its timer finds it gone), whichever arrived first.
    for (Seconds32& p : s.pending) {
      if (meets(t, p)) p = 0;
    }
    s.latest = std::max(s.latest, t);  // for triggers that arrive after it
  }
  const RuleStep& trigger = r.steps[0];
  if (trigger.source != e.kind || !Matches(trigger.when, e, facts)) return;
  // An expected event that arrived before its trigger (out of order) still counts.
  if (meets(s.latest, t)) return;
  if (std::find(s.pending.begin(), s.pending.end(), t) != s.pending.end()) return;  // waiting
  // A free slot, or one whose deadline's whole second the tenant's watermark passed (its timer,
  // which waits for that second, judged it; or a stray value restored from the layout of before).
  const EventTime watermark = tenant_time_[current_tenant_].watermark;
  auto slot = std::find_if(s.pending.begin(), s.pending.end(), [&](Seconds32 p) {
    return p == 0 || (static_cast<int64_t>(p) + r.span_s + 1) * kMicrosPerSecond < watermark;
  });
  if (slot == s.pending.end()) {
    // Full: the later waiting trigger waits for both (its verdict is the later one).
    slot = std::max_element(s.pending.begin(), s.pending.end());
    if (*slot < t) return;
  }
  *slot = t;
  Timer timer;
  timer.due = (static_cast<int64_t>(t) + r.span_s) * kMicrosPerSecond;
  timer.account = who.key;
  timer.kind = TimerKind::kRuleAbsence;
  timer.slot = static_cast<uint8_t>(r.slot_offset / 4);
  timer.basis = t;
  PushTimer(e.tenant_hash, timer);
}

void DetectionEngine::FireRuleAbsence(uint64_t key, AccountState& st, PrivilegedState& ps,
                                      const Timer& timer) {
  const auto it = std::find_if(rules_->generic.begin(), rules_->generic.end(), [&](const auto& g) {
    return g.kind == LangKind::kAbsence && g.slot_offset / 4 == timer.slot;
  });
  if (it == rules_->generic.end()) return;  // the rule is gone (reload)
  std::byte* record = slots_.Record(st.privileged_index);
  AbsenceSlot& s = RuleSlots::At<AbsenceSlot>(record, it->slot_offset);
  // Settled by an expected event, or replaced by an earlier trigger (RunAbsence), since.
  const auto waiting = std::find(s.pending.begin(), s.pending.end(), timer.basis);
  if (timer.basis == 0 || waiting == s.pending.end()) return;
  *waiting = 0;
  const TenantSettings& tenant = config_->ForTenant(ps.tenant_hash);
  Alert a;
  a.rule = it->id;
  a.severity = GetRuleInfo(it->id).severity;
  a.tenant_hash = ps.tenant_hash;
  a.tenant_id = ps.tenant_id;
  a.account_id = ps.id;
  a.account_upn = ps.upn;
  a.first_seen = static_cast<EventTime>(timer.basis) * kMicrosPerSecond;
  a.time = a.last_seen = timer.due;
  a.AddNumber("expected_within_s", it->span_s);
  Emit(a, key, tenant);
}

}  // namespace privmon
