// A checkpoint cut copies the engine's state (DetectionEngine::SnapshotState, on the shard's
// thread) and encodes the copy later (EncodeSnapshot, on the control thread) while events keep
// reaching the engine (BENCHMARKS.md session 12: the encoding on the shard held every event queued
// behind the cut). The records encoded from a snapshot are those of the state at the cut whatever
// came after it, and a cut in steady state allocates nothing on the shard.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "state/checkpoint_codec.h"
#include "tests/support/allocation_helpers.h"
#include "tests/support/checkpoint_records.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kEngineSnapshotTenant = "11111111-2222-3333-4444-555555555555";

std::vector<std::string> Records(const CheckpointShardWriter& out) {
  return SortedCheckpointRecords(out);
}

std::size_t CountTag(const std::vector<std::string>& records, uint8_t tag) {
  return static_cast<std::size_t>(std::count_if(
      records.begin(), records.end(), [&](const std::string& r) { return r[0] == char(tag); }));
}

// One day of traffic on `day`: sign-ins of 40 users from a few devices (known values, dedupe),
// role grants and PIM activations of some (privileged state, timers), failures (suppression).
std::vector<Event> Day(int day, int users) {
  std::vector<Event> out;
  char time[64];
  for (int i = 0; i < users; ++i) {
    const std::string upn = "user" + std::to_string(i) + "@contoso.com";
    std::snprintf(time, sizeof time, "2026-11-%02dT10:%02d:%02dZ", day, i / 60, i % 60);
    Event s =
        SignInFromDevice(kEngineSnapshotTenant, upn, time, "dev" + std::to_string((i + day) % 5));
    s.signin.location_hash = HashLower(day % 2 == 0 ? "US/Redmond" : "FR/Paris");
    out.push_back(s);
    if (i % 4 == 0) {
      std::snprintf(time, sizeof time, "2026-11-%02dT11:%02d:%02dZ", day, i / 60, i % 60);
      Event grant = Audit(kEngineSnapshotTenant, Activity::kAddMemberToRole, "Add member to role",
                          upn, time, "Global Administrator");
      grant.actor = Account(kEngineSnapshotTenant, "hr@contoso.com");
      out.push_back(grant);
      std::snprintf(time, sizeof time, "2026-11-%02dT12:%02d:%02dZ", day, i / 60, i % 60);
      out.push_back(PimActivation(kEngineSnapshotTenant, upn, time));
    }
    if (i % 5 == 0) {
      for (int k = 0; k < 3; ++k) {
        std::snprintf(time, sizeof time, "2026-11-%02dT13:%02d:%02dZ", day, i / 60, k);
        out.push_back(SignIn(kEngineSnapshotTenant, upn, time, 50126));
      }
    }
  }
  // Each record's own fingerprint (the dedupe memory's key), as the parser sets it.
  for (Event& e : out) {
    e.fingerprint = HashCombine(e.account.key,
                                static_cast<uint64_t>(e.time) * 8 + static_cast<uint64_t>(e.kind));
  }
  // In event-time order, as a tenant's records mostly come (the harness moves the watermark).
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.time < b.time; });
  return out;
}

TEST(EngineSnapshot, EncodedAfterMoreEventsItIsTheStateAtTheCut) {
  // Two engines fed alike: `live` is cut by a snapshot and then goes on with events before its
  // snapshot is encoded; `held` saves at the cut and sees nothing more.
  EngineHarness live, held;
  for (const Event& e : Day(2, 40)) {
    live.Feed(e);
    held.Feed(e);
  }
  ASSERT_TRUE(live.engine().SnapshotState());
  CheckpointShardWriter at_cut(0);
  held.engine().SaveState(at_cut);
  const std::vector<std::string> expected = Records(at_cut);
  ASSERT_GE(CountTag(expected, kCkAccount), 40u);
  ASSERT_GE(CountTag(expected, kCkKnownValue), 1u);
  ASSERT_GE(CountTag(expected, kCkTimer), 1u);
  ASSERT_GE(CountTag(expected, kCkDedupe), 1u);

  // After the cut: new accounts, the same ones again (state, values, timers change), a later day.
  for (const Event& e : Day(3, 70)) live.Feed(e);
  CheckpointShardWriter encoded(0);
  live.engine().EncodeSnapshot(encoded);
  EXPECT_EQ(Records(encoded), expected);

  // The events after the cut did change the state (the comparison above is not vacuous), and a
  // new cut takes them.
  CheckpointShardWriter now(0);
  live.engine().SaveState(now);
  const std::vector<std::string> later = Records(now);
  EXPECT_NE(later, expected);
  EXPECT_GE(CountTag(later, kCkAccount), 70u);
}

TEST(EngineSnapshot, ACutInSteadyStateAllocatesNothingOnTheShard) {
  EngineHarness h;
  for (const Event& e : Day(2, 40)) h.Feed(e);
  ASSERT_TRUE(h.engine().SnapshotState());  // the buffers grow once
  CheckpointShardWriter first(0);
  h.engine().EncodeSnapshot(first);
  // The same records again (repeats the dedupe memory drops: no table grows) and a second cut:
  // the buffers kept from the first cut suffice.
  for (const Event& e : Day(2, 40)) h.Feed(e);
  h.Drain();
  const long before = AllocationCount();
  ASSERT_TRUE(h.engine().SnapshotState());
  EXPECT_EQ(AllocationCount() - before, 0) << "allocations of a cut on the shard's thread";
}

TEST(EngineSnapshot, ALargeSnapshotIsFreedOnceEncodedAndASmallOneKept) {
  EngineHarness h;
  for (const Event& e : Day(2, 40)) h.Feed(e);
  const std::size_t live = h.engine().MemoryBytes();
  ASSERT_TRUE(h.engine().SnapshotState());
  const std::size_t with_copy = h.engine().MemoryBytes();
  ASSERT_GT(with_copy, live);  // the copy counts in privmon_state_bytes
  // Under the kept size: the copy stays for the next cut (no allocation there, test above).
  CheckpointShardWriter first(0);
  h.engine().EncodeSnapshot(first);
  h.engine().OnIdle();
  EXPECT_EQ(h.engine().MemoryBytes(), with_copy);
  // Over it (a large state, scaled down): freed by the shard once encoded, not held between cuts
  // as a second copy of the state.
  h.engine().set_kept_snapshot_bytes(0);
  ASSERT_TRUE(h.engine().SnapshotState());
  h.engine().OnIdle();  // not encoded yet: the control thread may still be reading it
  EXPECT_EQ(h.engine().MemoryBytes(), with_copy);
  CheckpointShardWriter second(0);
  h.engine().EncodeSnapshot(second);
  EXPECT_EQ(Records(second), Records(first));
  h.engine().OnIdle();
  EXPECT_EQ(h.engine().MemoryBytes(), live);
}

}  // namespace
}  // namespace privmon::testing
