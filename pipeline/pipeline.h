// Pipeline: the threads and queues between the sources and the shards' consumers.
//   P parse threads (each owns some sources and one RecordParser) -> P x S SPSC queues ->
//   S shard threads (each owns one EventConsumer, i.e. its accounts' state and rules).
// One source with P > 1 parse threads (file, stdin, ZeroMQ; no checkpoints) is fanned out: a
// reader thread deals its messages round robin to P lanes (pipeline/source_fanout.h), each lane's
// thread parses its messages in parallel with the others, then waits for its message's turn in
// source order to admit, push and send marks (the ordered section): the shards get exactly what
// one parse thread would have pushed, in the same order, through parse thread 0's queues.
// No queue has two writers at once, no lock is taken per event, and a full queue makes its parser
// wait (counted as back-pressure) instead of dropping. Start() launches the threads; RequestStop()
// (thread-safe, signal-safe via an atomic) stops reading sources; Wait() returns once every queue
// is drained and every consumer has finished. Files end by themselves; sockets end on stop.
// Checkpoints (docs/operations.md "Checkpoints"): a cut is an aligned marker cut (as Flink's
// aligned checkpoint barriers, or Chandy-Lamport on FIFO channels), whatever the number of parse
// threads. Cut() raises cut_epoch_. Each parse thread, seeing the new epoch between two messages
// (it checks before every receive, so also when its sources are idle: within one receive timeout,
// 10 ms with several parse threads), sends its held progress marks, notes its own sources'
// positions for that epoch (cut_position_), publishes marked_epoch, pushes a cut marker
// (kCutMarkRoles) into its queue to every shard and goes on reading without waiting. Each shard
// drains its queues as usual; when it pops the marker from parse thread p's queue it stops draining
// that queue (its later messages follow the cut) and keeps draining the queues whose marker has not
// come. Once it holds the marker of every parse thread (a parse thread that is done, with its queue
// drained, counts as aligned: everything it pushed precedes the cut, and its positions are those it
// stopped at), it copies its state (EventConsumer::SnapshotState: flat copies, no encoding),
// publishes its epoch and resumes every queue. The copies are encoded afterwards (EncodeCut) while
// events flow. With one parse thread the marker aligns at once: the shard copies when it drains it.
// The pause the cut with several parse threads used to be (every parse thread stopped until every
// shard had copied) is gone: nothing needs it (a fanned-out source's lanes mark no cut: that
// source has no checkpoints, `checkpoints` keeps it from being fanned out).
// No deadlock: (1) a shard stops draining queue p only after p's marker, so every push p makes up
// to and including its markers completes (each shard drains p until then; a full queue wakes its
// shard); (2) a parse thread pushes its marker to every shard before it goes on, so one blocked on
// a full queue to a shard aligning on another queue has already given every shard its marker;
// (3) the next cut is raised only after every shard published the previous one (CutState), so a
// queue holds at most one unaligned marker; (4) a parse thread that stops or ends during a cut
// counts as aligned once its queue is drained, and a stop never waits for a cut. So every shard
// aligns once every live parse thread has come between two messages. The shard's alignment state
// (which queues are blocked, since when) is its own, touched only when a marker arrives or while
// it aligns: nothing per event. While a queue is blocked the shard does not apply sources' ends or
// idle refreshes to its tenant clocks (its snapshot of them was taken before a partial drain):
// a blocked queue only delays marks and clocks, never reorders them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/reject_reason.h"
#include "core/skipped_category.h"
#include "core/stats.h"
#include "pipeline/ahead_hold.h"
#include "pipeline/event_consumer.h"
#include "pipeline/event_count.h"
#include "pipeline/message_source.h"
#include "pipeline/progress_marks.h"
#include "pipeline/shard_queue.h"
#include "pipeline/sorted_hold.h"
#include "pipeline/spsc_queue.h"
#include "pipeline/tenant_partition_watch.h"
#include "pipeline/wake_batch.h"

