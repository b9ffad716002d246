// The fanned-out reader (pipeline/source_fanout.h) on a real NDJSON file: blocks of messages dealt
// round robin with their source-order sequence, the last `block` messages of a lane still readable
// after later ones were handed out (a lane parses a block before it emits it), and a stop request
// ending a source that would never end by itself (a followed file).
#include "pipeline/source_fanout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "core/stats.h"
#include "pipeline/message_source.h"

namespace privmon {
namespace {

std::filesystem::path WriteLines(const std::string& name, int lines) {
  auto path = std::filesystem::temp_directory_path() /
              ("privmon_fanout_" + name + "_" + std::to_string(::getpid()) + ".ndjson");
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i) {
    char line[32];
    std::snprintf(line, sizeof line, "{\"n\":%03d}", i);
    out << line << '\n';
  }
  return path;
}

// Asks `lane` for its next message until it has one or says the source ended, or `until` passes;
// returns the last status (kIdle: `until` passed).
ReceiveStatus ReceiveWithin(MessageSource& lane, RawMessage& raw,
                            std::chrono::steady_clock::time_point until,
                            std::chrono::milliseconds slice = std::chrono::milliseconds(10)) {
  ReceiveStatus st = ReceiveStatus::kIdle;
  while (st == ReceiveStatus::kIdle && std::chrono::steady_clock::now() < until) {
    st = lane.Receive(raw, slice);
  }
  return st;
}

std::string Expected(uint64_t sequence) {
  char line[32];
  std::snprintf(line, sizeof line, "{\"n\":%03d}", static_cast<int>(sequence));
  return line;
}

TEST(SourceFanout, BlocksAreDealtRoundRobinAndTheLastBlockStaysReadable) {
  constexpr int kLines = 40;
  constexpr uint32_t kBlock = 3;
  const auto path = WriteLines("blocks", kLines);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path.string();
  zmq::context_t zmq;
  // Four slots per lane: a slot given back is soon refilled, so a message released too early
  // would be overwritten under its view.
  auto lanes = FanOutSource(OpenSource(s, zmq), 2, 4, UINT64_MAX, nullptr, {}, kBlock);
  ASSERT_EQ(lanes.size(), 2u);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::deque<std::pair<std::string_view, uint64_t>> held[2];  // each lane's last kBlock views
  RawMessage raw;
  // Read as the lanes' parse threads do, in source order: sequence n is lane (n / B) % 2's.
  for (uint64_t n = 0; n < kLines; ++n) {
    const uint32_t lane = (n / kBlock) % 2;
    ASSERT_EQ(ReceiveWithin(*lanes[lane], raw, until), ReceiveStatus::kMessage) << "sequence " << n;
    EXPECT_EQ(raw.sequence, n) << "lane " << lane;
    EXPECT_EQ(raw.payload, Expected(raw.sequence));
    held[lane].emplace_back(raw.payload, raw.sequence);
    if (held[lane].size() > kBlock) held[lane].pop_front();
    for (const auto& [view, sequence] : held[lane]) {  // still intact after later messages
      EXPECT_EQ(view, Expected(sequence)) << "lane " << lane << " at " << n;
    }
  }
  for (auto& lane : lanes) EXPECT_EQ(ReceiveWithin(*lane, raw, until), ReceiveStatus::kEnd);
  lanes.clear();
  std::filesystem::remove(path);
}

TEST(SourceFanout, AStopRequestEndsASourceThatNeverEnds) {
  const auto path = WriteLines("stop", 5);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path.string();
  s.follow = true;  // tail -F: never ends by itself
  zmq::context_t zmq;
  std::atomic<bool> stop{false};
  auto lanes = FanOutSource(OpenSource(s, zmq), 2, 16, UINT64_MAX, nullptr, FanOutStop{&stop}, 1);
  RawMessage raw;
  int read = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read < 5 && std::chrono::steady_clock::now() < until) {
    for (auto& lane : lanes) {
      if (lane->Receive(raw, std::chrono::milliseconds(10)) == ReceiveStatus::kMessage) ++read;
    }
  }
  ASSERT_EQ(read, 5);
  // Followed: nothing more, and no end.
  EXPECT_EQ(lanes[0]->Receive(raw, std::chrono::milliseconds(200)), ReceiveStatus::kIdle);
  stop.store(true);
  for (auto& lane : lanes) {
    EXPECT_EQ(ReceiveWithin(*lane, raw, until, std::chrono::milliseconds(50)), ReceiveStatus::kEnd);
  }
  lanes.clear();
  std::filesystem::remove(path);
}

// A byte budget smaller than two messages: the reader holds one message at a time and waits for
// room (blocked, woken by the lane that gives bytes back), never more than the budget allows.
TEST(SourceFanout, TheReaderWaitsForRoomInTheByteBudget) {
  constexpr int kLines = 40;
  const auto path = WriteLines("budget", kLines);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path.string();
  zmq::context_t zmq;
  PipelineStats stats(1, 2, 16);
  const uint64_t budget = Expected(0).size() + 1;  // one message fits, two do not
  auto lanes = FanOutSource(OpenSource(s, zmq), 2, 4, budget, &stats, {}, 1);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  RawMessage raw;
  for (uint64_t n = 0; n < kLines; ++n) {
    MessageSource& lane = *lanes[n % 2];
    ASSERT_EQ(ReceiveWithin(lane, raw, until), ReceiveStatus::kMessage) << "sequence " << n;
    EXPECT_EQ(raw.payload, Expected(n));
    if (n == 0) {
      // Hold the first message: the reader, with the next one read, has no room and must wait
      // (a consumer that always released first would leave it nothing to wait for).
      while (stats.inflight_waits.load() == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ASSERT_GT(stats.inflight_waits.load(), 0u) << "the reader never waited for the budget";
    }
    lane.ReleaseHandedOut();  // as a lane does after its block
  }
  for (auto& lane : lanes) EXPECT_EQ(ReceiveWithin(*lane, raw, until), ReceiveStatus::kEnd);
  EXPECT_LE(stats.inflight_bytes_peak.load(), static_cast<int64_t>(budget));
  lanes.clear();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace privmon
