// The shard queue's packed form (pipeline/packed_event.h, pipeline/shard_queue.h): every field of
// an Event of every kind comes out of the queue as it went in (strings empty, at capacity,
// truncated), the strings' arena wraps around and refuses a push only while it is full, a
// producer and a consumer thread agree on every message, and steady pushes and drains allocate
// nothing.
#include "pipeline/packed_event.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/shard_queue.h"
#include "tests/support/allocation_helpers.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

enum class Strings { kSome, kEmpty, kFull, kTruncated };

// f(string, index) for each FixedString of an Event (the test's own list, not the packer's).
template <class E, class F>
void EachString(E& e, F&& f) {
  int i = 0;
  f(e.tenant_id, i++);
  f(e.record_id, i++);
  f(e.account.id, i++);
  f(e.account.upn, i++);
  f(e.actor.id, i++);
  f(e.actor.upn, i++);
  f(e.signin.device_id, i++);
  f(e.signin.device_label, i++);
  f(e.signin.city, i++);
  f(e.signin.ip_text, i++);
  f(e.signin.client_app_name, i++);
  f(e.audit.activity_name, i++);
  f(e.audit.role_name, i++);
  f(e.audit.app_name, i++);
  f(e.security.computer, i++);
}

// A text of `len` bytes naming string i and salt s.
std::string Text(int i, uint64_t s, std::size_t len) {
  std::string base = "s" + std::to_string(i) + "-" + std::to_string(s) + ":";
  std::string out;
  while (out.size() < len) out += base;
  out.resize(len);
  return out;
}

// Every field of `e` set to a value of its own, none the default, varied by the salt `s`.
Event Filled(EventKind kind, uint64_t s, Strings strings) {
  Event e;
  e.kind = kind;
  e.format = static_cast<RecordFormat>(1 + s % 2);
  e.source_index = static_cast<uint8_t>(7 + s);
  e.time = 1'000'000 + static_cast<EventTime>(s);
  e.received_ns = 2'000'000 + static_cast<int64_t>(s);
  e.sequence = 3 + s;
  e.fingerprint = 4 + s;
  e.content_key = 41 + s;
  e.expanded_row = (s & 1) != 0;
  e.tenant_hash = 5 + s;
  e.account.key = 6 + s;
  e.account.id_hash = 7 + s;
  e.account.upn_hash = 8 + s;
  e.actor.key = 9 + s;
  e.actor.id_hash = 10 + s;
  e.actor.upn_hash = 11 + s;
  SignInFields& si = e.signin;
  // An audit has no error code: its slot carries PIM's schedule start (Event::pim_start).
  si.error_code = kind == EventKind::kAudit ? 0 : -12 - static_cast<int32_t>(s);
  e.pim_start = kind == EventKind::kAudit ? 1'764'000'000u + static_cast<uint32_t>(s) : 0;
  si.principal = PrincipalType::kManagedIdentity;
  si.channel = SignInChannel::kNonInteractive;
  si.ca_status = CaStatus::kFailure;
  si.risk_state = RiskState::kAtRisk;
  si.risk_during = RiskLevel::kHigh;
  si.risk_aggregated = RiskLevel::kMedium;
  si.client_app = ClientApp::kLegacy;
  si.fraud_reported = true;
  si.device_compliant = true;
  si.device_managed = true;
  si.guest = true;
  si.client_app_hash = 13 + s;
  si.device_hash = 14 + s;
  // A sign-in's former keys travel in the audit activity's and role's slots (packed_event.cc).
  const bool signin = kind == EventKind::kSignIn;
  si.former_client_app_hash = signin ? 23 + s : 0;
  si.device_alias_hash = signin ? 24 + s : 0;
  // An audit record's slot of the location carries its custom role's id (packed_event.cc).
  si.location_hash = kind == EventKind::kAudit ? 0 : 15 + s;
  si.home_tenant_hash = 16 + s;
  si.resource_tenant_hash = 17 + s;
  for (std::size_t i = 0; i < si.ip.size(); ++i) si.ip[i] = static_cast<uint8_t>(18 + i + s);
  si.ip_family = 6;
  si.country[0] = 'D';
  si.country[1] = static_cast<char>('A' + s % 26);
  si.country[2] = 'x';
  AuditFields& au = e.audit;
  au.activity = Activity::kAddMemberToRole;
  au.category = AuditCategory::kRoleManagement;
  au.service = AuditService::kPim;
  au.eligible_name = EligibleName::kDirectoryMirror;
  au.flags = static_cast<uint16_t>(0x5a5 + s);
  au.activity_hash = signin ? 0 : 19 + s;
  au.role_hash = signin ? 0 : 20 + s;
  au.role_id_hash = kind == EventKind::kAudit ? 22 + s : 0;
  for (std::size_t i = 0; i < au.app_hashes.size(); ++i) au.app_hashes[i] = 21 + i + s;
  au.app_hash_count = 3;
  e.registration.is_mfa_registered = false;
  e.registration.is_admin = true;
  e.registration.is_admin_stated = true;
  e.security.event_id = 4624 + static_cast<uint32_t>(s);
  e.elevate_access = true;
  EachString(e, [&](auto& str, int i) {
    const std::size_t cap = str.capacity();
    switch (strings) {
      case Strings::kSome:
        str.assign(Text(i, s, 1 + (static_cast<std::size_t>(i) * 5 + s) % (cap - 1)));
        break;
      case Strings::kEmpty:
        str.clear();
        break;
      case Strings::kFull:
        str.assign(Text(i, s, cap));
        break;
      case Strings::kTruncated:
        str.assign(Text(i, s, cap + 1 + static_cast<std::size_t>(i)));
        break;
    }
  });
  return e;
}