namespace privmon {

struct ParseResult;

// Receives every refused record (reason + raw bytes) from the parse threads. Called concurrently
// from several parse threads; off the hot path (only for rejected input).
class RejectSink {
 public:
  virtual ~RejectSink() = default;
  // `whole_size`: the whole message's size when `raw` is a cut prefix of it (RawMessage), else 0.
  // `tenant`: the tenant the transport named (a ZeroMQ frame, a framed line, else the source's
  // `tenant`), empty when none: a record naming none is traced to its customer by it.
  virtual void OnReject(RejectReason reason, std::string_view detail, std::string_view raw,
                        std::string_view source, uint64_t whole_size, std::string_view tenant) = 0;
  void OnReject(RejectReason reason, std::string_view detail, std::string_view raw,
                std::string_view source) {
    OnReject(reason, detail, raw, source, 0, {});
  }
  // A record of an Entra category privmon does not read (already counted); kept only on request.
  virtual void OnSkip(SkippedCategory /*category*/, std::string_view /*raw*/,
                      std::string_view /*source*/, std::string_view /*tenant*/) {}
};

// Where a pipeline counts in PipelineStats: its shard s uses stats.shards[shard_base + s], its
// parse thread p stats.parsers[parser_base + p] (several pipelines share one process's stats:
// the state partitions of README "Running N instances").
struct StatsSlots {
  uint32_t shard_base = 0;
  uint32_t parser_base = 0;
};

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const CompiledConfig> config,
           std::vector<std::unique_ptr<MessageSource>> sources,
           std::vector<std::unique_ptr<EventConsumer>> consumers, PipelineStats& stats,
           RejectSink* rejects, bool checkpoints = false, StatsSlots slots = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void Start();
  void RequestStop() { stop_.store(true, std::memory_order_release); }
  // Stops reading without settling: pending verdicts stay pending, to be checkpointed by
  // SaveStopped() after Wait() (SIGTERM with checkpoints).
  void RequestStopUnsettled() {
    settle_on_stop_.store(false, std::memory_order_release);
    RequestStop();
  }
  // The end of the input leaves pending verdicts pending (scan --checkpoint-out). Before Start().
  void KeepPendingAtEnd() { settle_on_stop_.store(false, std::memory_order_release); }
  // A consistent cut of every shard's state and every source's position (see above). Control
  // thread only, never concurrently with Wait(). `writers` has one entry per shard; `positions`
  // gets one entry per source (-1: no position): each is where its parse thread pushed its marker
  // (or stopped, when it ended first). Returns false (nothing usable) when the pipeline finished
  // or was stopped before every shard saved. `*pause_s` is how long events were held back by the
  // cut: the longest, over the shards, from its first marker blocking a queue to its resuming
  // every queue after its copy (with one parse thread: its copy). No parse thread stops. The
  // shards' snapshots are encoded into `writers` after that, on the calling thread.
  bool Cut(std::vector<CheckpointShardWriter>& writers, std::vector<int64_t>* positions,
           double* pause_s);
  // Cut() in its two steps, for a caller that encodes elsewhere (app/checkpoint_worker.h):
  // CutState() returns once every shard has resumed, with every shard's copy taken (true) or the
  // pipeline over (false); EncodeCut(writers, ok) then encodes the copies into `writers` when ok
  // and releases them either way. Any one thread may call EncodeCut, once after each CutState and
  // before the next one.
  // `while_waiting`, when set, is called about every 100 ms while a shard has not saved yet (a
  // shard blocked on a full alert queue behind a stalled sink saves only once the sink moves or
  // the pipeline stops): the caller's chance to start a stop, which ends the wait.
  bool CutState(std::vector<CheckpointShardWriter>& writers, std::vector<int64_t>* positions,
                double* pause_s, const std::function<void()>& while_waiting = {});
  void EncodeCut(std::vector<CheckpointShardWriter>& writers, bool ok);
  // After Wait(): every consumer's SaveState on the calling thread, and the sources' positions
  // where their parse threads stopped.
  void SaveStopped(std::vector<CheckpointShardWriter>& writers, std::vector<int64_t>* positions);
  void Wait();
  // Before Start() (run): how long a clock input (a Kafka partition) with no mark keeps holding
  // its tenants back before it counts as idle, for every source (each source's own
  // MessageSource::InputIdleNs otherwise, default 10 s). A state partition's inputs are the
  // input partitions behind the repartition hop: one that resumes after a failover (the session
  // timeout, a rebalance, a restore) must still hold, so its records are not late.
  static constexpr int64_t kDefaultInputIdleNs = 10'000'000'000;
  void HoldQuietInputsFor(int64_t ns) {
    std::fill(input_idle_ns_.begin(), input_idle_ns_.end(), ns);
  }
  // Before Start(): clock inputs of the first source that hold every tenant back before their
  // first mark (TenantClocks::HoldInput; a state partition's input partitions), for as long as
  // HoldQuietInputsFor says at most.
  void HoldInputsUntilMarked(std::vector<uint32_t> clock_inputs) {
    held_inputs_ = std::move(clock_inputs);
  }
  // Before Start(): every event's (tenant, Kafka partition) is reported to `watch` (not owned,
  // outlives the pipeline): keyed_by_tenant input, where a tenant on two partitions is an error.
  void WatchTenantPartitions(TenantPartitionWatch* watch) { tenant_watch_ = watch; }
  // Before Start(): each tenant's per-input clocks from a restored checkpoint.
  void RestoreClockInputs(std::vector<ClockInputRecord> inputs) {
    restored_clocks_ = std::move(inputs);
  }
  // Before Start(): the events the shards held ahead of their tenants' clocks at the restored
  // checkpoint (pipeline/ahead_hold.h), each routed afresh to the shards that own it now.
  void RestoreAheadEvents(std::vector<AheadEventRecord> events);
  // Before Start(): the listings that went on at the restored checkpoint and the marks they held
  // (each parse thread takes those of its sources back: EmitState::Restore).
  void RestoreHeldMarks(std::vector<HeldMarkRecord> held) { restored_held_ = std::move(held); }
  // Control thread, after a checkpoint holding `positions` (from Cut or SaveStopped) is durable:
  // each source may give up its input up to there (a Kafka source commits its offsets).
  void SourcesCovered(const std::vector<int64_t>& positions);
  // Hands a new configuration to every shard between two events (SIGHUP reload).
  void PublishConfig(std::shared_ptr<const CompiledConfig> config);

