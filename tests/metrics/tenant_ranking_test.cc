// Per-tenant series follow the busiest tenants by recent volume, not the first seen: tenants that
// were busy first and then quieten give their series to the ones busy now, the rest are summed
// under tenant="other", and no event goes uncounted. Through real TenantCounters and the
// StatsCollector that /metrics serves.
#include "metrics/tenant_ranking.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/hash.h"
#include "metrics/stats_collector.h"

namespace privmon {
namespace {

constexpr int64_t kMinUs = 60'000'000;

void Count(TenantCounters& c, const std::string& tenant, int n) {
  const uint32_t slot = c.SlotFor(HashLower(tenant), tenant);
  for (int i = 0; i < n; ++i) c.CountEvent(slot);
}

std::map<std::string, uint64_t> Events(const std::vector<TenantCounters::Snapshot>& s) {
  std::map<std::string, uint64_t> out;
  for (const auto& t : s) out[t.tenant] = t.events;
  return out;
}

TEST(TenantRanking, SeriesGoToTheBusiestTenantsByRecentVolumeNotTheFirstSeen) {
  TenantCounters counters(2);
  TenantRanking ranking;
  // First seen and busy: a, b. c, d and e trickle.
  Count(counters, "a", 1000);
  Count(counters, "b", 800);
  Count(counters, "c", 5);
  Count(counters, "d", 3);
  Count(counters, "e", 1);
  auto top = Events(ranking.Select(counters.Read(), 2, kMinUs));
  EXPECT_EQ(top, (std::map<std::string, uint64_t>{{"a", 1000}, {"b", 800}, {"other", 9}}));

  // An hour later a and b have gone quiet; c and d are now the busy ones.
  Count(counters, "c", 300);
  Count(counters, "d", 200);
  Count(counters, "a", 1);
  top = Events(ranking.Select(counters.Read(), 2, 61 * kMinUs));
  // "other" grows by what its tenants counted since the last scrape (a's 1), not by a and b's
  // earlier totals, and keeps c and d's first 8, counted under it before they were named.
  EXPECT_EQ(top, (std::map<std::string, uint64_t>{{"c", 305}, {"d", 203}, {"other", 9 + 1}}));

  // A minute later (half-life 10 min): c 300 + 300 x 0.93 = 580, e 500 + ~0, d 200 + 200 x 0.93
  // = 387: the series follow within one scrape; d's 200 of this minute go to "other", its
  // earlier total does not.
  Count(counters, "e", 500);
  Count(counters, "c", 300);
  Count(counters, "d", 200);
  top = Events(ranking.Select(counters.Read(), 2, 62 * kMinUs));
  EXPECT_EQ(top, (std::map<std::string, uint64_t>{{"c", 605}, {"e", 501}, {"other", 10 + 200}}));
}

// Breaker round 140: with one series, tenant A (200 records) named and B (10) under "other", then
// B busier (600 more): B took the series and "other" went from 10 to A's whole 200, a rate of
// events no tenant under it sent (Prometheus read 214 over the run). "other" is a counter of its
// own: it moves only by what its tenants count while in it, and never steps down.
TEST(TenantRanking, OtherNeverJumpsByADemotedTenantsTotalNorStepsDown) {
  TenantCounters counters(1);
  TenantRanking ranking;
  Count(counters, "A", 200);
  Count(counters, "B", 10);
  EXPECT_EQ(Events(ranking.Select(counters.Read(), 1, kMinUs)),
            (std::map<std::string, uint64_t>{{"A", 200}, {"other", 10}}));
  Count(counters, "B", 600);
  EXPECT_EQ(Events(ranking.Select(counters.Read(), 1, 2 * kMinUs)),
            (std::map<std::string, uint64_t>{{"B", 610}, {"other", 10}}));
  Count(counters, "A", 5);
  EXPECT_EQ(Events(ranking.Select(counters.Read(), 1, 3 * kMinUs)),
            (std::map<std::string, uint64_t>{{"B", 610}, {"other", 15}}));
  // Promoted again, A's series shows its own total; "other" keeps what it counted.
  Count(counters, "A", 5000);
  EXPECT_EQ(Events(ranking.Select(counters.Read(), 1, 4 * kMinUs)),
            (std::map<std::string, uint64_t>{{"A", 5205}, {"other", 15}}));
}

TEST(TenantRanking, EveryEventIsCountedEitherUnderItsTenantOrUnderOther) {
  TenantCounters counters(3);
  TenantRanking ranking;
  uint64_t total = 0;
  for (int t = 0; t < 40; ++t) {
    Count(counters, "tenant-" + std::to_string(t), t + 1);
    total += static_cast<uint64_t>(t + 1);
  }
  const auto selected = ranking.Select(counters.Read(), 3, kMinUs);
  ASSERT_EQ(selected.size(), 4u);
  EXPECT_EQ(selected[0].tenant, "tenant-39");
  EXPECT_EQ(selected[1].tenant, "tenant-38");
  EXPECT_EQ(selected[2].tenant, "tenant-37");
  EXPECT_EQ(selected[3].tenant, "other");
  uint64_t sum = 0;
  for (const auto& t : selected) sum += t.events;
  EXPECT_EQ(sum, total);
}

TEST(TenantRanking, MetricsShowTheBusiestTenantsSeries) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 1);  // max_tenant_series: 1
  Count(stats->tenants, "first-seen", 2);
  Count(stats->tenants, "busiest", 50);
  const StatsCollector collector(stats, "test");
  std::map<std::string, double> events;
  for (const auto& family : collector.Collect()) {
    if (family.name != "privmon_tenant_events_total") continue;
    for (const auto& m : family.metric) events[m.label.at(0).value] = m.counter.value;
  }
  EXPECT_EQ(events, (std::map<std::string, double>{{"busiest", 50}, {"other", 2}}));
}

// DESIGN.md section 10 "Metrics": every configured tenant keeps its newest-event series (the
// silent-tenant panel) even when it is too quiet for a series of its own.
TEST(TenantRanking, EveryConfiguredTenantKeepsItsNewestEventSeries) {
  auto stats = std::make_shared<PipelineStats>(1, 1, 1);
  const auto see = [&](const std::string& tenant, int n, int64_t time_us) {
    Count(stats->tenants, tenant, n);
    stats->tenants.SeeEventTime(stats->tenants.SlotFor(HashLower(tenant), tenant), time_us);
  };
  see("busy", 50, 3'000'000);
  see("configured-quiet", 1, 2'000'000);
  see("unconfigured-quiet", 1, 1'000'000);
  StatsCollector collector(stats, "test");
  collector.SetConfiguredTenants({HashLower("configured-quiet")});
  std::map<std::string, double> newest, events;
  for (const auto& family : collector.Collect()) {
    for (const auto& m : family.metric) {
      if (family.name == "privmon_tenant_last_event_timestamp_seconds") {
        newest[m.label.at(0).value] = m.gauge.value;
      } else if (family.name == "privmon_tenant_events_total") {
        events[m.label.at(0).value] = m.counter.value;
      }
    }
  }
  EXPECT_EQ(newest,
            (std::map<std::string, double>{{"busy", 3}, {"configured-quiet", 2}, {"other", 2}}));
  EXPECT_EQ(events, (std::map<std::string, double>{{"busy", 50}, {"other", 2}}));
}

}  // namespace
}  // namespace privmon
