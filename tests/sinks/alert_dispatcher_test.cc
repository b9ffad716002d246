#include "sinks/alert_dispatcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

namespace privmon {
namespace {

// Records what the dispatcher writes, and the thread it writes from.
class MemoryOutput final : public AlertOutput {
 public:
  struct Log {
    std::mutex mu;
    std::vector<std::string> lines;
    int flushes = 0;
  };
  explicit MemoryOutput(Log& log) : log_(log) {}
  void Write(std::string_view line) override {
    std::lock_guard lock(log_.mu);
    log_.lines.emplace_back(line);
  }
  void Flush() override {
    std::lock_guard lock(log_.mu);
    ++log_.flushes;
  }

 private:
  Log& log_;
};

Alert NumberedAlert(uint64_t id) {
  Alert a;
  a.rule = RuleId::kSI01;
  a.alert_id = id;
  a.tenant_id.assign("t1");
  return a;
}

TEST(AlertDispatcher, DrainsTwoShardQueuesAndStopLosesNone) {
  constexpr uint64_t kPerProducer = 20000;
  SpscQueue<Alert> q0(256), q1(256);  // small, so producers often find them full
  PipelineStats stats(2, 1, 4);
  MemoryOutput::Log log;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("privmon_dispatch_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  std::filesystem::remove(path);
  std::vector<std::unique_ptr<AlertOutput>> outputs;
  outputs.push_back(std::make_unique<MemoryOutput>(log));
  outputs.push_back(std::make_unique<FileOutput>(path, true));
  AlertDispatcher dispatcher({&q0, &q1}, std::move(outputs), &stats);

  const auto produce = [](SpscQueue<Alert>& q, uint64_t base) {
    for (uint64_t i = 0; i < kPerProducer; ++i) {
      const Alert a = NumberedAlert(base + i);
      while (!q.push(a)) std::this_thread::yield();
    }
  };
  {
    std::jthread p0(produce, std::ref(q0), 0);
    std::jthread p1(produce, std::ref(q1), 1'000'000);
  }
  dispatcher.Stop();

  EXPECT_EQ(stats.alerts_written.load(), 2 * kPerProducer);
  ASSERT_EQ(log.lines.size(), 2 * kPerProducer);
  EXPECT_GE(log.flushes, 1);
  std::set<std::string> ids;
  for (const auto& line : log.lines) {
    ASSERT_EQ(line.back(), '\n');
    ids.insert(line.substr(13, 16));  // {"alert_id":"<16 hex>"
  }
  EXPECT_EQ(ids.size(), 2 * kPerProducer);
  std::ifstream in(path);
  std::size_t file_lines = 0;
  for (std::string l; std::getline(in, l);) ++file_lines;
  EXPECT_EQ(file_lines, 2 * kPerProducer);
}

TEST(AlertDispatcher, FlushesWhileRunningWhenTheQueuesRunDry) {
  SpscQueue<Alert> q(16);
  MemoryOutput::Log log;
  std::vector<std::unique_ptr<AlertOutput>> outputs;
  outputs.push_back(std::make_unique<MemoryOutput>(log));
  AlertDispatcher dispatcher({&q}, std::move(outputs), nullptr);
  ASSERT_TRUE(q.push(NumberedAlert(7)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    {
      std::lock_guard lock(log.mu);
      if (log.flushes > 0) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::lock_guard lock(log.mu);
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_EQ(log.lines[0].substr(0, 30), R"({"alert_id":"0000000000000007")");
}

TEST(AlertDispatcher, StopIsIdempotent) {
  SpscQueue<Alert> q(4);
  AlertDispatcher dispatcher({&q}, {}, nullptr);
  dispatcher.Stop();
  dispatcher.Stop();
}

}  // namespace
}  // namespace privmon
