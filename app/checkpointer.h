// Checkpointer: checkpoints for `run` (docs/operations.md "Checkpoints"), driven from the control
// thread. Restore(): before the pipeline starts, loads the newest usable checkpoint into the
// shards' consumers and resumes each source at its stored position. Periodic(): a cut
// (Pipeline::CutState, an aligned marker cut: no source stops), then, on its worker thread at a
// lower priority (app/checkpoint_worker.h), encodes the shards' copies, waits until the sinks have
// flushed every alert raised before the cut (a checkpoint covers only delivered alerts) and writes
// the file. Final(): after a SIGTERM stop without settling and the sinks' final flush; false when
// no checkpoint became durable (the caller exits non-zero: the pending verdicts are lost). Counts
// into PipelineStats. Not thread-safe: the control thread only.
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/checkpoint_worker.h"
#include "app/tenant_silence.h"
#include "core/config.h"
#include "core/stats.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/message_source.h"
#include "pipeline/pipeline.h"

namespace privmon {

class Checkpointer {
 public:
  // Throws std::runtime_error when the directory cannot be created. With a `fence` (a state
  // partition, README "Running N instances"), every write is fenced (CheckpointStore).
  Checkpointer(const CheckpointSettings& settings, PipelineStats& stats, uint32_t shards,
               const PartitionFence* fence = nullptr);

  // 0: go on (restored, or nothing to restore, or --fresh); 2: checkpoints exist, none usable.
  int Restore(bool fresh, const std::vector<EventConsumer*>& consumers,
              std::vector<std::unique_ptr<MessageSource>>& sources);
  // For a checkpoint without source positions (scan --checkpoint-out): the run that continues from
  // it reads its own sources from their beginning.
  // Checkpoint files already in the directory (onboarding writes into an empty one).
  bool HasCheckpoints() const { return !store_.Sequences().empty(); }
  void WithoutPositions(std::size_t sources) {
    source_names_.assign(sources, "");
    positions_ = false;
  }
  // The per-input tenant clocks Restore() read, for Pipeline::RestoreClockInputs (once).
  std::vector<ClockInputRecord> TakeRestoredClocks() { return std::move(restored_clocks_); }
  // The listings going on at the restored checkpoint and their held marks, for
  // Pipeline::RestoreHeldMarks (once).
  std::vector<HeldMarkRecord> TakeRestoredHeldMarks() { return std::move(restored_held_); }
  // The events the shards held ahead of their tenants' clocks, for Pipeline::RestoreAheadEvents
  // (once).
  std::vector<AheadEventRecord> TakeRestoredAhead() { return std::move(restored_ahead_); }
  // PRIV-OP-01's watches Restore() read, for TenantSilence::Restore (once).
  std::vector<SilenceRecord> TakeRestoredSilences() { return std::move(restored_silences_); }
  // Every checkpoint from now on carries `silence`'s watches (not owned; the control thread's).
  void set_silence(const TenantSilence* silence) { silence_ = silence; }
  // A periodic checkpoint waiting for the sinks gives up once one of `signals` is pending for the
  // process (the control thread handles signals only between checkpoints: breaker round 137, a
  // SIGTERM waited 28 s behind a stalled sink, and a second one could not exit at once).
  void set_interrupt(const sigset_t& signals) { interrupt_ = signals; }
  // Called on the control thread while a periodic cut waits for a shard and one of
  // set_interrupt's signals is pending: the service takes the signal (a SIGTERM starts its stop,
  // which ends the wait). Breaker round 141: a shard blocked on its alert queue behind a stalled
  // sink never saved, and the control thread waited in the cut for ever, SIGTERM unread.
  void set_signal_handler(std::function<void()> handler) { on_signal_ = std::move(handler); }
  bool Due() const { return std::chrono::steady_clock::now() >= next_; }
  void Periodic(Pipeline& pipeline);
  [[nodiscard]] bool Final(Pipeline& pipeline);

 private:
  enum class Flush { kDone, kTimedOut, kInterrupted };
  // Waits until the sinks flushed every alert queued so far; kInterrupted as soon as a signal of
  // set_interrupt is pending.
  Flush WaitForSinks(std::chrono::seconds timeout) const;
  bool SignalPending() const;
  // Alerts a sink failed to deliver (SinkStats::lost, not a PUB's by-design drops) since this
  // process started: a checkpoint past them would lose them for good (DESIGN.md section 10), so
  // none is written once there is one; a restart resumes from the last one and raises them again.
  // Prints why (`what`: "checkpoint" or "final checkpoint") and counts a failure when it refuses.
  bool RefuseAfterLostAlerts(const char* what) const;
  // True once the file is durable.
  bool Write(std::vector<CheckpointShardWriter>& writers, const std::vector<int64_t>& positions,
             std::chrono::steady_clock::time_point cut_started);
  // The shards' writers, emptied: their buffers keep their capacity from one checkpoint to the
  // next (no multi-megabyte allocation, first touch and unmapping per checkpoint) as long as they
  // hold at most kRetainedWriterBytes in all; bigger ones are freed after each checkpoint.
  static constexpr std::size_t kRetainedWriterBytes = 64u << 20;
  std::vector<CheckpointShardWriter>& MakeWriters();

  CheckpointStore store_;
  std::chrono::seconds interval_;
  PipelineStats& stats_;
  uint32_t shards_;
  std::vector<std::string> source_names_;
  std::chrono::steady_clock::time_point next_;
  bool positions_ = true;
  std::vector<ClockInputRecord> restored_clocks_;
  std::vector<HeldMarkRecord> restored_held_;
  std::vector<SilenceRecord> restored_silences_;
  std::vector<AheadEventRecord> restored_ahead_;
  const TenantSilence* silence_ = nullptr;
  std::optional<sigset_t> interrupt_;
  std::function<void()> on_signal_;
  std::vector<CheckpointShardWriter> writers_;
  CheckpointWorker worker_;  // encodes and writes each periodic checkpoint after its cut
};

}  // namespace privmon
