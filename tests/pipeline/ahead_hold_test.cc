// AheadHold (pipeline/ahead_hold.h): the events a shard keeps because they ran ahead of the slowest
// input of their source go on per source, oldest first over the sources (ties in arrival order),
// whole, and are checkpointed whole; TenantClocks::AheadFloor names that slowest input. The
// end-to-end proofs are
// kafka.KafkaSource.PartitionsRunningADayAheadOfALaggingOneGiveTheAlertsOfScan and
// kafka.KafkaSource.RecordsWaitingForALaggingPartitionSurviveARestart.
#include "pipeline/ahead_hold.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "pipeline/event_consumer.h"
#include "pipeline/tenant_clocks.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr const char* kTenantA = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kTenantB = "bbbbbbbb-0000-4000-8000-000000000002";

// (record id, roles) of each event handed on, in order.
struct Handed {
  std::vector<std::pair<std::string, uint8_t>> events;
  auto sink() {
    return [this](const Event& e, uint8_t roles) {
      events.emplace_back(std::string(e.record_id.view()), roles);
    };
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& [id, roles] : events) out.push_back(id);
    return out;
  }
};

Event Named(const char* tenant, const char* time, const char* id, uint8_t source = 0) {
  Event e = SignIn(tenant, "adm@contoso.com", time);
  e.record_id.assign(id);
  e.source_index = source;
  return e;
}

