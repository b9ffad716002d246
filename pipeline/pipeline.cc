#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>

#include "parsers/record_parser.h"
#include "pipeline/router.h"
#include "pipeline/source_fanout.h"
#include "pipeline/tenant_clocks.h"

namespace privmon {
namespace {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits without burning a core: a few spins, then short sleeps.
class Backoff {
 public:
  void Pause() {
    if (++rounds_ < 64) return;
    std::this_thread::sleep_for(std::chrono::microseconds(rounds_ < 256 ? 20 : 200));
  }
  void Reset() { rounds_ = 0; }

 private:
  uint32_t rounds_ = 0;
};

}  // namespace

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
                   RejectSink* rejects)
    : config_(std::move(config)),
      shards_(static_cast<uint32_t>(consumers.size())),
      parsers_(ResolveParserCount(config_->pipeline.parse_threads, sources.size())),
      lateness_us_(config_->pipeline.allowed_lateness_s * kMicrosPerSecond),
      consumers_(std::move(consumers)),
      progress_(std::make_unique<ParserProgress[]>(parsers_)),
      stats_(stats),
      rejects_(rejects) {
  if (sources.size() == 1 && parsers_ > 1) {
    sources = FanOutSource(std::move(sources[0]), parsers_);
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
  sources_by_parser_.resize(parsers_);
  source_ids_by_parser_.resize(parsers_);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    sources_by_parser_[i % parsers_].push_back(std::move(sources[i]));
    source_ids_by_parser_[i % parsers_].push_back(i);
  }
  queues_.reserve(static_cast<std::size_t>(parsers_) * shards_);
  for (uint32_t i = 0; i < parsers_ * shards_; ++i) {
    queues_.push_back(std::make_unique<SpscQueue<ShardMessage>>(config_->pipeline.queue_capacity));
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
    threads_.emplace_back([this, p, src = std::move(sources_by_parser_[p]),
                           ids = std::move(source_ids_by_parser_[p])]() mutable {
      ParseLoop(p, std::move(src), std::move(ids));
    });
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
}

void Pipeline::Push(uint32_t parser, uint32_t shard, const Event& e, uint8_t roles) {
  auto& q = Queue(parser, shard);
  ShardMessage m{e, roles};
  if (q.push(m)) return;
  Backoff backoff;
  auto& waits = stats_.parsers[parser].backpressure_waits[shard];
  Bump(waits);
  while (!q.push(m)) backoff.Pause();
}

void Pipeline::PushMark(uint32_t parser, const ProgressMark& mark) {
  // A mark goes to every shard: each owns some of the tenant's accounts, or may come to.
  Event e;
  e.tenant_hash = mark.tenant_hash;
  e.time = mark.newest;
  e.sequence = mark.source;
  for (uint32_t s = 0; s < shards_; ++s) Push(parser, s, e, 0);
}

bool Pipeline::Released(uint64_t n) const {
  // The fan-out reader deals messages round robin: lane l gets sequences l, l + P, l + 2P, ...
  for (uint32_t l = 0; l < parsers_; ++l) {
    if (n <= l) continue;  // lane l was given nothing before n
    const uint64_t before = n - 1 - ((n - 1 - l) % parsers_);
    if (progress_[l].pushed_through.load(std::memory_order_acquire) <
        static_cast<int64_t>(before)) {
      return false;
    }
  }
  return true;
}

bool Pipeline::ClockSourceEnded(uint32_t clock_source) const {
  if (!fanned_out_) {
    return source_progress_[clock_owner_[clock_source]].ended.load(std::memory_order_acquire);
  }
  for (std::size_t i = 0; i < source_count_; ++i) {
    if (!source_progress_[i].ended.load(std::memory_order_acquire)) return false;
  }
  return true;
}

void Pipeline::ParseLoop(uint32_t parser, std::vector<std::unique_ptr<MessageSource>> sources,
                         std::vector<std::size_t> source_ids) {
  RecordParser record_parser(config_->pipeline.max_message_bytes);
  ParserStats& pstats = stats_.parsers[parser];
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
  auto send = [&](const ProgressMark& m) { PushMark(parser, m); };
  uint64_t last_sequence = 0;
  const auto timeout = std::chrono::milliseconds(sources.size() > 1 ? 10 : 50);
  while (live > 0 && !stop_.load(std::memory_order_acquire)) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (ended[i]) continue;
      MessageSource& src = *sources[i];
      const ReceiveStatus status = src.Receive(raw, timeout);
      SourceProgress& progress = source_progress_[source_ids[i]];
      if (status == ReceiveStatus::kEnd) {
        // Every mark of this source goes out before its end is published.
        marks.Publish(last_sequence, true, released, send);
        Backoff backoff;
        while (marks.HasPending() && !stop_.load(std::memory_order_acquire)) {
          backoff.Pause();
          marks.Publish(last_sequence, false, released, send);
        }
        ended[i] = true;
        --live;
        progress.ended.store(true, std::memory_order_release);
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
      ParseContext ctx{raw.tenant_frame, src.tenant(), static_cast<uint8_t>(i), NowNs(),
                       sequence++};
      if (raw.frame_error != nullptr) {
        Bump(pstats.rejected[static_cast<std::size_t>(RejectReason::kBadFrames)]);
        if (rejects_ != nullptr) {
          rejects_->OnReject(RejectReason::kBadFrames, raw.frame_error, raw.payload, src.name());
        }
        if (fanned_out_)
          progress_[parser].pushed_through.store(static_cast<int64_t>(raw.sequence),
                                                 std::memory_order_release);
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
        const Route route = RouteEvent(e, shards_);
        for (uint8_t k2 = 0; k2 < route.count; ++k2) {
          Push(parser, route.shard[k2], e, route.roles[k2]);
        }
        max_time = std::max(max_time, e.time);
      }
      if (any) {
        progress.last_event_ns.store(ctx.received_ns, std::memory_order_relaxed);
        // Published after the pushes: a shard that sees this time also sees those events.
        progress.max_event_time.store(max_time, std::memory_order_release);
      }
      if (fanned_out_) {
        progress_[parser].pushed_through.store(static_cast<int64_t>(raw.sequence),
                                               std::memory_order_release);
      }
      marks.Publish(last_sequence, false, released, send);
    }
  }
  for (std::size_t id : source_ids)
    source_progress_[id].ended.store(true, std::memory_order_release);
  progress_[parser].done.store(true, std::memory_order_release);
}

