// DedupeMemory: the records one shard has seen recently, so that a redelivered record (Event Hubs
// and Kafka deliver at least once, Graph polls overlap) reaches the rules once. Keyed by the
// record's exact 64-bit fingerprint (tenant, kind, own id or bytes; RecordFingerprint; a sign-in's
// id with its error code and second, SignInRowFingerprint). A record
// is remembered while its event time is within `horizon` of its tenant's watermark, so the answer
// does not depend on arrival order for any record that is not late.
// Memory: 16 B per slot (fingerprint, event time, tenant index), at a load of 3/8..3/4
// (state/linear_probe_map.h): 21..43 B per remembered record (kBytesPerSlot; bench/dedupe_bench.cc
// measures it, tests/state pins the bound). Single-threaded (its shard). Repeat() is one hash
// probe; Sweep() is O(size) and runs when the table has doubled since the last sweep, so its cost
// is amortized O(1) per record.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

#include "state/account_state.h"
#include "state/linear_probe_map.h"

namespace privmon {

class DedupeMemory {
 public:
  static constexpr std::size_t kBytesPerSlot = sizeof(uint64_t) + 2 * sizeof(uint32_t);

  // True when `fingerprint` was seen within the horizon (a repeat: drop it); otherwise remembers
  // it. `expired` says whether a remembered time is older than its tenant's horizon.
  template <class Expired>
  bool Repeat(uint64_t fingerprint, Seconds32 time, uint32_t tenant, Expired&& expired) {
    auto [it, inserted] = seen_.try_emplace(fingerprint, Entry{time, tenant});
    if (inserted) return false;
    if (expired(it->second.tenant, it->second.time)) {
      it->second = Entry{time, tenant};
      return false;
    }
    return true;
  }

  // True when `key` is remembered within the horizon; changes nothing.
  template <class Expired>
  bool Seen(uint64_t key, Expired&& expired) const {
    const auto it = seen_.find(key);
    return it != seen_.end() && !expired(it->second.tenant, it->second.time);
  }

  // Forgets `key`; true when it was remembered within the horizon (so it is claimed once).
  template <class Expired>
  bool Claim(uint64_t key, Expired&& expired) {
    const auto it = seen_.find(key);
    if (it == seen_.end()) return false;
    const bool live = !expired(it->second.tenant, it->second.time);
    seen_.erase(it);
    return live;
  }

  // Starts loading the memory a Repeat of `fingerprint` reads; changes nothing.
  void Prefetch(uint64_t fingerprint) const { seen_.prefetch(fingerprint); }

  bool SweepDue() const { return seen_.size() >= next_sweep_; }

  // No sweep before the memory holds `records` (a whole finite input is remembered up to this
  // many: DetectionEngine::kWholeInputRecords); the default sweeps from 4,096 on.
  void SetMinSweep(std::size_t records) {
    min_sweep_ = std::max<std::size_t>(kMinSweep, records);
    next_sweep_ = std::max(next_sweep_, min_sweep_);
  }

  // Forgets every record `expired(tenant, time)` says is beyond its tenant's horizon; `expired`
  // is called once per remembered record (it may note what it forgets).
  template <class Expired>
  void Sweep(Expired&& expired) {
    seen_.erase_if([&](const auto& kv) { return expired(kv.second.tenant, kv.second.time); });
    next_sweep_ = std::max<std::size_t>(min_sweep_, 2 * seen_.size());
  }

  // Checkpoint support: f(fingerprint, time, tenant index) for every remembered record.
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [fp, e] : seen_) f(fp, e.time, e.tenant);
  }
  void Restore(uint64_t fingerprint, Seconds32 time, uint32_t tenant) {
    seen_.insert_or_assign(fingerprint, Entry{time, tenant});
  }
  // Room for n records without rehashing (a restore sizes the table once).
  void Reserve(std::size_t n) { seen_.reserve(n); }
  std::size_t size() const { return seen_.size(); }
  std::size_t MemoryBytes() const { return seen_.capacity() * kBytesPerSlot; }

 private:
  static constexpr std::size_t kMinSweep = 4096;
  struct Entry {
    Seconds32 time;
    uint32_t tenant;  // the shard's tenant index (DetectionEngine::TenantTime)
  };
  LinearProbeMap<Entry> seen_;
  std::size_t min_sweep_ = kMinSweep;
  std::size_t next_sweep_ = kMinSweep;

  static_assert(sizeof(LinearProbeMap<Entry>::Slot) == kBytesPerSlot,
                "the header states the bytes per slot");
};

}  // namespace privmon
