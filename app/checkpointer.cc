#include "app/checkpointer.h"

#include <cstdio>
#include <thread>

#include "state/checkpoint_codec.h"

namespace privmon {
namespace {

int64_t WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Checkpointer::Checkpointer(const CheckpointSettings& settings, PipelineStats& stats,
                           uint32_t shards, const PartitionFence* fence)
    : store_(settings.dir, fence),
      interval_(settings.interval_s),
      stats_(stats),
      shards_(shards),
      next_(std::chrono::steady_clock::now() + interval_) {}

int Checkpointer::Restore(bool fresh, const std::vector<EventConsumer*>& consumers,
                          std::vector<std::unique_ptr<MessageSource>>& sources) {
  source_names_.clear();
  for (const auto& s : sources) source_names_.push_back(s->name());
  if (fresh) {
    std::fprintf(stderr,
                 "privmon: --fresh: starting with empty state (checkpoints in %s ignored)\n",
                 store_.dir().c_str());
    return 0;
  }
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  const auto found = store_.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes);
  for (const auto& n : notes) {
    std::fprintf(stderr, "privmon: checkpoint %s; falling back to the previous one\n", n.c_str());
  }
  if (found == CheckpointStore::Found::kNone) {
    std::fprintf(stderr, "privmon: no checkpoint in %s: starting with empty state\n",
                 store_.dir().c_str());
    return 0;
  }
  if (found == CheckpointStore::Found::kNoneUsable) {
    std::fprintf(stderr,
                 "privmon: %s holds checkpoints but none is usable; refusing to start with empty "
                 "state (run --fresh to start empty on purpose)\n",
                 store_.dir().c_str());
    return 2;
  }
  if (std::string error = RestoreCheckpoint(cp, consumers, &restored_clocks_, &restored_held_,
                                            &restored_silences_, &restored_ahead_);
      !error.empty()) {
    std::fprintf(
        stderr,
        "privmon: checkpoint %s cannot be restored: %s (run --fresh to start empty on purpose)\n",
        path.c_str(), error.c_str());
    return 2;
  }
  // Sources resume by order and name; one that moved, shrank or is new starts from its beginning.
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const bool stored = i < cp.header.sources.size() &&
                        cp.header.sources[i].name == sources[i]->name() &&
                        cp.header.sources[i].offset >= 0;
    if (!stored) continue;
    const int64_t offset = cp.header.sources[i].offset;
    if (!sources[i]->Resume(offset)) {
      std::fprintf(stderr,
                   "privmon: source %s: cannot resume at byte %lld (missing, shorter now, or no "
                   "line ends there: replaced or truncated while stopped); reading it from its "
                   "beginning\n",
                   sources[i]->name().c_str(), static_cast<long long>(offset));
    }
  }
  stats_.checkpoints.last_written_us.store(cp.header.written_us, std::memory_order_relaxed);
  stats_.checkpoints.bytes.store(static_cast<int64_t>(bytes.size()), std::memory_order_relaxed);
  std::fprintf(stderr, "privmon: restored %s (%zu bytes, written by %u shard(s))\n", path.c_str(),
               bytes.size(), cp.header.shards);
  return 0;
}

std::vector<CheckpointShardWriter>& Checkpointer::MakeWriters() {
  if (writers_.size() != shards_) {
    writers_.clear();
    writers_.reserve(shards_);
    for (uint32_t s = 0; s < shards_; ++s) writers_.emplace_back(static_cast<uint16_t>(s));
  }
  for (CheckpointShardWriter& w : writers_) w.Clear();
  return writers_;
}

bool Checkpointer::SignalPending() const {
  if (!interrupt_) return false;
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&*interrupt_, sig) == 1 && sigismember(&pending, sig) == 1) return true;
  }
  return false;
}

