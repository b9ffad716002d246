// SweepStep: walks a LinearProbeMap (state/linear_probe_map.h) a few slots at a time, erasing the
// entries a predicate names, so that eviction never pauses the shard (docs/operations.md
// section 5). The position is kept as the last key kept, found again by one probe, so the table
// may grow in between; a rehash reorders it, which at worst delays an eviction to the next lap.
// At the end of a lap a table under a quarter full is shrunk (one O(size) copy, then the memory
// gauges go down). Single-threaded (the table's owner). Cost: one probe plus `budget` slots.
#pragma once

#include <cstddef>
#include <cstdint>

namespace privmon {

struct SweepCursor {
  uint64_t key = 0;
  bool valid = false;  // false: the next step starts a lap at the table's beginning
  uint64_t laps = 0;   // completed laps
};

// Visits up to `budget` entries after the cursor; erases those evictable(key, value) names.
// Returns how many it erased.
template <class Table, class Evictable>
std::size_t SweepStep(Table& table, SweepCursor& c, std::size_t budget, Evictable&& evictable) {
  constexpr std::size_t kMinShrinkCapacity = 1024;
  auto it = table.begin();
  if (c.valid) {
    it = table.find(c.key);
    if (it == table.end()) {
      it = table.begin();
    } else {
      ++it;
    }
  }
  std::size_t erased = 0;
  for (; budget > 0 && it != table.end(); --budget) {
    if (evictable(it->first, it->second)) {
      it = table.erase(it);
      ++erased;
    } else {
      c.key = it->first;
      c.valid = true;
      ++it;
    }
  }
  if (it == table.end()) {
    c.valid = false;
    ++c.laps;
    if (table.capacity() > kMinShrinkCapacity && table.size() * 4 < table.capacity()) {
      table.rehash(0);
    }
  }
  return erased;
}

}  // namespace privmon
