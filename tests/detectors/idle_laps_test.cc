// Idle eviction laps follow event time, not idle ticks (issue 15, docs/operations.md section 5):
// an idle shard whose watermark creeps (the shards of a busy scan idle between events) does not
// start a sweep lap per watermark move; it starts one once a tenant's watermark moved by 1/32 of
// its shortest horizon since the last lap began, and eviction still happens.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kIdleLapsTenant = "11111111-2222-3333-4444-555555555555";
constexpr EventTime kIdleLapsHourUs = 3600 * kMicrosPerSecond;
constexpr EventTime kDayUs = 24 * kIdleLapsHourUs;

// Idle ticks enough to finish any lap of the tables below (512 accounts a tick).
void IdleTicks(DetectionEngine& engine, int ticks = 64) {
  for (int i = 0; i < ticks; ++i) engine.OnIdle();
}

TEST(IdleLaps, AWatermarkThatCreepsStartsNoLapUntilItMovedALapStep) {
  // Defaults: the longest window is 30 days and known values live 180 days, so the lap step is
  // 30 days / 32 = 22.5 hours of event time.
  auto tenant = EngineHarness::Tenant(kIdleLapsTenant);
  int64_t horizon = tenant->learning_period_s;
  for (const RuleSettings& r : tenant->rules) horizon = std::max(horizon, r.window_s);
  ASSERT_EQ(horizon, 30 * 86400) << "the lap step below assumes a 30-day horizon";
  EngineHarness h(tenant);
  DetectionEngine& engine = h.engine();
  const EventTime start = At("2026-01-05T00:00:00Z");
  constexpr int kAccounts = 5000;
  for (int i = 0; i < kAccounts; ++i) {
    const std::string upn = "u" + std::to_string(i) + "@contoso.com";
    Event e = SignInFromDevice(kIdleLapsTenant, upn, "2026-01-01T00:00:00Z", "dev-" + upn);
    e.time = start + i * kMicrosPerSecond;
    e.record_id.assign("si-" + upn);
    h.Feed(e);
  }
  ASSERT_EQ(engine.accounts().size(), static_cast<std::size_t>(kAccounts));
  // A day later a lap is due: the idle ticks take over the lap the events opened, finish it (and
  // at most one more), then stop.
  EventTime w = start + kAccounts * kMicrosPerSecond + 24 * kIdleLapsHourUs;
  engine.OnWatermark(w);
  IdleTicks(engine);
  ASSERT_FALSE(engine.accounts().cursor().valid) << "a lap was still under way";
  const uint64_t laps = engine.accounts().cursor().laps;

  // Ten hourly moves, each followed by idle ticks: no new lap (before: a lap per move).
  for (int hour = 1; hour <= 10; ++hour) {
    engine.OnWatermark(w + hour * kIdleLapsHourUs);
    IdleTicks(engine);
  }
  EXPECT_EQ(engine.accounts().cursor().laps, laps);
  // Nor when a few events come in between: their own steps open a lap (2 visits an event), which
  // idle ticks leave to them (before: the idle ticks finished it, and every lap after it).
  for (int hour = 11; hour <= 20; ++hour) {
    for (int i = 0; i < 16; ++i) {
      Event e =
          SignInFromDevice(kIdleLapsTenant, "busy@contoso.com", "2026-01-01T00:00:00Z", "busy-pc");
      e.time = w + hour * kIdleLapsHourUs + i * kMicrosPerSecond;
      e.record_id.assign("busy-" + std::to_string(hour) + "-" + std::to_string(i));
      h.Feed(e);
    }
    IdleTicks(engine);
  }
  EXPECT_EQ(engine.accounts().cursor().laps, laps);

  // Past the lap step (22.5 h since the events' lap began, at hour 11): the idle ticks finish
  // that lap, then sweep at most one more whole lap, and stop.
  w += 36 * kIdleLapsHourUs;
  engine.OnWatermark(w);
  IdleTicks(engine);
  EXPECT_GE(engine.accounts().cursor().laps, laps + 1);
  EXPECT_LE(engine.accounts().cursor().laps, laps + 2);
  EXPECT_FALSE(engine.accounts().cursor().valid);
  // None idle long enough: the 5000 and the busy one are kept.
  EXPECT_EQ(engine.accounts().size(), static_cast<std::size_t>(kAccounts) + 1);

  // Every account idle beyond its horizon (30 days) and the lateness margin: the next idle lap
  // evicts them all.
  engine.OnWatermark(w + 40 * kDayUs);
  IdleTicks(engine);
  EXPECT_EQ(engine.accounts().size(), 0u);
  EXPECT_EQ(h.stats().shards[0].accounts_evicted.load(), static_cast<uint64_t>(kAccounts) + 1);
}

