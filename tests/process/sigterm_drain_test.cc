// SIGTERM drains ZeroMQ (issue 14): a real PUSH sender hands 50,000 messages to a real
// `privmon run` and closes (its linger returns once every message is written to the socket);
// SIGTERM right after. Every message the sender handed over is counted in privmon's summary:
// what sat in the ZeroMQ receive queue and the kernel buffers was read, not dropped. With two
// parse threads the one socket is fanned out: its reader drains it, the lanes parse what it read.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "tests/app/determinism_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

class SigtermDrain : public ::testing::TestWithParam<int> {};

TEST_P(SigtermDrain, EveryMessageASenderHandedOverIsProcessed) {
  constexpr int kMessages = 50'000;
  const std::string dir = TempDir("sigterm_drain");
  TempDirCleanup cleanup(dir);
  const int port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2, parse_threads: " << GetParam() << ", source_drain_timeout: 30s}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/run.out",
                      dir + "/run.err"));
  ASSERT_TRUE(WaitReady(privmon, metrics_port)) << ReadFile(dir + "/run.err");

  const std::vector<std::string> lines = privmon_test::Lines(privmon_test::ReadFile(
      std::filesystem::path(PRIVMON_SOURCE_DIR) / "tests/data/pipeline/stream.ndjson"));
  ASSERT_FALSE(lines.empty());
  {
    zmq::context_t ctx(1);
    zmq::socket_t push(ctx, zmq::socket_type::push);
    push.set(zmq::sockopt::sndhwm, 0);  // the whole burst queues at once
    push.set(zmq::sockopt::linger, -1);
    push.connect(endpoint);
    for (int i = 0; i < kMessages; ++i) {
      push.send(zmq::buffer(lines[static_cast<std::size_t>(i) % lines.size()]),
                zmq::send_flags::none);
    }
    push.close();
    ctx.close();  // returns once every message is written to the TCP connection
  }
  const auto code = privmon.Stop(SIGTERM, std::chrono::seconds(60));
  const std::string err = ReadFile(dir + "/run.err");
  ASSERT_TRUE(code.has_value()) << err;
  EXPECT_EQ(*code, 0) << err;
  EXPECT_NE(err.find("SIGTERM received"), std::string::npos) << err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(privmon: (\d+) messages,)"))) << err;
  EXPECT_EQ(std::stoll(m[1].str()), kMessages) << err;
  if (GetParam() > 1) {
    EXPECT_NE(err.find("records per parse thread"), std::string::npos) << err;
  }
}

INSTANTIATE_TEST_SUITE_P(ParseThreads, SigtermDrain, ::testing::Values(1, 2));

}  // namespace
}  // namespace privmon::testing
