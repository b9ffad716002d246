// Progress reporting for `privmon replay`: a live line on stderr (only when stderr is a terminal
// and not quiet), redrawn with '\r' at most ~4 times a second, and the final summary line, which
// is always printed. Tick() is cheap (one clock read every 256 calls). One thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace privmon {

class ReplayProgress {
 public:
  using Clock = std::chrono::steady_clock;

  ReplayProgress(bool live, std::optional<uint64_t> total, std::FILE* out = stderr);

  void Count(std::size_t bytes) {
    ++messages_;
    bytes_ += bytes;
    if ((++ticks_ & 255) == 0) MaybeDraw();
  }
  void MaybeDraw();  // redraws when due; also call while blocked

  // Clears the live line and prints `replay: sent N messages (B bytes) in S s, R msg/s`.
  void PrintSummary(bool interrupted);

  uint64_t messages() const { return messages_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void Draw(Clock::time_point now);

  bool live_;
  std::optional<uint64_t> total_;
  std::FILE* out_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  uint64_t messages_ = 0;
  uint64_t bytes_ = 0;
  uint64_t ticks_ = 0;
  bool drawn_ = false;
};

}  // namespace privmon