TEST(AheadHold, ASourcesEventsGoOnOldestFirstUpToItsBoundAndNoOtherSources) {
  AheadHold hold;
  hold.Keep(Named(kTenantA, "2025-01-07T12:00:00Z", "a3"), kRouteAccount);
  hold.Keep(Named(kTenantB, "2025-01-07T09:00:00Z", "b1", 1), kRouteAccount);
  hold.Keep(Named(kTenantA, "2025-01-07T10:00:00Z", "a1"),
            static_cast<uint8_t>(kRouteAccount | kRouteActor));
  hold.Keep(Named(kTenantB, "2025-01-07T11:00:00Z", "a2"), kRouteAccount);
  ASSERT_EQ(hold.size(), 4u);
  Handed handed;
  // Source 0 has caught up to 11:00; source 1 not at all.
  auto bound = [](uint8_t source) { return source == 0 ? At("2025-01-07T11:00:00Z") : kMinTime; };
  hold.ReleaseReady(bound, handed.sink());
  EXPECT_EQ(handed.ids(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(handed.events[0].second, kRouteAccount | kRouteActor);
  EXPECT_EQ(hold.size(), 2u);
  hold.ReleaseReady(bound, handed.sink());
  EXPECT_EQ(hold.size(), 2u);
  // Both caught up: one order over both sources, oldest first.
  hold.ReleaseReady([](uint8_t) { return kMaxTime; }, handed.sink());
  EXPECT_EQ(handed.ids(), (std::vector<std::string>{"a1", "a2", "b1", "a3"}));
  EXPECT_TRUE(hold.empty());
}

TEST(AheadHold, EventsOfOneTimeGoOnInTheirArrivalOrder) {
  AheadHold hold;
  for (const char* id : {"x1", "x2", "x3"}) {
    hold.Keep(Named(kTenantA, "2025-01-07T10:00:00Z", id), kRouteAccount);
  }
  Handed handed;
  hold.ReleaseReady([](uint64_t) { return kMaxTime; }, handed.sink());
  EXPECT_EQ(handed.ids(), (std::vector<std::string>{"x1", "x2", "x3"}));
}

TEST(AheadHold, PastItsCapacityTheOldestOfAnyTenantGoesOn) {
  AheadHold hold(2);
  hold.Keep(Named(kTenantA, "2025-01-07T10:00:00Z", "a"), kRouteAccount);
  hold.Keep(Named(kTenantB, "2025-01-07T08:00:00Z", "b", 3), kRouteAccount);
  hold.Keep(Named(kTenantA, "2025-01-07T09:00:00Z", "c"), kRouteAccount);
  ASSERT_TRUE(hold.over_capacity());
  Handed handed;
  hold.ReleaseOldest(handed.sink());
  EXPECT_EQ(handed.ids(), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(hold.over_capacity());
}

TEST(AheadHold, AKeptEventComesBackWholeFromItsCheckpointRecord) {
  AheadHold hold;
  Event e = Named(kTenantA, "2025-01-07T10:00:00Z", "whole");
  e.signin.device_id.assign("dev-7");
  e.sequence = 42;
  hold.Keep(e, kRouteActor);
  std::vector<std::string> payloads;
  hold.ForEach(
      [&](const Event& kept, uint8_t roles) { payloads.push_back(EncodeAheadEvent(kept, roles)); });
  EXPECT_EQ(hold.size(), 1u);  // ForEach keeps them
  ASSERT_EQ(payloads.size(), 1u);
  CheckpointRecordView v;
  v.tag = kCheckpointAheadEventTag;
  v.payload = payloads[0];
  AheadEventRecord back;
  ASSERT_TRUE(DecodeAheadEvent(v, &back));
  EXPECT_EQ(back.roles, kRouteActor);
  EXPECT_EQ(back.event.time, e.time);
  EXPECT_EQ(back.event.sequence, 42u);
  EXPECT_EQ(back.event.account.key, e.account.key);
  EXPECT_EQ(back.event.signin.device_id.view(), "dev-7");
  EXPECT_EQ(back.event.record_id.view(), "whole");
  // A payload of another size, or roles no route gives, is refused.
  v.payload = payloads[0].substr(1);
  EXPECT_FALSE(DecodeAheadEvent(v, &back));
  std::string bad = payloads[0];
  bad[0] = 0;
  v.payload = bad;
  EXPECT_FALSE(DecodeAheadEvent(v, &back));
}

TEST(AheadHold, ATimelessRegistrationNeverWaits) {
  Event snapshot;
  snapshot.kind = EventKind::kMfaRegistration;
  snapshot.time = 0;
  EXPECT_FALSE(AheadHold::RunsAhead(snapshot, kMinTime));
  const Event e = Named(kTenantA, "2025-01-07T10:00:00Z", "s");
  EXPECT_TRUE(AheadHold::RunsAhead(e, e.time - 1));
  EXPECT_FALSE(AheadHold::RunsAhead(e, e.time));
  EXPECT_FALSE(AheadHold::RunsAhead(e, kMaxTime));
}

constexpr int64_t kLateness = 300 * kMicrosPerSecond;
constexpr EventTime kHour = 3600 * kMicrosPerSecond;
constexpr EventTime kT0 = 1'736'000'000 * kMicrosPerSecond;

auto NoneEnded() {
  return [](uint32_t) { return false; };
}

TEST(AheadFloor, IsTheNewestTimeOfTheSlowestLiveInputOfTheSource) {
  constexpr int64_t kIdleNs = 10'000'000'000;
  // One source read over three partitions (aligned), another source alone.
  TenantClocks clocks(kLateness, 0, 4, false, {0, 0, 0, 1}, {kIdleNs, kIdleNs});
  // Nothing reported: nothing holds.
  EXPECT_EQ(clocks.AheadFloor(0, 0, NoneEnded()), kMaxTime);
  clocks.OnMark(1, 0, kT0 + 5 * kHour, 0, NoneEnded());
  clocks.OnMark(2, 1, kT0 + kHour, 0, NoneEnded());  // another tenant: partition 1's own clock
  clocks.OnMark(3, 3, kT0, 0, NoneEnded());          // the other source
  // Source 0 is held by partition 1 (any tenant's time), not by the other source.
  EXPECT_EQ(clocks.AheadFloor(0, 0, NoneEnded()), kT0 + kHour);
  EXPECT_EQ(clocks.AheadFloor(1, 0, NoneEnded()), kT0);
  EXPECT_EQ(clocks.AheadFloor(7, 0, NoneEnded()), kMaxTime);  // no such source
  // A partition named at start holds from the start, before its first mark.
  clocks.HoldInput(2, 0);
  clocks.OnMark(1, 0, kT0 + 6 * kHour, 1, NoneEnded());
  EXPECT_EQ(clocks.AheadFloor(0, 1, NoneEnded()), kMinTime);
  // Quiet for the input idle time, the partitions stop holding (as they stop holding watermarks).
  clocks.OnMark(1, 0, kT0 + 7 * kHour, 2 + kIdleNs, NoneEnded());
  EXPECT_EQ(clocks.AheadFloor(0, 2 + kIdleNs, NoneEnded()), kT0 + 7 * kHour);
}

// Two sources of one input each (a sign-in feed and an audit feed of one tenant): the audit feed
// lagging a day holds nothing of the sign-in feed back (breaker round 100: a PRIV-BG-01 waited
// for it); each source's floor is its own input's newest time.
TEST(AheadFloor, AnotherSourceLaggingHoldsNothingBack) {
  TenantClocks clocks(kLateness, 0, 2, false);
  clocks.OnMark(1, 1, kT0, 0, NoneEnded());               // the audit feed, a day behind
  clocks.OnMark(1, 0, kT0 + 24 * kHour, 0, NoneEnded());  // the sign-in feed
  EXPECT_EQ(clocks.AheadFloor(0, 0, NoneEnded()), kT0 + 24 * kHour);
  EXPECT_EQ(clocks.AheadFloor(1, 0, NoneEnded()), kT0);
  // An ended source holds nothing.
  EXPECT_EQ(clocks.AheadFloor(1, 0, [](uint32_t s) { return s == 1; }), kMaxTime);
}

}  // namespace
}  // namespace privmon::testing
