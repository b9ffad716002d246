// Pacing for `privmon replay`: WaitTurn() blocks until the next message may go, either at a fixed
// rate (a token bucket anchored at the start, so the average is exact; it sleeps only when ahead
// by >= 1 ms, so high rates batch their sleeps) or at the recorded event-time spacing divided by
// a speed-up factor. Single-threaded; sleeps in slices so a stop flag is honoured within ~50 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/event_time.h"

namespace privmon {

// The event time of an NDJSON line, read with simdjson (a line that is not JSON has none): the
// first string member, at any depth, that holds an ISO time among "createdDateTime",
// "activityDateTime", "TimeGenerated", "time", in that order of preference. O(line length) per
// key tried; the parser is per thread and keeps its buffers.
std::optional<EventTime> ExtractEventTime(std::string_view line);

class ReplayPacer {
 public:
  using Clock = std::chrono::steady_clock;

  // rate > 0: messages per second; else speedup > 0: event-time pacing; else unpaced.
  ReplayPacer(double rate, double speedup, const std::atomic<bool>* stop);

  // Restarts the event-time schedule (each loop replays the recorded spacing from its start).
  void StartLoop();

  // Blocks until the message `line` may be sent. Returns false when stopped while waiting.
  bool WaitTurn(std::string_view line);

 private:
  bool SleepUntil(Clock::time_point deadline);

  double rate_;
  double speedup_;
  const std::atomic<bool>* stop_;
  Clock::time_point start_;
  uint64_t sent_ = 0;  // messages released since start_ (rate mode)
  Clock::time_point loop_start_;
  std::optional<EventTime> first_time_;  // t_0 of the current loop (speedup mode)
};

}  // namespace privmon
