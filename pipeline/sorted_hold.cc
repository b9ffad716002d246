#include "pipeline/sorted_hold.h"

#include <algorithm>
#include <numeric>

namespace privmon {

// String bytes reserved per expected event: a typical sign-in or audit carries ~200-250 B.
constexpr std::size_t kStringBytesPerEvent = 256;

SortedHold::SortedHold(std::size_t expected_events) {
  packed_.reserve(expected_events);
  keys_.reserve(expected_events);
  offsets_.reserve(expected_events);
  clocks_.reserve(expected_events);
  strings_.reserve(expected_events * kStringBytesPerEvent);
  order_.reserve(expected_events);
}

void SortedHold::Keep(const Event& e, uint32_t clock_source) {
  // A timeless snapshot (a registration without lastUpdatedDateTime) stays after what came
  // before it; one with a time sorts by it, as every other event.
  const bool timeless = e.kind == EventKind::kMfaRegistration && e.time == 0;
  auto latest = std::find_if(latest_.begin(), latest_.end(),
                             [&](const auto& l) { return l.first == clock_source; });
  if (latest == latest_.end()) {
    latest_.emplace_back(clock_source, kMinTime);
    latest = latest_.end() - 1;
  }
  const EventTime key = timeless ? latest->second : e.time;
  latest->second = std::max(latest->second, key);
  const std::size_t n = PackedStringBytes(e);
  const std::size_t at = strings_.size();
  strings_.resize(at + n);
  packed_.emplace_back();
  Pack(e, 0, strings_.data() + at, &packed_.back());
  keys_.push_back(key);
  offsets_.push_back(static_cast<uint32_t>(at));
  clocks_.push_back(clock_source);
}

void SortedHold::SortOrder() {
  order_.resize(packed_.size());
  std::iota(order_.begin(), order_.end(), 0u);
  std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
    return keys_[a] != keys_[b] ? keys_[a] < keys_[b] : clocks_[a] < clocks_[b];
  });
}

void SortedHold::Clear() {
  packed_.clear();
  keys_.clear();
  offsets_.clear();
  clocks_.clear();
  strings_.clear();
  order_.clear();
  latest_.clear();
}

}  // namespace privmon
