// privmon on Kafka with checkpoints: offsets are committed only once a checkpoint covers them, so
// a process SIGKILLed at any point and restarted on the same checkpoint directory and group loses
// nothing and adds nothing. The input (the `mixed` scenario, unkeyed, round robin over 4
// partitions of librdkafka's mock cluster) is read by lives killed midway and a last life stopped
// with SIGTERM once caught up; their alert ids together must equal those of one uninterrupted run
// over the same topic, stopped the same way (with checkpoints, SIGTERM keeps pending verdicts
// pending, so `scan`, which settles them, raises a few more: the reference must be a subset).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kBinary = PRIVMON_BINARY;
const std::string kScenario = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed";
const std::string kDefaultTenant = "bbbbbbbb-0000-4000-8000-000000000003";  // its `args`
constexpr int kPartitions = 4;

// The scenario's config (tenants, lateness) with a Kafka source, a file sink and checkpoints. A
// short session timeout lets the group notice a killed member in seconds.
std::string Config(const std::string& dir, const std::string& name, const MockKafka& kafka,
                   const std::string& group, int port) {
  const std::string path = dir + "/" + name + ".yaml";
  std::ofstream(path) << ReadFile(kScenario + "/config.yaml") << "sources: [{kafka: {brokers: \""
                      << kafka.bootstrap_servers() << "\", topics: [entra], group: " << group
                      << ", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: "
                         "\"500\"}}}]\n"
                      << "sinks: [{file: {path: " << dir << "/" << name << ".jsonl}}]\n"
                      << "metrics: {listen: \"127.0.0.1:" << port << "\"}\n"
                      << "checkpoint: {dir: " << dir << "/cp-" << group << ", interval: 1s}\n";
  return path;
}

// Waits until every partition is assigned, without lag, and nothing more was received for 1.5 s
// (the source's merge has handed out what it held), and no record waits for a lagging partition
// (pipeline/ahead_hold.h: the newest records of the partitions that ran furthest go on once the
// others have been quiet for 10 s; stopped before, a run keeps them pending, as its verdicts);
// `at_least` messages received first (a life that restored a checkpoint covering everything
// receives none).
bool WaitIdle(Child& privmon, int port, double at_least) {
  double last = -1;
  auto since = std::chrono::steady_clock::now();
  const auto idle = [&](const std::string& m) {
    const double received = MetricSum(m, "privmon_messages_received_total", "source=\"kafka\"");
    if (!KafkaCaughtUp(m, kPartitions, at_least) || received != last ||
        MetricSum(m, "privmon_events_held_ahead") != 0) {
      last = received;
      since = std::chrono::steady_clock::now();
      return false;
    }
    return std::chrono::steady_clock::now() - since > 1500ms;
  };
  return WaitForMetrics(privmon, port, idle, 120s, 250ms).has_value();
}

