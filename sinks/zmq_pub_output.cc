#include "sinks/zmq_pub_output.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace privmon {

ZmqPubOutput::ZmqPubOutput(zmq::context_t& context, const std::string& endpoint,
                           int send_high_water_mark)
    : socket_(context, zmq::socket_type::xpub), endpoint_(endpoint) {
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.set(zmq::sockopt::sndhwm, send_high_water_mark);
  socket_.set(zmq::sockopt::xpub_nodrop, true);
  socket_.set(zmq::sockopt::xpub_verboser,
              true);  // every subscribe and unsubscribe, disconnects too
  // The monitor first: the accept of a subscriber connecting at once is an event it must see.
  const std::string monitor_address =
      "inproc://privmon-pub-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  // inproc peers are never "accepted": counted by their subscriptions alone.
  const bool network = endpoint.rfind("inproc://", 0) != 0;
  if (network && zmq_socket_monitor(socket_.handle(), monitor_address.c_str(),
                                    ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) == 0) {
    monitor_ = zmq::socket_t(context, zmq::socket_type::pair);
    monitor_.set(zmq::sockopt::linger, 0);
    monitor_.connect(monitor_address);
    monitored_ = true;
  }
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    if (monitored_) (void)zmq_socket_monitor(socket_.handle(), nullptr, 0);
    throw std::runtime_error("alert sink: cannot bind ZeroMQ PUB on '" + endpoint +
                             "': " + e.what());
  }
}

ZmqPubOutput::~ZmqPubOutput() {
  if (monitored_) (void)zmq_socket_monitor(socket_.handle(), nullptr, 0);
}

void ZmqPubOutput::ReadConnections() {
  if (!monitored_) return;
  zmq::message_t event;
  while (monitor_.recv(event, zmq::recv_flags::dontwait)) {
    // Two frames: the event (uint16 id, uint32 value), then the peer's address.
    if (event.size() >= 2) {
      uint16_t id = 0;
      std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_ACCEPTED) ++connections_;
      if (id == ZMQ_EVENT_DISCONNECTED && connections_ > 0) --connections_;
    }
    zmq::message_t address;
    while (event.more() && monitor_.recv(address, zmq::recv_flags::dontwait)) {
      if (!address.more()) break;
    }
  }
}

void ZmqPubOutput::ReadSubscriptions() {
  zmq::message_t msg;
  while (socket_.recv(msg, zmq::recv_flags::dontwait)) {
    if (msg.size() == 0) continue;
    const auto first = static_cast<const unsigned char*>(msg.data())[0];
    if (first == 1) ++subscriptions_;
    if (first == 0 && subscriptions_ > 0) --subscriptions_;
  }
}

WriteResult ZmqPubOutput::Write(std::string_view line) {
  const std::size_t taken = line.size();
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  try {
    ReadConnections();
    ReadSubscriptions();
    if (subscriptions_ == 0 || (monitored_ && connections_ == 0)) {
      return Dropped(taken, "no subscriber");
    }
    const auto sent =
        socket_.send(zmq::const_buffer(line.data(), line.size()), zmq::send_flags::dontwait);
    if (!sent) return Dropped(taken, "a subscriber is at its high-water mark (not reading)");
    if (dropped_run_ != 0 && (announced_ || NoticeDue())) {
      std::fprintf(stderr,
                   "privmon: sink zmq_pub %s: delivering again after %llu dropped alert(s)\n",
                   endpoint_.c_str(), static_cast<unsigned long long>(dropped_run_));
      dropped_run_ = 0;
      announced_ = false;
      last_notice_ = std::chrono::steady_clock::now();
    }
    return {taken, 0, false};
  } catch (const zmq::error_t& e) {
    return {0, e.num() != 0 ? e.num() : EIO, false};
  }
}

// A PUB socket loses by design; a run of losses is said, not only counted. At most one notice a
// minute: a subscriber at its high-water mark that reads slowly flips the sink between dropping
// and delivering at every alert, which was two lines per alert taken. The recovery line counts
// every drop since the last one said.
bool ZmqPubOutput::NoticeDue() const {
  return !noticed_ || std::chrono::steady_clock::now() - last_notice_ >= kNoticeEvery;
}

WriteResult ZmqPubOutput::Dropped(std::size_t taken, const char* why) {
  ++dropped_run_;
  if (!announced_ && NoticeDue()) {
    std::fprintf(stderr,
                 "privmon: sink zmq_pub %s: %s: alerts are DROPPED until one takes them "
                 "(privmon_alerts_dropped_total)\n",
                 endpoint_.c_str(), why);
    announced_ = noticed_ = true;
    last_notice_ = std::chrono::steady_clock::now();
  }
  return {taken, 0, /*dropped=*/true};
}

std::string ZmqPubOutput::last_endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

}  // namespace privmon