// Known values are swept by the same laps as accounts, but there may be far more of them (one
// account, thousands of devices): a lap lasts until both tables were walked to their end, so a due
// lap forgets every stale value, not one account lap's worth (2 values per account visit).
TEST(IdleLaps, ADueLapSweepsEveryStaleKnownValueHoweverFewTheAccounts) {
  EngineHarness h(EngineHarness::Tenant(kIdleLapsTenant));
  DetectionEngine& engine = h.engine();
  const EventTime start = At("2026-01-05T00:00:00Z");
  constexpr int kDevices = 5000;
  for (int i = 0; i < kDevices; ++i) {
    const std::string device = "dev-" + std::to_string(i);
    Event e =
        SignInFromDevice(kIdleLapsTenant, "spray@contoso.com", "2026-01-01T00:00:00Z", device);
    e.time = start + i * kMicrosPerSecond;
    e.record_id.assign("si-" + device);
    h.Feed(e);
  }
  h.DrainCount();
  ASSERT_GE(engine.known_value_count(), static_cast<std::size_t>(kDevices));
  // Past the known values' ttl (180 days) and the accounts' horizon: one due lap forgets all.
  engine.OnWatermark(start + 200 * kDayUs);
  IdleTicks(engine);
  EXPECT_EQ(engine.accounts().size(), 0u);
  EXPECT_EQ(engine.known_value_count(), 0u);
}

// The same fed by events only (no idle ticks): an account that signs in from a new device at every
// event keeps its known values bounded by their ttl in a long stream, not growing with it.
TEST(IdleLaps, KnownValuesOfOneAccountStayBoundedInALongStreamOfEvents) {
  EngineHarness h(EngineHarness::Tenant(kIdleLapsTenant));
  DetectionEngine& engine = h.engine();
  const EventTime start = At("2026-01-05T00:00:00Z");
  constexpr int kPerDay = 200;
  constexpr int kDays = 600;
  std::size_t most = 0;
  for (int day = 0; day < kDays; ++day) {
    for (int i = 0; i < kPerDay; ++i) {
      const std::string device = "dev-" + std::to_string(day) + "-" + std::to_string(i);
      Event e =
          SignInFromDevice(kIdleLapsTenant, "spray@contoso.com", "2026-01-01T00:00:00Z", device);
      e.time = start + day * kDayUs + i * 60 * kMicrosPerSecond;
      e.record_id.assign("si-" + device);
      h.Feed(e);
    }
    h.DrainCount();
    most = std::max(most, engine.known_value_count());
  }
  // Values live 180 days past their last sighting, plus the lateness margin and up to two laps of
  // the values table (a lap visits 4 values an event: ~45 days here).
  EXPECT_LE(most, static_cast<std::size_t>(kPerDay) * (180 + 100));
  EXPECT_GT(h.stats().shards[0].known_values_evicted.load(), 0u);
}

// Accounts that go idle keep being evicted lap after lap in a long stream of events alone (no idle
// ticks): 200 new accounts a day for 600 days stay bounded by the 30-day horizon and the laps.
TEST(IdleLaps, AccountsThatGoIdleStayBoundedInALongStreamOfEvents) {
  EngineHarness h(EngineHarness::Tenant(kIdleLapsTenant));
  DetectionEngine& engine = h.engine();
  const EventTime start = At("2026-01-05T00:00:00Z");
  constexpr int kPerDay = 200;
  constexpr int kDays = 600;
  std::size_t most = 0;
  for (int day = 0; day < kDays; ++day) {
    for (int i = 0; i < kPerDay; ++i) {
      const std::string upn = "u" + std::to_string(day) + "-" + std::to_string(i) + "@contoso.com";
      Event e = SignInFromDevice(kIdleLapsTenant, upn, "2026-01-01T00:00:00Z", "pc");
      e.time = start + day * kDayUs + i * 60 * kMicrosPerSecond;
      e.record_id.assign("si-" + upn);
      h.Feed(e);
    }
    h.DrainCount();
    most = std::max(most, engine.accounts().size());
  }
  // 30 days of horizon plus the lateness margin, a lap step and up to two laps (a lap visits 2
  // accounts an event: ~15 days of accounts here); ~68 days' worth is reached.
  EXPECT_LE(most, static_cast<std::size_t>(kPerDay) * 80);
  EXPECT_GE(h.stats().shards[0].accounts_evicted.load(),
            static_cast<uint64_t>(kPerDay) * (kDays - 70));
}

}  // namespace
}  // namespace privmon::testing
