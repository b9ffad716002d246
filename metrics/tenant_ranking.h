// TenantRanking: which tenants get their own per-tenant series on /metrics. The series cap
// (pipeline.max_tenant_series) goes to the busiest tenants by recent volume, not to the first
// seen: each scrape scores every counted tenant by its events since the previous scrape, decayed
// with a half-life (10 min by default), and names the top `series`; the rest are summed under
// tenant="other" (a named tenant's counters are its own totals; "other" can step down when a
// tenant leaves it for a series of its own, so graph `rate()` of named tenants). Ties go to the
// larger total, then the smaller hash, so the choice is deterministic.
// Thread-safe (one mutex; scrapes are rare and off the hot path); Select is O(T log T) for T
// counted tenants and allocates.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/stats.h"

namespace privmon {

class TenantRanking {
 public:
  explicit TenantRanking(int64_t half_life_us = 600'000'000) : half_life_us_(half_life_us) {}

  // `all` as read at wall time `now_us` (TenantCounters::Read, overflow slot included): the top
  // `series` tenants, busiest first, then one "other" entry (hash 0) summing the rest when there
  // is any rest.
  std::vector<TenantCounters::Snapshot> Select(std::vector<TenantCounters::Snapshot> all,
                                               uint32_t series, int64_t now_us);

 private:
  struct Score {
    uint64_t events = 0;  // total at the previous scrape
    double recent = 0;    // decayed events per half-life
  };
  int64_t half_life_us_;
  std::mutex mu_;
  int64_t last_us_ = 0;
  absl::flat_hash_map<uint64_t, Score> scores_;
};

}  // namespace privmon
