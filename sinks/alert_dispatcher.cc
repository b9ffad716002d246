#include "sinks/alert_dispatcher.h"

#include <algorithm>
#include <cstdio>

#include "core/config.h"

namespace privmon {
namespace {

constexpr std::size_t kBatch = 256;  // per queue per round, so one busy shard cannot starve others
constexpr int kSpinRounds = 16;      // idle rounds with yield() before sleeping
constexpr auto kMinSleep = std::chrono::microseconds(200);
constexpr auto kMaxSleep = std::chrono::microseconds(1000);

// The output's name (from the config: its `name`, else "file", "file_2"...), else by kind: "file",
// then "file_2", "file_3" for further sinks of the same kind.
std::string SinkLabel(const std::vector<std::unique_ptr<AlertOutput>>& outputs, std::size_t i) {
  if (!outputs[i]->name().empty()) return outputs[i]->name();
  std::size_t same = 0;
  for (std::size_t j = 0; j < i; ++j) same += outputs[j]->kind() == outputs[i]->kind() ? 1 : 0;
  return DefaultSinkName(outputs[i]->kind(), same);
}

}  // namespace

AlertDispatcher::AlertDispatcher(std::vector<SpscQueue<Alert>*> queues,
                                 std::vector<std::unique_ptr<AlertOutput>> outputs,
                                 PipelineStats* stats, DispatcherOptions options)
    : queues_(std::move(queues)),
      options_(options),
      stats_(stats),
      sink_stats_(stats != nullptr ? &stats->sinks : &own_stats_) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    SinkStats& s = sink_stats_->emplace_back();
    s.name = SinkLabel(outputs, i);
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    sinks_.push_back(std::make_unique<SinkWorker>(
        std::move(outputs[i]), (*sink_stats_)[sink_stats_->size() - outputs.size() + i],
        options_.sink));
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

AlertDispatcher::~AlertDispatcher() { Stop(); }

void AlertDispatcher::BeginShutdown() {
  if (shutting_down_.exchange(true)) return;
  for (auto& sink : sinks_) sink->StartShutdownGrace(options_.drain_timeout);
}

void AlertDispatcher::Stop() {
  if (!thread_.joinable()) return;
  BeginShutdown();
  thread_.request_stop();
  if (options_.wake != nullptr) options_.wake->Notify();
  thread_.join();
  for (auto& sink : sinks_) sink->Finish();
  // The sinks wrote their last lines after the loop's last count: a final checkpoint waits on this.
  PublishAcknowledged();
  // Alerts a PUB sink dropped by design (no subscriber, or one at its high-water mark) are no
  // delivery failure (README "Metrics": exit status unchanged), but the run ends saying how many,
  // as loud as the lost alerts of a file or stdout sink: its notices may be long scrolled away.
  for (const SinkStats& s : *sink_stats_) {
    const uint64_t dropped = s.dropped.load(std::memory_order_relaxed);
    const uint64_t failed = s.lost.load(std::memory_order_relaxed);
    // Every alert this sink lost, whatever the cause (queued when it failed, handed to it after,
    // unacknowledged or past the grace at shutdown): the lines sum to the total below.
    if (failed != 0) {
      std::fprintf(stderr,
                   "privmon: sink %s: %llu alert(s) NOT delivered (all this sink lost), counted "
                   "in privmon_alerts_dropped_total{sink=\"%s\"}\n",
                   s.name.c_str(), static_cast<unsigned long long>(failed), s.name.c_str());
    }
    if (dropped > failed) {
      std::fprintf(stderr,
                   "privmon: warning: sink %s dropped %llu alert(s) no subscriber took (ZeroMQ "
                   "PUB: none connected, or one stopped reading); counted in "
                   "privmon_alerts_dropped_total{sink=\"%s\"}\n",
                   s.name.c_str(), static_cast<unsigned long long>(dropped - failed),
                   s.name.c_str());
    }
  }
  const uint64_t n = lost();
  if (n != 0) {
    std::fprintf(stderr,
                 "privmon: %llu alert delivery(ies) failed in total (the sum of the sinks' NOT "
                 "delivered lines: an alert two sinks lost counts twice); see "
                 "privmon_alerts_dropped_total and privmon_sink_errors_total\n",
                 static_cast<unsigned long long>(n));
  }
}

void AlertDispatcher::ReopenOutputs() {
  for (auto& sink : sinks_) sink->RequestReopen();
}

uint64_t AlertDispatcher::lost() const {
  uint64_t n = 0;
  for (const SinkStats& s : *sink_stats_) n += s.lost.load(std::memory_order_relaxed);
  return n;
}

std::string_view AlertDispatcher::KeyedLine(const Alert& alert, std::string_view line) {
  const std::string_view tenant = alert.tenant_id.view();
  keyed_.clear();
  // A tenant that could break the framing (never a GUID) goes unkeyed.
  if (tenant.find_first_of("\n\x1f") == std::string_view::npos) {
    keyed_.append(tenant);
    keyed_.push_back(kTenantKeySeparator);
  }
  keyed_.append(line);
  return keyed_;
}

void AlertDispatcher::Hand(SinkWorker& sink, std::string_view line) {
  if (sink.TryPush(line)) return;
  sink.CountBackpressureWait();
  auto sleep = kMinSleep;
  while (!sink.TryPush(line)) {
    if (shutting_down_.load(std::memory_order_relaxed) && sink.PastDeadline()) {
      sink.CountLost(1);
      return;
    }
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, kMaxSleep);
  }
}

