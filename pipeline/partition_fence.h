// PartitionFence: who may write a state partition's checkpoints (README "Running N instances").
// Each state partition's directory holds `epoch` (a u64 in text) and `lock` (flocked around every
// read or change of the epoch). A process assigned the partition claims it: epoch + 1, written
// durably, becomes its fencing token. Every checkpoint write then re-reads the epoch under the lock
// and is refused when the file holds a newer one: another process claimed the partition since (this
// one lost it, e.g. a session timeout while it was stalled: a zombie). librdkafka 2.0.2 exposes no
// group generation, so this claim epoch is the fencing token. Works across processes sharing the
// directory (a shared filesystem with flock). Control thread only; every call does file I/O.
#pragma once

#include <cstdint>
#include <string>

namespace privmon {

class PartitionFence {
 public:
  // Claims the partition whose checkpoints live in `dir` (created when missing, mode 0750).
  // Returns false with *error set when the epoch cannot be read or written durably.
  bool Claim(const std::string& dir, std::string* error);
  uint64_t epoch() const { return epoch_; }

  // Holds the fence's flock for a write: ok() is true when the write may go on (no newer claim).
  class Guard {
   public:
    explicit Guard(const PartitionFence& fence);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    bool ok() const { return ok_; }
    uint64_t found() const { return found_; }  // the epoch the file holds
    const std::string& error() const { return error_; }

   private:
    int fd_ = -1;
    bool ok_ = false;
    uint64_t found_ = 0;
    std::string error_;
  };

 private:
  std::string dir_;
  uint64_t epoch_ = 0;
};

}  // namespace privmon
