// Learned privilege by event time (docs/RULES.md "Learned privilege"): the account's privilege as
// of each record's time, and the replay of the records judged as of an unprivileged account that
// a role gain arriving after them makes privileged at their time (state/privilege_replay.h).
// The shard's thread only. Per event: one branch while no account has a learned time, else one
// probe of learned_since_ per side of a learned account; one Event copy per record of an
// unprivileged account that is not late. A replay walks the ring's keys and times once
// (O(kCapacity), 64 KiB), only when a gain changes when an account is privileged from.
#include <algorithm>

#include "detectors/detection_engine.h"

namespace privmon {

static_assert(PrivilegeReplay::kActorSide == static_cast<uint8_t>(AccountSide::kActor));

void DetectionEngine::NoteLearned(uint64_t key, bool was_privileged, Seconds32 since) {
  Seconds32 to = UINT32_MAX;  // the event times newly covered: [since, to)
  auto it = learned_since_.find(key);
  if (!was_privileged) {
    if (since == 0) {
      if (it != learned_since_.end()) learned_since_.erase(it);
      privilege_gap_.erase(key);
    } else {
      learned_since_[key] = since;
    }
  } else {
    // Privileged before: by a listing or a source with no time (no entry: nothing newly covered),
    // or learned from a later gain than this one.
    if (it == learned_since_.end() || since >= it->second) return;
    to = it->second;
    if (since == 0) {
      learned_since_.erase(it);
      privilege_gap_.erase(key);
    } else {
      it->second = since;
      if (const auto gap = privilege_gap_.find(key);
          gap != privilege_gap_.end() && gap->second > since) {
        privilege_gap_.erase(gap);  // an ended privilege newer than the new start: inside it now
      }
    }
  }
  RequestReplay(key, since, to);
}

void DetectionEngine::NoteOlderGain(uint64_t key, Seconds32 t) {
  const auto gap = privilege_gap_.find(key);
  if (gap == privilege_gap_.end() || gap->second <= t) {
    NoteLearned(key, true, t);
    return;
  }
  // The privilege this gain began ended at the gap: the records of [t, gap) were an admin's, the
  // later ones up to the learned time were not.
  RequestReplay(key, t, gap->second);
}

void DetectionEngine::NoteEndedBefore(uint64_t key, Seconds32 t, Seconds32 regained) {
  const auto it = learned_since_.find(key);
  if (it == learned_since_.end() || t == it->second) return;  // at one second, the gain wins
  if (t > it->second) {
    // Inside the learned privilege: a hole [t, regained) in it. Records of the hole judged as an
    // admin's before this removal arrived stay judged (docs/RULES.md, Known limits).
    if (regained <= t) return;
    it->second = regained;
  }
  Seconds32& gap = privilege_gap_[key];
  gap = std::max(gap, t);
}

void DetectionEngine::RequestReplay(uint64_t key, Seconds32 since, Seconds32 to, uint8_t cause) {
  for (uint8_t i = 0; i < replay_request_count_; ++i) {
    ReplayRequest& r = replay_requests_[i];
    if (r.key == key) {
      r.from = std::min(r.from, since);
      r.to = std::max(r.to, to);
      r.cause |= cause;
      return;
    }
  }
  if (replay_request_count_ < replay_requests_.size()) {
    replay_requests_[replay_request_count_++] = ReplayRequest{key, since, to, cause};
  } else {
    // An event learns for its account and its actor at most: not reached, but never silent.
    Bump(stats_.privilege_replay_lost);
  }
}

bool DetectionEngine::HideLaterPrivilege(uint64_t key, EventTime time) {
  if (learned_since_.empty()) return false;
  AccountState* st = ResolvedFor(key);
  if (st == nullptr ||
      (st->flags & (kPrivilegedLearned | kPrivilegedConfigured)) != kPrivilegedLearned) {
    return false;
  }
  const auto it = learned_since_.find(key);
  if (it == learned_since_.end() || ToSeconds32(time) >= it->second) return false;
  st->flags &= static_cast<uint8_t>(~kPrivilegedLearned);
  return true;
}

void DetectionEngine::RevealPrivilege(uint64_t key) {
  if (AccountState* st = ResolvedFor(key)) st->flags |= kPrivilegedLearned;
}

void DetectionEngine::KeepForReplay(const Event& e, AccountSide side, bool judged_privileged) {
  if (judged_privileged || replaying_) return;
  const TenantTime& tt = tenant_time_[current_tenant_];
  // A late record's gain would be late too: outside the promise of any arrival order.
  if (e.time < tt.watermark) return;
  EventTime lost_time = 0;
  uint32_t lost_tenant = 0;
  // A record its tenant's watermark passed is replayed no more (ReplayPrivilege): the first to go.
  const auto stale = [&](uint32_t tenant, EventTime time) {
    return tenant < tenant_time_.size() && time < tenant_time_[tenant].watermark;
  };
  if (replay_.Keep(e, static_cast<uint8_t>(side), current_tenant_, row_key_, &lost_time,
                   &lost_tenant, learn_answers_, learn_calls_, stale) &&
      lost_tenant < tenant_time_.size() && lost_time >= tenant_time_[lost_tenant].watermark) {
    Bump(stats_.privilege_replay_lost);
  }
}

// One kept record judged again, by the rules gated on privilege, for the account on its side.
void DetectionEngine::ReplayKept(PrivilegeReplay::Entry& kept) {
  if (kept.replayed) return;
  const Event& e = kept.event;
  const auto side = static_cast<AccountSide>(kept.side);
  const AccountRef& who = side == AccountSide::kActor ? e.actor : e.account;
  AccountState* st = accounts_.Find(who.key);
  if (st == nullptr || !st->privileged()) return;
  kept.replayed = true;
  current_tenant_ = kept.tenant;
  resolved_key_ = who.key;
  resolved_ = st;
  row_key_ = kept.row_key;
  row_time_ = ToSeconds32(e.time);
  const TenantSettings& tenant = config_->ForTenant(e.tenant_hash);
  if (e.kind == EventKind::kSignIn) OnSignIn(e, tenant);  // hides nothing: t >= its time
  // The novelty rules get the answers of the record's first judgement (CodeRuleContext::Learn).
  replay_learn_answers_ = kept.learned;
  replay_learn_calls_ = kept.learn_calls;
  replay_learn_next_ = 0;
  RunCode(e, side, tenant);
  RunGeneric(e, side, tenant);
}

void DetectionEngine::ReplayPrivilege() {
  const uint32_t tenant_index = current_tenant_;
  const uint8_t count = replay_request_count_;
  replay_request_count_ = 0;
  for (uint8_t i = 0; i < count; ++i) {
    const ReplayRequest request = replay_requests_[i];
    replaying_ = request.cause;
    replay_.ForEachOf(request.key, request.from, request.to, [&](PrivilegeReplay::Entry& kept) {
      // Not a record older than its tenant's watermark, though a proof of eligibility covers
      // every time: whether the ring still held it would depend on other accounts' traffic (it
      // keeps the newest kCapacity), and a checkpoint keeps none of them (SnapshotState), so a
      // restart judged it differently (tests/regressions/k22a_*).
      if (kept.tenant < tenant_time_.size() &&
          kept.event.time < tenant_time_[kept.tenant].watermark) {
        return;
      }
      ReplayKept(kept);
    });
  }
  replaying_ = 0;
  row_key_ = 0;
  current_tenant_ = tenant_index;
}

}  // namespace privmon
