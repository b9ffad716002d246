// SinkWorker: one alert output behind its own bounded queue (a LineRing) and thread. The
// dispatcher thread pushes formatted lines (TryPush fails when the queue is full: back-pressure,
// counted by the dispatcher); the worker writes them and counts each alert as written only once
// its last byte is out. A failed write is counted (privmon_sink_errors_total), logged once per
// burst and retried with exponential backoff (10 ms to 1 s) from the exact byte where it stopped;
// an error a retry cannot cure (EPIPE...), or any error under fail_fast, fails the sink for good:
// what it holds and everything pushed later is counted as dropped, loudly. After
// StartShutdownGrace a sink that makes no progress for the grace period has what it holds counted
// as dropped (lost), so shutdown never hangs on a stuck sink. An output whose writes are deferred
// (Kafka) has a line counted as written only when its delivery report says so, as lost when it
// gives up; until then the line counts as neither (checkpoints wait for it); a failed delivery
// report makes the sink failing (/readyz) until a later one succeeds. An idle worker
// spins briefly, then parks on an EventCount that TryPush, RequestReopen and Finish notify (100 ms
// slices): at rest it costs nothing, and a pushed line is written at once. Thread contract:
// TryPush/CountLost/CountBackpressureWait from one producer thread;
// StartShutdownGrace/RequestReopen/Finish from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/stats.h"
#include "pipeline/event_count.h"
#include "sinks/alert_output.h"
#include "sinks/line_ring.h"

namespace privmon {

struct SinkPolicy {
  std::size_t queue_bytes = 4u << 20;  // the ring's capacity (about 4,000 alerts)
  bool fail_fast = false;              // scan: the first write error fails the sink
  // Holding alerts this long without delivering one is said once on stderr (and again when it
  // delivers); tests shorten it.
  std::chrono::milliseconds stall_after{kSinkStallSeconds * 1000};
};

class SinkWorker {
 public:
  using Clock = std::chrono::steady_clock;

  // `stats` must outlive the worker. Starts the thread.
  SinkWorker(std::unique_ptr<AlertOutput> output, SinkStats& stats, SinkPolicy policy);
  ~SinkWorker();  // Finish()
  SinkWorker(const SinkWorker&) = delete;
  SinkWorker& operator=(const SinkWorker&) = delete;

  // Producer thread. Queues one whole line (ending '\n'); false when the queue is full. A failed
  // sink takes every line (and counts it as dropped).
  bool TryPush(std::string_view line);
  // Producer thread: `n` alerts the producer gave up on (queue full past the deadline).
  void CountLost(uint64_t n);
  // Producer thread: the producer found the queue full and is waiting.
  void CountBackpressureWait() { Bump(stats_.backpressure_waits); }

  // Shutdown: from now on, once the sink has made no progress for `grace` (a slow sink that keeps
  // writing is waited for; a stuck one is not), what it holds is counted as dropped. Idempotent.
  void StartShutdownGrace(std::chrono::milliseconds grace);
  // True once StartShutdownGrace was called and the sink has been stuck for the grace period.
  bool PastDeadline() const;
  // Asks the worker to reopen its output (SIGHUP, logrotate) before its next write.
  void RequestReopen() {
    reopen_.store(true, std::memory_order_release);
    wake_.Notify();
  }
  // Writes what is queued (within the shutdown grace, default 5 s), counts the rest as dropped,
  // joins.
  // Idempotent.
  void Finish();

  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // The line format its output wants (fixed at start-up; read by the producer).
  AlertFormat format() const { return format_; }
  // Lines are pushed as "<tenant>\x1f<line>" (the output keys messages by tenant; fixed).
  bool keyed_by_tenant() const { return keyed_; }
  const std::string& name() const { return stats_.name; }

 private:
  void Run(std::stop_token stop);
  // Writes from the ring until it is empty or a write fails; false on failure or not-ready.
  bool WriteSome();
  void OnError(int error);
  void Fail(int error);
  void DropQueued();  // counts every queued line as dropped (lost) and empties the ring
  void CountCompletedLines(std::string_view bytes, bool dropped);
  // Deferred writes (Kafka): counts the fates the output learnt; true when it learnt any.
  bool CollectAcknowledgements(std::chrono::milliseconds wait);
  // Shutdown: waits for the output's unacknowledged lines until the grace runs out, then gives
  // them up (counted as lost).
  void SettleUnacknowledged();
  // Keeps SinkStats::waiting_since_us: cleared when nothing is held, moved on when an alert was
  // delivered since the last call; says a stall (policy_.stall_after) and its end on stderr.
  // Worker thread, once a loop round; a clock read only while it holds alerts.
  void TrackWaiting();

  std::unique_ptr<AlertOutput> output_;
  AlertFormat format_;
  bool keyed_;
  SinkStats& stats_;
  const SinkPolicy policy_;
  LineRing ring_;
  std::string scratch_;  // one line that wraps around the ring's end; worker thread only
  std::atomic<bool> failed_{false};
  std::atomic<bool> reopen_{false};
  std::atomic<int64_t> grace_ns_{-1};    // -1 = not shutting down
  std::atomic<int64_t> progress_ns_{0};  // Clock epoch ns: shutdown start or last write
  uint64_t burst_errors_ = 0;            // worker thread only
  uint64_t written_seen_ = 0;            // stats_.written at the last TrackWaiting; worker only
  bool stall_said_ = false;              // the stall was said on stderr; worker only
  EventCount wake_;                      // the idle worker parks here
  std::jthread thread_;
};

}  // namespace privmon
