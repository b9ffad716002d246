// A checkpoint cut with several parse threads is an aligned marker cut (pipeline/pipeline.h): each
// parse thread pushes its cut marker to every shard between two messages and goes on reading;
// each shard holds back a queue whose marker it drained until it has every parse thread's marker
// (or the parse thread is done), then copies its state and resumes. Before, every parse thread
// stopped until every shard had copied (a pause of the sources). Here, not in tests/app, so that
// the TSan pass (pipeline and sink tests) runs it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/loader.h"
#include "core/stats.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/message_source.h"
#include "pipeline/pipeline.h"
#include "tests/support/handed_source.h"

namespace privmon {
namespace {

// 2026-11-03T00:00:00Z in UTC microseconds.
constexpr int64_t kAlignBase = 1'793'664'000'000'000;

// A sign-in of account `user` at 2026-11-03T00:00:00Z + n seconds (n < 86400): increasing with n.
// Each source's accounts (first letter a, b, c) are of a tenant of their own, so one source's
// times never make another's look far in the future (max_future_skew).
std::string AlignedSignIn(int n, const std::string& user) {
  char time[64];
  std::snprintf(time, sizeof time, "2026-11-03T%02d:%02d:%02dZ", n / 3600 % 24, n / 60 % 60,
                n % 60);
  const std::string tenant = "11111111-2222-3333-4444-55555555555" + user.substr(0, 1);
  return std::string(R"({"time":")") + time + R"(","category":"SignInLogs","tenantId":")" + tenant +
         R"(","resultType":"0","properties":{"id":"al-)" + user + "-" + std::to_string(n) +
         R"(","createdDateTime":")" + time + R"(","userPrincipalName":")" + user +
         R"(@contoso.com","userId":"id-)" + user +
         R"(","status":{"errorCode":0},"clientAppUsed":"Browser"}})";
}

using testing::HandedSource;

// Counts events per source (the last letter of the tenant: 'a' + source index). Its snapshot is
// the counts at the cut; `while_copying`, when set, runs inside the copy (on the shard's thread).
class PerSourceCounter final : public EventConsumer {
 public:
  static constexpr std::size_t kSources = 4;
  void OnEvent(const Event& e, uint8_t) override {
    const std::size_t s = static_cast<std::size_t>(e.tenant_id.view().back() - 'a');
    if (s >= kSources) return;
    counts[s].fetch_add(1);
    times[s].fetch_add(static_cast<uint64_t>(e.time));
  }
  void OnWatermark(EventTime) override {}
  void OnTenantWatermark(uint64_t, EventTime) override {}
  void OnConfig(std::shared_ptr<const CompiledConfig>) override {}
  void OnFinish(EventTime) override {}
  void SaveState(CheckpointShardWriter& out) override {
    SnapshotState();
    EncodeSnapshot(out);
  }
  bool SnapshotState() override {
    for (std::size_t s = 0; s < kSources; ++s) {
      at_cut[s] = counts[s].load();
      times_at_cut[s] = times[s].load();
    }
    copying.store(true);
    if (while_copying) while_copying();
    return true;
  }
  void EncodeSnapshot(CheckpointShardWriter& out) override {
    out.Add(1, CheckpointRoute::kByOrigin, 1, "counts");
  }
  uint64_t total() const {
    uint64_t n = 0;
    for (const auto& c : counts) n += c.load();
    return n;
  }

  std::array<std::atomic<uint64_t>, kSources> counts{};
  // The sum of the event times: which records, not only how many (record n of a source is at
  // base + n seconds).
  std::array<std::atomic<uint64_t>, kSources> times{};
  std::array<uint64_t, kSources> at_cut{};  // shard thread writes, control thread reads after
  std::array<uint64_t, kSources> times_at_cut{};
  std::atomic<bool> copying{false};
  std::function<void()> while_copying;
};

template <class Done>
bool AwaitAligned(Done&& done, std::chrono::seconds bound = std::chrono::seconds(30)) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

