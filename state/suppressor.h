// Suppressor: one alert per (rule, account) per suppression bucket, in event time. A verdict at
// event time t falls in bucket floor(t / suppress); the first verdict of a bucket is emitted, the
// repeats are counted, and once the tenant's watermark passes the bucket's end one update (the
// same alert_id, "update": true, the final count, first_seen/last_seen spanning the repeats)
// reports them (DESIGN.md section 10). Buckets do not depend on which verdict arrived first, so
// the ids and final counts do not either.
// Memory: one 40-byte entry per (rule, account, bucket) that alerted, plus one Alert copy per
// bucket with repeats until its update is sent; entries are swept once a day of event time old.
// Single-threaded (its shard); Admit is O(1) expected, Settle O(pending updates).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/alert.h"
#include "core/hash.h"

namespace privmon {

class Suppressor {
 public:
  static int64_t BucketOf(EventTime t, int64_t period_s) {
    const int64_t s = t >= 0 ? t / kMicrosPerSecond : (t - kMicrosPerSecond + 1) / kMicrosPerSecond;
    return s >= 0 ? s / period_s : (s - period_s + 1) / period_s;
  }

  // True when `a` is the first verdict of its bucket (emit it); false for a repeat, which is
  // folded into the bucket's update. `a.alert_id` must already be the bucket's id.
  bool Admit(const Alert& a, uint64_t account, int64_t period_s) {
    const int64_t bucket = BucketOf(a.time, period_s);
    const uint64_t key =
        HashCombine(HashCombine(account, static_cast<uint64_t>(a.rule) + 1u), bucket);
    auto [it, inserted] = entries_.try_emplace(key);
    Entry& e = it->second;
    if (inserted) {
      e.tenant_hash = a.tenant_hash;
      e.account = account;
      e.bucket_end = (bucket + 1) * period_s * kMicrosPerSecond;
      e.count = a.count;
      return true;
    }
    ++e.count;
    if (e.pending == kSettled) return false;  // late: counted in the metric only
    if (e.pending == kNone) {
      e.pending = static_cast<uint32_t>(pending_.size());
      pending_.push_back(Pending{key, a});
      pending_.back().alert.update = true;
    }
    Alert& update = pending_[e.pending].alert;
    update.count = e.count;
    // The update spans its repeats: the earliest first_seen and the latest last_seen among them
    // (before, the first repeat's, so an update of repeats until 10:45 said last seen 10:05).
    update.first_seen = std::min(update.first_seen, a.first_seen);
    update.last_seen = std::max(update.last_seen, a.last_seen);
    return false;
  }

  // Calls send(update) for every bucket of `tenant_hash` with repeats that ended by `watermark`.
  template <class Send>
  void Settle(uint64_t tenant_hash, EventTime watermark, Send&& send) {
    for (std::size_t i = 0; i < pending_.size();) {
      Entry& e = entries_.find(pending_[i].key)->second;
      if (e.tenant_hash != tenant_hash || e.bucket_end > watermark) {
        ++i;
        continue;
      }
      Settle(i, send);
    }
  }
  // The input is over: every pending update is final.
  template <class Send>
  void SettleAll(Send&& send) {
    while (!pending_.empty()) Settle(pending_.size() - 1, send);
  }

  // Forgets buckets that ended a day before `watermark_of(tenant)` (a verdict that late would
  // raise its bucket's alert again, with the same id). Runs when the table doubled.
  template <class WatermarkOf>
  void Sweep(WatermarkOf&& watermark_of) {
    if (entries_.size() < next_sweep_) return;
    absl::erase_if(entries_, [&](const auto& kv) {
      return kv.second.pending != kNone && kv.second.pending != kSettled
                 ? false
                 : kv.second.bucket_end + kDay * kMicrosPerSecond <
                       watermark_of(kv.second.tenant_hash);
    });
    next_sweep_ = std::max<std::size_t>(1024, 2 * entries_.size());
  }

  // Checkpoint support. f(key, account, tenant_hash, bucket_end, count, state, pending update or
  // null); state: 0 no repeat yet, 1 update pending, 2 update sent; account 0 where a checkpoint
  // that did not record it was restored.
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [key, e] : entries_) {
      const uint8_t state = e.pending == kNone ? 0 : e.pending == kSettled ? 2 : 1;
      f(key, e.account, e.tenant_hash, e.bucket_end, e.count, state,
        state == 1 ? &pending_[e.pending].alert : nullptr);
    }
  }
  void Restore(uint64_t key, uint64_t account, uint64_t tenant_hash, EventTime bucket_end,
               uint32_t count, uint8_t state, const Alert* update) {
    if (entries_.contains(key)) return;  // restored to every shard: keep the first copy
    Entry& e = entries_[key];
    e.account = account;
    e.tenant_hash = tenant_hash;
    e.bucket_end = bucket_end;
    e.count = count;
    e.pending = state == 2 ? kSettled : kNone;
    if (state == 1 && update != nullptr) {
      e.pending = static_cast<uint32_t>(pending_.size());
      pending_.push_back(Pending{key, *update});
    }
  }

  std::size_t MemoryBytes() const {
    return entries_.capacity() * (sizeof(std::pair<const uint64_t, Entry>) + 1) +
           pending_.capacity() * sizeof(Pending);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kSettled = UINT32_MAX - 1;
  struct Entry {
    uint64_t account = 0;  // the account key Admit was given (a checkpoint routes by it)
    uint64_t tenant_hash = 0;
    EventTime bucket_end = 0;
    uint32_t count = 0;        // the first alert's count plus one per repeat
    uint32_t pending = kNone;  // index into pending_, or kNone / kSettled
  };
  struct Pending {
    uint64_t key;
    Alert alert;  // the update line: the bucket's id, the final count
  };

  template <class Send>
  void Settle(std::size_t i, Send&& send) {
    entries_.find(pending_[i].key)->second.pending = kSettled;
    send(pending_[i].alert);
    if (i + 1 != pending_.size()) {
      pending_[i] = pending_.back();
      entries_.find(pending_[i].key)->second.pending = static_cast<uint32_t>(i);
    }
    pending_.pop_back();
  }

  absl::flat_hash_map<uint64_t, Entry> entries_;
  std::vector<Pending> pending_;
  std::size_t next_sweep_ = 1024;

  static_assert(sizeof(std::pair<const uint64_t, Entry>) == 40, "the header states 40 bytes");
};

}  // namespace privmon
