// A checkpoint cut pauses the sources only while the shards copy their state: the copy is encoded
// on the control thread after the sources resumed, while events go on reaching the shards
// (Pipeline::Cut, EventConsumer::SnapshotState / EncodeSnapshot). Before, every shard encoded its
// whole state at the cut on its own thread while the sources were paused, so every event queued
// behind the cut waited for the slowest shard's encoding (BENCHMARKS.md sessions 11 and 12:
// p99.9 7.3 ms with a checkpoint every second against 1.7 ms without).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/loader.h"
#include "core/checkpoint_format.h"
#include "core/stats.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/message_source.h"
#include "pipeline/pipeline.h"
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

// Messages the test hands over one by one; its position is the count read.
class HandedSource final : public MessageSource {
 public:
  void Add(std::string message) {
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.push_back(std::move(message));
  }
  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
  }
  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!queued_.empty()) {
        current_ = std::move(queued_.front());
        queued_.pop_front();
        out.payload = current_;
        ++read_;
        return ReceiveStatus::kMessage;
      }
      if (ended_) return ReceiveStatus::kEnd;
    }
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
    return ReceiveStatus::kIdle;
  }
  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return true; }
  int64_t Position() const override { return read_; }

 private:
  std::mutex mutex_;
  std::deque<std::string> queued_;
  bool ended_ = false;
  std::string current_;
  int64_t read_ = 0;
  const std::string name_ = "handed";
  const std::string tenant_;
};

// Counts events. Its snapshot is the count at the cut; encoding it waits (up to a generous bound)
// until an event sent after the cut has reached the shard, which can only happen when the sources
// and the shard run while the snapshot is being encoded.
class CountingConsumer final : public EventConsumer {
 public:
  void OnEvent(const Event&, uint8_t) override { events.fetch_add(1); }
  void OnWatermark(EventTime) override {}
  void OnTenantWatermark(uint64_t, EventTime) override {}
  void OnConfig(std::shared_ptr<const CompiledConfig>) override {}
  void OnFinish(EventTime) override {}
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
