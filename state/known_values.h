// KnownValues: the values each account has been seen with (devices, locations, client apps, audit
// activities, activated roles), for novelty rules. One shard-wide map from a 64-bit fingerprint
// hash(account, rule, value) to when the value was last seen and the tenant (the shard's tenant
// index), so per-account state stays fixed-size. Bounded per tenant by event time: a value unseen
// for `ttl` is novel again when it returns (whether or not the sweep already erased it), and the
// engine's incremental sweep erases such values once their tenant's watermark is past them.
// Single-threaded (its shard). O(1) expected per operation; 16 bytes per slot.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

#include "core/hash.h"
#include "state/account_state.h"
#include "state/incremental_sweep.h"
#include "state/linear_probe_map.h"

namespace privmon {

// kClientApp: the client apps an account signed in with (since session 42 successes only; a
// checkpoint's may hold failures too); kClientAppAttempt: those it only failed with (PRIV-SI-13).
enum class NoveltyKind : uint8_t {
  kDevice,
  kLocation,
  kClientApp,
  kActivity,
  kActivatedRole,
  kClientAppAttempt
};

class KnownValues {
 public:
  struct Entry {
    Seconds32 last = 0;  // newest event time the value was seen at (0: restored from format 1)
    uint32_t tenant = 0;
  };
  static constexpr std::size_t kBytesPerSlot = sizeof(uint64_t) + sizeof(Entry);

  static uint64_t Fingerprint(uint64_t account, NoveltyKind kind, uint64_t value) {
    return HashCombine(HashCombine(account, static_cast<uint64_t>(kind) + 1), value);
  }
  void set_ttl(int64_t ttl_s) { ttl_s_ = ttl_s; }
  int64_t ttl() const { return ttl_s_; }

  // Starts loading the memory an Add of this value reads; changes nothing.
  void Prefetch(uint64_t account, NoveltyKind kind, uint64_t value) const {
    values_.prefetch(Fingerprint(account, kind, value));
  }
  // Returns true when the value is new for the account: never seen, or not seen for the ttl.
  bool Add(uint64_t account, NoveltyKind kind, uint64_t value, Seconds32 t, uint32_t tenant) {
    return AddFingerprint(Fingerprint(account, kind, value), t, tenant);
  }
  // Whether the value is known for the account at event time `t` (seen, and not forgotten by the
  // ttl); changes nothing.
  bool Known(uint64_t account, NoveltyKind kind, uint64_t value, Seconds32 t) const {
    return KnownFingerprint(Fingerprint(account, kind, value), t);
  }
  // The same for a fingerprint the caller computed (generic novelty rules salt it with their id).
  bool KnownFingerprint(uint64_t fp, Seconds32 t) const {
    const auto it = values_.find(fp);
    return it != values_.end() && !Stale(it->second.last, t);
  }
  // The same for a fingerprint the caller computed (generic novelty rules salt it with their id).
  bool AddFingerprint(uint64_t fp, Seconds32 t, uint32_t tenant) {
    auto [it, inserted] = values_.try_emplace(fp, Entry{t, tenant});
    if (inserted) return true;
    Entry& e = it->second;
    e.tenant = tenant;
    if (Stale(e.last, t)) {
      e.last = t;
      return true;
    }
    e.last = std::max(e.last, t);
    return false;
  }
  // True when a value last seen at `last` counts as forgotten at event time `t`.
  bool Stale(Seconds32 last, Seconds32 t) const {
    return ttl_s_ > 0 && last != 0 && static_cast<int64_t>(t) > static_cast<int64_t>(last) + ttl_s_;
  }
  // One incremental sweep step: erases up to `budget` visited values evictable(entry) names.
  template <class Evictable>
  std::size_t Sweep(std::size_t budget, Evictable&& evictable) {
    return SweepStep(values_, cursor_, budget,
                     [&](uint64_t, const Entry& e) { return evictable(e); });
  }
  const SweepCursor& cursor() const { return cursor_; }

  // Checkpoint support: f(fingerprint, entry) for every value, and adding one back.
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [fp, e] : values_) f(fp, e);
  }
  void Restore(uint64_t fp, Entry e) {
    auto [it, inserted] = values_.try_emplace(fp, e);
    if (!inserted) it->second.last = std::max(it->second.last, e.last);
  }
  // Room for n values without rehashing (a restore sizes the table once).
  void Reserve(std::size_t n) { values_.reserve(n); }
  std::size_t size() const { return values_.size(); }
  std::size_t MemoryBytes() const { return values_.capacity() * kBytesPerSlot; }

 private:
  LinearProbeMap<Entry> values_;
  SweepCursor cursor_;
  int64_t ttl_s_ = 0;
};

}  // namespace privmon
