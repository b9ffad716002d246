// Suppressor: one alert per (rule, account) per suppression period, in event time. Remembers when
// each (rule, account) last alerted; a repeat inside the period is reported as suppressed.
// Single-threaded (its shard); O(1) expected.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>

#include "core/hash.h"
#include "state/account_state.h"

namespace privmon {

class Suppressor {
 public:
  // True when an alert at `t` should be emitted (and records it); false when suppressed.
  bool Admit(uint8_t rule, uint64_t account, Seconds32 t, int64_t period_s) {
    const uint64_t key = HashCombine(account, rule + 1u);
    auto [it, inserted] = last_.try_emplace(key, t);
    if (inserted || period_s <= 0) {
      it->second = t;
      return true;
    }
    const int64_t since = static_cast<int64_t>(t) - static_cast<int64_t>(it->second);
    if (since >= period_s || since <= -period_s) {
      it->second = t;
      return true;
    }
    return false;
  }
  std::size_t MemoryBytes() const {
    return last_.capacity() * (sizeof(std::pair<const uint64_t, Seconds32>) + 1);
  }

 private:
  absl::flat_hash_map<uint64_t, Seconds32> last_;
};

}  // namespace privmon