Checkpointer::Flush Checkpointer::WaitForSinks(std::chrono::seconds timeout) const {
  uint64_t queued = 0;
  for (const ShardStats& s : stats_.shards)
    queued += s.alerts_queued.load(std::memory_order_relaxed);
  queued += stats_.operations.alerts_queued.load(std::memory_order_relaxed);  // PRIV-OP-01
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (uint32_t round = 0; stats_.alerts_flushed.load(std::memory_order_acquire) < queued;
       ++round) {
    if (std::chrono::steady_clock::now() > give_up) return Flush::kTimedOut;
    if (round % 10 == 0 && SignalPending()) return Flush::kInterrupted;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Flush::kDone;
}

bool Checkpointer::RefuseAfterLostAlerts(const char* what) const {
  uint64_t lost = 0;
  for (const SinkStats& s : stats_.sinks) lost += s.lost.load(std::memory_order_acquire);
  if (lost == 0) return false;
  Bump(stats_.checkpoints.failures);
  std::fprintf(stderr,
               "privmon: %s skipped: %llu alert(s) were NOT delivered by a failing sink; the last "
               "checkpoint stays, so a restart resumes from it and raises them again\n",
               what, static_cast<unsigned long long>(lost));
  return true;
}

void Checkpointer::Periodic(Pipeline& pipeline) {
  next_ = std::chrono::steady_clock::now() + interval_;
  const auto started = std::chrono::steady_clock::now();
  auto& writers = MakeWriters();
  std::vector<int64_t> positions;
  double pause_s = 0;
  std::function<void()> while_waiting;
  if (on_signal_) {
    while_waiting = [this] {
      if (SignalPending()) on_signal_();
    };
  }
  if (!pipeline.CutState(writers, &positions, &pause_s, while_waiting)) {  // over or stopping
    pipeline.EncodeCut(writers, false);
    return;
  }
  // PRIV-OP-01's watches, as the control thread holds them at the cut (it polls them itself).
  if (silence_ != nullptr) silence_->Save(writers[0], WallUs());
  stats_.checkpoints.pause.Observe(pause_s);
  // The sources run again: the rest is done at the worker's lower priority (checkpoint_worker.h).
  bool written = false;
  worker_.Run([&] {
    pipeline.EncodeCut(writers, true);
    // The shards saved: every alert they raised before the cut is counted in alerts_queued.
    const Flush flush = WaitForSinks(std::chrono::seconds(30));
    if (flush == Flush::kInterrupted) {  // the signal first; the next checkpoint (or the final)
      std::fprintf(stderr,
                   "privmon: checkpoint abandoned: a signal came while the sinks had not flushed "
                   "the alerts before the cut\n");
      return;
    }
    if (flush == Flush::kTimedOut) {
      Bump(stats_.checkpoints.failures);
      std::fprintf(stderr,
                   "privmon: checkpoint skipped: the sinks did not flush the alerts before the "
                   "cut within 30 s\n");
      return;
    }
    if (RefuseAfterLostAlerts("checkpoint")) return;
    written = Write(writers, positions, started);
  });
  if (written && positions_) pipeline.SourcesCovered(positions);
  // Small checkpoints keep their buffers for the next one; big ones (many accounts) give the
  // memory back rather than hold the file's size between checkpoints.
  std::size_t held = 0;
  for (const CheckpointShardWriter& w : writers_) held += w.capacity();
  if (held > kRetainedWriterBytes) writers_.clear();
}

bool Checkpointer::Final(Pipeline& pipeline) {
  const auto started = std::chrono::steady_clock::now();
  auto& writers = MakeWriters();
  std::vector<int64_t> positions;
  pipeline.SaveStopped(writers, &positions);
  if (silence_ != nullptr) silence_->Save(writers[0], WallUs());
  // The sinks were stopped (drained) before this; a short grace lets the last flush counts land.
  const Flush flush = WaitForSinks(std::chrono::seconds(10));
  if (flush == Flush::kInterrupted) {
    Bump(stats_.checkpoints.failures);
    std::fprintf(stderr, "privmon: final checkpoint skipped: a second signal came first\n");
    return false;
  }
  if (flush == Flush::kTimedOut) {
    Bump(stats_.checkpoints.failures);
    std::fprintf(stderr, "privmon: final checkpoint skipped: alerts not flushed to the sinks\n");
    return false;
  }
  if (RefuseAfterLostAlerts("final checkpoint")) return false;
  if (!Write(writers, positions, started)) return false;
  if (positions_) pipeline.SourcesCovered(positions);
  return true;
}

bool Checkpointer::Write(std::vector<CheckpointShardWriter>& writers,
                         const std::vector<int64_t>& positions,
                         std::chrono::steady_clock::time_point cut_started) {
  CheckpointHeader h;
  h.layout = kStateLayout;
  h.shards = shards_;
  h.sequence = store_.next_sequence();
  h.written_us = WallUs();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    h.sources.push_back(
        {i < source_names_.size() ? source_names_[i] : "", positions_ ? positions[i] : -1});
  }
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : writers) parts.push_back(&w);
  // The file as pieces (EncodeCheckpointHeader): the header, then each partition's buffers.
  const std::string header = EncodeCheckpointHeader(h, parts);
  std::vector<std::string_view> pieces{header};
  std::size_t size = header.size();
  for (uint32_t p = 0; p < kCheckpointPartitions; ++p) {
    for (const auto* w : parts) {
      pieces.push_back(w->partitions()[p]);
      size += w->partitions()[p].size();
    }
  }
  if (std::string error = store_.Write(pieces); !error.empty()) {
    Bump(stats_.checkpoints.failures);
    if (store_.last_write_fenced()) {
      Bump(stats_.checkpoints.fenced);
      std::fprintf(stderr, "privmon: checkpoint REFUSED (%s): this process lost the partition\n",
                   error.c_str());
      return false;
    }
    std::fprintf(stderr, "privmon: checkpoint not written: %s\n", error.c_str());
    return false;
  }
  stats_.checkpoints.last_written_us.store(h.written_us, std::memory_order_relaxed);
  stats_.checkpoints.bytes.store(static_cast<int64_t>(size), std::memory_order_relaxed);
  stats_.checkpoints.duration.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - cut_started).count());
  return true;
}

}  // namespace privmon