// Every field, one by one.
void ExpectSameEvent(const Event& got, const Event& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.format, want.format);
  EXPECT_EQ(got.source_index, want.source_index);
  EXPECT_EQ(got.pim_start, want.pim_start);
  EXPECT_EQ(got.time, want.time);
  EXPECT_EQ(got.received_ns, want.received_ns);
  EXPECT_EQ(got.sequence, want.sequence);
  EXPECT_EQ(got.fingerprint, want.fingerprint);
  EXPECT_EQ(got.content_key, want.content_key);
  EXPECT_EQ(got.expanded_row, want.expanded_row);
  EXPECT_EQ(got.tenant_hash, want.tenant_hash);
  auto same_account = [](const AccountRef& g, const AccountRef& w) {
    EXPECT_EQ(g.key, w.key);
    EXPECT_EQ(g.id_hash, w.id_hash);
    EXPECT_EQ(g.upn_hash, w.upn_hash);
  };
  same_account(got.account, want.account);
  same_account(got.actor, want.actor);
  const SignInFields& g = got.signin;
  const SignInFields& w = want.signin;
  EXPECT_EQ(g.error_code, w.error_code);
  EXPECT_EQ(g.principal, w.principal);
  EXPECT_EQ(g.channel, w.channel);
  EXPECT_EQ(g.ca_status, w.ca_status);
  EXPECT_EQ(g.risk_state, w.risk_state);
  EXPECT_EQ(g.risk_during, w.risk_during);
  EXPECT_EQ(g.risk_aggregated, w.risk_aggregated);
  EXPECT_EQ(g.client_app, w.client_app);
  EXPECT_EQ(g.fraud_reported, w.fraud_reported);
  EXPECT_EQ(g.device_compliant, w.device_compliant);
  EXPECT_EQ(g.device_managed, w.device_managed);
  EXPECT_EQ(g.guest, w.guest);
  EXPECT_EQ(g.client_app_hash, w.client_app_hash);
  EXPECT_EQ(g.device_hash, w.device_hash);
  EXPECT_EQ(g.former_client_app_hash, w.former_client_app_hash);
  EXPECT_EQ(g.device_alias_hash, w.device_alias_hash);
  EXPECT_EQ(g.location_hash, w.location_hash);
  EXPECT_EQ(g.home_tenant_hash, w.home_tenant_hash);
  EXPECT_EQ(g.resource_tenant_hash, w.resource_tenant_hash);
  EXPECT_EQ(g.ip, w.ip);
  EXPECT_EQ(g.ip_family, w.ip_family);
  EXPECT_EQ(std::string_view(g.country, 3), std::string_view(w.country, 3));
  const AuditFields& ga = got.audit;
  const AuditFields& wa = want.audit;
  EXPECT_EQ(ga.activity, wa.activity);
  EXPECT_EQ(ga.category, wa.category);
  EXPECT_EQ(ga.service, wa.service);
  EXPECT_EQ(ga.eligible_name, wa.eligible_name);
  EXPECT_EQ(ga.flags, wa.flags);
  EXPECT_EQ(ga.activity_hash, wa.activity_hash);
  EXPECT_EQ(ga.role_hash, wa.role_hash);
  EXPECT_EQ(ga.role_id_hash, wa.role_id_hash);
  EXPECT_EQ(ga.app_hashes, wa.app_hashes);
  EXPECT_EQ(ga.app_hash_count, wa.app_hash_count);
  EXPECT_EQ(got.registration.is_mfa_registered, want.registration.is_mfa_registered);
  EXPECT_EQ(got.registration.is_admin, want.registration.is_admin);
  EXPECT_EQ(got.registration.is_admin_stated, want.registration.is_admin_stated);
  EXPECT_EQ(got.security.event_id, want.security.event_id);
  EXPECT_EQ(got.elevate_access, want.elevate_access);
  std::vector<std::pair<std::string, bool>> want_strings;
  EachString(want, [&](const auto& s, int) {
    want_strings.emplace_back(std::string(s.view()), s.truncated());
  });
  EachString(got, [&](const auto& s, int i) {
    EXPECT_EQ(s.view(), want_strings[static_cast<std::size_t>(i)].first) << "string " << i;
    EXPECT_EQ(s.truncated(), want_strings[static_cast<std::size_t>(i)].second) << "string " << i;
  });
}

