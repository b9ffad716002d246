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

  // Sends one line as one message: a framed line ("<tenant>\t<payload>", pipeline/framed_line.h)
  // as [tenant, payload], else [--tenant, line] or the line alone. False when stopped before it
  // was accepted. While blocked it calls on_wait() every 100 ms (to refresh progress).
  template <typename OnWait>
  bool Send(std::string_view line, OnWait&& on_wait) {
    zmq::socket_t& s = sockets_[next_];
    next_ = (next_ + 1) % sockets_.size();
    const FramedLine framed = SplitFramedLine(line);
    const std::string_view tenant = framed.tenant.empty() ? tenant_ : framed.tenant;
    if (!tenant.empty() && !SendFrame(s, tenant, zmq::send_flags::sndmore, on_wait)) return false;
    return SendFrame(s, framed.payload, zmq::send_flags::none, on_wait);
  }

 private:
  template <typename OnWait>
  bool SendFrame(zmq::socket_t& s, std::string_view data, zmq::send_flags flags, OnWait& on_wait) {
    for (;;) {
      if (s.send(zmq::const_buffer(data.data(), data.size()), flags)) return true;
      if (stop_->load(std::memory_order_relaxed)) return false;
      on_wait();
    }
  }

  zmq::context_t context_;
  std::vector<zmq::socket_t> sockets_;
  std::size_t next_ = 0;
  std::string tenant_;
  const std::atomic<bool>* stop_;
};

}  // namespace privmon
