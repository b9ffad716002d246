#include "tools/replay/pacer.h"

#include <simdjson.h>

#include <array>
#include <thread>

namespace privmon {
namespace {

constexpr auto kMinSleep = std::chrono::milliseconds(1);
constexpr auto kSleepSlice = std::chrono::milliseconds(50);

// The first string member named `key`, depth first in document order, that is an ISO time.
std::optional<EventTime> FindTime(simdjson::dom::element e, std::string_view key) {
  if (simdjson::dom::object obj; e.get(obj) == simdjson::SUCCESS) {
    for (const auto field : obj) {
      std::string_view text;
      if (field.key == key && field.value.get(text) == simdjson::SUCCESS) {
        if (auto t = ParseIsoTime(text)) return t;
      }
      if (auto t = FindTime(field.value, key)) return t;
    }
  } else if (simdjson::dom::array arr; e.get(arr) == simdjson::SUCCESS) {
    for (const auto item : arr) {
      if (auto t = FindTime(item, key)) return t;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<EventTime> ExtractEventTime(std::string_view line) {
  static constexpr std::array<std::string_view, 4> kKeys = {"createdDateTime", "activityDateTime",
                                                            "TimeGenerated", "time"};
  thread_local simdjson::dom::parser parser;  // keeps its buffers across lines
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  for (std::string_view key : kKeys) {
    if (auto t = FindTime(doc, key)) return t;
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