TEST(KafkaCheckpoint, LivesKilledMidwayTogetherRaiseWhatOneUninterruptedRunRaises) {
  const std::string dir = TempDir("kafka-ckpt");
  TempDirCleanup cleanup(dir);
  std::vector<std::string> lines;
  {
    std::ifstream in(kScenario + "/mixed.ndjson");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  ASSERT_EQ(lines.size(), 35u);
  MockKafka kafka;
  kafka.CreateTopic("entra", kPartitions);
  std::size_t fed = 0;
  auto feed_to = [&](std::size_t n) {
    for (; fed < n && fed < lines.size(); ++fed) {
      // A record that names no tenant carries it in the key, as a ZeroMQ tenant frame would.
      const bool names = lines[fed].find("\"tenantId\"") != std::string::npos ||
                         lines[fed].find("\"TenantId\"") != std::string::npos;
      kafka.Produce("entra", static_cast<int32_t>(fed % kPartitions), lines[fed],
                    names ? "" : kDefaultTenant);
    }
    kafka.Flush();
  };

  const auto started = std::chrono::steady_clock::now();
  auto Elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            started)
        .count();
  };
  std::random_device rd;
  const unsigned seed = rd();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wait_ms(100, 2500);
  std::ostringstream plan;
  plan << "seed " << seed;
  feed_to(lines.size() / 2);
  // Two lives killed midway: each follows the topic as it grows, then is SIGKILLed.
  const std::size_t kill_points[] = {lines.size() * 3 / 4, lines.size()};
  std::size_t restored = 0;
  for (int life = 0; life < 2; ++life) {
    const int port = FreeTcpPort();
    const std::string name = "life" + std::to_string(life);
    Child run(Spawn({kBinary, "run", "-c", Config(dir, name, kafka, "lives", port)}, "",
                    dir + "/" + name + ".err"));
    ASSERT_TRUE(WaitIdle(run, port, life == 0 ? 1 : 0)) << ReadFile(dir + "/" + name + ".err");
    plan << " [life " << life << " idle at " << Elapsed() << " s]";
    if (life > 0 &&
        ReadFile(dir + "/" + name + ".err").find("privmon: restored") != std::string::npos) {
      ++restored;
    }
    while (fed < kill_points[life]) {
      feed_to(fed + 1);  // one record every 150 ms: checkpoints fall among them
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    const int wait = wait_ms(rng);
    plan << ", life " << life << " killed " << wait << " ms after offset " << fed;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    const auto code = run.Stop(SIGKILL, std::chrono::seconds(30));
    ASSERT_TRUE(code.has_value()) << plan.str();
  }
  // The last life reads what is left and stops with SIGTERM once idle.
  {
    const int port = FreeTcpPort();
    Child run(Spawn({kBinary, "run", "-c", Config(dir, "life2", kafka, "lives", port)}, "",
                    dir + "/life2.err"));
    ASSERT_TRUE(WaitIdle(run, port, 0)) << ReadFile(dir + "/life2.err");
    plan << " [life 2 idle at " << Elapsed() << " s]";
    if (ReadFile(dir + "/life2.err").find("privmon: restored") != std::string::npos) ++restored;
    ASSERT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/life2.err");
  }
  // The reference: one run of its own group and checkpoint directory over the whole topic.
  {
    const int port = FreeTcpPort();
    Child run(Spawn({kBinary, "run", "-c", Config(dir, "whole", kafka, "whole", port)}, "",
                    dir + "/whole.err"));
    ASSERT_TRUE(WaitIdle(run, port, static_cast<double>(lines.size())))
        << ReadFile(dir + "/whole.err");
    ASSERT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/whole.err");
  }
  EXPECT_GE(restored, 1u) << plan.str();
  std::set<std::pair<std::string, bool>> got;
  for (int life = 0; life < 3; ++life) {
    const auto ids = AlertIds(ReadFile(dir + "/life" + std::to_string(life) + ".jsonl"));
    got.insert(ids.begin(), ids.end());
  }
  const auto want = AlertIds(ReadFile(dir + "/whole.jsonl"));
  ASSERT_GT(want.size(), 10u);
  std::vector<std::pair<std::string, bool>> lost, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(lost));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  EXPECT_TRUE(lost.empty()) << lost.size() << " alerts lost, first " << lost.front().first << "; "
                            << plan.str();
  EXPECT_TRUE(extra.empty()) << extra.size() << " alerts extra, first " << extra.front().first
                             << "; " << plan.str();
  // The uninterrupted run raises only what scan raises (scan settles the pending rest too).
  ASSERT_EQ(RunToExit({kBinary, "scan", "-q", "-c", kScenario + "/config.yaml", "--tenant",
                       kDefaultTenant, kScenario + "/mixed.ndjson"},
                      dir + "/scan.out", dir + "/scan.err"),
            0);
  const auto scan = AlertIds(ReadFile(dir + "/scan.out"));
  EXPECT_TRUE(std::includes(scan.begin(), scan.end(), want.begin(), want.end()));
  std::printf("%s: %zu alerts (scan %zu)\n", plan.str().c_str(), want.size(), scan.size());
}

}  // namespace
}  // namespace privmon::testing
