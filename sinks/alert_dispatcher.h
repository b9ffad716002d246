// AlertDispatcher: the sink thread. It is the single consumer of every shard's alert queue (one
// SPSC queue per shard, the shard its single producer), formats each alert once and hands the
// line to every sink's SinkWorker (each with its own bounded queue and thread). When a sink's
// queue is full the dispatcher waits (privmon_sink_backpressure_waits_total{sink}), the shard
// queues fill and the pipeline slows: a stuck sink is visible, never silent. Idle cost: a few
// yields, then, with DispatcherOptions::wake (its producers notify it), a futex wait once every
// sink acknowledged what it was handed; otherwise (or until then) 200us-1ms sleeps. Start/Stop from
// one control thread. BeginShutdown starts the bounded drain: a sink that makes no progress for
// drain_timeout has what it cannot take counted as dropped instead of holding the pipeline. Stop()
// assumes the producers have stopped pushing, drains what is queued (until the deadline), joins the
// sink workers and reports every loss.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/alert.h"
#include "core/stats.h"
#include "pipeline/event_count.h"
#include "pipeline/spsc_queue.h"
#include "sinks/alert_format.h"
#include "sinks/alert_output.h"
#include "sinks/sink_worker.h"

namespace privmon {

struct DispatcherOptions {
  SinkPolicy sink;
  // After BeginShutdown/Stop: how long a sink may make no progress before what it holds is
  // counted as dropped.
  std::chrono::milliseconds drain_timeout{5000};
  // Every producer of every queue calls wake->Notify() after each push: the idle dispatcher then
  // parks on it instead of sleeping in short rounds. Null: it polls. Must outlive the dispatcher.
  EventCount* wake = nullptr;
};

class AlertDispatcher {
 public:
  // Queues must outlive the dispatcher. With `stats`, one SinkStats per output is appended to
  // stats->sinks (labels "stdout", "file", "file_2", ...); without, the dispatcher keeps its own.
  // Starts the threads.
  AlertDispatcher(std::vector<SpscQueue<Alert>*> queues,
                  std::vector<std::unique_ptr<AlertOutput>> outputs, PipelineStats* stats,
                  DispatcherOptions options = {});
  ~AlertDispatcher();  // Stop()

  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Any thread: from now on, nothing waits longer than drain_timeout for a stuck sink.
  // Idempotent.
  void BeginShutdown();
  // Drains every queue, writes what the sinks take before the deadline, joins. Idempotent.
  void Stop();
  // Any thread: every file output reopens its path before its next write (SIGHUP, logrotate).
  void ReopenOutputs();

  // Alerts that a sink failed to deliver (errors, timeouts; not PUB's by-design drops).
  uint64_t lost() const;
  const std::deque<SinkStats>& sink_stats() const { return *sink_stats_; }

 private:
  void Run(std::stop_token stop);
  std::size_t DrainOnce();  // pops up to a batch from each queue; returns the number handed out
  void Hand(SinkWorker& sink, std::string_view line);
  // "<tenant>\x1f<line>" for sinks keyed by tenant (Kafka), in keyed_.
  std::string_view KeyedLine(const Alert& alert, std::string_view line);
  // Publishes how many alerts every sink is done with; true when that is all it was handed.
  bool PublishAcknowledged();
  bool QueuesEmpty() const;

  std::vector<SpscQueue<Alert>*> queues_;
  DispatcherOptions options_;
  std::deque<SinkStats> own_stats_;  // used when no PipelineStats is given
  PipelineStats* stats_;             // may be null (tests)
  std::deque<SinkStats>* sink_stats_;
  uint64_t handed_total_ = 0;  // alerts handed to every sink; dispatcher thread, then Stop()
  std::vector<std::unique_ptr<SinkWorker>> sinks_;
  std::atomic<bool> shutting_down_{false};
  std::string keyed_;  // KeyedLine's buffer (grows to the longest line, then reused)
  AlertLines lines_;   // each alert formatted once per format its sinks use; sink thread only
  std::jthread thread_;
};

}  // namespace privmon
