// PimCopies: pairs Core Directory's copy of a PIM activation or assignment with PIM's own record
// when the copy does not name PIM's app (docs/RULES.md "PIM's copies"). Core Directory writes
// "Add member to role" for every role PIM grants, initiated by PIM's service principal; a Graph
// directoryAudit names that app by its servicePrincipalId alone (appId and displayName null, no
// envelope identity), which no list can tell from another app. Such a copy is PIM's when PIM's
// own record of a grant of the same role to the same account lies within kWindowS of event time
// of it, in either arrival order:
//  - the PIM records of the last while (tenant, account, role, time), in a bounded ring;
//  - the verdicts (alerts) a copy not paired yet would raise as a direct assignment (PRIV-EL-02,
//    PA-04), held until the tenant's watermark passes the copy's time + kWindowS, then dropped
//    when a PIM record pairs it, else emitted;
//  - under kNamingHold, the verdicts about a target its record names by id alone (PIM's own
//    records), held as long for a record naming the account (DetectionEngine::Emit), then
//    emitted; under kHeldBehind, the account's later verdicts of the same rule (or of a
//    once-per-account rule), emitted with the account's last naming hold, in event-time order.
// PIM's eligible assignments ("Add eligible member to role in PIM completed (...)") are paired the
// same way with Core Directory's mirror of them ("Add eligible member to role", whoever initiated
// it), whose PRIV-EL-01 is held alike: under EligibleKey(role), so an eligible grant never pairs a
// copy of an active one, nor the other way.
// Bounded: kMaxGrants records and kMaxPending held alerts per shard (a shard with more held
// alerts emits the next at once: an alert too many, never one lost). A full ring overwrites the
// oldest record whose tenant's watermark has passed it beyond any copy it could still pair, else
// the oldest of a tenant holding most of the ring (a flood overwrites its own), else the next in
// arrival order: another tenant's backfill of old PIM history no longer pushes a live record out
// (breaker round 123: a false PRIV-EL-02 and PA-04 in `run` at one shard). Both are checkpointed
// (kCkPimCopy): a restart within the window keeps the verdict. Single-threaded (the shard's).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/alert.h"
#include "core/event_time.h"
#include "state/account_state.h"

namespace privmon {

class PimCopies {
 public:
  static constexpr int64_t kWindowS = 300;
  // Pending::role of a verdict held for its account's name (DetectionEngine::Emit), and of one
  // held behind such a verdict (released with the account's last naming hold, not on its own).
  static constexpr uint64_t kNamingHold = 0;
  static constexpr uint64_t kHeldBehind = ~0ULL;
  // Pending::role of a verdict timed by the earliest of the triggers that complete it
  // (HoldEarliest: PRIV-PA-02's deletions), held as long as a copy's.
  static constexpr uint64_t kEarliestHold = ~1ULL;
  static constexpr std::size_t kMaxGrants = 4096;
  static constexpr std::size_t kMaxPending = 1024;

  struct Grant {
    uint64_t tenant_hash = 0;
    uint64_t account = 0;
    uint64_t role = 0;
    Seconds32 time = 0;   // 0: a free slot
    uint32_t tenant = 0;  // the shard's index of the tenant (Stale's argument)
  };
  // Whether `tenant`'s watermark passed a record at `time` beyond any copy it could pair: none
  // here (the engine passes its tenants' watermarks).
  struct NeverStale {
    bool operator()(uint32_t /*tenant*/, Seconds32 /*time*/) const { return false; }
  };
  // The watermark (event time, microseconds) from which a record at `time` pairs no copy: a copy
  // still held (released once the watermark passes its time + kWindowS) lies after watermark -
  // kWindowS - 1 s, and pairs records from kWindowS before it.
  static constexpr EventTime StaleFrom(Seconds32 time) {
    return (static_cast<EventTime>(time) + 2 * kWindowS + 1) * kMicrosPerSecond;
  }
  struct Pending {
    uint64_t tenant_hash = 0;
    uint64_t account = 0;
    uint64_t role = 0;
    Seconds32 time = 0;  // the copy's event time
    Alert alert;
  };

  // The ring of grants grows as PIM records arrive, up to kMaxGrants (32 B each: 128 KiB per
  // shard at most, none in a tenant set without PIM); the held verdicts grow as copies are held
  // (rare: only apps named by ids alone). Both keep their capacity.
  PimCopies() = default;

  // The key an eligible assignment of `role` is kept and held under (0 for no role).
  static constexpr uint64_t EligibleKey(uint64_t role) {
    return role == 0 ? 0 : (role ^ 0x656c696769626c65ULL) | 1;  // "eligible"
  }

  // The key a removal of the grant kept under `key` is kept under (0 for no role).
  static constexpr uint64_t RemovalKey(uint64_t key) {
    return key == 0 ? 0 : (key ^ 0x72656d6f76616c00ULL) | 2;  // "removal"
  }

