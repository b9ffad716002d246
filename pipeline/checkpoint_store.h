// CheckpointStore: the checkpoint directory (docs/operations.md "Checkpoints"). Writes a file
// atomically (a temporary file in the same directory, fsync, rename, fsync of the directory: a
// reader sees a complete file or none), keeps the newest kKeep, and on start finds the newest
// usable one, falling back past corrupt ones (each refusal explained), then routes its records to
// the shards' consumers as events are routed. Files are named checkpoint-<sequence>.pmck, mode
// 0640. Control thread only; every call does file I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/checkpoint_format.h"
#include "pipeline/ahead_hold.h"
#include "pipeline/event_consumer.h"
#include "pipeline/partition_fence.h"

namespace privmon {

class CheckpointStore {
 public:
  static constexpr std::size_t kKeep = 3;

  // Creates the directory when missing (mode 0750) and holds an exclusive flock on it for the
  // store's life. Throws std::runtime_error when it cannot, or when another store
  // (another process) holds the directory.
  // With a `fence` (a state partition's directory, shared by a group's processes): no lifelong
  // flock; every Write instead checks the fence under its lock and is refused when another process
  // claimed the partition since (last_write_fenced()). The fence must outlive the store.
  explicit CheckpointStore(std::string dir, const PartitionFence* fence = nullptr);
  ~CheckpointStore();
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Writes `bytes` as the next checkpoint and prunes old ones. Returns "" or the reason it failed
  // (the previous checkpoints are then untouched).
  std::string Write(const std::string& bytes);
  // The same for a file given as pieces written one after the other (a header, then the shards'
  // partition buffers: no copy of the whole file is made).
  std::string Write(std::span<const std::string_view> pieces);
  bool last_write_fenced() const { return last_write_fenced_; }

  enum class Found { kNone, kLoaded, kNoneUsable };
  // Reads the newest usable checkpoint into *bytes / *out (views into *bytes). `notes` gets one
  // line per file refused and why.
  Found LoadLatest(std::span<const uint32_t> layouts, std::string* bytes, DecodedCheckpoint* out,
                   std::string* path, std::vector<std::string>* notes);

  // Sequence numbers of the checkpoint files present, newest first.
  std::vector<uint64_t> Sequences() const;
  std::string PathOf(uint64_t sequence) const;
  uint64_t next_sequence() const { return next_sequence_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int lock_fd_ = -1;
  const PartitionFence* fence_ = nullptr;
  bool last_write_fenced_ = false;
  uint64_t next_sequence_ = 1;
};

// Hands every record of `checkpoint` to the consumer of the shard that owns it (route kByKey: by
// account key, as events are routed; kByOrigin: its origin shard, or every shard when the shard
// count changed), then calls OnRestored. Returns "" or why a record was refused. The pipeline's
// own records go to the vectors given (clock inputs, held listing marks, PRIV-OP-01's watches,
// events held ahead of their tenant's clock); a null vector drops its records.
std::string RestoreCheckpoint(const DecodedCheckpoint& checkpoint,
                              const std::vector<EventConsumer*>& consumers,
                              std::vector<ClockInputRecord>* clock_inputs = nullptr,
                              std::vector<HeldMarkRecord>* held_marks = nullptr,
                              std::vector<SilenceRecord>* silences = nullptr,
                              std::vector<AheadEventRecord>* ahead = nullptr);

}  // namespace privmon
