// KnownValues: the values each account has been seen with during its learning period (devices,
// locations, client apps, audit activities, activated roles), for novelty rules. One shard-wide
// set of 64-bit fingerprints hash(account, rule, value), so per-account state stays fixed-size.
// Single-threaded (its shard). O(1) expected per operation; 9 bytes per slot.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>

#include "core/hash.h"

namespace privmon {

enum class NoveltyKind : uint8_t { kDevice, kLocation, kClientApp, kActivity, kActivatedRole };

class KnownValues {
 public:
  static uint64_t Fingerprint(uint64_t account, NoveltyKind kind, uint64_t value) {
    return HashCombine(HashCombine(account, static_cast<uint64_t>(kind) + 1), value);
  }
  bool Contains(uint64_t account, NoveltyKind kind, uint64_t value) const {
    return set_.contains(Fingerprint(account, kind, value));
  }
  // Returns true when the value was new.
  bool Add(uint64_t account, NoveltyKind kind, uint64_t value) {
    return set_.insert(Fingerprint(account, kind, value)).second;
  }
  // Checkpoint support: the stored fingerprints, and adding one back.
  template <class F>
  void ForEach(F&& f) const {
    for (uint64_t fp : set_) f(fp);
  }
  void RestoreFingerprint(uint64_t fp) { set_.insert(fp); }
  std::size_t size() const { return set_.size(); }
  std::size_t MemoryBytes() const { return set_.capacity() * (sizeof(uint64_t) + 1); }

 private:
  absl::flat_hash_set<uint64_t> set_;
};

}  // namespace privmon
