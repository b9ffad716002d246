#include "sinks/zmq_pub_output.h"

#include <cerrno>
#include <stdexcept>

namespace privmon {

ZmqPubOutput::ZmqPubOutput(zmq::context_t& context, const std::string& endpoint,
                           int send_high_water_mark)
    : socket_(context, zmq::socket_type::xpub) {
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.set(zmq::sockopt::sndhwm, send_high_water_mark);
  socket_.set(zmq::sockopt::xpub_nodrop, true);
  socket_.set(zmq::sockopt::xpub_verboser,
              true);  // every subscribe and unsubscribe, disconnects too
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("alert sink: cannot bind ZeroMQ PUB on '" + endpoint +
                             "': " + e.what());
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
    ReadSubscriptions();
    if (subscriptions_ == 0) return {taken, 0, /*dropped=*/true};
    const auto sent =
        socket_.send(zmq::const_buffer(line.data(), line.size()), zmq::send_flags::dontwait);
    if (!sent) return {taken, 0, /*dropped=*/true};  // EAGAIN: a subscriber is at its HWM
    return {taken, 0, false};
  } catch (const zmq::error_t& e) {
    return {0, e.num() != 0 ? e.num() : EIO, false};
  }
}

std::string ZmqPubOutput::last_endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

}  // namespace privmon
