// Pipeline's shard side: the shard threads, the sources' progress they read, and each tenant's
// event-time clock (pipeline/tenant_clocks.h) fed by the progress marks in their queues.
#include <algorithm>
#include <chrono>
#include <thread>

#include "pipeline/clock.h"
#include "pipeline/pipeline.h"
#include "pipeline/tenant_clocks.h"

namespace privmon {

// A live source (or Kafka partition) that has sent nothing for this long stops holding watermarks
// back (run only: scan never reads the wall clock).
constexpr int64_t kIdleSourceNs = 10'000'000'000;

bool Pipeline::ClockSourceEnded(uint32_t clock_source) const {
  return source_progress_[clock_owner_[clock_source]].ended.load(std::memory_order_acquire);
}

EventTime Pipeline::MaxEventTime(bool* all_done) const {
  bool done = true;
  for (uint32_t p = 0; p < parsers_; ++p) {
    done = done && progress_[p].done.load(std::memory_order_acquire);
  }
  const int64_t now = config_->pipeline.wall_clock ? NowNs() : 0;
  EventTime lowest_active = kMaxTime, highest = kMinTime;
  for (std::size_t i = 0; i < source_count_; ++i) {
    const SourceProgress& sp = source_progress_[i];
    const EventTime t = sp.max_event_time.load(std::memory_order_acquire);
    highest = std::max(highest, t);
    const bool ended = sp.ended.load(std::memory_order_acquire);
    const bool idle =
        now != 0 && now - sp.last_event_ns.load(std::memory_order_relaxed) > kIdleSourceNs;
    if (!ended && !idle && t != kMinTime) lowest_active = std::min(lowest_active, t);
  }
  *all_done = done;
  return lowest_active != kMaxTime ? lowest_active : highest;
}

void Pipeline::ShardLoop(uint32_t shard) {
  EventConsumer& consumer = *consumers_[shard];
  ShardStats& sstats = stats_.shards[slots_.shard_base + shard];
  uint64_t seen_generation = 0;
  const bool wall = config_->pipeline.wall_clock;
  // One clock per clock input of each source (a Kafka partition is one); lanes of a fanned-out
  // source share its inputs.
  const std::size_t clock_sources = clock_owner_.size();
  // The partitions of one Kafka source are aligned: a lagging one holds every tenant the source
  // carries (one silent for its source's input_idle_ns_ of wall time stops holding, as an idle
  // source does).
  TenantClocks clocks(
      lateness_us_, wall ? config_->pipeline.tenant_idle_timeout_s * 1'000'000'000 : 0,
      clock_sources, !wall, clock_owner_, wall ? input_idle_ns_ : std::vector<int64_t>{});
  std::vector<uint8_t> ended_now(clock_sources, 0), ended_seen(clock_sources, 0);
  // A source counts as ended only once everything it pushed before its end was drained: the
  // snapshot taken before a drain is applied after it.
  auto ended = [&](uint32_t source) { return source < clock_sources && ended_seen[source] != 0; };
  // Events that ran ahead of the slowest input of their source by more than the lateness wait
  // here (pipeline/ahead_hold.h), and are handed on oldest first once the input caught up, before
  // their tenant's watermark moves past them.
  AheadHold& ahead = *ahead_[shard];
  int64_t round_ns = 0;       // this round's steady time (run), for the inputs' idleness
  int64_t round_wall_us = 0;  // this round's wall clock (run)
  auto ahead_bound = [&](uint8_t source) {
    if (source >= kUnindexedSource && source_count_ > kUnindexedSource) return kMaxTime;
    const EventTime floor = clocks.AheadFloor(source, round_ns, ended);
    if (floor == kMaxTime) return kMaxTime;
    // `run`: an input's clock stops at the wall clock (pipeline/progress_marks.h). Once the
    // slowest input is within the lateness of now, none can move further, so a record dated
    // past that (a forwarder writing local time as UTC) would wait for the wall clock to reach
    // it, hours for nothing: it is handed on at once (breaker round 140: a break-glass sign-in
    // stamped 1 h ahead raised its PRIV-BG-01 an hour late).
    if (wall && floor + lateness_us_ >= round_wall_us) return kMaxTime;
    return floor + lateness_us_;
  };
  // A held event's receipt-to-verdict latency is taken when it is handed on, not when it was
  // kept (breaker round 140: held for an hour, it counted as done in microseconds). One restored
  // from a checkpoint was received by an earlier process: not observed.
  const int64_t loop_start_ns = NowNs();
  auto hand_on = [&](const Event& e, uint8_t roles) {
    consumer.OnEvent(e, roles);
    if (e.received_ns >= loop_start_ns) sstats.ObserveLatency(NowNs() - e.received_ns);
  };
  auto release_ready = [&] {
    if (!ahead.empty()) ahead.ReleaseReady(ahead_bound, hand_on);
  };
  auto moved = [&](uint64_t tenant, EventTime w) {
    release_ready();
    consumer.OnTenantWatermark(tenant, w);
  };
  int64_t last_refresh_ns = 0;
  for (const uint32_t input : held_inputs_) {
    if (!clock_base_.empty() && input < clock_inputs_[0])
      clocks.HoldInput(clock_base_[0] + input, wall ? NowNs() : 0);
  }
  for (const uint32_t id : held_at_start_) clocks.HoldInput(id, wall ? NowNs() : 0);
  for (const ClockInputRecord& r : restored_clocks_) {
    if (r.source < clock_sources)
      clocks.RestoreInput(r.tenant, r.source, r.newest, wall ? NowNs() : 0);
  }
  auto save_clocks = [&](auto&& add) {
    clocks.ForEachInput([&](uint64_t tenant, uint32_t source, EventTime newest) {
      add(ClockInputRecord{tenant, source, newest});
    });
  };
  // Idle rounds spun before parking (a burst's next message usually comes sooner than a futex).
  constexpr uint32_t kSpinRounds = 64;
  // A parked shard wakes at least this often (run: idle tenants, wall-clock refresh, gauges).
  constexpr auto kParkSlice = std::chrono::milliseconds(100);
  uint32_t idle_rounds = 0;
  EventCount& wake = shard_wake_[shard];
  // The shard's unpack targets for every drain (pipeline/shard_queue.h): ~2.4 KB kept hot.
  ShardScratch scratch;
  // Alignment on a cut (pipeline.h): the queues whose parse thread's marker of cut `aligning` was
  // drained (blocked until the shard saves), how many, and since when the first one was.
  std::vector<uint8_t> blocked(parsers_, 0);
  uint32_t blocked_count = 0;
  uint64_t aligning = 0;
  int64_t held_since_ns = 0;
  for (;;) {
    // Before reading anything: a control change after this load makes the shard re-check below.
    const uint64_t signals = signals_.load(std::memory_order_acquire);
    const uint64_t generation = config_generation_.load(std::memory_order_acquire);
    if (generation != seen_generation) {
      std::shared_ptr<const CompiledConfig> next;
      {
        std::lock_guard<std::mutex> lock(config_mutex_);
        next = pending_config_;
      }
      seen_generation = generation;
      if (next) consumer.OnConfig(std::move(next));
    }
    // Read progress before draining: everything pushed before it was published is drained below.
    bool all_done = false;
    const EventTime max_time = MaxEventTime(&all_done);
    for (uint32_t c = 0; c < clock_sources; ++c) ended_now[c] = ClockSourceEnded(c) ? 1 : 0;
    const int64_t now = wall ? NowNs() : 0;
    round_ns = now;
    round_wall_us = wall ? WallMicros() : 0;
    std::size_t drained = 0;
    int64_t depth = 0;
    // The shard's part of cut `cut`: everything drained so far precedes it, everything still
    // queued follows it. A copy only (encoded by the control thread once the shards resumed),
    // or, for a consumer without snapshots, its records now. `held_since`: when the first of its
    // queues was blocked for it (or the copy's start).
    auto take_cut = [&](uint64_t cut, int64_t held_since) {
      if (consumer.SnapshotState()) {
        snapshot_out_[shard].store(1, std::memory_order_relaxed);
        shard_snapshot_[shard] = 1;
      } else {
        consumer.SaveState((*cut_writers_)[shard]);
      }
      if (shard == 0) {
        save_clocks([&](const ClockInputRecord& r) {
          (*cut_writers_)[0].Add(kCheckpointClockInputTag, CheckpointRoute::kByOrigin, r.tenant,
                                 EncodeClockInput(r));
        });
      }
      ahead.ForEach([&](const Event& e, uint8_t roles) {
        (*cut_writers_)[shard].Add(kCheckpointAheadEventTag, CheckpointRoute::kByOrigin,
                                   e.tenant_hash, EncodeAheadEvent(e, roles));
      });
      shard_held_ns_[shard].store(NowNs() - held_since, std::memory_order_relaxed);
      shard_cut_epoch_[shard].store(cut, std::memory_order_release);
      control_wake_.Notify();
    };
    // Drains queue p, up to and including its parse thread's marker of a cut not yet saved.
    auto drain = [&](uint32_t p) {
      return DrainShardQueue(Queue(p, shard), scratch, consumer, [&](const ShardMessage& m) {
        if (m.roles == kCutMarkRoles) {  // parse thread p's stream is cut here
          if (m.event.sequence <= shard_cut_epoch_[shard].load(std::memory_order_relaxed)) {
            return true;  // a cut this shard already saved (cannot happen: CutState waits)
          }
          if (blocked_count == 0) {
            aligning = m.event.sequence;
            held_since_ns = NowNs();
          }
          blocked[p] = 1;
          ++blocked_count;
          return false;  // the rest of queue p follows the cut: held until the shard saved
        }
        if (m.roles == kInputMarkRoles) {
          clocks.OnInputMark(static_cast<uint32_t>(m.event.sequence), m.event.time, now, ended,
                             moved);
          release_ready();
          return true;
        }
        if (m.roles == 0) {
          const EventTime w =
              clocks.OnMark(m.event.tenant_hash, static_cast<uint32_t>(m.event.sequence),
                            m.event.time, now, ended);
          if (w != kMinTime) moved(m.event.tenant_hash, w);
          release_ready();
          return true;
        }
        if (AheadHold::RunsAhead(m.event, ahead_bound(m.event.source_index))) {
          ahead.Keep(m.event, m.roles);
          if (ahead.over_capacity()) {
            ahead.ReleaseOldest(hand_on);
            Bump(sstats.ahead_overflow);
          }
        } else {
          consumer.OnEvent(m.event, m.roles);
          sstats.ObserveLatency(NowNs() - m.event.received_ns);
        }
        return true;
      });
    };
    for (uint32_t p = 0; p < parsers_; ++p) {
      if (blocked[p] == 0) drained += drain(p);
      depth += static_cast<int64_t>(Queue(p, shard).read_available());
    }
    // A queue blocked during this round was drained only in part: the sources' ends and times
    // read before it may cover messages still queued behind its marker.
    const bool partial = blocked_count != 0;
    if (const uint64_t cut = std::max(aligning, cut_epoch_.load(std::memory_order_acquire));
        cut > shard_cut_epoch_[shard].load(std::memory_order_relaxed)) {
      // Aligned when every parse thread's marker was drained, or the parse thread is done and
      // its queue empty (done before the check: it pushes nothing more, and no marker of `cut`
      // was among what it pushed). Then everything drained precedes the cut, everything queued
      // follows it.
      bool aligned = true;
      for (uint32_t p = 0; p < parsers_ && aligned; ++p) {
        aligned = blocked[p] != 0 ||
                  (progress_[p].done.load(std::memory_order_acquire) && Queue(p, shard).empty());
      }
      if (aligned) {
        take_cut(cut, blocked_count != 0 ? held_since_ns : NowNs());
        std::fill(blocked.begin(), blocked.end(), uint8_t{0});
        if (blocked_count != 0) ++drained;  // the resumed queues: drain them before parking
        blocked_count = 0;
        aligning = 0;
      }
    }
    sstats.queue_depth.store(depth, std::memory_order_relaxed);
    sstats.ahead_held.store(static_cast<int64_t>(ahead.size()), std::memory_order_relaxed);
    // A source ended, or (run) a second of wall time passed: idle tenants follow the sources.
    if (!partial && (ended_now != ended_seen || (wall && now - last_refresh_ns > 1'000'000'000))) {
      ended_seen = ended_now;
      last_refresh_ns = now;
      clocks.Refresh(max_time == kMinTime ? kMinTime : max_time - lateness_us_, now, ended, moved);
      release_ready();
    }
    if (all_done && drained == 0 && blocked_count == 0) {
      bool empty = true;
      for (uint32_t p = 0; p < parsers_; ++p) empty = empty && Queue(p, shard).empty();
      if (empty) {
        // The input is over: every tenant's verdicts are settled as of its own newest event
        // (unless stopping for a checkpoint, which keeps them pending). With checkpoints, the
        // state before settling is kept for the final checkpoint (SaveStopped, k17a).
        if (settle_on_stop_.load(std::memory_order_acquire)) {
          if (checkpoints_) {
            // A cut's copy not yet encoded (the control thread is at it) is not overwritten.
            while (snapshot_out_[shard].load(std::memory_order_acquire) != 0) {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            final_snapshot_[shard] = consumer.SnapshotState() ? 1 : 0;
            ahead.ForEach([&](const Event& e, uint8_t roles) {
              final_ahead_[shard].emplace_back(e.tenant_hash, EncodeAheadEvent(e, roles));
            });
            if (shard == 0) {
              save_clocks([&](const ClockInputRecord& r) { final_clocks_.push_back(r); });
            }
          }
          // Every input is over: what was held is handed on, oldest first, before the final
          // watermarks.
          ahead.ReleaseAll(hand_on);
          sstats.ahead_held.store(0, std::memory_order_relaxed);
          clocks.Final(moved);
          consumer.OnFinish(kMinTime);
        } else if (shard == 0) {
          save_clocks([&](const ClockInputRecord& r) { final_clocks_.push_back(r); });
        }
        shard_cut_epoch_[shard].store(kShardFinished, std::memory_order_release);
        const bool last = finished_shards_.fetch_add(1, std::memory_order_acq_rel) + 1 == shards_;
        if (last && on_finished_) on_finished_();
        control_wake_.Notify();
        parser_wake_.Notify();
        return;
      }
    }
    if (drained != 0) {
      idle_rounds = 0;
      parser_wake_.Notify();  // parse threads may wait for queue space
      continue;
    }
    consumer.OnIdle();
    if (++idle_rounds < kSpinRounds) continue;
    idle_rounds = 0;
    const uint32_t key = wake.PrepareWait();
    bool queued = false;
    // A blocked queue waits for the other parse threads' markers (they wake the shard).
    for (uint32_t p = 0; p < parsers_; ++p) {
      queued = queued || (blocked[p] == 0 && Queue(p, shard).read_available() > 0);
    }
    if (queued || signals_.load(std::memory_order_acquire) != signals) {
      wake.CancelWait();
    } else {
      wake.Wait(key, kParkSlice);
    }
  }
}

}  // namespace privmon