  // PIM's own record of a grant of `role` to `account` at `t`, of the shard's tenant `tenant`.
  // `stale(tenant, time)`: its watermark passed StaleFrom(time). O(1) until the ring is full,
  // then O(ring) (PIM records only).
  template <class Stale = NeverStale>
  void AddGrant(uint64_t tenant_hash, uint64_t account, uint64_t role, Seconds32 t,
                uint32_t tenant = 0, Stale&& stale = Stale{}) {
    if (role == 0 || t == 0) return;
    const Grant g{tenant_hash, account, role, t, tenant};
    if (grants_.size() < kMaxGrants) {
      grants_.push_back(g);
      return;
    }
    grants_[Victim(stale)] = g;
  }
  // A removal of the grant kept under `role` at `t` (PIM's deactivation or expiry, a removal in
  // Core Directory).
  template <class Stale = NeverStale>
  void AddRemoval(uint64_t tenant_hash, uint64_t account, uint64_t role, Seconds32 t,
                  uint32_t tenant = 0, Stale&& stale = Stale{}) {
    AddGrant(tenant_hash, account, RemovalKey(role), t, tenant, stale);
  }
  // The time of PIM's record of the same grant within the window of a copy at `t`, with no
  // removal of the role between the two (0: none). O(ring); only a copy asks.
  Seconds32 Paired(uint64_t tenant_hash, uint64_t account, uint64_t role, Seconds32 t) const {
    if (role == kNamingHold || role == kHeldBehind || role == kEarliestHold) return 0;
    const uint64_t removal = RemovalKey(role);
    auto same = [&](const Grant& g, uint64_t key) {
      return g.time != 0 && g.role == key && g.account == account && g.tenant_hash == tenant_hash;
    };
    // A removal after the earlier of the two and at or before the later ends the first grant.
    auto removed_between = [&](Seconds32 grant) {
      const Seconds32 lo = std::min(grant, t);
      const Seconds32 hi = std::max(grant, t);
      return std::any_of(grants_.begin(), grants_.end(), [&](const Grant& r) {
        return same(r, removal) && r.time > lo && r.time <= hi;
      });
    };
    const auto it = std::find_if(grants_.begin(), grants_.end(), [&](const Grant& g) {
      const int64_t d = static_cast<int64_t>(g.time) - static_cast<int64_t>(t);
      return same(g, role) && d <= kWindowS && d >= -kWindowS && !removed_between(g.time);
    });
    return it == grants_.end() ? 0 : it->time;
  }
  // Holds `alert` until the copy's pairing is decided; false when full (emit it now).
  bool Hold(uint64_t tenant_hash, uint64_t account, uint64_t role, Seconds32 t, const Alert& a) {
    if (pending_.size() >= kMaxPending) return false;
    pending_.push_back(Pending{tenant_hash, account, role, t, a});
    return true;
  }
  // Holds `a` under kEarliestHold: a verdict of the same rule and account held there already is
  // replaced when `a` is earlier (event time) and kept else. With `only_replace`, `a` is the
  // earlier trigger of a verdict raised already and is held only in place of it: kNotHeld when
  // none is held (released: `a` is past the lateness). O(held).
  enum class EarliestHold { kHeld, kReplaced, kKept, kNotHeld, kFull };
  EarliestHold HoldEarliest(uint64_t tenant_hash, uint64_t account, Seconds32 t, const Alert& a,
                            bool only_replace) {
    for (Pending& p : pending_) {
      if (p.role != kEarliestHold || p.account != account || p.tenant_hash != tenant_hash ||
          p.alert.rule != a.rule) {
        continue;
      }
      if (a.time >= p.alert.time) return EarliestHold::kKept;
      p.alert = a;  // p.time stays the later one: held as long as the first verdict would be
      return EarliestHold::kReplaced;
    }
    if (only_replace) return EarliestHold::kNotHeld;
    return Hold(tenant_hash, account, kEarliestHold, t, a) ? EarliestHold::kHeld
                                                           : EarliestHold::kFull;
  }
  bool HasPending() const { return !pending_.empty(); }
  // Whether a verdict about `account` of `rule` (of any rule when `any_rule`) is held for its
  // name: a later one waits behind it (kHeldBehind). O(held).
  bool HoldsNaming(uint64_t tenant_hash, uint64_t account, RuleId rule, bool any_rule) const {
    return std::any_of(pending_.begin(), pending_.end(), [&](const Pending& p) {
      return p.role == kNamingHold && p.account == account && p.tenant_hash == tenant_hash &&
             (any_rule || p.alert.rule == rule);
    });
  }
  // The event time before which no held verdict of `tenant_hash` lies (kMaxTime: none held). A
  // suppression bucket ending after it is not settled yet: a held repeat of it would come after
  // its update line and be lost. O(held).
  EventTime EarliestHeld(uint64_t tenant_hash) const {
    EventTime earliest = kMaxTime;
    for (const Pending& p : pending_) {
      if (p.tenant_hash == tenant_hash) earliest = std::min(earliest, p.alert.time);
    }
    return earliest;
  }
  // The held alerts of `tenant_hash` whose window the watermark passed (every one when `all`),
  // in event-time order: `emit(alert, account)` for the copies no PIM record paired, dropped else.
  template <class F>
  void Release(uint64_t tenant_hash, EventTime watermark, bool all, F&& emit) {
    if (pending_.empty()) return;
    auto window_passed = [&](const Pending& p) {
      return all || (static_cast<EventTime>(p.time) + kWindowS + 1) * kMicrosPerSecond <= watermark;
    };
    // A verdict held behind another leaves with the account's last naming hold.
    std::vector<uint64_t>& naming = naming_left_;
    naming.clear();
    for (const Pending& p : pending_) {
      if (p.tenant_hash == tenant_hash && p.role == kNamingHold && !window_passed(p)) {
        naming.push_back(p.account);
      }
    }
    std::sort(naming.begin(), naming.end());
    auto due = [&](const Pending& p) {
      if (p.tenant_hash != tenant_hash) return false;
      if (p.role == kHeldBehind)
        return !std::binary_search(naming.begin(), naming.end(), p.account);
      return window_passed(p);
    };
    auto split = std::stable_partition(pending_.begin(), pending_.end(),
                                       [&](const Pending& p) { return !due(p); });
    std::stable_sort(split, pending_.end(), [](const Pending& a, const Pending& b) {
      if (a.alert.time != b.alert.time) return a.alert.time < b.alert.time;
      if (a.account != b.account) return a.account < b.account;
      return a.alert.rule < b.alert.rule;
    });
    for (auto it = split; it != pending_.end(); ++it) {
      if (!Paired(it->tenant_hash, it->account, it->role, it->time)) emit(it->alert, it->account);
    }
    pending_.erase(split, pending_.end());
  }
  // Checkpoint support.
  template <class F>
  void ForEachGrant(F&& f) const {
    for (const Grant& g : grants_) {
      if (g.time != 0) f(g);
    }
  }
  template <class F>
  void ForEachPending(F&& f) const {
    for (const Pending& p : pending_) f(p);
  }
  void RestoreGrant(const Grant& g) {
    AddGrant(g.tenant_hash, g.account, g.role, g.time, g.tenant);
  }
  void RestorePending(const Pending& p) {
    if (pending_.size() < kMaxPending) pending_.push_back(p);
  }
  std::size_t MemoryBytes() const {
    return grants_.capacity() * sizeof(Grant) + pending_.capacity() * sizeof(Pending);
  }

