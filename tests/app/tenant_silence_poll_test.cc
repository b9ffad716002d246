// PRIV-OP-01 on event sequences (app/tenant_silence.h), driven by wall times given to Poll: the
// per-tenant `silence_after` (default: pipeline.tenant_silence_alert), and with `silence_learn`
// a limit learned from the tenant's own gaps, floored at the configured value, so a small tenant
// that is quiet every night raises nothing for its nights but does for a silence beyond them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/tenant_silence.h"
#include "config/loader.h"
#include "core/checkpoint_format.h"
#include "core/hash.h"

namespace privmon {
namespace {

constexpr std::string_view kBusy = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr std::string_view kSmall = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kFixed = "99999999-8888-7777-6666-555555555555";
constexpr int64_t kMin = 60'000'000, kHourUs = 60 * kMin;

// `silence`'s watches as a checkpoint holds them at wall time `now`: saved, then decoded.
std::vector<SilenceRecord> SavedWatches(const TenantSilence& silence, int64_t now) {
  CheckpointShardWriter out(0);
  silence.Save(out, now);
  std::vector<SilenceRecord> saved;
  for (const std::string& part : out.partitions()) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      EXPECT_EQ(r.tag, kCheckpointSilenceTag);
      SilenceRecord rec;
      EXPECT_TRUE(DecodeSilence(r, &rec));
      saved.push_back(rec);
    }));
  }
  return saved;
}

class SilencePoll : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    ConfigLoadResult r = LoadConfigText(yaml);
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    config_ = r.config;
  }
  // `n` events of `tenant` (event time = wall time here), then a poll at wall time `now`.
  void Events(std::string_view tenant, int n, int64_t now) {
    const uint32_t slot = stats_.tenants.SlotFor(HashLower(tenant), tenant);
    for (int i = 0; i < n; ++i) stats_.tenants.CountEvent(slot);
    stats_.tenants.SeeEventTime(slot, now);
  }
  // Polls at `now`; the tenants alerted in this poll.
  std::vector<std::string> Poll(int64_t now) {
    silence_.Poll(*config_, now);
    std::vector<std::string> out;
    Alert a;
    while (queue_.pop(a)) {
      out.emplace_back(a.tenant_id.view());
      for (std::size_t i = 0; i < a.detail_count; ++i) {
        if (a.details[i].key == "silence_alert_seconds") {
          limits_.push_back(std::stoll(std::string(a.details[i].value.view())));
        }
      }
    }
    return out;
  }

  std::shared_ptr<const CompiledConfig> config_;
  PipelineStats stats_{1, 1, 16};
  SpscQueue<Alert> queue_{64};
  TenantSilence silence_{stats_, queue_, 0};
  std::vector<int64_t> limits_;
};

TEST(SilenceLimit, IsTheLargerOfTheFloorAndTheLearnedMultipleOfTheP99Gap) {
  EXPECT_EQ(TenantSilence::LimitUs(100, 0, {1000}), 100);          // learning off
  EXPECT_EQ(TenantSilence::LimitUs(100, 3, {}), 100);              // nothing learned yet
  EXPECT_EQ(TenantSilence::LimitUs(100, 3, {10, 50, 20}), 150);    // under 100 gaps: the longest
  EXPECT_EQ(TenantSilence::LimitUs(1000, 3, {10, 50, 20}), 1000);  // floored
  std::vector<int64_t> gaps(200, 10);
  gaps[7] = 5000;  // two outliers in 200: above the p99 (the third-longest)
  gaps[99] = 4000;
  gaps[150] = 30;
  EXPECT_EQ(TenantSilence::LimitUs(1, 2, gaps), 60);
}

TEST_F(SilencePoll, EachTenantHasItsOwnSilenceAfter) {
  Load(std::string("pipeline: {tenant_silence_alert: 1h}\ntenants:\n") + "  \"" +
       std::string(kBusy) + "\": {name: Busy, silence_after: 10m}\n" + "  \"" +
       std::string(kFixed) + "\": {name: Fixed}\n");
  Events(kBusy, 5, 0);
  Events(kFixed, 5, 0);
  EXPECT_TRUE(Poll(1).empty());  // both seen moving from here
  EXPECT_TRUE(Poll(9 * kMin).empty());
  EXPECT_EQ(Poll(11 * kMin), std::vector<std::string>{std::string(kBusy)});
  EXPECT_EQ(limits_.back(), 600);
  EXPECT_TRUE(Poll(59 * kMin).empty());  // one alert per silence
  EXPECT_EQ(Poll(61 * kMin), std::vector<std::string>{std::string(kFixed)});  // the default 1h
  EXPECT_EQ(limits_.back(), 3600);
}

