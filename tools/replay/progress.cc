#include "tools/replay/progress.h"

namespace privmon {
namespace {

constexpr auto kRedraw = std::chrono::milliseconds(250);

double Seconds(ReplayProgress::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

ReplayProgress::ReplayProgress(bool live, std::optional<uint64_t> total, std::FILE* out)
    : live_(live), total_(total), out_(out), start_(Clock::now()), last_draw_(start_) {}

void ReplayProgress::MaybeDraw() {
  if (!live_) return;
  const auto now = Clock::now();
  if (now - last_draw_ >= kRedraw) Draw(now);
}

void ReplayProgress::Draw(Clock::time_point now) {
  last_draw_ = now;
  const double elapsed = Seconds(now - start_);
  const double rate = elapsed > 0 ? static_cast<double>(messages_) / elapsed : 0;
  const double mbps = elapsed > 0 ? static_cast<double>(bytes_) / 1e6 / elapsed : 0;
  char remaining[64] = "";
  if (total_ && rate > 0 && *total_ >= messages_) {
    std::snprintf(
        remaining, sizeof remaining, ", %.0f%%, ~%.0f s left",
        *total_ ? 100.0 * static_cast<double>(messages_) / static_cast<double>(*total_) : 100.0,
        static_cast<double>(*total_ - messages_) / rate);
  }
  std::fprintf(out_, "\rreplay: %llu sent, %.0f msg/s, %.1f MB/s, %.1f s elapsed%s\033[K",
               static_cast<unsigned long long>(messages_), rate, mbps, elapsed, remaining);
  std::fflush(out_);
  drawn_ = true;
}

void ReplayProgress::PrintSummary(bool interrupted) {
  const double elapsed = Seconds(Clock::now() - start_);
  const double rate = elapsed > 0 ? static_cast<double>(messages_) / elapsed : 0;
  if (drawn_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "replay: sent %llu messages (%llu bytes) in %.2f s, %.0f msg/s%s\n",
               static_cast<unsigned long long>(messages_), static_cast<unsigned long long>(bytes_),
               elapsed, rate, interrupted ? " (interrupted)" : "");
  std::fflush(out_);
}

}  // namespace privmon