 private:
  // The slot a full ring overwrites (see the class comment): the oldest stale record, else the
  // oldest of a tenant holding more than half the ring (Boyer-Moore's majority vote), else the
  // next in arrival order. Two passes over the ring, `stale` asked of each record (breaker round
  // 124: asked of the oldest of all only, a quiet tenant's live record there turned the rule off
  // and FIFO overwrote another tenant's live record beside thousands of stale ones).
  template <class Stale>
  std::size_t Victim(Stale& stale) {
    std::size_t oldest_stale = kMaxGrants;
    uint64_t candidate = 0;
    std::size_t votes = 0;
    for (std::size_t i = 0; i < grants_.size(); ++i) {
      const Grant& g = grants_[i];
      if ((oldest_stale == kMaxGrants || g.time < grants_[oldest_stale].time) &&
          stale(g.tenant, g.time)) {
        oldest_stale = i;
      }
      if (votes == 0) candidate = g.tenant_hash;
      if (g.tenant_hash == candidate) {
        ++votes;
      } else {
        --votes;
      }
    }
    if (oldest_stale != kMaxGrants) return oldest_stale;
    std::size_t held = 0, its_oldest = kMaxGrants;
    for (std::size_t i = 0; i < grants_.size(); ++i) {
      if (grants_[i].tenant_hash != candidate) continue;
      ++held;
      if (its_oldest == kMaxGrants || grants_[i].time < grants_[its_oldest].time) its_oldest = i;
    }
    if (2 * held > grants_.size()) return its_oldest;
    const std::size_t at = next_;
    next_ = (next_ + 1) % kMaxGrants;
    return at;
  }
  std::vector<Grant> grants_;
  std::size_t next_ = 0;
  std::vector<Pending> pending_;
  std::vector<uint64_t> naming_left_;  // Release's scratch (keeps its capacity)
};

}  // namespace privmon