std::size_t AlertDispatcher::DrainOnce() {
  std::size_t handed = 0;
  Alert alert;
  for (SpscQueue<Alert>* q : queues_) {
    for (std::size_t i = 0; i < kBatch && q->pop(alert); ++i) {
      lines_.Reset();  // each alert formatted once per format its sinks use
      for (auto& sink : sinks_) {
        const std::string_view line = lines_.Get(alert, sink->format());
        Hand(*sink, sink->keyed_by_tenant() ? KeyedLine(alert, line) : line);
      }
      ++handed;
    }
  }
  handed_total_ += handed;
  PublishAcknowledged();
  return handed;
}

// Checkpoints cover only alerts the sinks are done with (DESIGN.md section 10): an alert is
// acknowledged once every sink has written it (its last byte handed to the kernel) or counted it
// as dropped.
bool AlertDispatcher::PublishAcknowledged() {
  uint64_t done = handed_total_;
  const std::size_t first = sink_stats_->size() - sinks_.size();
  for (std::size_t i = first; i < sink_stats_->size(); ++i) {
    const SinkStats& s = (*sink_stats_)[i];
    done = std::min<uint64_t>(done, s.written.load(std::memory_order_acquire) +
                                        s.dropped.load(std::memory_order_acquire));
  }
  if (stats_ != nullptr) stats_->alerts_flushed.store(done, std::memory_order_release);
  return done == handed_total_;
}

bool AlertDispatcher::QueuesEmpty() const {
  for (const SpscQueue<Alert>* q : queues_) {
    if (q->read_available() != 0) return false;
  }
  return true;
}

void AlertDispatcher::Run(std::stop_token stop) {
  int idle_rounds = 0;
  auto sleep = kMinSleep;
  while (!stop.stop_requested()) {
    if (DrainOnce() != 0) {
      idle_rounds = 0;
      sleep = kMinSleep;
      continue;
    }
    const bool acknowledged = PublishAcknowledged();
    if (++idle_rounds <= kSpinRounds) {
      std::this_thread::yield();
    } else if (options_.wake != nullptr && acknowledged) {
      // Nothing queued and nothing left to acknowledge: park until a producer pushes (or Stop).
      const uint32_t key = options_.wake->PrepareWait();
      if (!QueuesEmpty() || stop.stop_requested()) {
        options_.wake->CancelWait();
      } else {
        options_.wake->Wait(key, std::chrono::milliseconds(100));
      }
    } else {
      std::this_thread::sleep_for(sleep);
      sleep = std::min(sleep * 2, kMaxSleep);
    }
  }
  while (DrainOnce() != 0) {
  }
}

}  // namespace privmon