  // Before Start(): called once, on the thread of the shard that finishes last, right after
  // Finished() turns true; must not block (app/service.cc wakes its signal wait with it, so a
  // short scan does not sleep out the control loop's 20 ms poll at its end).
  void OnFinished(std::function<void()> wake) { on_finished_ = std::move(wake); }
  // True once every shard has drained its queues and finished (sources ended or stop requested).
  bool Finished() const {
    return finished_shards_.load(std::memory_order_acquire) == shards_ && started_;
  }
  uint32_t shard_count() const { return shards_; }
  uint32_t parser_count() const { return parsers_; }

 private:
  // Event-time progress of one source. The watermark is the minimum over the sources that are
  // still live and not idle, so a source far ahead in event time (a second file, a catching-up
  // sender) cannot make another source's events late.
  struct alignas(64) SourceProgress {
    std::atomic<int64_t> max_event_time{kMinTime};
    std::atomic<int64_t> last_event_ns{0};  // steady clock of its latest event
    std::atomic<bool> ended{false};
  };
  struct alignas(64) ParserProgress {
    std::atomic<bool> done{false};
    // The latest cut this parse thread pushed its markers for, published after its sources'
    // positions at that cut (cut_position_) and before the markers.
    std::atomic<uint64_t> marked_epoch{0};
  };
  // What the steps that run in source order keep between messages: the tenants' newest times
  // (marks, future-skew check) and the wake batching of the pushes. A parse thread's own; the
  // lanes of a fanned-out source share one, used only by the lane whose message is next.
  struct EmitState {
    EmitState(const PipelineSettings& settings, int64_t lateness_us, std::size_t sources);
    ProgressMarks marks;
    WakeBatch wake_batch;
    int64_t last_received_ns = 0;  // receipt of the latest message (wake batching)
    // Events (+1 per message) of the tenants a listing holds emitted since the marks were last
    // sent, while a listing goes on (ParseResult::more_pages, RawMessage::in_stream): another
    // tenant's volume between a listing's pages does not end it (breaker round 114: 66,000 sign-ins
    // of another tenant between two pages cut a Graph listing, its older page's sign-ins late).
    std::size_t held_events = 0;
    // The listings that go on: by source id and tenant, its latest message of that tenant said
    // its listing goes on (tenant 0: a message of several tenants, which holds every tenant).
    // While one does, no other message or pause on the same parse thread sends that tenant's marks
    // (that cut the listing short: its older pages were late against its newest); other tenants'
    // marks go on (one collector interleaving several tenants' listings). A few entries at most.
    struct OpenListing {
      std::size_t source_id = 0;
      uint64_t tenant_hash = 0;
    };
    std::vector<OpenListing> listings;
    std::vector<uint64_t> last_tenant;  // by source id: the tenant of its latest message
    // By source id: its latest message was `privmon replay`'s marker (ParseResult::
    // element_follows), so its next message goes on with the listing.
    std::vector<uint8_t> element_follows;
    // A finite input held whole (Pipeline::holds_whole_: `scan`'s files and stdin, `run`'s files
    // not followed): its marks, of every tenant, are held from its start, as one listing's, until
    // the hold ends, so a file written newest first (PowerShell's sign-ins one per line, Log
    // Analytics rows sorted TimeGenerated desc) is judged as if sorted. Only its own clock
    // sources' marks ([first_clock, first_clock + clocks)): a pause ends no whole hold (scan reads
    // no wall clock), and another source's marks go on.
    // The whole holds of one parse thread are one hold (`scan` reads several inputs on one parse
    // thread): their events are kept together and handed on merged in event-time order, so
    // several files are judged as their records sorted together, whatever the order they are
    // named or read in (breaker round 44: each sorted on its own, an ended input's timers waited
    // for the other's end). It ends, for all of them, once each has ended or read kMaxHeldEvents;
    // an input that ends before the others waits for that end (its marks and its
    // end are published after the release: GroupDone, Pipeline::EndHold). Not when an input goes
    // forward (oldest first): one export may follow another in it (breaker round 46).
    struct WholeHold {
      std::size_t source_id = 0;
      uint32_t first_clock = 0;
      uint32_t clocks = 0;
      std::size_t events = 0;  // events read (and kept) under it
      bool ended = false;      // it ended; its end is published when the hold ends
    };
    std::vector<WholeHold> wholes;
    // The events the whole holds kept (created at the first), handed on in event-time order when
    // the hold ends (Pipeline::ReleaseHeld), before any mark it held.
    std::unique_ptr<SortedHold> kept;
    SortedHold& Kept() {
      if (!kept) kept = std::make_unique<SortedHold>(Pipeline::kMaxHeldEvents);
      return *kept;
    }
    // True when the whole holds may end: each has ended or read `max_events`; false when there
    // are none.
    // Each input's bound is its own, as when each was held on its own (breaker round 48: a bound
    // over their sum cut every input of `scan exports/*.json` partway, and the rest of a
    // newest-first one came late); their sum is bounded by max_events a held input.
    bool GroupDone(std::size_t max_events) const {
      if (wholes.empty()) return false;
      std::size_t events = 0;
      bool all = true;
      for (const WholeHold& w : wholes) {
        events += w.events;
        all = all && (w.ended || w.events >= max_events);
      }
      return all || events >= max_events * wholes.size();
    }
    // The order of the message at hand's events (MessageOrder), reused.
    std::vector<uint32_t> order;
    std::vector<EventTime> order_keys;
    // Per tenant of the message at hand: the time last marked and the newest event pushed, for
    // the marks between its events (Pipeline::Emit). Reused: no allocation in steady state.
    struct MessageClock {
      uint64_t tenant_hash;
      EventTime marked, last;
    };
    std::vector<MessageClock> message_clocks;
    // Listings and whole holds that go on (nothing is held when 0).
    std::size_t open_listings = 0;
    // Changes whenever a listing or a whole hold begins or ends: what Held answers may differ
    // (ProgressMarks::PublishUnheld asks the entries it held back again only then).
    uint64_t hold_epoch = 0;
    void Recount() {
      open_listings = listings.size() + wholes.size();
      ++hold_epoch;
    }
    // True when this closed a listing.
    bool SetListing(std::size_t source_id, uint64_t tenant_hash, bool goes_on) {
      for (std::size_t i = 0; i < listings.size(); ++i) {
        if (listings[i].source_id != source_id || listings[i].tenant_hash != tenant_hash) continue;
        if (goes_on) return false;
        listings[i] = listings.back();
        listings.pop_back();
        Recount();
        return true;
      }
      if (goes_on) {
        listings.push_back(OpenListing{source_id, tenant_hash});
        Recount();
      }
      return false;
    }
    // A pause or the end of a source ends each of its listings (not its whole hold).
    void EndListings(std::size_t source_id) {
      if (std::erase_if(listings, [&](const OpenListing& l) { return l.source_id == source_id; })) {
        Recount();
      }
    }
    void HoldWhole(std::size_t source_id, uint32_t first_clock, uint32_t clocks) {
      wholes.push_back(WholeHold{source_id, first_clock, clocks, 0});
      Recount();
    }
    // Every whole hold ends: the ids of those that had ended go to `ended`. True when there was
    // one.
    bool EndWholes(std::vector<std::size_t>* ended) {
      ended->clear();
      for (const WholeHold& w : wholes) {
        if (w.ended) ended->push_back(w.source_id);
      }
      const bool any = !wholes.empty();
      wholes.clear();
      Recount();
      return any;
    }
    // The whole holds of inputs that ended end (their ids to `ended`); the others go on.
    void EndEnded(std::vector<std::size_t>* ended) {
      ended->clear();
      for (const WholeHold& w : wholes) {
        if (w.ended) ended->push_back(w.source_id);
      }
      if (std::erase_if(wholes, [](const WholeHold& w) { return w.ended; })) Recount();
    }
    // The whole hold of source `source_id`, or null.
    WholeHold* Whole(std::size_t source_id) {
      for (WholeHold& w : wholes) {
        if (w.source_id == source_id) return &w;
      }
      return nullptr;
    }
    // True while a listing of this tenant (or of several tenants) goes on, or a whole hold of the
    // source `clock_source` belongs to.
    // Whether a listing that goes on holds `tenant_hash` (0: a message of several tenants, held
    // where any listing goes on).
    bool ListingHolds(uint64_t tenant_hash) const {
      return std::any_of(listings.begin(), listings.end(), [&](const OpenListing& l) {
        return l.tenant_hash == tenant_hash || l.tenant_hash == 0 || tenant_hash == 0;
      });
    }
    bool Held(uint64_t tenant_hash, uint32_t clock_source) const {
      for (const OpenListing& l : listings) {
        if (l.tenant_hash == tenant_hash || l.tenant_hash == 0) return true;
      }
      for (const WholeHold& w : wholes) {
        if (clock_source - w.first_clock < w.clocks) return true;
      }
      return false;
    }
    // The listings that go on and the marks they hold, as a checkpoint carries them (a cut or a
    // stop without settling ends no listing: the restart goes on with it). A whole hold is
    // carried as a listing of every tenant of its source (format 6's record: no new format).
    void Save(std::vector<HeldMarkRecord>* out) const {
      out->clear();
      for (const OpenListing& l : listings) {
        out->push_back(HeldMarkRecord{l.tenant_hash, static_cast<uint32_t>(l.source_id), 0, 0, 1});
      }
      for (const WholeHold& w : wholes) {
        const bool listed = std::any_of(
            listings.begin(), listings.end(),
            [&](const OpenListing& l) { return l.source_id == w.source_id && l.tenant_hash == 0; });
        if (!listed) out->push_back(HeldMarkRecord{0, static_cast<uint32_t>(w.source_id), 0, 0, 1});
      }
      marks.ForEachHeld([&](uint64_t tenant, uint32_t source) { return Held(tenant, source); },
                        [&](uint64_t tenant, uint32_t source, EventTime newest) {
                          out->push_back(HeldMarkRecord{tenant, 0, source, newest, 0});
                        });
    }
    // Since when each source has been quiet (ns; 0: a message is the latest thing it gave), for
    // a pause long enough to end its listings (kListingPauseNs).
    std::vector<int64_t> quiet_since;
  };
  // The most events a listing that goes on holds the marks for (dedupe memory grows with it); also
  // the most the whole holds of a parse thread hold together (EmitState::WholeHold).
  static constexpr std::size_t kMaxHeldEvents = std::size_t{1} << 16;
  // A source quiet this long ends its listings (their marks go out): a collector fetches the next
  // page of a Graph listing in well under this (an HTTP round trip, a throttled retry), and one
  // whose rest never comes holds its tenant's timers back no longer than this.
  static constexpr int64_t kListingPauseNs = 10'000'000'000;

