// Everyday Entra traffic for `privmon gen`: per day, sign-ins (mostly successful, interactive and
// non-interactive, from each account's usual devices and place, in working hours of the tenant's
// time zone), a few failures (50126, 50140, 50074 followed by a success), audits (Update user,
// Update device, PIM activations preceded by a PAW sign-in, non-privileged role adds) and MFA
// registration records. Deterministic per (seed, day); O(count) per day.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tools/gen/event.h"
#include "tools/gen/random.h"
#include "tools/gen/world.h"

namespace privmon {

// One second of event time (microseconds), for the generator's arithmetic.
inline constexpr EventTime kSecond = kMicrosPerSecond;

// Picks a record format from weights (diag, graph, la); registration records are always Graph.
class GenFormatPicker {
 public:
  explicit GenFormatPicker(std::array<double, 3> weights);
  GenFormat Pick(GenRandom& rng) const;

 private:
  std::array<double, 3> cumulative_;
};

class GenTraffic {
 public:
  GenTraffic(const GenWorld& world, const GenFormatPicker& formats, EventTime start);

  // Appends exactly `count` benign events whose times fall in day `day` (0-based, UTC days from
  // start) to out, unsorted.
  void Day(int day, uint64_t count, std::vector<GenEvent>& out) const;

 private:
  const GenWorld& world_;
  const GenFormatPicker& formats_;
  EventTime start_;
};

// Time within the UTC day starting at day_start for a local wall-clock second-of-day in a zone
// `tz_hours` from UTC, wrapped into that UTC day so each day's events stay in its own chunk.
EventTime GenDayTime(EventTime day_start, int tz_hours, int64_t local_second);

// Adds up to 2 minutes of delivery jitter to the emission order key.
inline void GenJitter(GenEvent& e, GenRandom& rng) {
  e.order = e.time + static_cast<EventTime>(rng.Below(120'000'000));
}

}  // namespace privmon