// The fixed part of `e`: its strings empty.
Event FixedPart(Event e) {
  EachString(e, [](auto& s, int) { s.clear(); });
  return e;
}

TEST(PackedEvent, IsFourCacheLines) {
  EXPECT_LE(sizeof(PackedEvent), 256u);
  EXPECT_EQ(alignof(PackedEvent), 64u);
  EXPECT_GT(sizeof(ShardMessage), 4 * sizeof(PackedEvent));  // what the packing saves
}

TEST(PackedEvent, EveryFieldOfEveryKindComesBack) {
  for (int k = 0; k < static_cast<int>(EventKind::kCount); ++k) {
    const auto kind = static_cast<EventKind>(k);
    for (const Strings strings :
         {Strings::kSome, Strings::kEmpty, Strings::kFull, Strings::kTruncated}) {
      SCOPED_TRACE("kind " + std::to_string(k) + " strings " +
                   std::to_string(static_cast<int>(strings)));
      const Event in = Filled(kind, 1 + static_cast<uint64_t>(k), strings);
      const auto roles = static_cast<uint8_t>(kRouteAccount | kRouteActor | (k << 2));
      std::vector<char> bytes(kMaxPackedStringBytes);
      PackedEvent p;
      Pack(in, roles, bytes.data(), &p);
      EXPECT_EQ(p.roles, roles);
      EXPECT_EQ(p.string_bytes, PackedStringBytes(in));

      // Into a fresh Event, and into one reused from another event (nothing of it may remain).
      Event fresh;
      Unpack(p, bytes.data(), &fresh);
      ExpectSameEvent(fresh, in);
      Event reused = Filled(static_cast<EventKind>((k + 1) % 5), 40, Strings::kTruncated);
      Unpack(p, bytes.data(), &reused);
      ExpectSameEvent(reused, in);

      // The fixed part alone leaves the strings as they were.
      Event fixed;
      UnpackFixed(p, &fixed);
      ExpectSameEvent(fixed, FixedPart(in));
      Event fixed_reused = Filled(kind, 41, Strings::kEmpty);
      UnpackFixed(p, &fixed_reused);
      ExpectSameEvent(fixed_reused, FixedPart(in));

      // Through a queue and the shard's drain; and packed once (a SortedHold's, roles 0) and
      // queued with its roles, as push would have packed it.
      ShardQueue queue(4);
      ASSERT_TRUE(queue.push(in, roles));
      PackedEvent held;
      Pack(in, 0, bytes.data(), &held);
      ASSERT_TRUE(queue.push_packed(held, bytes.data(), roles));
      std::vector<ShardMessage> out;
      const std::size_t n = queue.consume_all_ahead(
          0,
          [&](const PackedEvent& slot, const char* strings_at) {
            out.emplace_back();
            Unpack(slot, strings_at, &out.back().event);
            out.back().roles = slot.roles;
          },
          [](const PackedEvent&) {});
      ASSERT_EQ(n, 2u);
      for (const ShardMessage& m : out) {
        ExpectSameEvent(m.event, in);
        EXPECT_EQ(m.roles, roles);
      }
    }
  }
}