TEST_F(SilencePoll, ALearnedLimitKeepsASmallTenantsQuietNightsFromStorming) {
  Load(std::string("pipeline: {tenant_silence_alert: 1h}\ntenants:\n") + "  \"" +
       std::string(kSmall) + "\": {name: Small, silence_learn: 2}\n" + "  \"" +
       std::string(kFixed) + "\": {name: Fixed}\n");
  // Ten days: both tenants send during the day every 10 minutes and fall quiet for 8 hours at
  // night. Only the tenant without learning alerts, once per night.
  int64_t t = 0;
  int fixed_alerts = 0, small_alerts = 0;
  for (int day = 0; day < 10; ++day) {
    for (int i = 0; i < 16 * 6; ++i, t += 10 * kMin) {  // 16 h of records every 10 min
      Events(kSmall, 1, t);
      Events(kFixed, 1, t);
      for (const std::string& s : Poll(t)) (s == kSmall ? small_alerts : fixed_alerts)++;
    }
    for (int i = 0; i < 8 * 6; ++i, t += 10 * kMin) {  // 8 quiet hours, polled
      for (const std::string& s : Poll(t)) (s == kSmall ? small_alerts : fixed_alerts)++;
    }
  }
  EXPECT_EQ(fixed_alerts, 10);
  // The first night is learned from: no gap was known yet, so it alerts at the floor (1h).
  EXPECT_EQ(small_alerts, 1);
  // A silence beyond its usual nights (2 x 8h10m) still raises PRIV-OP-01.
  limits_.clear();
  std::vector<std::string> alerted;
  for (int i = 0; i < 20 * 6 && alerted.empty(); ++i, t += 10 * kMin) {
    for (const std::string& s : Poll(t)) {
      if (s == kSmall) alerted.push_back(s);
    }
  }
  ASSERT_EQ(alerted.size(), 1u);
  EXPECT_GE(limits_.back(), 2 * (8 * 3600));
  EXPECT_LE(limits_.back(), 2 * (8 * 3600 + 600));
}

// k17d: the watches go through a checkpoint (Save, its records decoded, Restore into the next
// life's TenantSilence, whose counters start empty): a silence already alerted is not raised
// again, one under way alerts when it would have without the restart, with the same id, and the
// learned gaps come back (a tenant no config lists included).
TEST_F(SilencePoll, WatchesSurviveACheckpointAndRestore) {
  Load(std::string("pipeline: {tenant_silence_alert: 1h}\ntenants:\n") + "  \"" +
       std::string(kSmall) + "\": {name: Small, silence_learn: 2}\n");
  Events(kBusy, 5, 0);  // not configured
  Events(kSmall, 5, 0);
  EXPECT_TRUE(Poll(1).empty());
  Events(kSmall, 1, 5 * kMin);
  EXPECT_TRUE(Poll(5 * kMin).empty());
  Events(kSmall, 1, 55 * kMin);  // a learned gap of 50 min: Small's limit is 100 min now
  EXPECT_TRUE(Poll(55 * kMin).empty());
  EXPECT_EQ(Poll(61 * kMin), std::vector<std::string>{std::string(kBusy)});
  std::vector<SilenceRecord> saved = SavedWatches(silence_, 55 * kMin);
  ASSERT_EQ(saved.size(), 2u);
  PipelineStats stats{1, 1, 16};  // the next life's counters: nothing seen yet
  SpscQueue<Alert> queue{64};
  TenantSilence next(stats, queue, 100 * kHourUs);
  next.Restore(saved);
  std::vector<uint64_t> ids;
  auto poll = [&](int64_t now) {
    next.Poll(*config_, now);
    std::vector<std::string> got;
    for (Alert a; queue.pop(a);) {
      got.emplace_back(a.tenant_id.view());
      ids.push_back(a.alert_id);
    }
    return got;
  };
  EXPECT_TRUE(poll(100 * kMin).empty());  // Busy's silence was alerted: not again
  EXPECT_TRUE(poll(130 * kMin).empty());  // Small: 75 min of its learned 100 (the floor is 1 h)
  EXPECT_EQ(poll(156 * kMin), std::vector<std::string>{std::string(kSmall)});
  // The id of the same alert in the life that went on without a restart.
  EXPECT_TRUE(Poll(130 * kMin).empty());
  silence_.Poll(*config_, 156 * kMin);
  Alert same;
  ASSERT_TRUE(queue_.pop(same));
  EXPECT_EQ(same.tenant_id.view(), kSmall);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], same.alert_id);
}

