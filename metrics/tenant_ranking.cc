#include "metrics/tenant_ranking.h"

#include <algorithm>
#include <cmath>

namespace privmon {

std::vector<TenantCounters::Snapshot> TenantRanking::Select(
    std::vector<TenantCounters::Snapshot> all, uint32_t series, int64_t now_us) {
  std::lock_guard lock(mu_);
  const double decay =
      last_us_ == 0 || now_us <= last_us_
          ? 1.0
          : std::exp2(-static_cast<double>(now_us - last_us_) / static_cast<double>(half_life_us_));
  last_us_ = std::max(last_us_, now_us);
  // "other" is a counter of its own: it grows by what its tenants counted since the previous
  // scrape, never by a demoted tenant's earlier total, and never steps down when one of its
  // tenants is promoted (breaker round 140: both read as phantom rates).
  TenantCounters::Snapshot other{"other", 0, {}, 0, 0, 0};
  bool any_other = other_ever_;
  const auto add_to_other = [&](const TenantCounters::Snapshot& t, const Score& before) {
    any_other = true;
    other_.events += t.events - std::min(t.events, before.events);
    other_.late += t.late - std::min(t.late, before.late);
    for (std::size_t s = 0; s < other_.alerts.size(); ++s) {
      other_.alerts[s] += t.alerts[s] - std::min(t.alerts[s], before.alerts[s]);
    }
    other.last_event_us = std::max(other.last_event_us, t.last_event_us);
  };
  const auto totals = [](const TenantCounters::Snapshot& t) {
    return Score{t.events, 0, t.late, t.alerts};
  };
  std::vector<std::pair<double, std::size_t>> ranked;  // (recent volume, index into all)
  std::vector<Score> befores(all.size());  // each tenant's totals at the previous scrape
  absl::flat_hash_map<uint64_t, Score> next;
  next.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const TenantCounters::Snapshot& t = all[i];
    if (t.hash == 0) {  // the counters' own overflow slot
      add_to_other(t, overflow_before_);
      overflow_before_ = totals(t);
      continue;
    }
    const auto it = scores_.find(t.hash);
    const Score before = it == scores_.end() ? Score{} : it->second;
    Score s = totals(t);
    s.recent =
        before.recent * decay + static_cast<double>(t.events - std::min(t.events, before.events));
    next.emplace(t.hash, s);
    ranked.emplace_back(s.recent, i);
    befores[i] = before;
  }
  scores_ = std::move(next);
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    const auto &x = all[a.second], &y = all[b.second];
    if (x.events != y.events) return x.events > y.events;
    return x.hash < y.hash;
  });
  std::vector<TenantCounters::Snapshot> out;
  out.reserve(std::min<std::size_t>(ranked.size(), series) + 1);
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    if (r < series) {
      out.push_back(std::move(all[ranked[r].second]));
    } else {
      add_to_other(all[ranked[r].second], befores[ranked[r].second]);
    }
  }
  if (any_other) {
    other_ever_ = true;
    other.events = other_.events;
    other.late = other_.late;
    other.alerts = other_.alerts;
    out.push_back(std::move(other));
  }
  return out;
}

}  // namespace privmon