// A parser's Event has zeros past each string (Event{}); so has the shard's scratch after it
// held a longer event (state that copies a FixedString whole must get none of that event's bytes).
TEST(PackedEvent, ReusedScratchKeepsZerosPastEachString) {
  ShardQueue q(8);
  ShardScratch scratch;
  const Event longer = Filled(EventKind::kAudit, 1, Strings::kTruncated);
  Event shorter{};  // as a parser fills it
  EachString(shorter, [](auto& s, int i) { s.assign(Text(i, 2, i % 3 == 0 ? 0 : 5)); });
  ASSERT_TRUE(q.push(longer, 1));
  ASSERT_TRUE(q.push(shorter, 1));
  int seen = 0;
  EngineHarness h(EngineHarness::Tenant("t"));
  DrainShardQueue(q, scratch, h.engine(), [&](const ShardMessage& m) {
    if (++seen != 2) return;
    const Event& got = m.event;
    EachString(got, [&](const auto& s, int i) {
      EachString(shorter, [&](const auto& w, int j) {
        if (j != i) return;
        if constexpr (sizeof(s) == sizeof(w)) {
          EXPECT_EQ(std::memcmp(&s, &w, sizeof s), 0) << "string " << i;
        }
      });
    });
  });
  EXPECT_EQ(seen, 2);
}

TEST(PackedEvent, OnlyPresentStringBytesAreCopied) {
  EXPECT_EQ(PackedStringBytes(Event{}), 0u);
  EXPECT_EQ(PackedStringBytes(Filled(EventKind::kAudit, 3, Strings::kEmpty)), 0u);
  EXPECT_EQ(PackedStringBytes(Filled(EventKind::kAudit, 3, Strings::kFull)), kMaxPackedStringBytes);
  EXPECT_EQ(PackedStringBytes(Filled(EventKind::kAudit, 3, Strings::kTruncated)),
            kMaxPackedStringBytes);
  Event e;
  e.audit.role_name.assign("Global Administrator");
  e.tenant_id.assign("t1");
  EXPECT_EQ(PackedStringBytes(e), 22u);
  std::vector<char> bytes(32, '#');
  PackedEvent p;
  Pack(e, 1, bytes.data(), &p);
  EXPECT_EQ(std::string(bytes.data(), 23), "t1Global Administrator#");
}

// Pushes until the queue refuses, returning how many it took.
std::size_t PushUntilRefused(ShardQueue& q, const Event& e) {
  std::size_t n = 0;
  while (q.push(e, 1)) ++n;
  return n;
}

std::vector<ShardMessage> DrainAll(ShardQueue& q) {
  std::vector<ShardMessage> out;
  q.consume_all_ahead(
      0,
      [&](const PackedEvent& p, const char* strings) {
        out.emplace_back();
        Unpack(p, strings, &out.back().event);
        out.back().roles = p.roles;
      },
      [](const PackedEvent&) {});
  return out;
}

