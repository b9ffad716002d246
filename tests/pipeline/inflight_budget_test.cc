// The ingest byte budget of the fanned-out reader (pipeline/source_fanout.h): a real NDJSON file of
// 48 lines of 1 MiB read by a reader thread for two lanes that do not read yet. The reader stops
// at the 3 MiB budget and waits (counted), the held bytes never pass the budget (the peak gauge),
// and once the lanes read every message, everything is given back (the gauge returns to 0).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "pipeline/message_source.h"
#include "pipeline/source_fanout.h"

namespace privmon {
namespace {

constexpr int kMessages = 48;
constexpr std::size_t kLine = 1u << 20;
constexpr uint64_t kBudget = 3u << 20;

TEST(InflightBudget, TheReaderHoldsAtMostTheBudgetOfLargeMessages) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("privmon_inflight_" + std::to_string(::getpid()) + ".ndjson");
  {
    std::ofstream out(path);
    for (int i = 0; i < kMessages; ++i) out << std::string(kLine - 1, 'a' + i % 26) << '\n';
  }
  PipelineStats stats(1, 2, 0);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path.string();
  zmq::context_t zmq;
  auto lanes = FanOutSource(OpenSource(s, zmq), 2, 256, kBudget, &stats);
  ASSERT_EQ(lanes.size(), 2u);

  // Nobody reads: the reader fills the budget and waits for room.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (stats.inflight_waits.load() == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT(stats.inflight_waits.load(), 0u) << "the reader never waited for the budget";
  EXPECT_LE(stats.inflight_bytes.load(), static_cast<int64_t>(kBudget));
  EXPECT_GE(stats.inflight_bytes.load(), static_cast<int64_t>(2 * kLine));

  // The lanes read everything; every message arrives whole and in source order per lane.
  int read = 0;
  bool ended[2] = {false, false};
  RawMessage raw;
  while (!(ended[0] && ended[1]) && std::chrono::steady_clock::now() < until) {
    for (int lane = 0; lane < 2; ++lane) {
      if (ended[lane]) continue;
      const ReceiveStatus st = lanes[lane]->Receive(raw, std::chrono::milliseconds(10));
      if (st == ReceiveStatus::kEnd) ended[lane] = true;
      if (st != ReceiveStatus::kMessage) continue;
      EXPECT_EQ(raw.payload.size(), kLine - 1);
      EXPECT_EQ(raw.payload[0], static_cast<char>('a' + raw.sequence % 26));
      ++read;
    }
  }
  EXPECT_EQ(read, kMessages);
  EXPECT_LE(stats.inflight_bytes_peak.load(), static_cast<int64_t>(kBudget));
  EXPECT_GE(stats.inflight_bytes_peak.load(), static_cast<int64_t>(2 * kLine));
  EXPECT_EQ(stats.inflight_bytes.load(), 0);  // each lane gave its last message back at kEnd
  lanes.clear();
  std::filesystem::remove(path);
}

// What the slots keep between messages is within the budget too. A slot kept its buffer's
// capacity up to 1 MiB whatever the budget, and the reader cycles through every slot of a lane:
// after a run of 900 KB Event Hubs batches, 256 slots x P lanes kept ~230 MB x P (a scan of such
// batches: 58 MB of RSS with one parse thread, 600 MB with two, 920 MB with three, under the
// default 256 MiB budget). Here 2 lanes of 4 slots under a 4 MiB budget may keep 512 KiB a slot:
// after eight messages of 600 KB, the small messages that follow in the same slots must not sit
// in 600 KB buffers (readable_after shows a slot's capacity past the message).
TEST(InflightBudget, SlotsKeepNoMoreThanTheirShareOfTheBudget) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("privmon_inflight_keep_" + std::to_string(::getpid()) + ".ndjson");
  constexpr std::size_t kLarge = 600'000;
  {
    std::ofstream out(path);
    for (int i = 0; i < 8; ++i) out << std::string(kLarge - 1, 'a' + i) << '\n';
    for (int i = 0; i < 8; ++i) out << "{\"n\":" << i << "}\n";
  }
  PipelineStats stats(1, 2, 0);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path.string();
  zmq::context_t zmq;
  auto lanes = FanOutSource(OpenSource(s, zmq), 2, 4, 4u << 20, &stats);
  ASSERT_EQ(lanes.size(), 2u);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  RawMessage raw;
  // Source order: message n is lane n % 2's (blocks of 1).
  for (uint64_t n = 0; n < 16 && std::chrono::steady_clock::now() < until;) {
    raw.readable_after = 0;
    const ReceiveStatus st = lanes[n % 2]->Receive(raw, std::chrono::milliseconds(10));
    ASSERT_NE(st, ReceiveStatus::kEnd) << "message " << n;
    if (st != ReceiveStatus::kMessage) continue;
    ASSERT_EQ(raw.sequence, n);
    if (n >= 8) {
      EXPECT_LT(raw.readable_after, std::size_t{64} << 10)
          << "message " << n << " (" << raw.payload.size() << " bytes) sits in a buffer of "
          << raw.payload.size() + raw.readable_after << " bytes";
    }
    ++n;
  }
  lanes.clear();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace privmon