  // The events the whole holds kept go to their shards, in event-time order (EmitState::kept),
  // with the progress marks a live read of them would send between them (`with_marks`; not at a
  // cut, which ends no hold), and each source's progress is published; nothing when none is kept.
  // `ended`: the sources among them that ended (EndHold): nothing they read is still to come, so
  // a tenant's marks move all their clocks together.
  void ReleaseHeld(uint32_t queue_parser, EmitState& st, bool with_marks = true,
                   const std::vector<std::size_t>& ended = {});
  // The whole holds end (EmitState::GroupDone): the inputs that ended during them say so in the
  // queues (an input mark of TenantClocks::kEndedInput: none holds a tenant back from there), what
  // they kept is released, then those inputs publish their marks and their end.
  void EndHold(uint32_t queue_parser, EmitState& st);
  // Input `source_id` ended (everything it read is with the shards): its marks go out (only its
  // own while a listing goes on) and its end is published.
  void PublishEnd(uint32_t queue_parser, EmitState& st, std::size_t source_id);

  void ParseLoop(uint32_t parser, std::vector<std::unique_ptr<MessageSource>>& sources,
                 const std::vector<std::size_t>& source_ids);
  // A lane of the fanned-out source: parses its messages, emits each in its turn.
  void LaneLoop(uint32_t lane, MessageSource& source);
  // The steps of one message after its parse, in source order: counts, rejects, admits and pushes
  // its events into `queue_parser`'s queues and sends the marks worth sending. `result` is null
  // for a message that was not parsed (bad frames, a state topic's mark).
  void Emit(uint32_t parser, uint32_t queue_parser, EmitState& st, MessageSource& src,
            std::size_t source_id, const RawMessage& raw, const ParseResult* result,
            int64_t received_ns);
  void SendMarks(uint32_t queue_parser, EmitState& st, bool flush);
  // The marks of the tenants no listing holds (EmitState::Held); `flush` sends all of theirs.
  void SendUnheldMarks(uint32_t queue_parser, EmitState& st, bool flush);
  // A pause of source `source_id`: every clock up but those a listing holds; a pause of
  // kListingPauseNs (since its latest message) ends its listings too.
  void SendPauseMarks(uint32_t queue_parser, EmitState& st, std::size_t source_id);
  void WakeIfPending(EmitState& st) {
    if (!st.wake_batch.pending()) return;
    WakeShards();
    st.wake_batch.Woke();
  }
  void ShardLoop(uint32_t shard);
  // Between two messages of a parse thread: the positions, the marks and the markers of `cut`.
  void MarkCut(uint32_t parser, uint64_t cut, EmitState& st,
               const std::vector<std::unique_ptr<MessageSource>>& sources,
               const std::vector<std::size_t>& source_ids);
  void NotePositions(const std::vector<std::unique_ptr<MessageSource>>& sources,
                     const std::vector<std::size_t>& source_ids,
                     std::atomic<int64_t>* into = nullptr);
  void Push(uint32_t parser, uint32_t shard, const Event& e, uint8_t roles);
  // The same for an event a SortedHold kept packed (ShardQueue::push_packed).
  void PushPacked(uint32_t parser, uint32_t shard, const PackedEvent& packed, const char* strings,
                  uint8_t roles);
  // try_push() until it queues, waiting on a full queue (Push, PushPacked).
  template <class TryPush>
  void PushWaiting(uint32_t parser, uint32_t shard, TryPush&& try_push);
  // Wakes the shards parked on empty queues (after a message's pushes).
  void WakeShards() {
    for (uint32_t s = 0; s < shards_; ++s) shard_wake_[s].Notify();
  }
  // A control change every parked thread must re-check.
  void Signal();
  void PushMark(uint32_t parser, const ProgressMark& mark);
  bool ClockSourceEnded(uint32_t clock_source) const;
  EventTime MaxEventTime(bool* all_done) const;
  ShardQueue& Queue(uint32_t parser, uint32_t shard) { return *queues_[parser * shards_ + shard]; }