// A mark queued by push_mark is the message push queues for an Event{} with its fields set.
TEST(PackedEvent, AMarkIsTheMessageOfAnEmptyEventWithItsFields) {
  for (const uint8_t roles : {uint8_t{0}, kInputMarkRoles}) {
    Event mark;
    mark.tenant_hash = 0x1234'5678'9abc'def0ULL;
    mark.time = 1'700'000'000'123'456;
    mark.sequence = 7;
    ShardQueue q(8);
    ASSERT_TRUE(q.push(mark, roles));
    ASSERT_TRUE(q.push_mark(mark.tenant_hash, mark.time, mark.sequence, roles));
    const std::vector<ShardMessage> out = DrainAll(q);
    ASSERT_EQ(out.size(), 2u);
    for (const ShardMessage& m : out) {
      ExpectSameEvent(m.event, mark);
      EXPECT_EQ(m.roles, roles);
    }
  }
}

TEST(ShardQueue, ArenaIsSizedFromTheCapacity) {
  EXPECT_EQ(ShardQueue(16384).arena_bytes(), 16384u * 512);
  EXPECT_EQ(ShardQueue(2).arena_bytes(), SpscByteArena::kMinBytes);
  EXPECT_EQ(ShardQueue(100).arena_bytes(), 65536u);  // rounded up to a power of two
  EXPECT_EQ(ShardQueue(4, 5000).arena_bytes(), 8192u);
}

TEST(ShardQueue, FullArenaRefusesAPushUntilDrained) {
  ShardQueue q(64, 4096);
  const Event big = Filled(EventKind::kSignIn, 5, Strings::kFull);  // 1080 string bytes
  EXPECT_EQ(PushUntilRefused(q, big), 3u);                          // 3 x 1080 = 3240 of 4096 bytes
  EXPECT_EQ(q.read_available(), 3u);
  EXPECT_EQ(q.write_available(), 0u);  // 61 slots free, but not the bytes
  // An event without strings (a progress mark) still fits.
  Event mark;
  mark.tenant_hash = 77;
  mark.time = 123;
  mark.sequence = 2;
  EXPECT_TRUE(q.push(mark, 0));
  EXPECT_TRUE(q.push(mark, kInputMarkRoles));
  const std::vector<ShardMessage> out = DrainAll(q);
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 3; ++i) ExpectSameEvent(out[static_cast<std::size_t>(i)].event, big);
  ExpectSameEvent(out[3].event, mark);
  EXPECT_EQ(out[3].roles, 0);
  EXPECT_EQ(out[4].roles, kInputMarkRoles);
  EXPECT_GT(q.write_available(), 0u);
  EXPECT_TRUE(q.push(big, 1));
  ASSERT_EQ(DrainAll(q).size(), 1u);
}

TEST(ShardQueue, FullRingRefusesAPushThoughTheArenaHasRoom) {
  ShardQueue q(4, 1 << 16);
  const Event e = Filled(EventKind::kAudit, 6, Strings::kSome);
  EXPECT_EQ(PushUntilRefused(q, e), 4u);
  EXPECT_EQ(q.write_available(), 0u);
  EXPECT_EQ(DrainAll(q).size(), 4u);
  EXPECT_EQ(q.write_available(), 4u);
}

// Many events of random string lengths (empty to truncated) through a small ring and a small
// arena, in bursts that stop when the queue refuses: each drained message is the one pushed, and
// the arena wrapped around many times.
TEST(ShardQueue, ArenaWrapsAroundManyTimes) {
  for (const std::size_t capacity : {std::size_t{7}, std::size_t{64}}) {
    ShardQueue q(capacity, 4096);
    std::mt19937_64 rng(capacity);
    std::deque<Event> queued;
    uint64_t pushed = 0, string_bytes = 0, refused = 0, drained = 0;
    while (pushed < 20000) {
      const std::size_t burst = 1 + rng() % 40;
      for (std::size_t i = 0; i < burst; ++i) {
        Event e = Filled(static_cast<EventKind>(rng() % 5), pushed, Strings::kEmpty);
        EachString(e, [&](auto& s, int k) {
          const std::size_t len = rng() % 3 == 0 ? 0 : rng() % (s.capacity() + 4);
          s.assign(Text(k, pushed, len));
        });
        if (!q.push(e, static_cast<uint8_t>(1 + pushed % 3))) {
          ++refused;
          break;
        }
        string_bytes += PackedStringBytes(e);
        queued.push_back(e);
        ++pushed;
      }
      for (const ShardMessage& m : DrainAll(q)) {
        ASSERT_FALSE(queued.empty());
        SCOPED_TRACE("message " + std::to_string(drained));
        ExpectSameEvent(m.event, queued.front());
        EXPECT_EQ(uint64_t{m.roles}, 1 + drained % 3);
        queued.pop_front();
        ++drained;
        if (::testing::Test::HasFailure()) return;
      }
    }
    EXPECT_TRUE(queued.empty());
    EXPECT_GT(string_bytes, 100u * q.arena_bytes());  // wrapped around a hundred times or more
    EXPECT_GT(refused, 0u);                           // and was full now and then
  }
}

