// An idle source costs a busy one nothing (breaker round 9): a real `privmon run` with one parse
// thread reading a file beside a ZeroMQ source nobody sends to. Before, each round of the parse
// loop waited 10 ms in the idle socket, so the file went through at ~100 messages a second (2,000
// would take 20 s); it must be read whole well within the generous bound below, which only
// catches that wait, not a benchmark. Real process, real socket, real /metrics endpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::Child;
using testing::FreeTcpPort;
using testing::GenInput;
using testing::MetricSum;
using testing::ReadFile;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;
using testing::WaitForMetrics;

TEST(IdleSource, AnIdleZeroMqSourceDoesNotHoldBackAFileOnTheSameParseThread) {
  const std::string binary = PRIVMON_BINARY;
  const std::string dir = TempDir("idlesrc");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(GenInput(dir + "/in.ndjson",
                     {"--tenants", "1", "--accounts", "50", "--days", "1", "--records", "2000"}),
            0);
  const int port = FreeTcpPort();
  const int zmq_port = FreeTcpPort();
  const std::string config = dir + "/run.yaml";
  std::ofstream(config) << "sources:\n"
                        << "  - zmq: {endpoint: \"tcp://127.0.0.1:" << zmq_port
                        << "\", bind: true, name: idle}\n"
                        << "  - file: {path: \"" << dir << "/in.ndjson\", name: busy}\n"
                        << "sinks:\n  - file: {path: \"" << dir << "/alerts.jsonl\"}\n"
                        << "metrics: {listen: \"127.0.0.1:" << port << "\"}\n"
                        << "dead_letter: {path: off}\npipeline: {parse_threads: 1}\n";
  Child run(Spawn({binary, "run", "-c", config}, "", dir + "/err"));
  const auto read_all = [](const std::string& m) {
    return MetricSum(m, "privmon_messages_received_total", "source=\"busy\"") >= 2000;
  };
  const std::string text =
      WaitForMetrics(run, port, read_all, std::chrono::seconds(10)).value_or("");
  EXPECT_FALSE(text.empty()) << "the file was not read whole in 10 s beside an idle source\n"
                             << ReadFile(dir + "/err");
  EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/err");
}

}  // namespace
}  // namespace privmon
