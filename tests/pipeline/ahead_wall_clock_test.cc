// `run` (wall clock): an input's clock stops at the wall clock (pipeline/progress_marks.h), so a
// record dated ahead of it (a forwarder writing local time as UTC: accepted up to a day ahead)
// cannot be covered by its input's progress. The shard's ahead hold (pipeline/ahead_hold.h) kept
// such a record until the wall clock reached it, less the lateness: a break-glass sign-in stamped
// 1 h ahead raised its PRIV-BG-01 an hour late (breaker round 140). Once the slowest input is
// within the lateness of now, nothing is held.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/loader.h"
#include "core/stats.h"
#include "pipeline/pipeline.h"
#include "tests/support/handed_source.h"

namespace privmon {
namespace {

// A sign-in of `user` at wall time now + `offset_s`, RFC 3339.
std::string SignInAtOffset(int64_t offset_s, const std::string& user) {
  const std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char time[32];
  std::strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(R"({"time":")") + time +
         R"(","category":"SignInLogs","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)" +
         R"("resultType":"50126","properties":{"id":"ahead-)" + user + R"(","createdDateTime":")" +
         time + R"(","userPrincipalName":")" + user + R"(@northwind.example","userId":"id-)" +
         user + R"(","status":{"errorCode":50126},"clientAppUsed":"Browser"}})";
}

class UserCounter final : public EventConsumer {
 public:
  void OnEvent(const Event& e, uint8_t) override {
    if (e.account.upn.view().starts_with("future")) future.fetch_add(1);
    all.fetch_add(1);
  }
  void OnWatermark(EventTime) override {}
  void OnTenantWatermark(uint64_t, EventTime) override {}
  void OnConfig(std::shared_ptr<const CompiledConfig>) override {}
  void OnFinish(EventTime) override {}
  std::atomic<int> future{0};
  std::atomic<int> all{0};
};

template <class Done>
bool AwaitWithin(Done&& done, std::chrono::seconds bound) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(AheadOfTheWallClock, ARecordDatedAheadOfNowIsHandedOnAtOnceInRun) {
  const ConfigLoadResult loaded = LoadConfigText("pipeline: {shards: 1, allowed_lateness: 5m}\n");
  ASSERT_TRUE(loaded.errors.empty());
  ASSERT_TRUE(loaded.config->pipeline.wall_clock);
  auto owned = std::make_unique<testing::HandedSource>("collectors");
  testing::HandedSource& source = *owned;
  std::vector<std::unique_ptr<MessageSource>> sources;
  sources.push_back(std::move(owned));
  auto consumer = std::make_unique<UserCounter>();
  UserCounter& counter = *consumer;
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  consumers.push_back(std::move(consumer));
  PipelineStats stats(1, 1, 16);
  Pipeline pipeline(loaded.config, std::move(sources), std::move(consumers), stats, nullptr,
                    /*checkpoints=*/false);
  pipeline.Start();
  source.Add(SignInAtOffset(-10, "ontime"));
  ASSERT_TRUE(AwaitWithin([&] { return counter.all.load() == 1; }, std::chrono::seconds(30)));
  source.Add(SignInAtOffset(3600, "future"));  // one hour ahead, within the day privmon accepts
  // The feed goes on (a busy collector: its input is never quiet, which would release the hold
  // after the input idle time), so only the hold itself can keep the record back. Generous:
  // only a hang (the hold until the wall clock reaches it) fails this.
  int sent = 2;
  const bool seen = AwaitWithin(
      [&] {
        if (counter.future.load() == 1) return true;
        source.Add(SignInAtOffset(-5, "ontime" + std::to_string(sent++)));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return false;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(seen) << "the record dated 1 h ahead is still held (privmon_events_held_ahead "
                    << stats.shards[0].ahead_held.load() << ")";
  source.End();
  pipeline.Wait();
  EXPECT_EQ(counter.all.load(), sent);
  EXPECT_EQ(counter.future.load(), 1);
}

}  // namespace
}  // namespace privmon
