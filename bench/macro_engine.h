// In-process detection-engine measurements for the macro harness (item 5): resident bytes per
// tracked account (RSS delta from /proc/self/statm after creating N accounts, beside the engine's
// own MemoryBytes()), and steady-state records/s of one engine at a given account count. One
// DetectionEngine fed by SignInStream on the calling thread, the watermark advanced and the alert
// queue drained every 1024 events, as a shard thread does: FeedBatched hands the events over in
// windows with the engine's Prefetch hint kPrefetchDistance ahead (pipeline/shard_queue.h), Feed
// one at a time without it.
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/signin_stream.h"
#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"
#include "pipeline/shard_queue.h"
#include "pipeline/spsc_queue.h"

namespace privmon::bench {

inline int64_t ResidentBytes() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

class EngineRig {
 public:
  // Each account signs in once per kRevisit of event time whatever the account count, so 10k and
  // 10M accounts differ only in how many there are: with a fixed step per event, 10M accounts
  // would each be revisited after 116 days, past the 14-day learning period, and every event
  // would evict and re-create its account (a churn benchmark, not a steady state).
  static constexpr EventTime kRevisit = 3600 * kMicrosPerSecond;
  explicit EngineRig(uint64_t accounts)
      : alerts_(1u << 14),
        tenants_(16),
        stream_(accounts, 0, std::max<EventTime>(1, kRevisit / static_cast<EventTime>(accounts))) {
    engine_ = std::make_unique<DetectionEngine>(BuiltinDefaultConfig(), alerts_, stats_, tenants_);
  }

  // Feeds `events` sign-ins of the round-robin stream; returns the seconds it took.
  double Feed(uint64_t events) {
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t n = 0; n < events; ++n) {
      engine_->OnEvent(stream_.Next(), kRouteAccount);
      if ((n & 1023) == 1023) Drain();
    }
    Drain();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // As Feed, in windows of 128 events as a shard drains its queue, with the Prefetch hint.
  double FeedBatched(uint64_t events) {
    constexpr uint64_t kWindow = 128;  // divides the 1024 events between two drains
    std::vector<Event> window(kWindow, stream_.last());
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t n = 0; n < events; n += kWindow) {
      const uint64_t count = std::min(kWindow, events - n);
      for (uint64_t i = 0; i < count; ++i) stream_.NextInto(window[i]);
      ForEachAhead(
          count, kPrefetchDistance, [&](std::size_t i) -> const Event& { return window[i]; },
          [&](const Event& e) { engine_->OnEvent(e, kRouteAccount); },
          [&](const Event& e) { engine_->Prefetch(e, kRouteAccount); });
      if (((n + count) & 1023) == 0) Drain();
    }
    Drain();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  const DetectionEngine& engine() const { return *engine_; }

 private:
  void Drain() {
    engine_->OnWatermark(stream_.time() - 300 * kMicrosPerSecond);
    alerts_.consume_all([](const Alert&) {});
  }

  SpscQueue<Alert> alerts_;
  ShardStats stats_;
  TenantCounters tenants_;
  SignInStream stream_;
  std::unique_ptr<DetectionEngine> engine_;
};

struct AccountMemory {
  double rss_bytes_per_account = 0;     // resident-set growth / accounts (after malloc_trim)
  double engine_bytes_per_account = 0;  // DetectionEngine::MemoryBytes() / accounts
  double table_bytes_per_account = 0;   // AccountTable::MemoryBytes() / accounts
};

// Creates `accounts` accounts (one sign-in each) in a fresh engine and measures what they hold.
inline AccountMemory MeasureAccountMemory(uint64_t accounts) {
  malloc_trim(0);
  const int64_t before = ResidentBytes();
  EngineRig rig(accounts);
  rig.Feed(accounts);
  malloc_trim(0);  // freed pre-growth tables are not state
  const int64_t after = ResidentBytes();
  const auto n = static_cast<double>(rig.engine().accounts().size());
  return {static_cast<double>(after - before) / n,
          static_cast<double>(rig.engine().MemoryBytes()) / n,
          static_cast<double>(rig.engine().accounts().MemoryBytes()) / n};
}

}  // namespace privmon::bench
