#include "pipeline/source_fanout.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "parsers/record_parser.h"
#include "pipeline/event_count.h"
#include "pipeline/spsc_queue.h"

namespace privmon {
namespace {

struct Slot {
  std::string payload;
  std::string tenant_frame;
  uint64_t sequence = 0;  // source order: lane = (sequence / block) % lanes
  const char* frame_error = nullptr;
  uint32_t clock_input = 0;
  bool after_pause = false;  // the source said kIdle just before this message
  bool in_stream = false;    // RawMessage::in_stream
  uint64_t whole_size = 0;   // RawMessage::whole_size
  std::string page_context;  // RawMessage::page_context (kept capacity: no allocation per message)
};

struct Lane {
  Lane(uint32_t slots, uint32_t block)
      : slots(slots), filled(slots), free(slots), refill(std::max(1u, (slots - block) / 4)) {
    for (uint32_t i = 0; i < slots; ++i) free.push(i);
  }
  std::vector<Slot> slots;
  SpscQueue<uint32_t> filled;  // reader -> parse thread
  SpscQueue<uint32_t> free;    // parse thread -> reader
  EventCount filled_wake;      // the parse thread waits here for `filled` (or the end)
  EventCount free_wake;        // the reader waits here for `free` (or the lanes' end)
  // A reader that found the lane full waits until this many slots are free again: one wake per
  // refill, not one per message (a lane behind the reader frees a slot per message).
  uint32_t refill;
};

// Owned by the lanes; the last lane destroyed joins the reader thread (declared last, so it is
// joined before the source and the slots go away).
struct FanoutCore {
  std::unique_ptr<MessageSource> source;
  std::vector<std::unique_ptr<Lane>> lanes;
  std::atomic<bool> ended{false};  // the source has no more messages (all are in `filled`)
  std::atomic<uint32_t> lanes_alive{0};
  uint64_t budget = UINT64_MAX;
  // A slot keeps its buffer between messages up to this capacity: kKeepBytes, or its share of the
  // budget when that is less (the reader cycles through every slot of a lane, so each one ends up
  // as large as the messages it held: lanes x slots of them must stay within the budget).
  std::size_t keep_bytes = kKeepBytes;
  std::atomic<uint64_t> held_bytes{0};  // read, not yet given back by a lane
  EventCount budget_wake;               // the reader waits here for room in the budget
  PipelineStats* stats = nullptr;
  // The sequence of the message after the source's latest pause (kIdle): it had said nothing more
  // after `paused_at` messages. UINT64_MAX: no pause yet.
  std::atomic<uint64_t> paused_at{UINT64_MAX};
  FanOutStop stop;
  uint32_t block = 1;
  std::jthread reader;

  // A lane gives back the bytes of a parsed message.
  void Release(uint64_t bytes) {
    const uint64_t now = held_bytes.fetch_sub(bytes, std::memory_order_acq_rel) - bytes;
    if (stats != nullptr) stats->inflight_bytes.store(static_cast<int64_t>(now));
    budget_wake.Notify();  // one fence and one load unless the reader waits for room
  }
  // Waits for room for `bytes` (blocked until a lane gives bytes back); false when every lane is
  // gone.
  bool Acquire(uint64_t bytes) {
    auto room = [&] {
      const uint64_t held = held_bytes.load(std::memory_order_acquire);
      return held == 0 || held + bytes <= budget;
    };
    if (!room()) {
      if (stats != nullptr) Bump(stats->inflight_waits);
      AwaitUntil(
          budget_wake, [&] { return room() || lanes_alive.load(std::memory_order_acquire) == 0; },
          std::chrono::steady_clock::time_point::max());
      if (!room()) return false;  // every lane is gone
    }
    const uint64_t now = held_bytes.fetch_add(bytes, std::memory_order_acq_rel) + bytes;
    if (stats != nullptr) {
      stats->inflight_bytes.store(static_cast<int64_t>(now));
      if (static_cast<int64_t>(now) > stats->inflight_bytes_peak.load()) {
        stats->inflight_bytes_peak.store(static_cast<int64_t>(now));  // reader thread only
      }
    }
    return true;
  }