  std::shared_ptr<const CompiledConfig> config_;
  uint32_t shards_;
  uint32_t parsers_;
  int64_t lateness_us_;
  std::vector<std::vector<std::unique_ptr<MessageSource>>> sources_by_parser_;
  std::vector<std::vector<std::size_t>> source_ids_by_parser_;
  // Every shard's clocks get every mark, so shard 0's stand for all: it writes them at a cut, and
  // leaves them in final_clocks_ when it stops without settling (SaveStopped writes them).
  std::vector<ClockInputRecord> restored_clocks_;
  // An event's source index (Event::source_index): its source id, up to kUnindexedSource (which
  // stands for every source from there on: their events hold nothing back).
  static constexpr std::size_t kUnindexedSource = 255;
  static uint8_t SourceIndex(std::size_t source_id);
  std::vector<uint32_t> held_inputs_;  // HoldInputsUntilMarked
  // Clock inputs (ids) the sources knew at start (MessageSource::InputsHeldAtStart; run only).
  std::vector<uint32_t> held_at_start_;
  TenantPartitionWatch* tenant_watch_ = nullptr;
  std::function<void()> on_finished_;  // OnFinished
  std::vector<ClockInputRecord> final_clocks_;
  // Held listing marks (HeldMarkRecord): restored before Start() (each parse thread takes its
  // sources' back), and, per parse thread, what it held at its marker of the latest cut (written
  // before its marked_epoch, read by CutState after it) and where it stopped without settling
  // (read by SaveStopped after Wait()).
  std::vector<HeldMarkRecord> restored_held_;
  std::vector<std::vector<HeldMarkRecord>> cut_held_;
  std::vector<std::vector<HeldMarkRecord>> stop_held_;
  std::vector<std::unique_ptr<EventConsumer>> consumers_;
  // Per shard: the events held ahead of their tenant's clock (pipeline/ahead_hold.h), the shard
  // thread's; and, with checkpoints, those it held when its input ended, encoded before it settled
  // (as final_snapshot_; SaveStopped writes them).
  std::vector<std::unique_ptr<AheadHold>> ahead_;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> final_ahead_;
  std::vector<std::unique_ptr<ShardQueue>> queues_;
  std::unique_ptr<ParserProgress[]> progress_;
  std::unique_ptr<SourceProgress[]> source_progress_;
  std::size_t source_count_ = 0;
  // Clock inputs: source i's messages use ids clock_base_[i] + clock_input; clock_owner_[id] is
  // the source (all lanes of a fanned-out source share its ids).
  std::vector<uint32_t> clock_base_;
  std::vector<uint32_t> clock_inputs_;
  std::vector<uint32_t> clock_owner_;
  bool fanned_out_ = false;  // one source read by every parse thread (lanes)
  // By source id: 1 when its marks are held from its start (EmitState::WholeHold): every source
  // of `scan` (finite: files and stdin, no wall clock), and in `run` a file not followed
  // (MessageSource::Finite: all there when read; a live source keeps its latency).
  std::vector<uint8_t> holds_whole_;
  // Fanned-out source: the sequence of the message whose turn it is in the ordered section; the
  // state that section uses; a lane waiting for its turn parks on its turn_wake_.
  // Messages dealt to a lane in a row, parsed before their turn (one RecordParser each):
  // pipeline.fanout_block.
  uint32_t lane_block_ = 1;
  std::atomic<uint64_t> turn_{0};
  std::unique_ptr<EmitState> ordered_;
  std::unique_ptr<EventCount[]> turn_wake_;  // per lane
  std::atomic<uint32_t> lanes_out_{0};       // lanes that left their loop
  std::atomic<bool> lane_saw_end_{false};    // the fanned-out source ended (not stopped)
  std::vector<SourceStats*> source_stats_;   // per source id (null: none)
  PipelineStats& stats_;
  StatsSlots slots_;
  std::vector<int64_t> input_idle_ns_;  // per source: MessageSource::InputIdleNs, or 10 s
  RejectSink* rejects_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> finished_shards_{0};
  std::atomic<bool> settle_on_stop_{true};
  // Cuts (see the top): the control thread raises cut_epoch_, each parse thread notes its sources'
  // positions at its marker in cut_position_ (not overwritten until the next cut, which comes
  // only after every shard aligned on this one) and pushes kCutMarkRoles to every shard; each
  // shard, aligned, saves into cut_writers_[shard], stores how long its queues were held back
  // (shard_held_ns_) and publishes shard_cut_epoch_[shard].
  std::atomic<uint64_t> cut_epoch_{0};
  std::vector<CheckpointShardWriter>* cut_writers_ = nullptr;
  // Per shard, written before it publishes shard_cut_epoch_: its consumer took a snapshot at the
  // cut (EventConsumer::SnapshotState), which Cut() encodes once the shards resumed.
  std::vector<uint8_t> shard_snapshot_;
  // Per shard, written before it finishes (finished_shards_): with checkpoints, a shard whose
  // input ended took a snapshot just before it settled (EventConsumer::SnapshotState), which
  // SaveStopped encodes: the final checkpoint of a `run` whose files ended holds the state as of
  // the input read, pending verdicts pending, so a rerun on more input goes on as one run (k17a).
  std::vector<uint8_t> final_snapshot_;
  // Per shard: 1 from its cut snapshot until EncodeCut is done with it (release): the snapshot at
  // the end of the input overwrites the same copy, so it waits for that.
  std::unique_ptr<std::atomic<uint8_t>[]> snapshot_out_;
  bool checkpoints_ = false;
  std::unique_ptr<std::atomic<uint64_t>[]> shard_cut_epoch_;  // kShardFinished once it returned
  static constexpr uint64_t kShardFinished = UINT64_MAX;
  // Per source: where its parse thread stopped (written before its done), and at its latest
  // marker.
  std::unique_ptr<std::atomic<int64_t>[]> source_position_;
  std::unique_ptr<std::atomic<int64_t>[]> cut_position_;
  std::unique_ptr<std::atomic<int64_t>[]> shard_held_ns_;
  // The parse thread that reads each source (its positions: ParserProgress::marked_epoch).
  std::vector<uint32_t> source_parser_;
  bool started_ = false;
  std::atomic<uint64_t> config_generation_{0};
  // Waiting (pipeline/event_count.h): a shard parks on shard_wake_[shard] when its queues are
  // empty (parse threads notify per batch of pushes and before they may block:
  // pipeline/wake_batch.h); a parse thread parks on parser_wake_ for
  // queue space or other lanes (shards notify after draining); the control thread
  // parks on control_wake_ during a cut. signals_ counts control changes a parked shard must see
  // (config, cut, a source ended, a parse thread done).
  std::unique_ptr<EventCount[]> shard_wake_;
  EventCount parser_wake_;
  EventCount control_wake_;
  std::atomic<uint64_t> signals_{0};
  std::mutex config_mutex_;
  std::shared_ptr<const CompiledConfig> pending_config_;
  std::vector<std::jthread> threads_;
};

// Parse threads the pipeline will run for this many sources: never more threads than sources,
// except one source that `fans_out` (MessageSource::CanFanOut, no checkpoints), which gets all.
// Several finite inputs read whole (`merged`: PipelineSettings::whole_inputs) get one: their
// whole holds are one, sorted together (EmitState::WholeHold), which threads reading them in
// parallel would interleave by timing.
uint32_t ResolveParserCount(uint32_t configured, std::size_t sources, bool fans_out = false,
                            bool merged = false);

// Number of shards to run: the configured count, or one per core when 0.
uint32_t ResolveShardCount(uint32_t configured);

}  // namespace privmon
