// AlertDispatcher: the sink thread. It is the single consumer of every shard's alert queue (one
// SPSC queue per shard, the shard its single producer), formats each alert once and writes the
// line to every output, which it owns. Idle cost: a few yields, then 200us-1ms sleeps. Outputs are
// flushed whenever the queues run dry. Start/Stop from one control thread; Stop() assumes the
// producers have stopped pushing, then drains what is queued, flushes and joins (no alert lost).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/alert.h"
#include "core/stats.h"
#include "pipeline/spsc_queue.h"
#include "sinks/alert_format.h"
#include "sinks/alert_output.h"

namespace privmon {

class AlertDispatcher {
 public:
  // Queues and stats must outlive the dispatcher; stats may be null. Starts the thread.
  AlertDispatcher(std::vector<SpscQueue<Alert>*> queues,
                  std::vector<std::unique_ptr<AlertOutput>> outputs, PipelineStats* stats);
  ~AlertDispatcher();  // Stop()

  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Drains every queue, flushes every output and joins. Idempotent.
  void Stop();

 private:
  void Run(std::stop_token stop);
  std::size_t DrainOnce();  // pops up to a batch from each queue; returns the number written
  void FlushAll();

  std::vector<SpscQueue<Alert>*> queues_;
  std::vector<std::unique_ptr<AlertOutput>> outputs_;
  PipelineStats* stats_;
  uint64_t written_total_ = 0;  // lines written so far (stats->alerts_flushed after a flush)
  AlertLines lines_;  // each alert formatted once per format its outputs use; sink thread only
  std::jthread thread_;
};

}  // namespace privmon
