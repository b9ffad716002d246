// The two clocks the pipeline reads: steady (latency and idleness) and system (run's wall-clock
// rules). Header-only; any thread. Waiting is pipeline/event_count.h's job.
#pragma once

#include <chrono>
#include <cstdint>

namespace privmon {

inline int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace privmon
