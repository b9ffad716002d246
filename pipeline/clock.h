// Small waiting and clock helpers of the pipeline threads: a Backoff that spins briefly, then
// sleeps (for a full queue or an empty one), and the two clocks the pipeline reads (steady for
// latency and idleness, system for run's wall-clock rules). Header-only; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

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

// Waits without burning a core: a few spins, then short sleeps.
class Backoff {
 public:
  void Pause() {
    if (++rounds_ < 64) return;
    std::this_thread::sleep_for(std::chrono::microseconds(rounds_ < 256 ? 20 : 200));
  }
  void Reset() { rounds_ = 0; }

 private:
  uint32_t rounds_ = 0;
};

}  // namespace privmon
