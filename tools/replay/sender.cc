#include "tools/replay/sender.h"

namespace privmon {

ReplaySender::ReplaySender(const std::string& endpoint, int connections, int sndhwm,
                           double linger_s, std::string tenant, const std::atomic<bool>* stop)
    : tenant_(std::move(tenant)), context_(1), stop_(stop) {
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

ReplaySender::~ReplaySender() {
  // Closing with linger flushes queued messages; context_ then terminates (member order).
  for (zmq::socket_t& s : sockets_) s.close();
}

}  // namespace privmon
