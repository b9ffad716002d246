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
  TenantCounters::Snapshot other{"other", 0, {}, 0, 0, 0};
  bool any_other = false;
  const auto add_to_other = [&](const TenantCounters::Snapshot& t) {
    any_other = true;
    other.events += t.events;
    other.late += t.late;
    for (std::size_t s = 0; s < other.alerts.size(); ++s) other.alerts[s] += t.alerts[s];
    other.last_event_us = std::max(other.last_event_us, t.last_event_us);
  };
  std::vector<std::pair<double, std::size_t>> ranked;  // (recent volume, index into all)
  absl::flat_hash_map<uint64_t, Score> next;
  next.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const TenantCounters::Snapshot& t = all[i];
    if (t.hash == 0) {  // the counters' own overflow slot
      add_to_other(t);
      continue;
    }
    const auto it = scores_.find(t.hash);
    Score s = it == scores_.end() ? Score{} : it->second;
    s.recent = s.recent * decay + static_cast<double>(t.events - std::min(t.events, s.events));
    s.events = t.events;
    next.emplace(t.hash, s);
    ranked.emplace_back(s.recent, i);
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
      add_to_other(all[ranked[r].second]);
    }
  }
  if (any_other) out.push_back(std::move(other));
  return out;
}

}  // namespace privmon