// A restored watch gives its tenant's newest event time back to the tenant counters, so
// privmon_tenant_last_event_timestamp_seconds (every configured tenant that sent) is there from the
// start, not from the tenant's next record (breaker round 140: a tenant already silent lost the
// series at each restart). A restored tenant with no slot (not configured) gets none.
TEST_F(SilencePoll, ARestoredWatchKeepsItsTenantsNewestEventTime) {
  Load(std::string("tenants:\n") + "  \"" + std::string(kSmall) + "\": {name: Small}\n");
  Events(kBusy, 3, 2 * kMin);  // not configured
  Events(kSmall, 3, 5 * kMin);
  EXPECT_TRUE(Poll(6 * kMin).empty());
  const std::vector<SilenceRecord> saved = SavedWatches(silence_, 7 * kMin);
  ASSERT_EQ(saved.size(), 2u);
  PipelineStats stats{1, 1, 16};
  for (const auto& [hash, tenant] : config_->tenants) {  // as `run` does before the restore
    (void)stats.tenants.ClaimConfigured(hash, tenant->tenant_id);
  }
  SpscQueue<Alert> queue{64};
  TenantSilence next(stats, queue, 100 * kHourUs);
  next.Restore(saved);
  int64_t small_newest = -1;
  bool busy_listed = false;
  for (const TenantCounters::Snapshot& t : stats.tenants.Read()) {
    if (t.hash == HashLower(kSmall)) small_newest = t.last_event_us;
    if (t.hash == HashLower(kBusy)) busy_listed = true;
  }
  EXPECT_EQ(small_newest, 5 * kMin);
  EXPECT_FALSE(busy_listed);
}

