// A checkpoint cut holds events back only while the shards align on the cut markers and copy their
// state (no source stops): the copy is encoded on the control thread after the shards resumed,
// while events go on reaching the shards
// (Pipeline::Cut, EventConsumer::SnapshotState / EncodeSnapshot). Before, every shard encoded its
// whole state at the cut on its own thread while the sources were paused, so every event queued
// behind the cut waited for the slowest shard's encoding (BENCHMARKS.md sessions 11 and 12:
// p99.9 7.3 ms with a checkpoint every second against 1.7 ms without).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/checkpointer.h"
#include "config/loader.h"
#include "core/checkpoint_format.h"
#include "core/stats.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/message_source.h"
#include "pipeline/pipeline.h"
#include "tests/support/handed_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";

std::string SignInRecord(int n) {
  const std::string time =
      "2026-11-03T10:00:" + std::string(n < 10 ? "0" : "") + std::to_string(n) + "Z";
  return std::string(R"({"time":")") + time + R"(","category":"SignInLogs","tenantId":")" +
         kTenant + R"(","resultType":"0","properties":{"id":"si-)" + std::to_string(n) +
         R"(","createdDateTime":")" + time +
         R"(","userPrincipalName":"user@contoso.com","userId":"id-user",)"
         R"("status":{"errorCode":0},"clientAppUsed":"Browser"}})";
}

using testing::HandedSource;

// The consumers below: clocks, configs and the end mean nothing to them.
class ClockBlindConsumer : public EventConsumer {
 public:
  void OnWatermark(EventTime) override {}
  void OnTenantWatermark(uint64_t, EventTime) override {}
  void OnConfig(std::shared_ptr<const CompiledConfig>) override {}
  void OnFinish(EventTime) override {}
};

// Counts events. Its snapshot is the count at the cut; encoding it waits (up to a generous bound)
// until an event sent after the cut has reached the shard, which can only happen when the sources
// and the shard run while the snapshot is being encoded.
class CountingConsumer final : public ClockBlindConsumer {
 public:
  void OnEvent(const Event&, uint8_t) override { events.fetch_add(1); }
  // A consumer without the two steps would do both at the cut, on the shard's thread.
  void SaveState(CheckpointShardWriter& out) override {
    SnapshotState();
    EncodeSnapshot(out);
  }
  bool SnapshotState() override {
    at_cut = events.load();
    snapshot_taken.store(true);
    return true;
  }
  void EncodeSnapshot(CheckpointShardWriter& out) override {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (events.load() <= at_cut && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    events_during_encoding.store(events.load() > at_cut);
    out.Add(1, CheckpointRoute::kByOrigin, at_cut, "count at the cut");
  }

  std::atomic<uint64_t> events{0};
  uint64_t at_cut = 0;  // shard thread writes, control thread reads after the cut
  std::atomic<bool> snapshot_taken{false};
  std::atomic<bool> events_during_encoding{false};
};

template <class Done>
bool WaitFor(Done&& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(CheckpointCut, EventsReachTheShardWhileItsSnapshotIsEncoded) {
  const ConfigLoadResult loaded = LoadConfigText("pipeline: {shards: 1, allowed_lateness: 0s}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().message;
  auto source = std::make_unique<HandedSource>();
  HandedSource& src = *source;
  auto consumer = std::make_unique<CountingConsumer>();
  CountingConsumer& counting = *consumer;
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(source));
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::move(consumer));
  PipelineStats stats(1, 1, 16);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/true);
  pipeline.Start();
  for (int n = 0; n < 5; ++n) src.Add(SignInRecord(n));
  ASSERT_TRUE(WaitFor([&] { return counting.events.load() == 5; }));

  // The sixth record is sent once the shard has taken its snapshot.
  std::jthread sender([&] {
    if (WaitFor([&] { return counting.snapshot_taken.load(); })) src.Add(SignInRecord(6));
  });
  std::vector<CheckpointShardWriter> writers;
  writers.emplace_back(0);
  std::vector<int64_t> positions;
  double pause_s = 0;
  ASSERT_TRUE(pipeline.Cut(writers, &positions, &pause_s));
  sender.join();

