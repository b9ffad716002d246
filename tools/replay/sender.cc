#include "tools/replay/sender.h"

#include <chrono>
#include <memory>
#include <thread>

namespace privmon {

ReplaySender::ReplaySender(const std::string& endpoint, int connections, int sndhwm,
                           double linger_s, std::string tenant, const std::atomic<bool>* stop)
    : tenant_(std::move(tenant)), context_(1), stop_(stop), linger_s_(linger_s) {
  sockets_.reserve(static_cast<std::size_t>(connections));
  for (int i = 0; i < connections; ++i) {
    zmq::socket_t s(context_, zmq::socket_type::push);
    s.set(zmq::sockopt::sndhwm, sndhwm);
    s.set(zmq::sockopt::sndtimeo, 100);  // wake to check the stop flag while blocked
    s.set(zmq::sockopt::linger, static_cast<int>(linger_s * 1000));
    s.set(zmq::sockopt::immediate, 1);  // queue only to connected peers: no silent loss
    s.connect(endpoint);
    sockets_.push_back(std::move(s));
  }
}

ReplaySender::~ReplaySender() { (void)Finish(); }

ReplaySender::Finished ReplaySender::Finish(const std::atomic<int>* signals) {
  if (finished_) return Finished::kDelivered;
  finished_ = true;
  const auto start = std::chrono::steady_clock::now();
  // Closing with linger flushes queued messages; the context's termination waits for them.
  auto close = [this] {
    for (zmq::socket_t& s : sockets_) s.close();
    context_.close();
  };
  if (signals == nullptr || linger_s_ < kShortestCheckedLingerS) {
    close();
  } else {
    const int seen = signals->load(std::memory_order_relaxed);
    auto done = std::make_shared<std::atomic<bool>>(false);  // outlives a detached closer
    std::thread closer([close, done] {
      close();
      done->store(true, std::memory_order_release);
    });
    while (!done->load(std::memory_order_acquire)) {
      if (signals->load(std::memory_order_relaxed) != seen) {
        closer.detach();  // the caller exits at once; the thread dies with the process
        return Finished::kInterrupted;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    closer.join();
  }
  if (linger_s_ < kShortestCheckedLingerS) return Finished::kUnchecked;
  const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
  // Ran out: the wait reached the linger (ZeroMQ's timer fires no earlier than the linger).
  return waited.count() < linger_s_ ? Finished::kDelivered : Finished::kLingerRanOut;
}

}  // namespace privmon
