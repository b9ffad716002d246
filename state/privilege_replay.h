// PrivilegeReplay: the recent records of a shard's unprivileged accounts, kept so that a role gain
// arriving after them makes them judged as records of a privileged account (docs/RULES.md
// "Learned privilege": event time decides). A record whose account (on the side it is kept for)
// was not privileged at its event time is kept; when a gain older than it arrives later, the
// engine runs the rules gated on privilege for it again (DetectionEngine::ReplayPrivilege), as if
// the gain had come first. Only records at or after their tenant's watermark matter (a gain
// older than the watermark is late itself): the ring keeps kCapacity and the engine counts those
// overwritten while still within the watermark (privmon_privilege_replay_lost_total). When full,
// a record its tenant's watermark passed is overwritten (it can never be replayed: a quiet
// tenant's; the oldest of all, or a tenant's oldest, probed in turn), else the oldest record of
// the tenant holding the most: a tenant
// flooding the shard overwrites its own records, and another tenant's kept records (a new admin's
// sign-ins, before its role gain arrives) stay (breaker round 47: 4,100 sign-ins of another tenant
// within the lateness lost a learned admin's PRIV-SI-13 and SI-14, and the shard count changed
// the verdict; round 48: evicting by tenant alone lost them to 120 quiet tenants' stale records).
// The lists (each tenant's, and all in arrival order) are linked through the slots (8 B and an
// arrival number a slot).
// Fixed capacity (kCapacity x ~1.4 KiB of Events, plus 16 B a record of keys and times that a
// replay scans, so it reads 64 KiB rather than 5.7 MiB of Events). Keep copies an Event (no
// allocation). Allocated on the first Keep, or by Prewarm, which a service calls before records
// flow: the first touch of its pages (~1,400 a shard) took tens of milliseconds and stalled every
// record queued behind it (BENCHMARKS.md session 28). The Events are on huge pages
// (core/huge_pages.h) and never value-initialised: a slot begins its life on its first Keep, so
// Prewarm costs a few page faults, not a 5.7 MiB memset (that was 40% of a short process's CPU:
// every test that starts privmon paid it). Owned and touched by one shard's thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "core/event.h"
#include "core/event_time.h"
#include "core/huge_pages.h"
#include "state/account_state.h"

namespace privmon {

class PrivilegeReplay {
 public:
  static constexpr std::size_t kCapacity = 4096;

  struct Entry {
    Event event;
    uint64_t row_key = 0;  // the engine's mv-expand record key of the record (0: none)
    uint32_t tenant = 0;   // the shard's tenant index
    uint8_t side = 0;      // AccountSide of the account it was kept for
    // The novelty rules' answers when the record was first judged (bit i: the i-th
    // CodeRuleContext::Learn call was new) and how many calls there were.
    uint32_t learned = 0;
    uint8_t learn_calls = 0;
    // Judged again as of a privileged account already: a later gain covering it again (after a
    // removal, or a proof of an older eligibility) does not count it twice.
    bool replayed = false;
  };

