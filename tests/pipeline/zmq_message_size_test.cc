// A ZeroMQ source bounds what one peer can make it hold: a message above max_message_bytes still
// arrives (the parser rejects it as oversized, counted), one above max(1 MiB, 4 x
// max_message_bytes) disconnects its sender instead of being buffered, and other senders go on.
// Real sockets on loopback, the real source.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <zmq.hpp>

#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

std::string Receive(MessageSource& source) {
  RawMessage m;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (source.Receive(m, std::chrono::milliseconds(100)) == ReceiveStatus::kMessage) {
      return std::string(m.payload);
    }
  }
  return "(nothing)";
}

TEST(ZmqMessageSize, AnAbsurdMessageDisconnectsItsSenderAndOthersGoOn) {
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(testing::FreeTcpPort());
  SourceSettings s;
  s.type = SourceType::kZmqPull;
  s.endpoint = endpoint;
  s.bind = true;
  zmq::context_t ctx(1);
  auto source = OpenSource(s, ctx, nullptr, /*max_message_bytes=*/1024);
  const std::string oversized(8 * 1024, 'o');  // above max_message_bytes, below the cap
  const std::string absurd(2 << 20, 'a');      // above the 1 MiB cap
  {
    zmq::socket_t push(ctx, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 5000);
    push.connect(endpoint);
    push.send(zmq::buffer(oversized), zmq::send_flags::none);
    push.send(zmq::buffer(absurd), zmq::send_flags::none);
    EXPECT_EQ(Receive(*source), oversized) << "above max_message_bytes: delivered, for the parser";
  }
  zmq::socket_t other(ctx, zmq::socket_type::push);
  other.set(zmq::sockopt::linger, 5000);
  other.connect(endpoint);
  other.send(zmq::str_buffer("after"), zmq::send_flags::none);
  EXPECT_EQ(Receive(*source), "after") << "the absurd message was not delivered";
}

}  // namespace
}  // namespace privmon