struct AlignRig {
  explicit AlignRig(uint32_t parse_threads, std::size_t sources, uint32_t shards = 1) {
    const ConfigLoadResult loaded =
        LoadConfigText("pipeline: {shards: " + std::to_string(shards) + ", parse_threads: " +
                       std::to_string(parse_threads) + ", allowed_lateness: 1h}\n");
    EXPECT_TRUE(loaded.errors.empty());
    std::vector<std::unique_ptr<MessageSource>> owned;
    for (std::size_t i = 0; i < sources; ++i) {
      auto s = std::make_unique<HandedSource>(std::string(1, static_cast<char>('a' + i)));
      src.push_back(s.get());
      owned.push_back(std::move(s));
    }
    std::vector<std::unique_ptr<EventConsumer>> consumers;
    for (uint32_t s = 0; s < shards; ++s) {
      auto c = std::make_unique<PerSourceCounter>();
      counter.push_back(c.get());
      consumers.push_back(std::move(c));
      writers.emplace_back(static_cast<uint16_t>(s));
    }
    stats = std::make_unique<PipelineStats>(shards, parse_threads, 16);
    pipeline = std::make_unique<Pipeline>(loaded.config, std::move(owned), std::move(consumers),
                                          *stats, nullptr, /*checkpoints=*/true);
  }
  uint64_t total() const {
    uint64_t n = 0;
    for (const auto* c : counter) n += c->total();
    return n;
  }
  std::vector<HandedSource*> src;
  std::vector<PerSourceCounter*> counter;
  std::vector<CheckpointShardWriter> writers;
  std::unique_ptr<PipelineStats> stats;
  std::unique_ptr<Pipeline> pipeline;
};

// While the shard copies its state at a cut, a parse thread keeps reading its source: the records
// sent once the copy began are read (queued behind the marker) before the copy ends. Before, both
// parse threads stopped between two messages until every shard had copied and the control thread
// resumed them: the copy waited for the reads to its bound, and no record was read.
TEST(CheckpointAlign, ParseThreadsReadOnWhileTheShardCopiesItsState) {
  AlignRig rig(2, 2);
  ASSERT_EQ(rig.pipeline->parser_count(), 2u);
  HandedSource& a = *rig.src[0];
  HandedSource& b = *rig.src[1];
  PerSourceCounter& counter = *rig.counter[0];
  std::atomic<int64_t> target{INT64_MAX};
  std::atomic<bool> read_during_copy{false};
  counter.while_copying = [&] {
    read_during_copy.store(
        AwaitAligned([&] { return a.read.load() >= target.load(); }, std::chrono::seconds(10)));
  };
  rig.pipeline->Start();
  for (int n = 0; n < 3; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
  for (int n = 0; n < 2; ++n) b.Add(AlignedSignIn(n, "b" + std::to_string(n)));
  ASSERT_TRUE(AwaitAligned([&] { return counter.total() == 5; }));
  std::jthread sender([&] {
    if (!AwaitAligned([&] { return counter.copying.load(); })) return;
    const int64_t before = a.read.load();
    for (int n = 10; n < 20; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
    target.store(before + 10);
  });
  std::vector<int64_t> positions;
  double pause_s = -1;
  ASSERT_TRUE(rig.pipeline->Cut(rig.writers, &positions, &pause_s));
  sender.join();
  EXPECT_TRUE(read_during_copy.load())
      << "no record was read while the shard copied its state: the parse thread stopped";
  EXPECT_EQ(counter.at_cut[0] + counter.at_cut[1], 5u) << "the copy is the state at the cut";
  EXPECT_EQ(positions, (std::vector<int64_t>{3, 2})) << "the positions are those at the markers";
  EXPECT_GE(pause_s, 0.0);
  a.End();
  b.End();
  rig.pipeline->Wait();
  EXPECT_EQ(counter.total(), 15u);
}

// Sources that keep delivering, several parse threads (one of them with two sources), two shards,
// many cuts at arbitrary points: at every cut the shards' copies hold exactly each source's records
// before its position (their count and the sum of their times: records 0..position-1), so a
// restore from any of these cuts that resumes each source at its position goes on with exactly
// the records the copies lack (none twice, none lost): the state of an uninterrupted run.
class CheckpointAlignPositions : public ::testing::TestWithParam<uint32_t> {};

TEST_P(CheckpointAlignPositions, EverySourcesPositionIsWhatTheCopiesHold) {
  constexpr std::size_t kSources = 3;
  AlignRig rig(GetParam(), kSources, 2);
  ASSERT_EQ(rig.pipeline->parser_count(), GetParam());
  rig.pipeline->Start();
  std::atomic<bool> feeding{true};
  std::array<int, kSources> sent{};
  std::vector<std::jthread> feeders;
  for (std::size_t i = 0; i < kSources; ++i) {
    feeders.emplace_back([&, i] {
      const std::string user(1, static_cast<char>('a' + i));
      for (int n = 0; n < 80000 && feeding.load(); ++n) {
        rig.src[i]->Add(AlignedSignIn(n, user + std::to_string(n % 50)));
        sent[i] = n + 1;
        // Bursts and pauses, different per source.
        if (n % (20 + 15 * static_cast<int>(i)) == 0) {
          std::this_thread::sleep_for(std::chrono::microseconds(200 * (i + 1)));
        }
      }
    });
  }
  int cuts = 0;
  for (int k = 0; k < 40; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + k % 7));
    std::vector<int64_t> positions;
    double pause_s = -1;
    ASSERT_TRUE(rig.pipeline->Cut(rig.writers, &positions, &pause_s));
    ++cuts;
    ASSERT_EQ(positions.size(), kSources);
    for (std::size_t i = 0; i < kSources; ++i) {
      const uint64_t held = rig.counter[0]->at_cut[i] + rig.counter[1]->at_cut[i];
      EXPECT_EQ(positions[i], static_cast<int64_t>(held)) << "source " << i << ", cut " << k;
      // Records 0..position-1: times base + n s, n < position.
      const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(0, positions[i]));
      // (Sums wrap modulo 2^64 on both sides.)
      const uint64_t want = n * static_cast<uint64_t>(kAlignBase) + (n * (n - 1) / 2) * 1'000'000u;
      EXPECT_EQ(rig.counter[0]->times_at_cut[i] + rig.counter[1]->times_at_cut[i], want)
          << "source " << i << ", cut " << k << ": not exactly its records before the position";
    }
  }
  feeding.store(false);
  for (auto& f : feeders) f.join();
  for (auto* s : rig.src) s->End();
  rig.pipeline->Wait();
  uint64_t want = 0;
  for (int n : sent) want += static_cast<uint64_t>(n);
  EXPECT_EQ(rig.total(), want);
  EXPECT_EQ(cuts, 40);
}

