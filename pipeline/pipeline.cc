#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>

#include "parsers/record_parser.h"
#include "pipeline/clock.h"
#include "pipeline/router.h"
#include "pipeline/source_fanout.h"
#include "pipeline/wake_batch.h"

namespace privmon {

uint32_t ResolveParserCount(uint32_t configured, std::size_t sources) {
  return std::max<uint32_t>(
      1, std::min<uint32_t>(std::max(1u, configured), static_cast<uint32_t>(sources)));
}

uint32_t ResolveShardCount(uint32_t configured) {
  if (configured != 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

Pipeline::Pipeline(std::shared_ptr<const CompiledConfig> config,
                   std::vector<std::unique_ptr<MessageSource>> sources,
                   std::vector<std::unique_ptr<EventConsumer>> consumers, PipelineStats& stats,
                   RejectSink* rejects, bool checkpoints, StatsSlots slots)
    : config_(std::move(config)),
      shards_(static_cast<uint32_t>(consumers.size())),
      parsers_(ResolveParserCount(config_->pipeline.parse_threads, sources.size())),
      lateness_us_(config_->pipeline.allowed_lateness_s * kMicrosPerSecond),
      consumers_(std::move(consumers)),
      progress_(std::make_unique<ParserProgress[]>(parsers_)),
      stats_(stats),
      slots_(slots),
      rejects_(rejects) {
  // A fanned-out source is read ahead of its lanes: it has no position a cut could name.
  if (sources.size() == 1 && parsers_ > 1 && !checkpoints) {
    sources = FanOutSource(std::move(sources[0]), parsers_, 256,
                           config_->pipeline.max_inflight_bytes, &stats_);
    fanned_out_ = true;
  }
  source_count_ = sources.size();
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const uint32_t inputs = std::max(1u, sources[i]->clock_inputs());
    if (fanned_out_ && i > 0) {  // lanes share the one source's clock inputs
      clock_base_.push_back(0);
      clock_inputs_.push_back(inputs);
      continue;
    }
    clock_base_.push_back(static_cast<uint32_t>(clock_owner_.size()));
    clock_inputs_.push_back(inputs);
    clock_owner_.insert(clock_owner_.end(), inputs, static_cast<uint32_t>(i));
  }
  if (clock_owner_.empty()) clock_owner_.push_back(0);
  source_progress_ = std::make_unique<SourceProgress[]>(std::max<std::size_t>(1, source_count_));
  source_position_ =
      std::make_unique<std::atomic<int64_t>[]>(std::max<std::size_t>(1, source_count_));
  for (std::size_t i = 0; i < source_count_; ++i) source_position_[i].store(sources[i]->Position());
  shard_cut_epoch_ = std::make_unique<std::atomic<uint64_t>[]>(shards_);
  shard_wake_ = std::make_unique<EventCount[]>(shards_);
  sources_by_parser_.resize(parsers_);
  source_ids_by_parser_.resize(parsers_);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    sources_by_parser_[i % parsers_].push_back(std::move(sources[i]));
    source_ids_by_parser_[i % parsers_].push_back(i);
  }
  queues_.reserve(static_cast<std::size_t>(parsers_) * shards_);
  for (uint32_t i = 0; i < parsers_ * shards_; ++i) {
    queues_.push_back(std::make_unique<ShardQueue>(config_->pipeline.queue_capacity));
  }
}

Pipeline::~Pipeline() {
  RequestStop();
  Wait();
}

void Pipeline::Start() {
  started_ = true;
  for (uint32_t s = 0; s < shards_; ++s) threads_.emplace_back([this, s] { ShardLoop(s); });
  for (uint32_t p = 0; p < parsers_; ++p) {
    // The sources stay the pipeline's: a checkpoint made after the parse threads ended still
    // tells them what it covers (SourcesCovered).
    threads_.emplace_back(
        [this, p] { ParseLoop(p, sources_by_parser_[p], source_ids_by_parser_[p]); });
  }
}

void Pipeline::Wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Pipeline::PublishConfig(std::shared_ptr<const CompiledConfig> config) {
  {
    std::lock_guard<std::mutex> lock(config_mutex_);
    pending_config_ = std::move(config);
  }
  config_generation_.fetch_add(1, std::memory_order_release);
  Signal();
}

void Pipeline::Signal() {
  signals_.fetch_add(1, std::memory_order_release);
  WakeShards();
  parser_wake_.Notify();
  control_wake_.Notify();
}

bool Pipeline::ParsersPausedFor(uint64_t epoch) const {
  for (uint32_t p = 0; p < parsers_; ++p) {
    if (progress_[p].paused_epoch.load(std::memory_order_acquire) < epoch &&
        !progress_[p].done.load(std::memory_order_acquire)) {
      return false;
    }
  }
  return true;
}

void Pipeline::NotePositions(const std::vector<std::unique_ptr<MessageSource>>& sources,
                             const std::vector<std::size_t>& source_ids) {
  for (std::size_t i = 0; i < sources.size(); ++i) {
    source_position_[source_ids[i]].store(sources[i]->Position(), std::memory_order_relaxed);
  }
}

void Pipeline::SourcesCovered(const std::vector<int64_t>& positions) {
  for (uint32_t p = 0; p < parsers_; ++p) {
    for (std::size_t i = 0; i < sources_by_parser_[p].size(); ++i) {
      const std::size_t id = source_ids_by_parser_[p][i];
      if (id < positions.size() && positions[id] >= 0) {
        sources_by_parser_[p][i]->Covered(positions[id]);
      }
    }
  }
}

bool Pipeline::Cut(std::vector<CheckpointShardWriter>& writers, std::vector<int64_t>* positions,
                   double* pause_s) {
  const auto start = std::chrono::steady_clock::now();
  cut_writers_ = &writers;
  const uint64_t epoch = cut_epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
  Signal();
  // Wait for every shard to save or to finish (kShardFinished): none may still be about to write
  // into `writers` when this returns.
  bool ok = true;
  for (uint32_t s = 0; s < shards_; ++s) {
    AwaitUntil(
        control_wake_, [&] { return shard_cut_epoch_[s].load(std::memory_order_acquire) >= epoch; },
        std::chrono::steady_clock::time_point::max());
    // Input over or stopping: not a cut of live state.
    ok = ok && shard_cut_epoch_[s].load(std::memory_order_acquire) != kShardFinished;
  }
  // Every parse thread noted its positions before pausing (acquire: paused_epoch, done).
  positions->assign(source_count_, -1);
  for (std::size_t i = 0; i < source_count_; ++i) {
    (*positions)[i] = source_position_[i].load(std::memory_order_relaxed);
  }
  resume_epoch_.store(epoch, std::memory_order_release);
  parser_wake_.Notify();
  *pause_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ok;
}

void Pipeline::SaveStopped(std::vector<CheckpointShardWriter>& writers,
                           std::vector<int64_t>* positions) {
  for (uint32_t s = 0; s < shards_; ++s) consumers_[s]->SaveState(writers[s]);
  for (const ClockInputRecord& r : final_clocks_) {
    writers[0].Add(kCheckpointClockInputTag, CheckpointRoute::kByOrigin, r.tenant,
                   EncodeClockInput(r));
  }
  positions->assign(source_count_, -1);
  for (std::size_t i = 0; i < source_count_; ++i) {
    (*positions)[i] = source_position_[i].load(std::memory_order_acquire);
  }
}

void Pipeline::Push(uint32_t parser, uint32_t shard, const Event& e, uint8_t roles) {
  auto& q = Queue(parser, shard);
  if (q.push(e, roles)) return;
  auto& waits = stats_.parsers[slots_.parser_base + parser].backpressure_waits[shard];
  Bump(waits);
  // The full queue's shard may be parked (wakes are batched: pipeline/wake_batch.h), and so may
  // others holding part of a batch while this thread waits.
  WakeShards();
  while (!q.push(e, roles)) {
    AwaitUntil(
        parser_wake_, [&] { return q.write_available() > 0; },
        std::chrono::steady_clock::time_point::max());
  }
}

void Pipeline::PushMark(uint32_t parser, const ProgressMark& mark) {
  // A mark goes to every shard: each owns some of the tenant's accounts, or may come to.
  Event e;
  e.tenant_hash = mark.tenant_hash;
  e.time = mark.newest;
  e.sequence = mark.source;
  for (uint32_t s = 0; s < shards_; ++s) Push(parser, s, e, mark.input ? kInputMarkRoles : 0);
}

bool Pipeline::Released(uint64_t n) const {
  // The fan-out reader deals messages round robin: lane l gets sequences l, l + P, l + 2P, ...
  for (uint32_t l = 0; l < parsers_; ++l) {
    if (n <= l) continue;  // lane l was given nothing before n
    if (progress_[l].pushing_done.load(std::memory_order_acquire)) continue;
    const uint64_t before = n - 1 - ((n - 1 - l) % parsers_);
    if (progress_[l].pushed_through.load(std::memory_order_acquire) <
        static_cast<int64_t>(before)) {
      return false;
    }
  }
  return true;
}

void Pipeline::ParseLoop(uint32_t parser, std::vector<std::unique_ptr<MessageSource>>& sources,
                         const std::vector<std::size_t>& source_ids) {
  RecordParser record_parser(config_->pipeline.max_message_bytes);
  ParserStats& pstats = stats_.parsers[slots_.parser_base + parser];
  std::vector<bool> ended(sources.size(), false);
  std::size_t live = sources.size();
  uint64_t sequence = 0;
  RawMessage raw;
  std::vector<SourceStats*> source_stats(sources.size(), nullptr);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (auto& s : stats_.sources) {
      if (s.name == sources[i]->name()) source_stats[i] = &s;
    }
  }
  const PipelineSettings& settings = config_->pipeline;
  // Marks are sent when a tenant moved by a tenth of the lateness (at least 1 s): the watermark
  // trails by that much more, and marks stay rare next to events.
  ProgressMarks marks(std::max<int64_t>(kMicrosPerSecond, lateness_us_ / 10),
                      settings.max_future_skew_s * kMicrosPerSecond);
  auto released = [&](uint64_t n) { return !fanned_out_ || Released(n); };
  // Parked shards are woken per batch of pushes, and before this thread may block; `scan` (no
  // wall clock) in larger batches.
  WakeBatch wake_batch = settings.wall_clock ? WakeBatch::Latency() : WakeBatch::Throughput();
  int64_t last_received_ns = NowNs();
  auto wake_shards = [&] {
    if (!wake_batch.pending()) return;
    WakeShards();
    wake_batch.Woke();
  };
  auto send = [&](const ProgressMark& m) {
    PushMark(parser, m);
    wake_batch.Pushed(shards_, last_received_ns);
  };
  uint64_t last_sequence = 0;
  const auto timeout = std::chrono::milliseconds(sources.size() > 1 ? 10 : 50);
  uint64_t paused_through = 0;
  // SIGTERM drains: a ZeroMQ source is read until it has nothing queued for `drain_quiet` (what a
  // sender handed over is processed, not lost) or until the drain timeout; other sources stop.
  bool draining = false;
  std::chrono::steady_clock::time_point drain_deadline;
  const auto drain_quiet = std::chrono::milliseconds(100);
  // Marks held back until the other lanes of a fanned-out source pushed what precedes them
  // (Released) go out as those lanes move on (they notify parser_wake_).
  auto await_marks = [&](bool until_stop) {
    while (marks.HasPending() && !(until_stop && stop_.load(std::memory_order_acquire))) {
      const uint32_t key = parser_wake_.PrepareWait();
      marks.Publish(last_sequence, false, released, send);
      WakeShards();
      if (!marks.HasPending()) {
        parser_wake_.CancelWait();
        break;
      }
      parser_wake_.Wait(key, std::chrono::milliseconds(100));
    }
  };
  while (live > 0) {
    if (!draining && stop_.load(std::memory_order_acquire)) {
      draining = true;
      drain_deadline = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(settings.source_drain_timeout_ms);
      for (std::size_t i = 0; i < sources.size(); ++i) {
        if (!ended[i] && !sources[i]->DrainsOnStop()) {
          ended[i] = true;
          --live;
        }
      }
    }
    if (draining && std::chrono::steady_clock::now() >= drain_deadline) break;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (ended[i]) continue;
      if (const uint64_t cut = cut_epoch_.load(std::memory_order_acquire); cut != paused_through) {
        // A checkpoint cut: between two messages, bring every tenant clock up to what was read
        // (the marks go to the shards before they save: a restart resumes after the cut, so a
        // mark held back now would be lost), note where every source stands and wait.
        paused_through = cut;
        marks.Publish(last_sequence, true, released, send);
        NotePositions(sources, source_ids);
        progress_[parser].paused_epoch.store(cut, std::memory_order_release);
        Signal();
        // RequestStop() notifies nobody (it is signal-safe): the wait re-checks stop_ each slice.
        while (!AwaitUntil(
            parser_wake_,
            [&] {
              return resume_epoch_.load(std::memory_order_acquire) >= cut ||
                     stop_.load(std::memory_order_acquire);
            },
            std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) {
        }
      }
      if (wake_batch.Due(last_received_ns)) wake_shards();
      MessageSource& src = *sources[i];
      // With pushes not yet woken for, first see whether a message is ready: if not, the shards
      // get what was pushed before this thread may block in the source.
      ReceiveStatus status = ReceiveStatus::kIdle;
      raw.readable_after = 0;  // only a source that has the padding says so
      if (wake_batch.pending()) status = src.Receive(raw, std::chrono::milliseconds(0));
      if (status == ReceiveStatus::kIdle) {
        wake_shards();
        status = src.Receive(raw, draining ? drain_quiet : timeout);
      }
      SourceProgress& progress = source_progress_[source_ids[i]];
      if (draining && status == ReceiveStatus::kIdle) {  // drained: nothing left in the socket
        ended[i] = true;
        --live;
        continue;
      }
      if (status == ReceiveStatus::kEnd) {
        // Every mark of this source goes out before its end is published.
        marks.Publish(last_sequence, true, released, send);
        await_marks(/*until_stop=*/true);
        ended[i] = true;
        --live;
        progress.ended.store(true, std::memory_order_release);
        Signal();
        continue;
      }
      if (status == ReceiveStatus::kIdle) {
        marks.Publish(last_sequence, true, released, send);  // a pause: bring every clock up
        continue;
      }
      if (SourceStats* sstats = source_stats[i]; sstats != nullptr) {
        // Lanes of a fanned-out source share its counters: add atomically.
        sstats->messages.fetch_add(1, std::memory_order_relaxed);
        sstats->bytes.fetch_add(raw.payload.size(), std::memory_order_relaxed);
      }
      last_sequence = fanned_out_ ? raw.sequence : sequence;
      ParseContext ctx{raw.tenant_frame, src.tenant(),       static_cast<uint8_t>(i), NowNs(),
                       sequence++,       src.multi_tenant(), raw.readable_after};
      last_received_ns = ctx.received_ns;
      if (raw.frame_error != nullptr) {
        Bump(pstats.rejected[static_cast<std::size_t>(RejectReason::kBadFrames)]);
        if (rejects_ != nullptr) {
          rejects_->OnReject(RejectReason::kBadFrames, raw.frame_error, raw.payload, src.name());
        }
        if (fanned_out_)
          progress_[parser].pushed_through.store(static_cast<int64_t>(raw.sequence),
                                                 std::memory_order_release);
        parser_wake_.Notify();  // lanes waiting for this one (Released)
        continue;
      }
      if (raw.mark_us != INT64_MIN) {  // a progress mark from the state topic: no record
        const std::size_t id = source_ids[i];
        marks.AdmitInput(clock_base_[id] + std::min(raw.clock_input, clock_inputs_[id] - 1),
                         raw.mark_us, settings.wall_clock ? WallMicros() : 0);
        marks.Publish(last_sequence, false, released, send);
        continue;
      }
      const ParseResult& result = record_parser.Parse(raw.payload, ctx);
      for (const Rejection& r : result.rejections) {
        Bump(pstats.rejected[static_cast<std::size_t>(r.reason)]);
        if (rejects_ != nullptr) rejects_->OnReject(r.reason, r.detail, r.raw, src.name());
      }
      for (const Skipped& s : result.skipped) {
        Bump(pstats.skipped[static_cast<std::size_t>(s.category)]);
        if (rejects_ != nullptr) rejects_->OnSkip(s.category, s.raw, src.name());
      }
      const std::size_t id = source_ids[i];
      const uint32_t clock_source =
          clock_base_[id] + std::min(raw.clock_input, clock_inputs_[id] - 1);
      const int64_t wall_us = settings.wall_clock ? WallMicros() : 0;
      EventTime max_time = progress.max_event_time.load(std::memory_order_relaxed);
      bool any = false;
      for (std::size_t k = 0; k < result.events.size(); ++k) {
        const Event& e = result.events[k];
        if (!marks.Admit(clock_source, e, wall_us)) {
          Bump(pstats.rejected[static_cast<std::size_t>(RejectReason::kFutureTime)]);
          if (rejects_ != nullptr) {
            rejects_->OnReject(RejectReason::kFutureTime,
                               "event time more than max_future_skew ahead of the tenant's "
                               "newest event (moves no clock)",
                               result.event_raw[k], src.name());
          }
          continue;
        }
        any = true;
        Bump(pstats.records);
        if (tenant_watch_ != nullptr) {
          (void)tenant_watch_->Note(e.tenant_hash, raw.partition, e.tenant_id.view());
        }
        const Route route = RouteEvent(e, shards_);
        for (uint8_t k2 = 0; k2 < route.count; ++k2) {
          Push(parser, route.shard[k2], e, route.roles[k2]);
        }
        wake_batch.Pushed(route.count, last_received_ns);
        if (e.kind != EventKind::kMfaRegistration) max_time = std::max(max_time, e.time);
      }
      if (any) {
        progress.last_event_ns.store(ctx.received_ns, std::memory_order_relaxed);
        // Published after the pushes: a shard that sees this time also sees those events.
        progress.max_event_time.store(max_time, std::memory_order_release);
      }
      if (fanned_out_) {
        progress_[parser].pushed_through.store(static_cast<int64_t>(raw.sequence),
                                               std::memory_order_release);
        parser_wake_.Notify();  // lanes waiting for this one (Released)
      }
      marks.Publish(last_sequence, false, released, send);
    }
  }
  NotePositions(sources, source_ids);
  // Stopped (SIGTERM) or ended: every clock goes out as of what was pushed, so the shards settle
  // each tenant as of its own newest event, as at the end of a scan. A lane waits only for lanes
  // still pushing (never for one that stopped too).
  progress_[parser].pushing_done.store(true, std::memory_order_release);
  parser_wake_.Notify();
  marks.Publish(last_sequence, true, released, send);
  await_marks(/*until_stop=*/false);
  WakeShards();
  // Stopped without settling (SIGTERM with checkpoints, a state partition given up): the sources
  // did not end, so their inputs keep holding their tenants back. Marking them ended would move
  // every tenant's watermark to its newest time over all inputs, and the checkpoint would carry
  // it: after the restore a lagging input's records would be late (or beyond the dedupe horizon).
  if (settle_on_stop_.load(std::memory_order_acquire)) {
    for (std::size_t id : source_ids)
      source_progress_[id].ended.store(true, std::memory_order_release);
  }
  progress_[parser].done.store(true, std::memory_order_release);
  Signal();
}

}  // namespace privmon
