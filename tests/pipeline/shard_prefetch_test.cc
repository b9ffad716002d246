// The shard's look-ahead drain (pipeline/shard_queue.h, pipeline/spsc_ring.h): the ring hands
// every message over once and in order while showing the consumer each event a few messages
// ahead, and a DetectionEngine drained that way (packed into the queue, unpacked into the shard's
// scratch message, its Prefetch hint shown the fixed fields) ends with exactly the alerts (ids,
// order) and the state of one fed the same messages one at a time without the hint.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/checkpoint_format.h"
#include "pipeline/packed_event.h"
#include "pipeline/shard_queue.h"
#include "pipeline/spsc_ring.h"
#include "state/checkpoint_codec.h"
#include "state/timer_queue.h"
#include "tests/support/checkpoint_records.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kShardPrefetchTenant = "11111111-2222-3333-4444-555555555555";

TEST(SpscRing, LookAheadShowsEachElementAheadAndHandsAllOverInOrder) {
  for (const std::size_t distance :
       {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{8}, std::size_t{50}}) {
    SpscRing<int> ring(7);  // small: pushes wrap around the end many times
    std::vector<int> handled, shown;
    int next = 0;
    for (int round = 0; round < 40; ++round) {
      const int count = round % 8;  // 0..7 queued per drain
      for (int i = 0; i < count; ++i) ASSERT_TRUE(ring.push(next++));
      EXPECT_EQ(ring.read_available(), static_cast<std::size_t>(count));
      const std::size_t first_shown = shown.size();
      const std::size_t first_handled = handled.size();
      const std::size_t n = ring.consume_all_ahead(
          distance,
          [&](int v) {
            // Every element within `distance` after this one was shown before it is handled.
            const int want_seen = std::min(v + static_cast<int>(distance), next - 1);
            if (distance != 0) {
              EXPECT_NE(std::find(shown.begin() + static_cast<std::ptrdiff_t>(first_shown),
                                  shown.end(), want_seen),
                        shown.end())
                  << "element " << want_seen << " not shown before " << v << " was handled";
            }
            handled.push_back(v);
          },
          [&](int v) { shown.push_back(v); });
      EXPECT_EQ(n, static_cast<std::size_t>(count));
      EXPECT_TRUE(ring.empty());
      // Each element of the drain shown exactly once (none with distance 0).
      std::vector<int> drained_shown(shown.begin() + static_cast<std::ptrdiff_t>(first_shown),
                                     shown.end());
      std::sort(drained_shown.begin(), drained_shown.end());
      std::vector<int> drained(handled.begin() + static_cast<std::ptrdiff_t>(first_handled),
                               handled.end());
      EXPECT_EQ(drained_shown, distance == 0 ? std::vector<int>{} : drained);
    }
    std::vector<int> expected(static_cast<std::size_t>(next));
    for (int i = 0; i < next; ++i) expected[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(handled, expected) << "distance " << distance;
  }
}

TEST(SpscRing, FullRingRefusesAPushUntilDrained) {
  SpscRing<int> ring(3);
  EXPECT_EQ(ring.write_available(), 3u);
  EXPECT_TRUE(ring.push(1));
  EXPECT_TRUE(ring.push(2));
  EXPECT_TRUE(ring.push(3));
  EXPECT_FALSE(ring.push(4));
  EXPECT_EQ(ring.write_available(), 0u);
  int sum = 0;
  EXPECT_EQ(ring.consume_all([&](int v) { sum += v; }), 3u);
  EXPECT_EQ(sum, 6);
  EXPECT_TRUE(ring.push(4));
}

// The test helpers' Events leave whatever was on the stack past each string's bytes; a parser's
// Event has zeros there (Event{}), and so has the event the shard unpacks from its queue. The
// engine copies FixedStrings whole into state it checkpoints raw (PrivilegedState), so the traffic
// gets a parser's zeros for the two paths' states to compare byte for byte.
void ZeroTails(Event& e) {
  auto zero = [](auto& s) {
    const std::string v(s.view());
    const bool truncated = s.truncated();
    s.assign(std::string(s.capacity(), '\0'));
    s.assign(truncated ? v + '.' : v);
  };
  ForEachPackedString(e, zero);
}

// A week of one tenant's traffic: privileged and other accounts signing in from a few devices,
// places and client apps (some failing, some legacy), audits with actors, PIM activations,
// redelivered records, and progress marks between them.
std::vector<ShardMessage> Traffic() {
  std::mt19937_64 rng(15);
  std::vector<ShardMessage> out;
  EventTime t = At("2026-11-01T00:00:00Z");
  EventTime newest = t;
  const char* devices[] = {"dev-a", "dev-b", "dev-c", "dev-d", "dev-e"};
  const char* places[] = {"US/Redmond", "US/Seattle", "DE/Berlin", "JP/Tokyo"};
  const char* apps[] = {"Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync"};
  for (int n = 0; n < 3000; ++n) {
    t += static_cast<EventTime>(rng() % 400) * kMicrosPerSecond;
    // Some records arrive out of order (within the allowed lateness).
    const EventTime when = t - static_cast<EventTime>(rng() % 200) * kMicrosPerSecond;
    const std::string upn = "u" + std::to_string(rng() % 60) + "@c.com";
    Event e;
    const uint64_t pick = rng() % 100;
    if (pick < 70) {
      e = SignIn(kShardPrefetchTenant, upn, "2026-11-01T00:00:00Z", rng() % 5 == 0 ? 50126 : 0);
      e.signin.principal = PrincipalType::kUser;
      const char* device = devices[rng() % 5];
      e.signin.device_id.assign(device);
      e.signin.device_hash = HashLower(device);
      e.signin.location_hash = HashLower(places[rng() % 4]);
      const auto app = rng() % 10 == 0 ? 2u : static_cast<unsigned>(rng() % 2);
      e.signin.client_app_name.assign(apps[app]);
      e.signin.client_app_hash = HashLower(apps[app]);
      e.signin.client_app = app == 2 ? ClientApp::kLegacy : ClientApp::kModern;
    } else if (pick < 90) {
      e = Audit(kShardPrefetchTenant, Activity::kUpdateUser, "Update user", upn,
                "2026-11-01T00:00:00Z");
      e.actor = Account(kShardPrefetchTenant, "u" + std::to_string(rng() % 10) + "@c.com");
    } else {
      e = PimActivation(kShardPrefetchTenant, upn, "2026-11-01T00:00:00Z");
      e.actor = Account(kShardPrefetchTenant, upn);
    }
    e.time = when;
    e.record_id.assign("r" + std::to_string(n));
    e.fingerprint = HashCombine(e.tenant_hash, HashLower(e.record_id.view()));
    e.sequence = static_cast<uint64_t>(n);
    ZeroTails(e);
    const auto roles = static_cast<uint8_t>((e.account.present() ? kRouteAccount : 0) |
                                            (e.actor.present() ? kRouteActor : 0));
    out.push_back({e, roles});
    if (rng() % 20 == 0) out.push_back({e, roles});  // redelivered
    newest = std::max(newest, when);
    if (n % 7 == 6) {  // a progress mark: the tenant's watermark, 5 minutes behind
      ShardMessage mark;
      mark.event.tenant_hash = e.tenant_hash;
      mark.event.time = newest - 300 * kMicrosPerSecond;
      mark.roles = 0;
      out.push_back(mark);
    }
  }
  return out;
}

std::shared_ptr<TenantSettings> TestTenant() {
  auto tenant = EngineHarness::Tenant(kShardPrefetchTenant);
  tenant->learning_period_s = 86400;  // novelty rules judge from day two
  for (int i = 0; i < 10; ++i) {
    tenant->privileged_accounts.insert(HashLower("u" + std::to_string(i) + "@c.com"));
  }
  return tenant;
}

// What a shard does with a message (pipeline/shard_loop.cc): an event to OnEvent, a mark to
// OnTenantWatermark.
void Handle(DetectionEngine& engine, const ShardMessage& m) {
  if (m.roles == 0) {
    engine.OnTenantWatermark(m.event.tenant_hash, m.event.time);
  } else {
    engine.OnEvent(m.event, m.roles);
  }
}

// Every record the engine checkpoints (accounts, privileged state, known values, dedupe memory,
// timers, suppression...), sorted: a hash table's iteration order depends on where it was
// allocated, its content does not.
std::vector<std::string> State(DetectionEngine& engine) {
  CheckpointShardWriter out(0);
  engine.SaveState(out);
  return SortedCheckpointRecords(out);
}

void ExpectSameState(const std::vector<std::string>& got, const std::vector<std::string>& want,
                     std::size_t distance) {
  ASSERT_EQ(got.size(), want.size()) << "records, distance " << distance;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(got[i] == want[i])
        << "record " << i << " (tag " << int{got[i][0]} << ") differs, distance " << distance;
  }
}

