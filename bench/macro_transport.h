// Row 3t of the macro harness: the transport alone. `privmon replay` sends the same input, the
// same way as in row 3, into a ZeroMQ PULL socket of this process that counts and discards every
// message; so row 3's ratio to 3t shows what `privmon run` adds to ZeroMQ TCP loopback itself.
// The PULL socket's receive high-water mark is privmon's default (core/config.h, 10000).
// Blocking, harness-only code.
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bench/macro_process.h"

namespace privmon::bench {

// Messages/s that a discarding PULL socket receives from `privmon replay` (unpaced), timed from
// its first message to its last, like row 3 (which times from the first to the last processed).
inline double TransportAloneRate(const std::string& privmon, const std::string& dir,
                                 const std::string& input, uint64_t records,
                                 const std::string& tenant) {
  using Clock = std::chrono::steady_clock;
  zmq::context_t ctx(1);
  zmq::socket_t pull(ctx, zmq::socket_type::pull);
  pull.set(zmq::sockopt::rcvhwm, 10000);
  pull.set(zmq::sockopt::linger, 0);
  pull.set(zmq::sockopt::rcvtimeo, 1000);
  pull.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
  const pid_t replay =
      Spawn({privmon, "replay", "--quiet", "--to", endpoint, "--tenant", tenant, input},
            "/dev/null", dir + "/replay-transport.err");
  uint64_t seen = 0;
  Clock::time_point first{}, last{};
  const auto deadline = Clock::now() + std::chrono::seconds(300);
  zmq::message_t msg;
  while (seen < records) {
    if (pull.recv(msg, zmq::recv_flags::none)) {
      if (msg.more()) continue;  // the tenant frame of a [tenant, payload] message
      last = Clock::now();
      if (seen++ == 0) first = last;
      continue;
    }
    if (Clock::now() > deadline) {
      kill(replay, SIGTERM);
      WaitExit(replay);
      throw std::runtime_error("transport alone: only " + std::to_string(seen) + " messages");
    }
  }
  if (WaitExit(replay) != 0) {
    throw std::runtime_error("replay (transport alone) failed: " +
                             ReadText(dir + "/replay-transport.err"));
  }
  const double s = std::chrono::duration<double>(last - first).count();
  return s > 0 ? static_cast<double>(seen - 1) / s : 0;
}

}  // namespace privmon::bench
