#include "app/checkpoint_worker.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace privmon {

CheckpointWorker::CheckpointWorker() {
  std::unique_lock<std::mutex> lock(mutex_);
  thread_ = std::thread([this] { Loop(); });
  // The worker sets its priority before it waits for its first job: nice() is known on return.
  cv_.wait(lock, [&] { return done_; });
  done_ = false;
}

CheckpointWorker::~CheckpointWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CheckpointWorker::Run(const std::function<void()>& job) {
  std::unique_lock<std::mutex> lock(mutex_);
  job_ = &job;
  done_ = false;
  cv_.notify_all();
  cv_.wait(lock, [&] { return done_; });
}

void CheckpointWorker::Loop() {
  pthread_setname_np(pthread_self(), "privmon-ckpt");
  // Linux: both apply to the calling thread only (a thread id, not the process).
  sched_param param{};
  (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, tid);
  if (errno != 0) nice = 0;
  const int lower = std::min(19, nice + kNice);
  if (::setpriority(PRIO_PROCESS, tid, lower) == 0) nice = lower;
  std::unique_lock<std::mutex> lock(mutex_);
  nice_ = nice;
  done_ = true;
  cv_.notify_all();
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || job_ != nullptr; });
    if (job_ == nullptr) return;  // stopping
    const std::function<void()>* job = job_;
    job_ = nullptr;
    lock.unlock();
    (*job)();
    lock.lock();
    done_ = true;
    cv_.notify_all();
  }
}

}  // namespace privmon
