// TenantClocks: the partitions of one source are aligned (a lagging one holds every tenant the
// source carries), separate sources are not, and an input that is silent or never reported holds
// nothing back. The Kafka end-to-end proof is kafka.KafkaSource.* and the bench's alert equality.
#include "pipeline/tenant_clocks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace privmon {
namespace {

constexpr int64_t kLateness = 300 * kMicrosPerSecond;
constexpr EventTime kHour = 3600 * kMicrosPerSecond;
constexpr EventTime kT0 = 1'736'000'000 * kMicrosPerSecond;
constexpr uint64_t kTenantA = 0xA, kTenantB = 0xB;

auto NoneEnded() {
  return [](uint32_t) { return false; };
}

TEST(TenantClocks, ALaggingPartitionHoldsATenantItHasNotCarried) {
  // One source with two partitions (clock inputs 0 and 1).
  TenantClocks clocks(kLateness, 0, 2, false, {0, 0});
  // Partition 1 is hours behind and has only carried tenant B so far.
  EXPECT_EQ(clocks.OnMark(kTenantB, 1, kT0, 0, NoneEnded()), kT0 - kLateness);
  // Partition 0 races ahead with tenant A: A may still come on partition 1, as of kT0.
  const EventTime w = clocks.OnMark(kTenantA, 0, kT0 + 5 * kHour, 0, NoneEnded());
  EXPECT_EQ(w, kT0 - kLateness);
  // Partition 1 catches up: A follows.
  clocks.OnMark(kTenantB, 1, kT0 + 4 * kHour, 0, NoneEnded());
  std::vector<std::pair<uint64_t, EventTime>> moved;
  clocks.Refresh(kMinTime, 0, NoneEnded(),
                 [&](uint64_t t, EventTime wm) { moved.emplace_back(t, wm); });
  EXPECT_EQ(moved,
            (std::vector<std::pair<uint64_t, EventTime>>{{kTenantA, kT0 + 4 * kHour - kLateness}}))
      << "A moves to partition 1's progress; B was already there";
}

TEST(TenantClocks, SeparateSourcesDoNotHoldEachOthersTenants) {
  // Two sources of one clock input each (two ZeroMQ feeds): tenant A's feed is not held by B's.
  TenantClocks clocks(kLateness, 0, 2, false, {0, 1});
  clocks.OnMark(kTenantB, 1, kT0, 0, NoneEnded());
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + 5 * kHour, 0, NoneEnded()),
            kT0 + 5 * kHour - kLateness);
}

TEST(TenantClocks, ASilentOrUnreportedPartitionHoldsNothing) {
  constexpr int64_t kIdleNs = 10'000'000'000;
  // Three partitions; partition 2 never reports (unassigned: it holds nothing).
  TenantClocks clocks(kLateness, 0, 3, false, {0, 0, 0}, {kIdleNs});
  clocks.OnMark(kTenantB, 1, kT0, /*now_ns=*/1, NoneEnded());
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + kHour, 2, NoneEnded()), kT0 - kLateness);
  // Partition 1 silent for longer than the idle time: A follows partition 0 alone.
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + 2 * kHour, 2 + kIdleNs, NoneEnded()),
            kT0 + 2 * kHour - kLateness);
}

// `partition_idle_timeout` is each Kafka source's own: a source whose partitions may stall for an
// hour keeps holding its tenants that long, while another source's silent partition stops
// holding after its 10 s (breaker round 105: the longest of all sources applied to every one).
TEST(TenantClocks, EachSourcesPartitionsStopHoldingAfterItsOwnIdleTime) {
  constexpr int64_t kShortNs = 10'000'000'000, kLongNs = 3'600'000'000'000;
  // Source 0: inputs 0 and 1 (idle after 10 s); source 1: inputs 2 and 3 (idle after 1 h).
  TenantClocks clocks(kLateness, 0, 4, false, {0, 0, 1, 1}, {kShortNs, kLongNs});
  // Inputs 1 and 3 carried other tenants (C, D) and fall silent.
  constexpr uint64_t kTenantC = 0xC, kTenantD = 0xD;
  clocks.OnMark(kTenantC, 1, kT0, /*now_ns=*/1, NoneEnded());
  clocks.OnMark(kTenantD, 3, kT0, 1, NoneEnded());
  const int64_t later = 2 + kShortNs;  // inputs 1 and 3 silent for longer than 10 s
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + kHour, later, NoneEnded()), kT0 + kHour - kLateness)
      << "source 0's silent partition stopped holding after 10 s";
  EXPECT_EQ(clocks.OnMark(kTenantB, 2, kT0 + kHour, later, NoneEnded()), kT0 - kLateness)
      << "source 1's silent partition still holds: its idle time is an hour";
  EXPECT_EQ(clocks.OnMark(kTenantB, 2, kT0 + 2 * kHour, 2 + kLongNs, NoneEnded()),
            kT0 + 2 * kHour - kLateness);
}