// Breaker round 142: the same for a tenant a reload configures after the restart (a customer
// onboarded by SIGHUP): its new slot gets the restored newest event time at the next Poll.
TEST_F(SilencePoll, ATenantConfiguredByAReloadAfterARestoreKeepsItsNewestEventTime) {
  Load("pipeline: {tenant_silence_alert: 1h}\n");
  Events(kBusy, 3, 2 * kMin);  // not configured
  EXPECT_TRUE(Poll(3 * kMin).empty());
  const std::vector<SilenceRecord> saved = SavedWatches(silence_, 4 * kMin);
  ASSERT_EQ(saved.size(), 1u);
  PipelineStats stats{1, 1, 16};
  SpscQueue<Alert> queue{64};
  TenantSilence next(stats, queue, 100 * kHourUs);
  next.Restore(saved);
  next.Poll(*config_, 100 * kHourUs + kMin);
  Load(std::string("pipeline: {tenant_silence_alert: 1h}\ntenants:\n") + "  \"" +
       std::string(kBusy) + "\": {name: Busy}\n");  // the SIGHUP
  next.Poll(*config_, 100 * kHourUs + 2 * kMin);
  int64_t newest = -1;
  for (const TenantCounters::Snapshot& t : stats.tenants.Read()) {
    if (t.hash == HashLower(kBusy)) newest = t.last_event_us;
  }
  EXPECT_EQ(newest, 2 * kMin);
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// A configured tenant is counted apart however many tenants came before it, and with
// max_tenant_series 0 (breaker round 133: past 4,096 other tenants, or with no series at all, its
// records counted as "other" and it raised a false PRIV-OP-01 while sending every minute).
TEST(SilenceCounts, AConfiguredTenantSendingRecordsIsNeverSilent) {
  for (const uint32_t series : {0u, 16u}) {
    SCOPED_TRACE("max_tenant_series " + std::to_string(series));
    ConfigLoadResult r =
        LoadConfigText(std::string("pipeline: {tenant_silence_alert: 1h}\n") + "tenants:\n  \"" +
                       std::string(kFixed) + "\": {name: Fixed, silence_after: 10m}\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    PipelineStats stats(1, 1, series, static_cast<uint32_t>(r.config->tenants.size()));
    SpscQueue<Alert> queue(64);
    TenantSilence silence(stats, queue, 0);
    // Other tenants' records first, more than are counted apart.
    for (uint32_t t = 0; t < 5000; ++t) {
      const std::string id = "00000000-0000-0000-0000-" + std::to_string(100000000000ULL + t);
      stats.tenants.CountEvent(stats.tenants.SlotFor(HashLower(id), id));
    }
    Alert a;
    for (int minute = 0; minute <= 30; ++minute) {
      const uint32_t slot = stats.tenants.SlotFor(HashLower(kFixed), kFixed);
      stats.tenants.CountEvent(slot);
      stats.tenants.SeeEventTime(slot, minute * kMin);
      silence.Poll(*r.config, minute * kMin + 1);
      EXPECT_FALSE(queue.pop(a)) << "minute " << minute;
    }
    silence.Poll(*r.config, 41 * kMin + 2);  // then silent for 10 minutes
    ASSERT_TRUE(queue.pop(a));
    EXPECT_EQ(a.tenant_id.view(), kFixed);
  }
}

// A tenant whose records would count under "other" is not judged: configured past the room for
// configured tenants, or restored from a checkpoint while no new tenant is counted apart (breaker
// round 135: both raised PRIV-OP-01 while the tenant sent). The tenants configured by earlier
// reloads and removed since, that never sent a record, are not judged either.
TEST(SilenceCounts, ATenantCountedAsOtherIsNeverCalledSilent) {
  ConfigLoadResult r =
      LoadConfigText(std::string("pipeline: {tenant_silence_alert: 5m}\n") + "tenants:\n  \"" +
                     std::string(kFixed) + "\": {name: Fixed}\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  {  // every configured slot taken (by reloads) before this tenant's
    PipelineStats stats(1, 1, 16, 0);
    for (uint32_t t = 0; t < TenantCounters::kConfiguredHeadroom; ++t) {
      const std::string id = "00000000-0000-0000-0000-" + std::to_string(100000000000ULL + t);
      (void)stats.tenants.ClaimConfigured(HashLower(id), id);
    }
    // Room for an alert per claimed tenant: a fault fails the expectation below, not a hang.
    SpscQueue<Alert> queue(2 * TenantCounters::kConfiguredHeadroom);
    TenantSilence silence(stats, queue, 0);
    for (int minute = 0; minute <= 20; ++minute) {
      stats.tenants.CountEvent(stats.tenants.SlotFor(HashLower(kFixed), kFixed));
      silence.Poll(*r.config, minute * kMin + 1);
    }
    Alert a;
    EXPECT_FALSE(queue.pop(a)) << a.tenant_id.view();
  }
  {  // restored, then no longer configured, with no tenant series
    ConfigLoadResult none = LoadConfigText("pipeline: {tenant_silence_alert: 5m}\n");
    PipelineStats stats(1, 1, 0, 0);
    SpscQueue<Alert> queue(64);
    TenantSilence silence(stats, queue, 0);
    SilenceRecord restored;
    restored.tenant = HashLower(kBusy);
    restored.tenant_id = std::string(kBusy);
    restored.since_us = 0;
    restored.last_event_us = 0;
    restored.moved = true;
    silence.Restore({restored});
    for (int minute = 0; minute <= 20; ++minute) {
      stats.tenants.CountEvent(stats.tenants.SlotFor(HashLower(kBusy), kBusy));
      silence.Poll(*none.config, minute * kMin + 1);
    }
    Alert a;
    EXPECT_FALSE(queue.pop(a)) << a.tenant_id.view();
  }
}

// Breaker round 136: PRIV-OP-01 across reloads. A tenant sending as "other" when a reload
// configures it is silent from that reload, not from privmon's start; a silence alerted, then its
// tenant removed and added back, is not raised twice; a silence under a disabled rule is raised
// once a reload enables it; a restored watch of a tenant that never sent, removed since, is not
// judged.
TEST_F(SilencePoll, ATenantConfiguredByAReloadIsSilentFromTheReload) {
  const std::string fixed = "  \"" + std::string(kFixed) + "\": {name: Fixed}\n";
  Load("pipeline: {tenant_silence_alert: 5m}\n");
  PipelineStats stats(1, 1, 0, 0);  // max_tenant_series 0: an unconfigured tenant is "other"
  SpscQueue<Alert> queue(64);
  TenantSilence silence(stats, queue, 0);
  auto poll = [&](int64_t now) {
    silence.Poll(*config_, now);
    std::vector<std::string> got;
    for (Alert a; queue.pop(a);) got.emplace_back(a.tenant_id.view());
    return got;
  };
  auto send = [&]() { stats.tenants.CountEvent(stats.tenants.SlotFor(HashLower(kFixed), kFixed)); };
  for (int minute = 0; minute <= 30; ++minute) {
    if (minute == 20) Load("pipeline: {tenant_silence_alert: 5m}\ntenants:\n" + fixed);
    send();
    EXPECT_TRUE(poll(minute * kMin + 1).empty()) << minute;
  }
  // Then it stops: silent 5 minutes after its last counted record.
  for (int minute = 31; minute <= 34; ++minute) EXPECT_TRUE(poll(minute * kMin + 1).empty());
  EXPECT_EQ(poll(35 * kMin + 1), std::vector<std::string>{std::string(kFixed)});
}

TEST_F(SilencePoll, ASilenceIsRaisedOnceWhenItsTenantIsRemovedAndAddedBack) {
  const std::string with = "pipeline: {tenant_silence_alert: 5m}\ntenants:\n  \"" +
                           std::string(kFixed) + "\": {name: Fixed}\n";
  Load(with);
  EXPECT_TRUE(Poll(1).empty());
  EXPECT_EQ(Poll(6 * kMin), std::vector<std::string>{std::string(kFixed)});
  Load("pipeline: {tenant_silence_alert: 5m}\n");
  EXPECT_TRUE(Poll(8 * kMin).empty());
  Load(with);
  for (int minute = 9; minute <= 30; ++minute) EXPECT_TRUE(Poll(minute * kMin).empty()) << minute;
}

// Breaker round 138: removed before its limit (an onboarding rolled back), then configured again
// by a later reload, a tenant that never sent is silent from that reload, not from privmon's
// start.
TEST_F(SilencePoll, ATenantRemovedBeforeItsLimitAndAddedBackIsSilentFromTheReload) {
  const std::string with = "pipeline: {tenant_silence_alert: 5m}\ntenants:\n  \"" +
                           std::string(kFixed) + "\": {name: Fixed}\n";
  Load(with);
  EXPECT_TRUE(Poll(1).empty());
  Load("pipeline: {tenant_silence_alert: 5m}\n");
  EXPECT_TRUE(Poll(2 * kMin).empty());
  EXPECT_TRUE(Poll(6 * kMin).empty());
  Load(with);
  for (int minute = 8; minute <= 12; ++minute) EXPECT_TRUE(Poll(minute * kMin).empty()) << minute;
  EXPECT_EQ(Poll(13 * kMin), std::vector<std::string>{std::string(kFixed)});
}

// Breaker round 139: the same across a restart. Whether a watched tenant was configured is in the
// checkpoint (flag bit 3), and a restored watch of a tenant the config no longer lists is marked
// so at the first Poll: configured again (at the restart, or by a reload after it), a tenant that
// never sent is silent from then.
TEST_F(SilencePoll, ATenantConfiguredAgainAfterARestartIsSilentFromThen) {
  const std::string without = "pipeline: {tenant_silence_alert: 5m}\n";
  const std::string with = without + "tenants:\n  \"" + std::string(kFixed) + "\": {name: Fixed}\n";
  auto save = [](TenantSilence& silence, int64_t now) {
    CheckpointShardWriter out(0);
    silence.Save(out, now);
    std::vector<SilenceRecord> saved;
    for (const std::string& part : out.partitions()) {
      EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
        SilenceRecord s;
        EXPECT_TRUE(DecodeSilence(r, &s));
        saved.push_back(s);
      }));
    }
    return saved;
  };
  struct Life {
    std::string first_config;  // the config of the first life, after a reload at 2 min
    std::string restart_config;
    int reload_at_minute;  // in the next life: a reload to `with` (0: none)
    int alert_minute;
  };
  const std::vector<Life> lives = {
      {without, with, 0, 9},      // removed before the restart, listed again at it
      {without, without, 5, 10},  // removed before the restart, added by a reload after it
      {with, without, 5, 10},     // removed while privmon was down, added by a reload after it
  };
  for (const Life& life : lives) {
    SCOPED_TRACE(life.alert_minute + life.reload_at_minute);
    PipelineStats stats{1, 1, 16};
    SpscQueue<Alert> queue{64};
    TenantSilence first(stats, queue, 0);
    Load(with);
    first.Poll(*config_, 1);
    Load(life.first_config);
    first.Poll(*config_, 2 * kMin);
    const std::vector<SilenceRecord> saved = save(first, 3 * kMin);
    Alert a;
    EXPECT_FALSE(queue.pop(a));
    PipelineStats next_stats{1, 1, 16};
    SpscQueue<Alert> next_queue{64};
    TenantSilence next(next_stats, next_queue, 4 * kMin);
    next.Restore(saved);
    Load(life.restart_config);
    std::vector<int> alerted;
    for (int minute = 4; minute <= 12; ++minute) {
      if (minute == life.reload_at_minute) Load(with);
      next.Poll(*config_, minute * kMin);
      for (Alert b; next_queue.pop(b);) alerted.push_back(minute);
    }
    EXPECT_EQ(alerted, std::vector<int>{life.alert_minute});
  }
}