// One producer thread, one consumer thread (run under TSan by scripts/test.sh): every message
// arrives once, in order, with its strings.
TEST(ShardQueue, ProducerAndConsumerThreadsAgreeOnEveryMessage) {
  ShardQueue q(16, 4096);
  constexpr uint64_t kCount = 30000;
  auto make = [](uint64_t i) {
    Event e;
    e.sequence = i;
    e.tenant_id.assign(Text(0, i, i % 41));
    e.account.upn.assign(Text(3, i, (i * 7) % 100));
    e.audit.activity_name.assign(Text(11, i, (i * 13) % 97));
    e.security.computer.assign(Text(14, i, i % 3 == 0 ? 64 : 0));
    return e;
  };
  std::thread producer([&] {
    for (uint64_t i = 0; i < kCount; ++i) {
      const Event e = make(i);
      while (!q.push(e, 1)) std::this_thread::yield();
    }
  });
  uint64_t next = 0;
  Event got;
  bool same = true;
  while (next < kCount && same) {
    q.consume_all_ahead(
        0,
        [&](const PackedEvent& p, const char* strings) {
          Unpack(p, strings, &got);
          const Event want = make(next++);
          same = same && got.sequence == want.sequence && got.tenant_id == want.tenant_id &&
                 got.account.upn == want.account.upn &&
                 got.audit.activity_name == want.audit.activity_name &&
                 got.security.computer == want.security.computer;
        },
        [](const PackedEvent&) {});
  }
  producer.join();
  EXPECT_TRUE(same) << "message " << next - 1 << " differs";
  EXPECT_EQ(next, kCount);
}

// Pushes and drains (into the shard's reused scratch message) allocate nothing.
TEST(ShardQueue, SteadyPushesAndDrainsAllocateNothing) {
  ShardQueue q(64, 8192);
  std::vector<Event> events;
  for (int k = 0; k < 5; ++k) {
    events.push_back(Filled(static_cast<EventKind>(k), 9, Strings::kSome));
    events.push_back(Filled(static_cast<EventKind>(k), 10, Strings::kFull));
  }
  ShardScratch scratch;
  uint64_t sum = 0;
  const long before = AllocationCount();
  for (int round = 0; round < 200; ++round) {
    for (const Event& e : events) {
      if (!q.push(e, 1)) break;
    }
    q.consume_all_ahead(
        kPrefetchDistance,
        [&](const PackedEvent& p, const char* strings) {
          Unpack(p, strings, &scratch.message.event);
          sum += scratch.message.event.sequence + scratch.message.event.record_id.size();
        },
        [&](const PackedEvent& p) { UnpackFixed(p, &scratch.ahead); });
  }
  EXPECT_EQ(AllocationCount() - before, 0);
  EXPECT_GT(sum, 0u);
}

// The counter the zero-allocation tests read does count in this binary: an allocation that
// escapes (so the compiler may not elide it) moves it.
TEST(AllocationCounter, SeesAnAllocationInThisBinary) {
  static std::vector<std::unique_ptr<int>> kept;
  const long before = AllocationCount();
  kept.push_back(std::make_unique<int>(7));
  EXPECT_GT(AllocationCount(), before);
}

}  // namespace
}  // namespace privmon::testing
