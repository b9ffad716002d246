// What a ZeroMQ source's receive costs the parse thread in system calls when its socket is empty.
// At half load the parse thread asks its source with no timeout after every message, before it
// wakes the shards (pipeline.cc), and mostly finds it empty: each poll(2) there is paid once per
// message. libzmq's non-blocking receive already looks at the socket's mailbox (one poll(2) with
// no timeout) and then at the queue again; the source used to follow it with zmq_poll, which asked
// for the socket's events (another poll(2) on the mailbox), polled the socket's fd, and received
// once more (BENCHMARKS.md session 13). poll(2) is counted here by interposing it in this test
// binary (libzmq calls it through the dynamic linker), on the calling thread only.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>
#include <zmq.hpp>

#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace {
thread_local bool counting_polls = false;
thread_local int polls = 0;
}  // namespace

extern "C" __attribute__((visibility("default"))) int poll(struct pollfd* fds, nfds_t n,
                                                           int timeout) {
  using PollFn = int (*)(struct pollfd*, nfds_t, int);
  static const auto real = reinterpret_cast<PollFn>(dlsym(RTLD_NEXT, "poll"));
  if (counting_polls) ++polls;
  return real(fds, n, timeout);
}

namespace privmon {
namespace {

TEST(ZmqReceiveCalls, AnEmptySocketAskedWithNoTimeoutCostsOnePoll) {
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(testing::FreeTcpPort());
  SourceSettings s;
  s.type = SourceType::kZmqPull;
  s.endpoint = endpoint;
  s.bind = true;
  zmq::context_t ctx(1);
  auto source = OpenSource(s, ctx, nullptr, 4096);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 5000);
  push.connect(endpoint);
  // One message through first: the connection is up and the reader has been activated once.
  push.send(zmq::str_buffer("{\"first\":1}"), zmq::send_flags::none);
  RawMessage m;
  ReceiveStatus st = ReceiveStatus::kIdle;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (st != ReceiveStatus::kMessage && std::chrono::steady_clock::now() < until) {
    st = source->Receive(m, std::chrono::milliseconds(100));
  }
  ASSERT_EQ(st, ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, "{\"first\":1}");

  constexpr int kAsks = 100;
  int idle = 0;
  counting_polls = true;
  polls = 0;
  for (int i = 0; i < kAsks; ++i) {
    if (source->Receive(m, std::chrono::milliseconds(0)) == ReceiveStatus::kIdle) ++idle;
  }
  counting_polls = false;
  EXPECT_EQ(idle, kAsks);
  EXPECT_LE(polls, kAsks) << polls << " poll(2) calls for " << kAsks
                          << " receives with no timeout on an empty socket";

  // With a timeout the receive still waits for a message sent meanwhile.
  push.send(zmq::str_buffer("{\"second\":2}"), zmq::send_flags::none);
  st = ReceiveStatus::kIdle;
  while (st != ReceiveStatus::kMessage && std::chrono::steady_clock::now() < until) {
    st = source->Receive(m, std::chrono::milliseconds(100));
  }
  ASSERT_EQ(st, ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, "{\"second\":2}");
}

}  // namespace
}  // namespace privmon