TEST_F(SilencePoll, ASilenceUnderADisabledRuleIsRaisedWhenAReloadEnablesIt) {
  const std::string tenant = "  \"" + std::string(kFixed) + "\": {name: Fixed";
  Load("pipeline: {tenant_silence_alert: 5m}\ntenants:\n" + tenant +
       ", rules: {PRIV-OP-01: {enabled: false}}}\n");
  EXPECT_TRUE(Poll(1).empty());
  EXPECT_TRUE(Poll(6 * kMin).empty());
  EXPECT_TRUE(Poll(7 * kMin).empty());
  Load("pipeline: {tenant_silence_alert: 5m}\ntenants:\n" + tenant + "}\n");
  EXPECT_EQ(Poll(8 * kMin), std::vector<std::string>{std::string(kFixed)});
  EXPECT_TRUE(Poll(9 * kMin).empty());
}

TEST_F(SilencePoll, ARestoredWatchOfATenantThatNeverSentIsNotJudgedOnceRemoved) {
  Load("pipeline: {tenant_silence_alert: 5m}\ntenants:\n  \"" + std::string(kFixed) +
       "\": {name: Fixed}\n  \"" + std::string(kSmall) + "\": {name: Small}\n");
  Events(kSmall, 3, 0);
  EXPECT_TRUE(Poll(1).empty());
  CheckpointShardWriter out(0);
  silence_.Save(out, 2 * kMin);
  std::vector<SilenceRecord> saved;
  for (const std::string& part : out.partitions()) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      SilenceRecord s;
      EXPECT_TRUE(DecodeSilence(r, &s));
      EXPECT_EQ(s.never_sent, s.tenant == HashLower(kFixed)) << s.tenant_id;
      saved.push_back(s);
    }));
  }
  ASSERT_EQ(saved.size(), 2u);
  // The next life: both removed from the config. Small sent before the restart: still judged.
  Load("pipeline: {tenant_silence_alert: 5m}\n");
  PipelineStats stats{1, 1, 16};
  SpscQueue<Alert> queue{64};
  TenantSilence next(stats, queue, 3 * kMin);
  next.Restore(saved);
  std::vector<std::string> got;
  for (int minute = 3; minute <= 20; ++minute) {
    next.Poll(*config_, minute * kMin);
    for (Alert a; queue.pop(a);) got.emplace_back(a.tenant_id.view());
  }
  EXPECT_EQ(got, std::vector<std::string>{std::string(kSmall)});
}