  // A record that can never be replayed again (older than its tenant's watermark): none here.
  struct NeverStale {
    bool operator()(uint32_t /*tenant*/, EventTime /*time*/) const { return false; }
  };
  // Keeps a copy of `e` for the account on `side`. When the ring was full it overwrote the
  // oldest entry of all if `stale(tenant, time)` says it can no longer be replayed, else the
  // oldest entry of the tenant holding the most (usually `tenant` itself, when it floods):
  // returns true and that entry's event time and tenant in *lost_time, *lost_tenant.
  template <class Stale = NeverStale>
  bool Keep(const Event& e, uint8_t side, uint32_t tenant, uint64_t row_key, EventTime* lost_time,
            uint32_t* lost_tenant, uint32_t learned = 0, uint8_t learn_calls = 0,
            Stale&& stale = Stale{}) {
    if (!entries_) Prewarm();
    if (tenant >= tenants_.size()) tenants_.resize(tenant + 1);  // a tenant index seen first
    std::size_t at = size_;
    const bool full = size_ == kCapacity;
    if (full) {
      at = StaleSlot(stale);  // a quiet tenant's record its watermark passed (breaker round 48)
      if (at == kNone) {
        at = tenants_[by_count_[max_count_]].head;  // the tenant holding the most
      }
      *lost_time = entries_[at].event.time;
      *lost_tenant = entries_[at].tenant;
      Unlink(at);
    } else {
      ::new (static_cast<void*>(entries_.get() + at)) Entry;  // this slot's first use
      ++size_;
    }
    Entry& slot = entries_[at];
    slot.event = e;
    slot.row_key = row_key;
    slot.tenant = tenant;
    slot.side = side;
    slot.learned = learned;
    slot.learn_calls = learn_calls;
    slot.replayed = false;
    heads_[at] = Head{side == kActorSide ? e.actor.key : e.account.key, ToSeconds32(e.time)};
    Link(at, tenant);
    last_ = at;
    return full;
  }
  // Allocates the ring and touches every page of it (one byte a 4 KiB page). Idempotent.
  void Prewarm() {
    if (entries_) return;
    void* raw = HugePageAlloc(kEntryBytes);
    auto* bytes = static_cast<unsigned char*>(raw);
    for (std::size_t at = 0; at < kEntryBytes; at += 4096) bytes[at] = 0;
    entries_.reset(static_cast<Entry*>(raw));
    heads_ = std::make_unique<Head[]>(kCapacity);
    links_ = std::make_unique<Links[]>(kCapacity);
    visit_.reserve(kCapacity);
    by_count_.assign(kCapacity + 1, kNoTenant);
  }
  // A checkpoint's entry (state/checkpoint_codec.h kCkPrivilegeReplay), kept as the newest; one
  // overwritten when full is older than all the restored ones of its tenant, so nothing is
  // counted.
  void Restore(const Entry& entry) {
    EventTime lost_time = 0;
    uint32_t lost_tenant = 0;
    Keep(entry.event, entry.side, entry.tenant, entry.row_key, &lost_time, &lost_tenant,
         entry.learned, entry.learn_calls);
    entries_[last_].replayed = entry.replayed;
  }
  // Calls fn(entry) for each kept entry, oldest first (arrival order). No allocation (a cut on
  // the shard's thread allocates nothing: the scratch was reserved by Prewarm).
  template <class Fn>
  void ForEach(Fn&& fn) const {
    visit_.resize(size_);
    for (std::size_t i = 0; i < size_; ++i) visit_[i] = static_cast<uint32_t>(i);
    std::sort(visit_.begin(), visit_.end(),
              [&](uint32_t a, uint32_t b) { return links_[a].seq < links_[b].seq; });
    for (const uint32_t at : visit_) fn(entries_[at]);
  }
  // Calls fn(entry) for each kept entry of account `key` (on the side it was kept for) whose
  // event time (Unix seconds) is in [from, to), oldest first. Reads the entries' keys and times
  // only, then the Events that match.
  template <class Fn>
  void ForEachOf(uint64_t key, Seconds32 from, Seconds32 to, Fn&& fn) {
    visit_.clear();
    for (std::size_t at = 0; at < size_; ++at) {
      const Head& h = heads_[at];
      if (h.key == key && h.time >= from && h.time < to)
        visit_.push_back(static_cast<uint32_t>(at));
    }
    std::sort(visit_.begin(), visit_.end(),
              [&](uint32_t a, uint32_t b) { return links_[a].seq < links_[b].seq; });
    for (const uint32_t at : visit_) fn(entries_[at]);
  }
  std::size_t size() const { return size_; }
  std::size_t MemoryBytes() const {
    return entries_ ? kCapacity * (sizeof(Entry) + sizeof(Head) + sizeof(Links)) +
                          tenants_.capacity() * sizeof(TenantList) +
                          (visit_.capacity() + by_count_.capacity()) * 4
                    : 0;
  }

  // Entry::side of a record kept for its actor (AccountSide::kActor; state does not see
  // detectors' enum).
  static constexpr uint8_t kActorSide = 1;

