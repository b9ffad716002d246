#include "tools/replay/pacer.h"

#include <array>
#include <thread>

namespace privmon {
namespace {

constexpr auto kMinSleep = std::chrono::milliseconds(1);
constexpr auto kSleepSlice = std::chrono::milliseconds(50);

// The quoted string value after `"key"` at or after pos, skipping whitespace and the colon.
std::optional<std::string_view> ValueAfterKey(std::string_view line, std::size_t key_end) {
  std::size_t p = key_end;
  auto skip_ws = [&] {
    while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  };
  skip_ws();
  if (p >= line.size() || line[p] != ':') return std::nullopt;
  ++p;
  skip_ws();
  if (p >= line.size() || line[p] != '"') return std::nullopt;
  ++p;
  const std::size_t end = line.find('"', p);
  if (end == std::string_view::npos) return std::nullopt;
  return line.substr(p, end - p);
}

}  // namespace

std::optional<EventTime> ExtractEventTime(std::string_view line) {
  static constexpr std::array<std::string_view, 4> kKeys = {
      "\"createdDateTime\"", "\"activityDateTime\"", "\"TimeGenerated\"", "\"time\""};
  for (std::string_view key : kKeys) {
    std::size_t pos = 0;
    while ((pos = line.find(key, pos)) != std::string_view::npos) {
      pos += key.size();
      if (auto value = ValueAfterKey(line, pos)) {
        if (auto t = ParseIsoTime(*value)) return t;
      }
    }
  }
  return std::nullopt;
}

ReplayPacer::ReplayPacer(double rate, double speedup, const std::atomic<bool>* stop)
    : rate_(rate), speedup_(speedup), stop_(stop), start_(Clock::now()), loop_start_(start_) {}

void ReplayPacer::StartLoop() {
  loop_start_ = Clock::now();
  first_time_.reset();
}

bool ReplayPacer::SleepUntil(Clock::time_point deadline) {
  for (;;) {
    if (stop_->load(std::memory_order_relaxed)) return false;
    const auto now = Clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(deadline - now, kSleepSlice));
  }
}

bool ReplayPacer::WaitTurn(std::string_view line) {
  if (rate_ > 0) {
    const auto due =
        start_ + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(static_cast<double>(sent_) / rate_));
    ++sent_;
    if (due - Clock::now() >= kMinSleep) return SleepUntil(due);
    return true;
  }
  if (speedup_ > 0) {
    const std::optional<EventTime> t = ExtractEventTime(line);
    if (!t) return true;  // no time: send at once
    if (!first_time_) {
      first_time_ = t;
      loop_start_ = Clock::now();
      return true;
    }
    const double offset_s =
        static_cast<double>(*t - *first_time_) / static_cast<double>(kMicrosPerSecond) / speedup_;
    if (offset_s <= 0) return true;
    const auto due = loop_start_ + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(offset_s));
    if (due - Clock::now() >= kMinSleep) return SleepUntil(due);
  }
  return true;
}

}  // namespace privmon