INSTANTIATE_TEST_SUITE_P(ParseThreads, CheckpointAlignPositions, ::testing::Values(2u, 3u));

// A parse thread that ends while a shard aligns (its source ended inside a receive, so it never
// saw the cut) counts as aligned once its queue is drained: the cut completes, with that source's
// final position and everything it read.
TEST(CheckpointAlign, AParseThreadThatEndsDuringTheAlignmentCountsAsAligned) {
  AlignRig rig(2, 2);
  HandedSource& a = *rig.src[0];
  HandedSource& b = *rig.src[1];
  PerSourceCounter& counter = *rig.counter[0];
  for (int n = 0; n < 4; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
  for (int n = 0; n < 7; ++n) b.Add(AlignedSignIn(n, "b" + std::to_string(n)));
  rig.pipeline->Start();
  ASSERT_TRUE(AwaitAligned([&] { return counter.total() == 11; }));
  b.Hold();
  ASSERT_TRUE(AwaitAligned([&] { return b.waiting.load(); }));
  std::vector<int64_t> positions;
  double pause_s = -1;
  bool ok = false;
  std::jthread control([&] { ok = rig.pipeline->Cut(rig.writers, &positions, &pause_s); });
  // a's marker is in; records of a after it wait; b ends inside its receive.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int n = 10; n < 13; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(counter.copying.load()) << "the shard copied before b's parse thread aligned";
  b.End();
  control.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(positions[1], 7);
  EXPECT_EQ(static_cast<uint64_t>(positions[0]), counter.at_cut[0]);
  EXPECT_EQ(counter.at_cut[1], 7u);
  a.End();
  rig.pipeline->Wait();
  EXPECT_EQ(counter.total(), 14u);
}

// A stop while a shard aligns: the parse thread that had not marked stops (done: aligned), the
// cut completes or reports the pipeline over, and Wait returns.
TEST(CheckpointAlign, AStopDuringTheAlignmentEndsEverything) {
  AlignRig rig(2, 2);
  HandedSource& a = *rig.src[0];
  HandedSource& b = *rig.src[1];
  for (int n = 0; n < 4; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
  rig.pipeline->Start();
  ASSERT_TRUE(AwaitAligned([&] { return rig.counter[0]->total() == 4; }));
  b.Hold();
  ASSERT_TRUE(AwaitAligned([&] { return b.waiting.load(); }));
  std::vector<int64_t> positions;
  double pause_s = -1;
  std::atomic<bool> returned{false};
  std::jthread control([&] {
    (void)rig.pipeline->Cut(rig.writers, &positions, &pause_s);
    returned.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int n = 10; n < 13; ++n) a.Add(AlignedSignIn(n, "a" + std::to_string(n)));
  rig.pipeline->RequestStop();
  b.Release();
  EXPECT_TRUE(AwaitAligned([&] { return returned.load(); }));
  control.join();
  rig.pipeline->Wait();
  EXPECT_TRUE(rig.pipeline->Finished());
}

}  // namespace
}  // namespace privmon
