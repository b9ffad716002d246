// CheckpointWorker: the thread that encodes and writes a checkpoint after its cut, at a lower
// scheduling priority than the threads that carry events (docs/operations.md "Checkpoints").
// The control thread takes the cut (Pipeline::CutState: it returns once every shard has aligned on
// the parse threads' cut markers and copied its state) at its own priority, then hands the rest
// (EncodeCut, the wait for the sinks, the file write and fsync) to this thread and waits for it. On
// a machine whose cores are all busy, the parse thread, the shards and the sources' I/O threads
// then run first and the checkpoint gets what they leave: SCHED_BATCH (a wake-up of this thread
// never preempts them) and nice + kNice. The bound: both are ordinary CFS classes, so this thread
// is never starved. Against one busy nice-0 thread on its core it still gets weight 110 against
// 1024 (~10% of that core), so a checkpoint takes at most ~10x its CPU time there, and all of it on
// an idle core. SCHED_IDLE (weight 3, and an unprivileged thread cannot leave it) was not used for
// that reason. Lowering a thread's own priority needs no privilege; failures are ignored (the
// thread then runs at the process's priority, as before). Not thread-safe: one caller (the control
// thread).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace privmon {

class CheckpointWorker {
 public:
  static constexpr int kNice = 10;

  CheckpointWorker();
  ~CheckpointWorker();
  CheckpointWorker(const CheckpointWorker&) = delete;
  CheckpointWorker& operator=(const CheckpointWorker&) = delete;

  // Runs `job` on the worker thread; returns once it has returned.
  void Run(const std::function<void()>& job);
  // The nice value the worker thread runs at: the process's + kNice (at most 19) when lowering it
  // succeeded.
  int nice() const { return nice_; }

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;  // guarded by mutex_
  bool done_ = false;                           // guarded by mutex_
  bool stop_ = false;                           // guarded by mutex_
  int nice_ = 0;                                // set by the worker before its first job
  std::thread thread_;
};

}  // namespace privmon