  EXPECT_EQ(counting.at_cut, 5u);
  EXPECT_TRUE(counting.events_during_encoding.load())
      << "no event reached the shard while its snapshot was encoded";
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0], 5) << "the position is the cut's, not where the source is now";
  // The cut's records: the count at the cut (5), not the count when the encoding ended.
  uint64_t key = 0;
  std::size_t records = 0;
  for (const std::string& body : writers[0].partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(body, [&](const CheckpointRecordView& r) {
      if (r.tag == 1) {
        key = r.key;
        ++records;
      }
    }));
  }
  EXPECT_EQ(records, 1u);
  EXPECT_EQ(key, 5u);

  src.End();
  pipeline.Wait();
  EXPECT_EQ(counting.events.load(), 6u);
}

std::string SignInRecordOf(int n, const std::string& user) {
  // n < 60: 10:01:n; 100 <= n < 160: 10:02:(n - 100). Increasing with n, never late.
  const int minute = n < 100 ? 1 : 2, second = n % 100;
  const std::string time = "2026-11-03T10:0" + std::to_string(minute) + ":" +
                           std::string(second < 10 ? "0" : "") + std::to_string(second) + "Z";
  return std::string(R"({"time":")") + time + R"(","category":"SignInLogs","tenantId":")" +
         kTenant + R"(","resultType":"0","properties":{"id":"sj-)" + std::to_string(n) +
         R"(","createdDateTime":")" + time + R"(","userPrincipalName":")" + user +
         R"(@contoso.com","userId":"id-)" + user +
         R"(",)"
         R"("status":{"errorCode":0},"clientAppUsed":"Browser"}})";
}

// Several parse threads: the shard aligns on both parse threads' markers (pipeline/pipeline.h),
// copies the state of everything read before them and resumes; the positions are those at the
// markers (tests/app/checkpoint_align_test.cc has more).
TEST(CheckpointCut, SeveralParseThreadsAlignAndTheCutHoldsEveryoneBeforeIt) {
  const ConfigLoadResult loaded =
      LoadConfigText("pipeline: {shards: 1, parse_threads: 2, allowed_lateness: 0s}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().message;
  auto first = std::make_unique<HandedSource>();
  auto second = std::make_unique<HandedSource>();
  HandedSource& a = *first;
  HandedSource& b = *second;
  auto consumer = std::make_unique<CountingConsumer>();
  CountingConsumer& counting = *consumer;
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(first));
  sources.push_back(std::move(second));
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::move(consumer));
  PipelineStats stats(2, 1, 16);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/true);
  pipeline.Start();
  for (int n = 0; n < 3; ++n) a.Add(SignInRecordOf(n, "a" + std::to_string(n)));
  for (int n = 3; n < 5; ++n) b.Add(SignInRecordOf(n, "b" + std::to_string(n)));
  ASSERT_TRUE(WaitFor([&] { return counting.events.load() == 5; }));
  // A record sent once the shard has copied reaches it after the shard resumed, while the copy
  // is encoded (CountingConsumer waits for it there).
  std::jthread sender([&] {
    if (WaitFor([&] { return counting.snapshot_taken.load(); })) a.Add(SignInRecordOf(150, "c"));
  });
  std::vector<CheckpointShardWriter> writers;
  writers.emplace_back(0);
  std::vector<int64_t> positions;
  double pause_s = -1;
  ASSERT_TRUE(pipeline.Cut(writers, &positions, &pause_s));
  sender.join();
  EXPECT_EQ(counting.at_cut, 5u);
  EXPECT_TRUE(counting.events_during_encoding.load());
  EXPECT_GE(pause_s, 0.0);
  EXPECT_EQ(positions, (std::vector<int64_t>{3, 2}));
  a.End();
  b.End();
  pipeline.Wait();
  EXPECT_EQ(counting.events.load(), 6u);
}