  void Read() {
    RawMessage raw;
    uint64_t sequence = 0;
    bool paused = false;  // kIdle since the last message
    bool draining = false;
    std::chrono::steady_clock::time_point drain_deadline;
    while (lanes_alive.load(std::memory_order_acquire) > 0) {
      if (!draining && stop.requested != nullptr &&
          stop.requested->load(std::memory_order_acquire)) {
        source->Stopping(/*checkpointed=*/false);  // a fanned-out source has no checkpoints
        if (!source->DrainsOnStop()) break;
        draining = true;
        drain_deadline = std::chrono::steady_clock::now() + stop.drain_timeout;
      }
      if (draining && std::chrono::steady_clock::now() >= drain_deadline) break;
      const ReceiveStatus status =
          source->Receive(raw, draining ? stop.drain_quiet : std::chrono::milliseconds(50));
      if (status == ReceiveStatus::kEnd) break;
      if (status == ReceiveStatus::kIdle) {
        if (draining) break;  // drained: nothing left that a sender handed over
        paused = true;
        paused_at.store(sequence, std::memory_order_release);
        continue;
      }
      Lane& lane = *lanes[(sequence / block) % lanes.size()];
      uint32_t slot = 0;
      while (!lane.free.pop(slot)) {
        AwaitUntil(
            lane.free_wake,
            [&] {
              return lane.free.read_available() >= lane.refill ||
                     lanes_alive.load(std::memory_order_acquire) == 0;
            },
            std::chrono::steady_clock::time_point::max());
        if (lanes_alive.load(std::memory_order_acquire) == 0) return;
      }
      if (!Acquire(raw.payload.size() + raw.tenant_frame.size())) return;
      // Room for the parser's padding, so the lane's parse thread reads the copy in place.
      lane.slots[slot].payload.reserve(raw.payload.size() + kParsePadding);
      lane.slots[slot].payload.assign(raw.payload);
      lane.slots[slot].tenant_frame.assign(raw.tenant_frame);
      lane.slots[slot].sequence = sequence++;
      lane.slots[slot].frame_error = raw.frame_error;
      lane.slots[slot].clock_input = raw.clock_input;
      lane.slots[slot].after_pause = paused;
      lane.slots[slot].in_stream = raw.in_stream;
      lane.slots[slot].whole_size = raw.whole_size;
      lane.slots[slot].page_context.assign(raw.page_context);
      paused = false;
      lane.filled.push(slot);
      lane.filled_wake.Notify();
    }
    ended.store(true, std::memory_order_release);
    for (auto& l : lanes) l->filled_wake.Notify();
  }
};

class FanoutLane final : public MessageSource {
 public:
  FanoutLane(std::shared_ptr<FanoutCore> core, Lane& lane)
      : core_(std::move(core)), lane_(lane), held_(core_->block) {}
  ~FanoutLane() override {
    core_->lanes_alive.fetch_sub(1, std::memory_order_acq_rel);
    for (auto& l : core_->lanes) l->free_wake.Notify();  // the reader may wait on any lane
    core_->budget_wake.Notify();                         // or for room in the budget
  }
  FanoutLane(const FanoutLane&) = delete;
  FanoutLane& operator=(const FanoutLane&) = delete;

  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    // The oldest held message's views are no longer needed.
    if (held_count_ == held_.size()) ReleaseOldest();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      // Read `ended` first: if it was set, every message is already in `filled`.
      const bool ended = core_->ended.load(std::memory_order_acquire);
      uint32_t slot = 0;
      if (lane_.filled.pop(slot)) {
        held_[(held_head_ + held_count_) % held_.size()] = slot;
        ++held_count_;
        out.payload = lane_.slots[slot].payload;
        out.tenant_frame = lane_.slots[slot].tenant_frame;
        out.sequence = lane_.slots[slot].sequence;
        out.frame_error = lane_.slots[slot].frame_error;
        out.clock_input = lane_.slots[slot].clock_input;
        out.after_pause = lane_.slots[slot].after_pause;
        out.in_stream = lane_.slots[slot].in_stream;
        out.whole_size = lane_.slots[slot].whole_size;
        out.page_context = lane_.slots[slot].page_context;
        out.readable_after = lane_.slots[slot].payload.capacity() - out.payload.size();
        return ReceiveStatus::kMessage;
      }
      if (ended) return ReceiveStatus::kEnd;
      const bool ready = AwaitUntil(
          lane_.filled_wake,
          [&] {
            return lane_.filled.read_available() > 0 ||
                   core_->ended.load(std::memory_order_acquire);
          },
          deadline);
      if (!ready) return ReceiveStatus::kIdle;
    }
  }
  const std::string& name() const override { return core_->source->name(); }
  const std::string& tenant() const override { return core_->source->tenant(); }
  bool multi_tenant() const override { return core_->source->multi_tenant(); }
  uint32_t clock_inputs() const override { return core_->source->clock_inputs(); }
  // The reader drains the source on a stop request; the lane hands out what it read until kEnd.
  bool DrainsOnStop() const override { return core_->source->DrainsOnStop(); }
  // The reader may be waiting for these bytes (max_inflight_bytes): a lane that emitted its
  // messages and finds nothing more must not keep them until `block` later messages come.
  void ReleaseHandedOut() override {
    while (held_count_ > 0) ReleaseOldest();
  }
  bool PausedAfter(uint64_t messages) const override {
    return core_->paused_at.load(std::memory_order_acquire) == messages;
  }

