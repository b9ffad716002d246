// EventConsumer: what a shard thread feeds. The pipeline owns one consumer per shard and calls it
// only from that shard's thread, so an implementation needs no locks. One virtual call per event
// (never per field). Implemented in detectors/ (the detection engine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/checkpoint_format.h"
#include "core/config.h"
#include "core/event.h"

namespace privmon {

// Which of an event's accounts this shard owns: the event's `account`, its `actor`, or both; or,
// for a record naming neither (an audit record no user or app initiated and no user is the target
// of: kRouteTenant), none: its tenant's shard counts it, drops its redeliveries and dates the
// tenant by it, and no rule judges it.
enum RouteRole : uint8_t { kRouteAccount = 1, kRouteActor = 2, kRouteTenant = 4 };

class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  virtual void OnEvent(const Event& event, uint8_t roles) = 0;
  // A hint: `event` will reach OnEvent soon (the shard looks a few messages ahead,
  // pipeline/shard_queue.h). Only its fixed fields are set: its strings are still packed in the
  // queue and read empty here. An implementation may start loading the state the event will touch;
  // it must change nothing OnEvent does. Cheap, no allocation.
  virtual void Prefetch(const Event& /*event*/, uint8_t /*roles*/) {}
  // Event-time watermark of every tenant: no event older than this is expected any more.
  virtual void OnWatermark(EventTime watermark) = 0;
  // Watermark of one tenant (DESIGN.md section 4: event time is per tenant). Never moves back.
  virtual void OnTenantWatermark(uint64_t tenant_hash, EventTime watermark) = 0;
  // The shard's queues are empty for now: a moment for gauges (cheap; may be called often).
  virtual void OnIdle() {}
  // A new configuration (SIGHUP). Account state is kept.
  virtual void OnConfig(std::shared_ptr<const CompiledConfig> config) = 0;
  // Input is over: fire every pending verdict as of event time `final_time`, then stop.
  virtual void OnFinish(EventTime final_time) = 0;
  // Checkpoints (docs/operations.md "Checkpoints"). SaveState: at a cut, on the shard's thread,
  // its queues drained: append every piece of state as records. LoadState: before the pipeline
  // starts, from the control thread, once per record routed to this shard; false when the record
  // is malformed. OnRestored: every record was loaded. ReserveState: before the first LoadState,
  // how many records of kind `tag` will reach this shard, so its tables grow once.
  virtual void SaveState(CheckpointShardWriter& /*out*/) {}
  // A checkpoint cut in two steps, so the shard's events wait for a copy, not for the encoding.
  // SnapshotState: at the cut, on the shard's thread, its queues drained: copies the state
  // SaveState would write (bounded work: flat copies into buffers kept from the last cut, no
  // encoding) and returns true; false (the default): no snapshot, SaveState runs at the cut on the
  // shard's thread instead. EncodeSnapshot: after the cut, on the control thread, while the shard
  // goes on with events and before the next cut: appends that copy as the records SaveState would
  // have appended at the cut. Only the snapshot is shared between the two threads.
  virtual bool SnapshotState() { return false; }
  virtual void EncodeSnapshot(CheckpointShardWriter& /*out*/) {}
  virtual void ReserveState(uint8_t /*tag*/, std::size_t /*records*/) {}
  virtual bool LoadState(const CheckpointRecordView& /*record*/) { return true; }
  virtual void OnRestored() {}
};

}  // namespace privmon