 private:
  struct Head {
    uint64_t key = 0;    // the kept account's key
    Seconds32 time = 0;  // the record's event time
  };
  static constexpr std::size_t kEntryBytes = kCapacity * sizeof(Entry);
  // Slots are ended by unmapping: an Entry owns nothing.
  static_assert(std::is_trivially_destructible_v<Entry>);
  struct Unmap {
    void operator()(Entry* p) const { HugePageFree(p, kEntryBytes); }
  };
  // A slot's place in its tenant's list (oldest first) and its arrival number.
  static constexpr uint16_t kNone = 0xFFFF;
  static_assert(kCapacity < kNone);
  struct Links {
    uint16_t prev = kNone, next = kNone;    // its tenant's list
    uint16_t older = kNone, newer = kNone;  // the list of all, in arrival order
    uint64_t seq = 0;
  };
  struct TenantList {
    uint16_t head = kNone, tail = kNone;  // its oldest and newest slot
    uint32_t count = 0;
    // Its place among the tenants holding as many (by_count_), while it holds any.
    uint32_t fewer = kNoTenant, more = kNoTenant;
  };
  static constexpr uint32_t kNoTenant = UINT32_MAX;
  // Each tenant holding any is in the list of those holding as many (by_count_[count]), so the
  // tenant holding the most is found in O(1), also after it was drained (breaker round 50: a
  // cached "largest" never lowered kept draining a tenant down to a new admin's records).
  void Recount(uint32_t tenant, int delta) {
    TenantList& t = tenants_[tenant];
    if (t.count > 0) {  // out of its count's list
      if (t.fewer != kNoTenant) {
        tenants_[t.fewer].more = t.more;
      } else {
        by_count_[t.count] = t.more;
      }
      if (t.more != kNoTenant) tenants_[t.more].fewer = t.fewer;
    }
    t.count = static_cast<uint32_t>(static_cast<int64_t>(t.count) + delta);
    t.fewer = kNoTenant;
    t.more = kNoTenant;
    if (t.count > 0) {  // into its new count's list
      t.more = by_count_[t.count];
      if (t.more != kNoTenant) tenants_[t.more].fewer = tenant;
      by_count_[t.count] = tenant;
    }
    if (t.count > max_count_) max_count_ = t.count;
    while (max_count_ > 0 && by_count_[max_count_] == kNoTenant) --max_count_;
  }
  void Link(std::size_t at, uint32_t tenant) {
    TenantList& t = tenants_[tenant];
    Links& l = links_[at];
    const auto slot = static_cast<uint16_t>(at);
    l.prev = t.tail;
    l.next = kNone;
    l.seq = next_seq_++;
    if (t.tail != kNone) links_[t.tail].next = slot;
    t.tail = slot;
    if (t.head == kNone) t.head = slot;
    Recount(tenant, +1);
    l.older = newest_;
    l.newer = kNone;
    if (newest_ != kNone) links_[newest_].newer = slot;
    newest_ = slot;
    if (oldest_ == kNone) oldest_ = slot;
  }
  void Unlink(std::size_t at) {
    const uint32_t tenant = entries_[at].tenant;
    TenantList& t = tenants_[tenant];
    const Links& l = links_[at];
    if (l.prev != kNone) {
      links_[l.prev].next = l.next;
    } else {
      t.head = l.next;
    }
    if (l.next != kNone) {
      links_[l.next].prev = l.prev;
    } else {
      t.tail = l.prev;
    }
    Recount(tenant, -1);
    if (l.older != kNone) {
      links_[l.older].newer = l.newer;
    } else {
      oldest_ = l.newer;
    }
    if (l.newer != kNone) {
      links_[l.newer].older = l.older;
    } else {
      newest_ = l.older;
    }
  }
  // A slot whose record can no longer be replayed, or kNone: the oldest of all, else the oldest
  // of the next kStaleProbes tenants in turn (a cursor over the tenants: each tenant's oldest is
  // the likeliest its watermark passed). O(kStaleProbes).
  static constexpr uint32_t kStaleProbes = 16;
  template <class Stale>
  std::size_t StaleSlot(Stale& stale) {
    if (oldest_ != kNone && stale(entries_[oldest_].tenant, entries_[oldest_].event.time)) {
      return oldest_;
    }
    for (uint32_t i = 0; i < kStaleProbes && !tenants_.empty(); ++i) {
      if (++stale_cursor_ >= tenants_.size()) stale_cursor_ = 0;
      const uint16_t head = tenants_[stale_cursor_].head;
      if (head != kNone && stale(stale_cursor_, entries_[head].event.time)) return head;
    }
    return kNone;
  }
  std::unique_ptr<Entry[], Unmap> entries_;
  std::unique_ptr<Head[]> heads_;
  std::unique_ptr<Links[]> links_;
  std::vector<TenantList> tenants_;      // by the shard's tenant index
  mutable std::vector<uint32_t> visit_;  // ForEach's order, ForEachOf's matches (capacity kept)
  std::size_t size_ = 0;                 // slots [0, size_) are in use
  std::size_t last_ = 0;                 // the slot the last Keep wrote
  std::vector<uint32_t> by_count_;       // by count: a tenant holding that many (Recount)
  uint32_t max_count_ = 0;               // the most a tenant holds
  uint16_t oldest_ = kNone, newest_ = kNone;  // the list of all
  uint32_t stale_cursor_ = 0;                 // StaleSlot's place among the tenants
  uint64_t next_seq_ = 0;
};

}  // namespace privmon
