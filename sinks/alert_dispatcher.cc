#include "sinks/alert_dispatcher.h"

#include <algorithm>
#include <chrono>

namespace privmon {
namespace {

constexpr std::size_t kBatch = 256;  // per queue per round, so one busy shard cannot starve others
constexpr int kSpinRounds = 16;      // idle rounds with yield() before sleeping
constexpr auto kMinSleep = std::chrono::microseconds(200);
constexpr auto kMaxSleep = std::chrono::microseconds(1000);

}  // namespace

AlertDispatcher::AlertDispatcher(std::vector<SpscQueue<Alert>*> queues,
                                 std::vector<std::unique_ptr<AlertOutput>> outputs,
                                 PipelineStats* stats)
    : queues_(std::move(queues)), outputs_(std::move(outputs)), stats_(stats) {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

AlertDispatcher::~AlertDispatcher() { Stop(); }

void AlertDispatcher::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

std::size_t AlertDispatcher::DrainOnce() {
  std::size_t written = 0;
  Alert alert;
  for (SpscQueue<Alert>* q : queues_) {
    for (std::size_t i = 0; i < kBatch && q->pop(alert); ++i) {
      lines_.Reset();
      for (auto& out : outputs_) out->WriteAlert(alert, lines_.Get(alert, out->format()));
      ++written;
    }
  }
  if (written != 0 && stats_ != nullptr) Bump(stats_->alerts_written, written);
  return written;
}

void AlertDispatcher::FlushAll() {
  for (auto& out : outputs_) out->Flush();
}

void AlertDispatcher::Run(std::stop_token stop) {
  int idle_rounds = 0;
  auto sleep = kMinSleep;
  bool dirty = false;  // lines written since the last flush
  while (!stop.stop_requested()) {
    if (DrainOnce() != 0) {
      dirty = true;
      idle_rounds = 0;
      sleep = kMinSleep;
      continue;
    }
    if (dirty) {
      FlushAll();
      dirty = false;
    }
    for (auto& out : outputs_) out->Idle();
    if (++idle_rounds <= kSpinRounds) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(sleep);
      sleep = std::min(sleep * 2, kMaxSleep);
    }
  }
  while (DrainOnce() != 0) {
  }
  FlushAll();
}

}  // namespace privmon