struct AlertKey {
  uint64_t id;
  RuleId rule;
  EventTime time;
  uint32_t count;
  bool update;
  bool operator==(const AlertKey&) const = default;
};

void Collect(EngineHarness& h, std::vector<AlertKey>& out) {
  for (const Alert& a : h.Drain()) out.push_back({a.alert_id, a.rule, a.time, a.count, a.update});
}

TEST(ShardPrefetch, DrainWithLookAheadGivesTheSameAlertsAndStateAsOneAtATime) {
  const std::vector<ShardMessage> traffic = Traffic();

  // One message at a time, no hint.
  EngineHarness plain(TestTenant());
  std::vector<AlertKey> plain_alerts;
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    Handle(plain.engine(), traffic[i]);
    if (i % 50 == 49) Collect(plain, plain_alerts);
  }
  plain.engine().OnFinish(kMinTime);
  Collect(plain, plain_alerts);
  const std::vector<std::string> plain_state = State(plain.engine());
  ASSERT_GT(plain_state.size(), 100u);

  // Through the shard's queue and drain, in bursts of 1..97 messages, at several distances.
  for (const std::size_t distance :
       {std::size_t{0}, kPrefetchDistance, std::size_t{1}, std::size_t{32}}) {
    EngineHarness drained(TestTenant());
    ShardQueue queue(128);
    ShardScratch scratch;
    std::vector<AlertKey> drained_alerts;
    std::mt19937 burst(distance);
    std::size_t i = 0, handled = 0;
    while (i < traffic.size()) {
      const std::size_t count = std::min<std::size_t>(1 + burst() % 97, traffic.size() - i);
      for (std::size_t k = 0; k < count; ++k, ++i) {
        ASSERT_TRUE(queue.push(traffic[i].event, traffic[i].roles));
      }
      DrainShardQueue(
          queue, scratch, drained.engine(),
          [&](const ShardMessage& m) {
            Handle(drained.engine(), m);
            if (handled++ % 50 == 49) Collect(drained, drained_alerts);
          },
          distance);
    }
    drained.engine().OnFinish(kMinTime);
    Collect(drained, drained_alerts);

    EXPECT_EQ(drained_alerts, plain_alerts) << "distance " << distance;
    ExpectSameState(State(drained.engine()), plain_state, distance);
    EXPECT_EQ(drained.engine().accounts().size(), plain.engine().accounts().size());
    EXPECT_EQ(drained.engine().known_value_count(), plain.engine().known_value_count());
  }
  // The comparison means something: the traffic raised alerts of several rules.
  std::set<RuleId> rules;
  for (const AlertKey& a : plain_alerts) rules.insert(a.rule);
  EXPECT_GE(plain_alerts.size(), 10u);
  EXPECT_GE(rules.size(), 3u);
}

// The hint alone changes nothing: prefetching events that never arrive (an account the shard has
// not seen, values it never learned) creates no account, value or alert.
TEST(ShardPrefetch, HintAloneChangesNoState) {
  const std::vector<ShardMessage> traffic = Traffic();
  EngineHarness h(TestTenant());
  const std::vector<std::string> empty = State(h.engine());
  for (const ShardMessage& m : traffic) {
    if (IsEventMessage(m)) h.engine().Prefetch(m.event, m.roles);
  }
  EXPECT_EQ(h.engine().accounts().size(), 0u);
  EXPECT_EQ(h.engine().known_value_count(), 0u);
  EXPECT_TRUE(h.Drain().empty());
  ExpectSameState(State(h.engine()), empty, 0);
}

}  // namespace
}  // namespace privmon::testing
