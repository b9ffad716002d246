// WakeBatch: when a parse thread wakes the shards parked on their EventCount. A futex wake per
// message costs a syscall on the parse thread and a context switch on the shard's core for a few
// microseconds of work, so a parked shard is woken once a batch of pushes is queued (kPushes), or
// once the oldest unwoken push is kDelayNs old (measured at message receipt), or before the parse
// thread may block: when its source has nothing ready (an immediate verdict never waits for more
// input), at a cut, at a source's end, on back-pressure and when it stops. A shard that is not
// parked sees pushes anyway (it polls its queues); the batch only spares the wakes.
// Two policies: Latency() for `run` (64 pushes or 200 us: a verdict waits at most that for its
// shard), Throughput() for `scan`, which reads the wall clock for nothing and whose shards need
// only enough queued work to keep up (1024 pushes or 5 ms: a sixteenth of the wakes, each a futex
// syscall on the parse thread that bounds a scan, and a context switch on the shard's core).
// Owned by one parse thread (not thread-safe); no allocation; O(1) per call.
#pragma once

#include <cstdint>

namespace privmon {

class WakeBatch {
 public:
  static constexpr uint32_t kPushes = 64;
  static constexpr int64_t kDelayNs = 200'000;
  static constexpr uint32_t kThroughputPushes = 1024;
  static constexpr int64_t kThroughputDelayNs = 5'000'000;

  static WakeBatch Latency() { return WakeBatch(kPushes, kDelayNs); }
  static WakeBatch Throughput() { return WakeBatch(kThroughputPushes, kThroughputDelayNs); }

  // `n` messages were pushed to shard queues; `now_ns` is the receipt time of the message read
  // last.
  void Pushed(uint32_t n, int64_t now_ns) {
    if (n == 0) return;
    if (pending_ == 0) first_ns_ = now_ns;
    pending_ += n;
  }
  bool pending() const { return pending_ != 0; }
  // A full batch, or the oldest unwoken push waited long enough.
  bool Due(int64_t now_ns) const {
    return pending_ >= pushes_ || (pending_ != 0 && now_ns - first_ns_ >= delay_ns_);
  }
  void Woke() { pending_ = 0; }

 private:
  WakeBatch(uint32_t pushes, int64_t delay_ns) : pushes_(pushes), delay_ns_(delay_ns) {}

  uint32_t pushes_;
  int64_t delay_ns_;
  uint32_t pending_ = 0;
  int64_t first_ns_ = 0;
};

}  // namespace privmon