EventTime Pipeline::MaxEventTime(bool* all_done) const {
  bool done = true;
  for (uint32_t p = 0; p < parsers_; ++p) {
    done = done && progress_[p].done.load(std::memory_order_acquire);
  }
  // A live source that has sent nothing for this long stops holding the watermark back (run
  // only: scan never reads the wall clock).
  constexpr int64_t kIdleSourceNs = 10'000'000'000;
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
  ShardStats& sstats = stats_.shards[shard];
  uint64_t seen_generation = 0;
  const bool wall = config_->pipeline.wall_clock;
  TenantClocks clocks(lateness_us_,
                      wall ? config_->pipeline.tenant_idle_timeout_s * 1'000'000'000 : 0);
  const std::size_t clock_sources = clock_owner_.size();
  std::vector<uint8_t> ended_now(clock_sources, 0), ended_seen(clock_sources, 0);
  auto ended = [&](uint32_t source) { return source < clock_sources && ended_now[source] != 0; };
  auto moved = [&](uint64_t tenant, EventTime w) { consumer.OnTenantWatermark(tenant, w); };
  int64_t last_refresh_ns = 0;
  Backoff backoff;
  for (;;) {
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
    std::size_t drained = 0;
    int64_t depth = 0;
    for (uint32_t p = 0; p < parsers_; ++p) {
      auto& q = Queue(p, shard);
      drained += q.consume_all([&](const ShardMessage& m) {
        if (m.roles == 0) {
          const EventTime w =
              clocks.OnMark(m.event.tenant_hash, static_cast<uint32_t>(m.event.sequence),
                            m.event.time, now, ended);
          if (w != kMinTime) consumer.OnTenantWatermark(m.event.tenant_hash, w);
          return;
        }
        consumer.OnEvent(m.event, m.roles);
        sstats.ObserveLatency(NowNs() - m.event.received_ns);
      });
      depth += static_cast<int64_t>(q.read_available());
    }
    sstats.queue_depth.store(depth, std::memory_order_relaxed);
    // A source ended, or (run) a second of wall time passed: idle tenants follow the sources.
    if (ended_now != ended_seen || (wall && now - last_refresh_ns > 1'000'000'000)) {
      ended_seen = ended_now;
      last_refresh_ns = now;
      clocks.Refresh(max_time == kMinTime ? kMinTime : max_time - lateness_us_, now, ended, moved);
    }
    if (all_done && drained == 0) {
      bool empty = true;
      for (uint32_t p = 0; p < parsers_; ++p) empty = empty && Queue(p, shard).empty();
      if (empty) {
        // The input is over: every tenant's verdicts are settled as of its own newest event.
        clocks.Final(moved);
        consumer.OnFinish(kMinTime);
        finished_shards_.fetch_add(1, std::memory_order_acq_rel);
        return;
      }
    }
    if (drained == 0) {
      consumer.OnIdle();
      backoff.Pause();
    } else {
      backoff.Reset();
    }
  }
}

}  // namespace privmon