TEST(TenantClocks, AnEndedPartitionHoldsNothing) {
  TenantClocks clocks(kLateness, 0, 2, false, {0, 0});
  clocks.OnMark(kTenantB, 1, kT0, 0, NoneEnded());
  auto one_ended = [](uint32_t s) { return s == 1; };
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + kHour, 0, one_ended), kT0 + kHour - kLateness);
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// Behind the state topic's hop, an input mark (any tenant's newest time on an input partition)
// holds every tenant back as that partition's floor, but never counts as a tenant's own newest
// time there: the watermark is the one a plain run over the input topic would have.
TEST(TenantClocks, AnInputMarkMovesThePartitionsFloorNotATenantsOwnTime) {
  TenantClocks clocks(kLateness, 0, 2, false, {0, 0});
  // Tenant A's newest record came on partition 0 at kT0; partition 1 carried nothing of it.
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0, 0, NoneEnded()), kT0 - kLateness);
  std::vector<std::pair<uint64_t, EventTime>> moved;
  auto record = [&](uint64_t t, EventTime wm) { moved.emplace_back(t, wm); };
  // Partition 0 has read hours further (other tenants): A stays as of its own newest time.
  clocks.OnInputMark(0, kT0 + 5 * kHour, 0, NoneEnded(), record);
  // Partition 1 lags: it holds A back below A's own time.
  clocks.OnInputMark(1, kT0 - kHour, 0, NoneEnded(), record);
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0 + kHour, 0, NoneEnded()), kMinTime)
      << "held by partition 1's floor";
  clocks.OnInputMark(1, kT0 + 5 * kHour, 0, NoneEnded(), record);
  EXPECT_EQ(moved,
            (std::vector<std::pair<uint64_t, EventTime>>{{kTenantA, kT0 + kHour - kLateness}}))
      << "A follows its own newest time, not the partitions' (kT0 + 5 h)";
}

// A checkpoint keeps the inputs' own clocks (tenant 0): a restored state partition's lagging
// input holds its tenants back before its next mark.
TEST(TenantClocks, InputClocksSurviveACheckpoint) {
  TenantClocks before(kLateness, 0, 2, false, {0, 0});
  auto ignore = [](uint64_t, EventTime) {};
  before.OnMark(kTenantA, 0, kT0 + 5 * kHour, 0, NoneEnded());
  before.OnInputMark(1, kT0, 0, NoneEnded(), ignore);
  TenantClocks after(kLateness, 0, 2, false, {0, 0});
  int inputs = 0;
  before.ForEachInput([&](uint64_t tenant, uint32_t source, EventTime newest) {
    inputs += tenant == TenantClocks::kInputClockTenant ? 1 : 0;
    after.RestoreInput(tenant, source, newest, 0);
  });
  EXPECT_EQ(inputs, 1);
  EXPECT_EQ(after.size(), 1u) << "tenant 0 is no tenant";
  EXPECT_EQ(after.OnMark(kTenantA, 0, kT0 + 6 * kHour, 0, NoneEnded()), kT0 - kLateness)
      << "partition 1, restored at kT0, still holds A";
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// A state partition's input partitions hold its tenants back from the start: another process's
// repartitioner may start reading one later than the others are read. A held input that never
// marks stops holding once quiet for the input idle time.
TEST(TenantClocks, AHeldInputHoldsBeforeItsFirstMarkUntilQuiet) {
  constexpr int64_t kIdleNs = 120'000'000'000;
  TenantClocks clocks(kLateness, 0, 2, false, {0, 0}, {kIdleNs});
  clocks.HoldInput(1, /*now_ns=*/1);
  EXPECT_EQ(clocks.OnMark(kTenantA, 0, kT0, 2, NoneEnded()), kMinTime)
      << "partition 1 has not been read yet: it may still carry A, as of any time";
  std::vector<std::pair<uint64_t, EventTime>> moved;
  auto record = [&](uint64_t t, EventTime wm) { moved.emplace_back(t, wm); };
  clocks.OnInputMark(1, kT0 - kHour, 3, NoneEnded(), record);
  EXPECT_EQ(moved,
            (std::vector<std::pair<uint64_t, EventTime>>{{kTenantA, kT0 - kHour - kLateness}}));
  // Another held input that never marks: it holds until quiet for the idle time.
  TenantClocks quiet(kLateness, 0, 2, false, {0, 0}, {kIdleNs});
  quiet.HoldInput(1, 1);
  EXPECT_EQ(quiet.OnMark(kTenantA, 0, kT0, kIdleNs, NoneEnded()), kMinTime);
  EXPECT_EQ(quiet.OnMark(kTenantA, 0, kT0 + 1, kIdleNs + 2, NoneEnded()), kT0 + 1 - kLateness);
}

}  // namespace
}  // namespace privmon