// A tenant's silence_after replaces the pipeline's value, `off` included (breaker round 133).
TEST(SilenceCounts, ATenantsOwnSilenceAfterHoldsWhereThePipelinesIsOff) {
  ConfigLoadResult r =
      LoadConfigText(std::string("pipeline: {tenant_silence_alert: off}\ntenants:\n") + "  \"" +
                     std::string(kFixed) + "\": {name: Fixed, silence_after: 10m}\n" + "  \"" +
                     std::string(kBusy) + "\": {name: Busy}\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  PipelineStats stats(1, 1, 16, 2);
  SpscQueue<Alert> queue(64);
  TenantSilence silence(stats, queue, 0);
  for (const std::string_view t : {kFixed, kBusy}) {
    const uint32_t slot = stats.tenants.SlotFor(HashLower(t), t);
    stats.tenants.CountEvent(slot);
    stats.tenants.SeeEventTime(slot, 0);
  }
  silence.Poll(*r.config, 1);
  silence.Poll(*r.config, 11 * kMin);
  silence.Poll(*r.config, 5 * kHourUs);
  std::vector<std::string> alerted;
  Alert a;
  while (queue.pop(a)) alerted.emplace_back(a.tenant_id.view());
  EXPECT_EQ(alerted, std::vector<std::string>{std::string(kFixed)});
}

}  // namespace
}  // namespace privmon
