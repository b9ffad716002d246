// TenantRanking: which tenants get their own per-tenant series on /metrics. The series cap
// (pipeline.max_tenant_series) goes to the busiest tenants by recent volume, not to the first
// seen: each scrape scores every counted tenant by its events since the previous scrape, decayed
// with a half-life (10 min by default), and names the top `series`; the rest are counted under
// tenant="other". A named tenant's counters are its own totals; "other" is a counter of its own,
// growing by what its tenants counted between scrapes while they were in it: it never steps down
// (a tenant promoted out of it) nor jumps by a demoted tenant's earlier total, so `rate()` of
// every series is right, while the sum of the series' values can exceed the total once a tenant
// moved (privmon_events_total holds the totals). Ties go to the larger total, then the smaller
// hash, so the choice is deterministic.
// Thread-safe (one mutex; scrapes are rare and off the hot path); Select is O(T log T) for T
// counted tenants and allocates.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
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
    uint64_t events = 0;  // totals at the previous scrape
    double recent = 0;    // decayed events per half-life
    uint64_t late = 0;
    std::array<uint64_t, 3> alerts{};
  };
  int64_t half_life_us_;
  std::mutex mu_;
  int64_t last_us_ = 0;
  absl::flat_hash_map<uint64_t, Score> scores_;
  Score overflow_before_;             // the counters' overflow slot at the previous scrape
  TenantCounters::Snapshot other_{};  // "other"'s own totals (events, late, alerts)
  bool other_ever_ = false;           // once shown, "other" stays (a counter does not vanish)
};

}  // namespace privmon