 private:
  void ReleaseOldest() {
    const uint32_t oldest = held_[held_head_];
    held_head_ = (held_head_ + 1) % held_.size();
    --held_count_;
    Slot& done = lane_.slots[oldest];
    core_->Release(done.payload.size() + done.tenant_frame.size());
    if (done.payload.capacity() > core_->keep_bytes) std::string().swap(done.payload);
    lane_.free.push(oldest);
    if (lane_.free.read_available() >= lane_.refill) lane_.free_wake.Notify();
  }

  std::shared_ptr<FanoutCore> core_;
  Lane& lane_;
  // The slots of the last `block` messages handed out, oldest at held_head_: their views stay
  // valid until as many later messages were asked for.
  std::vector<uint32_t> held_;
  std::size_t held_head_ = 0;
  std::size_t held_count_ = 0;
};

}  // namespace

std::vector<std::unique_ptr<MessageSource>> FanOutSource(std::unique_ptr<MessageSource> source,
                                                         uint32_t lanes, uint32_t slots_per_lane,
                                                         uint64_t max_inflight_bytes,
                                                         PipelineStats* stats, FanOutStop stop,
                                                         uint32_t block) {
  auto core = std::make_shared<FanoutCore>();
  core->stop = stop;
  core->block = std::max(1u, std::min(block, slots_per_lane));
  core->source = std::move(source);
  core->budget = max_inflight_bytes;
  core->keep_bytes = static_cast<std::size_t>(std::min<uint64_t>(
      kKeepBytes, max_inflight_bytes / std::max<uint64_t>(1, uint64_t{lanes} * slots_per_lane)));
  core->stats = stats;
  for (uint32_t i = 0; i < lanes; ++i)
    core->lanes.push_back(std::make_unique<Lane>(slots_per_lane, core->block));
  core->lanes_alive.store(lanes, std::memory_order_release);
  std::vector<std::unique_ptr<MessageSource>> out;
  for (uint32_t i = 0; i < lanes; ++i)
    out.push_back(std::make_unique<FanoutLane>(core, *core->lanes[i]));
  core->reader = std::jthread([c = core.get()] { c->Read(); });
  return out;
}

}  // namespace privmon
