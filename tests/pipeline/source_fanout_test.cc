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
#include <zmq.hpp>

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
    ReceiveStatus st = ReceiveStatus::kIdle;
    while (st == ReceiveStatus::kIdle && std::chrono::steady_clock::now() < until) {
      st = lanes[lane]->Receive(raw, std::chrono::milliseconds(10));
    }
    ASSERT_EQ(st, ReceiveStatus::kMessage) << "sequence " << n;
    EXPECT_EQ(raw.sequence, n) << "lane " << lane;
    EXPECT_EQ(raw.payload, Expected(raw.sequence));
    held[lane].emplace_back(raw.payload, raw.sequence);
    if (held[lane].size() > kBlock) held[lane].pop_front();
    for (const auto& [view, sequence] : held[lane]) {  // still intact after later messages
      EXPECT_EQ(view, Expected(sequence)) << "lane " << lane << " at " << n;
    }
  }
  for (auto& lane : lanes) {
    ReceiveStatus st = ReceiveStatus::kIdle;
    while (st == ReceiveStatus::kIdle && std::chrono::steady_clock::now() < until) {
      st = lane->Receive(raw, std::chrono::milliseconds(10));
    }
    EXPECT_EQ(st, ReceiveStatus::kEnd);
  }
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
    ReceiveStatus st = ReceiveStatus::kIdle;
    while (st == ReceiveStatus::kIdle && std::chrono::steady_clock::now() < until) {
      st = lane->Receive(raw, std::chrono::milliseconds(50));
    }
    EXPECT_EQ(st, ReceiveStatus::kEnd);
  }
  lanes.clear();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace privmon
