// ZeroMQ side of `privmon replay`: C PUSH sockets connected to one endpoint, messages dealt
// round-robin, each sent as one frame or as [tenant, payload]. Sends block under back-pressure
// (high-water mark) but wake every 100 ms to honour the stop flag. Destruction closes the sockets
// with the configured linger, so messages already queued are delivered first. One thread only.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "pipeline/framed_line.h"

namespace privmon {

class ReplaySender {
 public:
  // Throws zmq::error_t when the endpoint is malformed or cannot be connected.
  ReplaySender(const std::string& endpoint, int connections, int sndhwm, double linger_s,
               std::string tenant, const std::atomic<bool>* stop);
  ~ReplaySender();

  // Closes the sockets and ends the context: waits up to the linger for the messages still
  // queued to be taken. kLingerRanOut when the linger ran out first: ZeroMQ then discards what
  // is left, without a word (PUSH has no acknowledgement), so the wait's length tells (breaker
  // round 141: replay said "sent 9000" and exited 0 while `run` had received 3,561). kUnchecked
  // with a linger under kShortestCheckedLingerS (nothing known). kInterrupted when `signals` (a
  // count of SIGINT/SIGTERM) moved during the wait: the close goes on in a detached thread, so the
  // caller must exit at once (std::_Exit) without destroying this sender (breaker round 142:
  // Ctrl-C waited out the 30 s linger). Idempotent (then kDelivered); the destructor calls it.
  enum class Finished { kDelivered, kLingerRanOut, kUnchecked, kInterrupted };
  // A shorter linger cannot be told from the close's own time (10 ms or more): kUnchecked
  // (breaker round 143: --linger 0.02 reported a loss on every healthy run).
  static constexpr double kShortestCheckedLingerS = 0.1;
  Finished Finish(const std::atomic<int>* signals = nullptr);

  // Sends one line as one message: a framed line ("<tenant>\t<payload>", pipeline/framed_line.h)
  // as [tenant, payload], else [--tenant, line] or the line alone. False when stopped before it
  // was accepted. While blocked it calls on_wait() every 100 ms (to refresh progress).
  // `outlives_sender`: the line's bytes stay valid and unchanged until this sender is destroyed
  // (an input held in memory): ZeroMQ then sends them where they lie (a constant message: no
  // allocation and no copy of each message in this thread), else it copies them.
  template <typename OnWait>
  bool Send(std::string_view line, OnWait&& on_wait, bool outlives_sender = false) {
    zmq::socket_t& s = sockets_[next_];
    next_ = (next_ + 1) % sockets_.size();
    const FramedLine framed = SplitFramedLine(line);
    // --tenant is this sender's own (it outlives every message it queued); a framed line's tenant
    // is part of the line.
    const bool tenant_outlives = framed.tenant.empty() || outlives_sender;
    const std::string_view tenant = framed.tenant.empty() ? tenant_ : framed.tenant;
    if (!tenant.empty() &&
        !SendFrame(s, tenant, zmq::send_flags::sndmore, on_wait, tenant_outlives)) {
      return false;
    }
    return SendFrame(s, framed.payload, zmq::send_flags::none, on_wait, outlives_sender);
  }

 private:
  template <typename OnWait>
  bool SendFrame(zmq::socket_t& s, std::string_view data, zmq::send_flags flags, OnWait& on_wait,
                 bool outlives_sender) {
    if (outlives_sender) {
      // A constant message (no free function): libzmq reads the bytes where they are, as late as
      // its I/O thread writes them, which is before the context's termination in ~ReplaySender.
      zmq::message_t msg(const_cast<char*>(data.data()), data.size(), nullptr, nullptr);
      for (;;) {
        if (s.send(msg, flags)) return true;  // a failed send leaves msg as it was
        if (stop_->load(std::memory_order_relaxed)) return false;
        on_wait();
      }
    }
    for (;;) {
      if (s.send(zmq::const_buffer(data.data(), data.size()), flags)) return true;
      if (stop_->load(std::memory_order_relaxed)) return false;
      on_wait();
    }
  }

  // Declared before context_: queued messages may point into it until the context terminates.
  std::string tenant_;
  zmq::context_t context_;
  std::vector<zmq::socket_t> sockets_;
  std::size_t next_ = 0;
  const std::atomic<bool>* stop_;
  double linger_s_;
  bool finished_ = false;
};

}  // namespace privmon
