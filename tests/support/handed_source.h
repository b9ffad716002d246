// A MessageSource a test feeds by hand: messages handed over with Add are read one per Receive;
// its position is the count read (atomic: a test may watch it while a parse thread reads). Hold
// makes Receive wait (up to 30 s, until Release or End) as an idle socket waits for its timeout;
// End makes it report the end once the queue is drained. Thread-safe: one reader (the parse
// thread) and any number of test threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "pipeline/message_source.h"

namespace privmon::testing {

class HandedSource final : public MessageSource {
 public:
  explicit HandedSource(std::string name = "handed") : name_(std::move(name)) {}
  void Add(std::string message) {
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.push_back(std::move(message));
  }
  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    cv_.notify_all();
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = false;
    cv_.notify_all();
  }
  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (held_) {
      waiting.store(true);
      cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !held_ || ended_; });
    }
    if (!queued_.empty()) {
      current_ = std::move(queued_.front());
      queued_.pop_front();
      out.payload = current_;
      read.fetch_add(1);
      return ReceiveStatus::kMessage;
    }
    if (ended_) return ReceiveStatus::kEnd;
    lock.unlock();
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
    return ReceiveStatus::kIdle;
  }
  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return true; }
  int64_t Position() const override { return read.load(); }

  std::atomic<int64_t> read{0};      // messages read so far
  std::atomic<bool> waiting{false};  // Receive has waited on a hold

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queued_;
  bool ended_ = false;
  bool held_ = false;
  std::string current_;
  const std::string name_;
  const std::string tenant_;
};

}  // namespace privmon::testing
