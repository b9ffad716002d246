// State over months of event time (issue 12, docs/operations.md "Bounded state"): one long-lived
// DetectionEngine (builtin config, every rule on) fed generated sign-ins spanning months, sampled
// every simulated month for resident memory (RSS after malloc_trim), tracked accounts, known
// values and the engine's own byte count. Traffic: `--steady` accounts that sign in every day,
// plus `--churn` new accounts a day, each active for `--active-days` days and then never seen
// again (contractors, test users, leavers). With idle eviction on, accounts idle beyond the 30-day
// horizon and values unseen for `--known-value-ttl` go, so the state is flat once both have
// passed; with it off it grows with every account ever seen. Run it once per setting: RSS of a
// fresh process per run.
// Usage: privmon_months [--eviction on|off] [--months N] [--steady N] [--churn N]
//                       [--active-days N] [--known-value-ttl-days N]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench/macro_engine.h"
#include "bench/signin_stream.h"
#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"
#include "pipeline/spsc_queue.h"

namespace privmon::bench {
namespace {

struct Options {
  bool eviction = true;
  int months = 12;
  uint64_t steady = 20'000;
  uint64_t churn = 5'000;
  uint64_t active_days = 7;
  int64_t known_value_ttl_days = 180;  // the default of pipeline.known_value_ttl
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--eviction")
      o.eviction = v == "on";
    else if (k == "--months")
      o.months = std::stoi(v);
    else if (k == "--steady")
      o.steady = std::stoull(v);
    else if (k == "--churn")
      o.churn = std::stoull(v);
    else if (k == "--active-days")
      o.active_days = std::stoull(v);
    else if (k == "--known-value-ttl-days")
      o.known_value_ttl_days = std::stoll(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  return o;
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
  config->pipeline.idle_eviction = o.eviction;
  config->pipeline.known_value_ttl_s = o.known_value_ttl_days * 86400;
  malloc_trim(0);
  const int64_t rss0 = ResidentBytes();

  SpscQueue<Alert> alerts(1u << 14);
  ShardStats stats;
  TenantCounters tenants(16);
  DetectionEngine engine(config, alerts, stats, tenants);
  SignInStream stream(1);
  uint64_t alert_count = 0;
  auto drain = [&](EventTime t) {
    engine.OnWatermark(t - 300 * kMicrosPerSecond);
    alert_count += alerts.consume_all([](const Alert&) {});
  };

  std::printf(
      "privmon months: eviction %s, known_value_ttl %lld d, %llu steady accounts, %llu new a day "
      "active %llu days each, %d months; RSS before the engine %.1f MB\n",
      o.eviction ? "on" : "off", static_cast<long long>(o.known_value_ttl_days),
      static_cast<unsigned long long>(o.steady), static_cast<unsigned long long>(o.churn),
      static_cast<unsigned long long>(o.active_days), o.months, static_cast<double>(rss0) / 1e6);
  std::printf("| month | day | events | accounts | known values | engine MB | RSS MB |\n");
  std::printf("|---|---|---|---|---|---|---|\n");

  const EventTime start = 1'736'121'600 * kMicrosPerSecond;  // 2025-01-06T00:00:00Z
  const EventTime day_us = 86400 * kMicrosPerSecond;
  const uint64_t per_day = o.steady + o.churn * o.active_days;
  const EventTime step = day_us / static_cast<EventTime>(per_day + 1);
  uint64_t events = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const int days = o.months * 30;
  for (int day = 0; day < days; ++day) {
    EventTime t = start + day * day_us;
    auto feed = [&](uint64_t account) {
      t += step;
      engine.OnEvent(stream.At(account, t), kRouteAccount);
      if ((++events & 1023) == 0) drain(t);
    };
    for (uint64_t i = 0; i < o.steady; ++i) feed(i);
    // Accounts born on the last `active_days` days (born on day b: ids steady + b * churn + j).
    const uint64_t first_born = static_cast<uint64_t>(day) + 1 > o.active_days
                                    ? static_cast<uint64_t>(day) + 1 - o.active_days
                                    : 0;
    for (uint64_t b = first_born; b <= static_cast<uint64_t>(day); ++b) {
      for (uint64_t j = 0; j < o.churn; ++j) feed(o.steady + b * o.churn + j);
    }
    drain(t);
    for (int tick = 0; tick < 4; ++tick) engine.OnIdle();  // quiet moments between bursts
    if (day % 30 == 29) {
      malloc_trim(0);
      std::printf("| %d | %d | %llu | %zu | %zu | %.1f | %.1f |\n", (day + 1) / 30, day + 1,
                  static_cast<unsigned long long>(events), engine.accounts().size(),
                  engine.known_value_count(), static_cast<double>(engine.MemoryBytes()) / 1e6,
                  static_cast<double>(ResidentBytes() - rss0) / 1e6);
      std::fflush(stdout);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "%llu events in %.1f s (%.0f events/s), %llu alerts, evicted %llu accounts, %llu "
      "known values\n",
      static_cast<unsigned long long>(events), s, static_cast<double>(events) / s,
      static_cast<unsigned long long>(alert_count),
      static_cast<unsigned long long>(stats.accounts_evicted.load()),
      static_cast<unsigned long long>(stats.known_values_evicted.load()));
  return 0;
}

}  // namespace
}  // namespace privmon::bench

int main(int argc, char** argv) {
  try {
    return privmon::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon_months: %s\n", e.what());
    return 1;
  }
}