// Two shards. Shard 0's copy at the cut waits (up to a generous bound) until shard 1 has received
// an event sent after shard 0 began copying: that can only happen when the parse thread goes on
// reading while a shard copies.
class ShardPair {
 public:
  class Consumer final : public ClockBlindConsumer {
   public:
    Consumer(ShardPair& pair, int shard) : pair_(pair), shard_(shard) {}
    void OnEvent(const Event&, uint8_t) override { events.fetch_add(1); }
    void SaveState(CheckpointShardWriter& out) override {
      SnapshotState();
      EncodeSnapshot(out);
    }
    bool SnapshotState() override {
      at_cut = events.load();
      if (shard_ != 0) return true;
      copying.store(true);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (pair_.shard1->events.load() <= pair_.shard1_before_send.load() &&
             std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      events_elsewhere_during_copy.store(pair_.shard1->events.load() >
                                         pair_.shard1_before_send.load());
      return true;
    }
    void EncodeSnapshot(CheckpointShardWriter& out) override {
      out.Add(1, CheckpointRoute::kByOrigin, at_cut, "count at the cut");
    }

    std::atomic<uint64_t> events{0};
    uint64_t at_cut = 0;
    std::atomic<bool> copying{false};
    std::atomic<bool> events_elsewhere_during_copy{false};

   private:
    ShardPair& pair_;
    int shard_;
  };
  Consumer* shard0 = nullptr;
  Consumer* shard1 = nullptr;
  std::atomic<uint64_t> shard1_before_send{UINT64_MAX};
};

// With one parse thread a cut is a marker in its stream (Pipeline::Cut): the parse thread does
// not stop, and each shard copies its state when it drains the marker, so the events of one
// shard never wait for another shard's copy, nor for the control thread to resume the sources.
// Before, every parse thread paused until the slowest shard had copied (BENCHMARKS.md session
// 13: a pause of 1-5 ms per cut on a loaded machine, p99 3.7 ms with a checkpoint every second
// against 0.5 ms without); this test then hung to its bound.
TEST(CheckpointCut, OneParseThreadGoesOnWhileAShardCopiesItsState) {
  const ConfigLoadResult loaded = LoadConfigText("pipeline: {shards: 2, allowed_lateness: 0s}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().message;
  auto source = std::make_unique<HandedSource>();
  HandedSource& src = *source;
  ShardPair pair;
  auto c0 = std::make_unique<ShardPair::Consumer>(pair, 0);
  auto c1 = std::make_unique<ShardPair::Consumer>(pair, 1);
  pair.shard0 = c0.get();
  pair.shard1 = c1.get();
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(source));
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::move(c0));
  consumers.push_back(std::move(c1));
  PipelineStats stats(1, 2, 16);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/true);
  pipeline.Start();
  constexpr int kBefore = 5;
  for (int n = 0; n < kBefore; ++n) src.Add(SignInRecordOf(n, "before" + std::to_string(n)));
  ASSERT_TRUE(
      WaitFor([&] { return pair.shard0->events.load() + pair.shard1->events.load() == kBefore; }));

  // Once shard 0 copies, records of 40 accounts follow: some route to shard 1.
  std::jthread sender([&] {
    if (!WaitFor([&] { return pair.shard0->copying.load(); })) return;
    pair.shard1_before_send.store(pair.shard1->events.load());
    for (int n = 0; n < 40; ++n) src.Add(SignInRecordOf(100 + n, "after" + std::to_string(n)));
  });
  std::vector<CheckpointShardWriter> writers;
  writers.emplace_back(0);
  writers.emplace_back(1);
  std::vector<int64_t> positions;
  double pause_s = 0;
  ASSERT_TRUE(pipeline.Cut(writers, &positions, &pause_s));
  sender.join();

  EXPECT_TRUE(pair.shard0->events_elsewhere_during_copy.load())
      << "no event reached shard 1 while shard 0 copied its state: the parse thread waited";
  EXPECT_EQ(pair.shard0->at_cut + pair.shard1->at_cut, static_cast<uint64_t>(kBefore))
      << "the copies are the state at the cut";
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0], kBefore) << "the position is the cut's, not where the source is now";

  src.End();
  pipeline.Wait();
  EXPECT_EQ(pair.shard0->events.load() + pair.shard1->events.load(), kBefore + 40u);
}

// Takes and encodes an empty snapshot at once.
class QuietConsumer final : public ClockBlindConsumer {
 public:
  void OnEvent(const Event&, uint8_t) override {}
  void SaveState(CheckpointShardWriter& out) override { EncodeSnapshot(out); }
  bool SnapshotState() override { return true; }
  void EncodeSnapshot(CheckpointShardWriter& out) override {
    out.Add(1, CheckpointRoute::kByOrigin, 1, "quiet");
  }
};

// A source with nothing to read: its receive waits until the test lets it return (as an idle
// ZeroMQ or followed-file source waits up to its 50 ms timeout), then says kIdle; afterwards it
// waits 1 ms per call, then ends when told to.
class IdleSource final : public MessageSource {
 public:
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }
  void End() { ended_.store(true); }
  ReceiveStatus Receive(RawMessage&, std::chrono::milliseconds timeout) override {
    if (ended_.load()) return ReceiveStatus::kEnd;
    std::unique_lock<std::mutex> lock(mutex_);
    waiting.store(true);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
    lock.unlock();
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
    return ReceiveStatus::kIdle;
  }
  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return true; }
  int64_t Position() const override { return 0; }

  std::atomic<bool> waiting{false};

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool released_ = false;
  std::atomic<bool> ended_{false};
  const std::string name_ = "idle";
  const std::string tenant_;
};

// privmon_checkpoint_pause_seconds is the time events were held back by the cut: from the parse
// thread stopping between two messages to the sources resuming. A parse thread that is waiting in
// an idle source's receive when the cut is raised holds no event back until that receive returns;
// before, the pause counted from the cut's start and so included that wait (the ~48 ms p99 of
// every latency run with checkpoints, BENCHMARKS.md session 12). No timing bound: the pause starts
// after the test released the receive and ends before Cut returns, so it is at most the time the
// test measures between the two, whatever the machine's load; the test holds the receive 300 ms
// before releasing it, which the old measure always included.
TEST(CheckpointCut, ThePauseLeavesOutAParseThreadsWaitInAnIdleReceive) {
  const ConfigLoadResult loaded = LoadConfigText("pipeline: {shards: 1, allowed_lateness: 0s}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().message;
  auto source = std::make_unique<IdleSource>();
  IdleSource& src = *source;
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(source));
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::make_unique<QuietConsumer>());
  PipelineStats stats(1, 1, 16);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/true);
  pipeline.Start();
  ASSERT_TRUE(WaitFor([&] { return src.waiting.load(); }));

  std::vector<CheckpointShardWriter> writers;
  writers.emplace_back(0);
  std::vector<int64_t> positions;
  double pause_s = -1;
  bool cut_ok = false;
  std::jthread control([&] { cut_ok = pipeline.Cut(writers, &positions, &pause_s); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto released = std::chrono::steady_clock::now();
  src.Release();
  control.join();
  const double since_release =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - released).count();

  EXPECT_TRUE(cut_ok);
  EXPECT_GE(pause_s, 0.0);
  EXPECT_LE(pause_s, since_release)
      << "the pause (" << pause_s << " s) counts the parse thread's wait in the idle receive, "
      << "held 300 ms before the release (" << since_release << " s before Cut returned)";

  src.End();
  pipeline.Wait();
}

// Records the scheduling class and nice value of the thread that encodes its snapshot.
class PriorityRecordingConsumer final : public ClockBlindConsumer {
 public:
  void OnEvent(const Event&, uint8_t) override {}
  void SaveState(CheckpointShardWriter& out) override {
    SnapshotState();
    EncodeSnapshot(out);
  }
  bool SnapshotState() override { return true; }
  void EncodeSnapshot(CheckpointShardWriter& out) override {
    encoded_on = std::this_thread::get_id();
    policy = sched_getscheduler(0);
    errno = 0;
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    out.Add(1, CheckpointRoute::kByOrigin, 1, "x");
  }
  std::thread::id encoded_on;
  int policy = -1;
  int nice = -100;
};

// A periodic checkpoint is encoded and written after its cut at a lower priority than the threads
// that carry events (app/checkpoint_worker.h: SCHED_BATCH, nice + 10): on a machine whose cores
// are busy, the shards and the parse thread run first (BENCHMARKS.md session 13). Before, the
// control thread encoded and wrote at the process's own priority.
TEST(CheckpointCut, APeriodicCheckpointIsEncodedAtALowerPriority) {
  const ConfigLoadResult loaded = LoadConfigText("pipeline: {shards: 1, allowed_lateness: 0s}\n");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().message;
  auto source = std::make_unique<HandedSource>();
  HandedSource& src = *source;
  auto consumer = std::make_unique<PriorityRecordingConsumer>();
  PriorityRecordingConsumer& recording = *consumer;
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(source));
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::move(consumer));
  PipelineStats stats(1, 1, 16);
  CheckpointSettings settings;
  const std::string priority_dir = testing::TempDir("checkpoint-priority");
  testing::TempDirCleanup cleanup_priority(priority_dir);
  settings.dir = priority_dir + "/cp";
  settings.interval_s = 1;
  Checkpointer checkpointer(settings, stats, 1);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/true);
  pipeline.Start();
  errno = 0;
  const int own_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  checkpointer.Periodic(pipeline);
  src.End();
  pipeline.Wait();

  EXPECT_EQ(stats.checkpoints.failures.load(), 0u);
  EXPECT_EQ(stats.checkpoints.duration.count.load(), 1u) << "no checkpoint written";
  EXPECT_NE(recording.encoded_on, std::this_thread::get_id())
      << "encoded on the control thread, at its priority";
  EXPECT_EQ(recording.policy, SCHED_BATCH);
  EXPECT_EQ(recording.nice, std::min(19, own_nice + 10));
}

// The control thread writes the file from its pieces (the header, then every partition's buffer
// of every shard) without joining them: the file is byte for byte the encoded checkpoint, and
// the writers, emptied for the next checkpoint, keep nothing of this one.
TEST(CheckpointCut, AFileWrittenInPiecesIsTheEncodedCheckpoint) {
  std::vector<CheckpointShardWriter> writers;
  for (uint16_t s = 0; s < 3; ++s) {
    writers.emplace_back(s);
    for (uint64_t k = 1; k <= 200; ++k) {
      writers.back().Add(1, CheckpointRoute::kByKey, k * 7919 + s, std::string(k % 13, 'a' + s));
    }
  }
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : writers) parts.push_back(&w);
  CheckpointHeader h;
  h.layout = 42;
  h.shards = 3;
  h.sequence = 1;
  h.sources.push_back({"file.ndjson", 1234});
  const std::string header = EncodeCheckpointHeader(h, parts);
  std::vector<std::string_view> pieces{header};
  for (uint32_t p = 0; p < kCheckpointPartitions; ++p) {
    for (const auto* w : parts) pieces.push_back(w->partitions()[p]);
  }
  const std::string dir = testing::TempDir("checkpoint-pieces");
  testing::TempDirCleanup cleanup_pieces(dir);
  CheckpointStore store(dir + "/cp");
  ASSERT_EQ(store.Write(pieces), "");
  EXPECT_EQ(testing::ReadFile(store.PathOf(1)), EncodeCheckpoint(h, parts));
  for (auto& w : writers) {
    w.Clear();
    EXPECT_EQ(w.bytes(), 0u);
  }
}

}  // namespace
}  // namespace privmon
