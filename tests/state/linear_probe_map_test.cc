// LinearProbeMap: the same answers as std::unordered_map under random inserts, erases, sweeps,
// growth and shrinking (clusters that wrap past the array's end included); key 0 is a key like any
// other; erase_if erases exactly what its predicate names; Prefetch changes nothing.
#include "state/linear_probe_map.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "core/hash.h"
#include "state/incremental_sweep.h"

namespace privmon {
namespace {

struct Value {
  uint32_t a = 7;  // a default member initializer, as AccountState has
  uint32_t b = 0;
};

void ExpectSame(const LinearProbeMap<Value>& map,
                const std::unordered_map<uint64_t, uint32_t>& ref) {
  ASSERT_EQ(map.size(), ref.size());
  std::size_t visited = 0;
  for (const auto& [key, value] : map) {
    ++visited;
    // Key 0 is stored as the stand-in (the header says so); iteration shows the stand-in.
    auto it = ref.find(key == LinearProbeMap<Value>::kZeroStandIn ? 0 : key);
    ASSERT_NE(it, ref.end()) << key;
    EXPECT_EQ(value.b, it->second) << key;
  }
  EXPECT_EQ(visited, ref.size());
  for (const auto& [key, b] : ref) {
    auto it = map.find(key);
    ASSERT_NE(it, map.end()) << key;
    EXPECT_EQ(it->second.b, b);
  }
}

// Keys from a small range so the same keys come back after erases; some structured (small
// integers, multiples of a power of two), some hashes.
uint64_t PickKey(std::mt19937_64& rng) {
  const uint64_t i = rng() % 600;
  switch (i % 3) {
    case 0:
      return i;  // includes key 0
    case 1:
      return i << 20;
    default:
      return Mix64(i);
  }
}

TEST(LinearProbeMap, AgreesWithAReferenceMapUnderRandomOperations) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    LinearProbeMap<Value> map;
    std::unordered_map<uint64_t, uint32_t> ref;
    for (int op = 0; op < 20000; ++op) {
      const uint64_t key = PickKey(rng);
      const auto value = static_cast<uint32_t>(rng());
      switch (rng() % 6) {
        case 0:
        case 1: {
          auto [it, inserted] = map.try_emplace(key, Value{1, value});
          const bool ref_inserted = ref.try_emplace(key, value).second;
          ASSERT_EQ(inserted, ref_inserted) << key;
          ASSERT_EQ(it->first == key || (key == 0 && it->first == map.kZeroStandIn), true);
          break;
        }
        case 2:
          map.insert_or_assign(key, Value{2, value});
          ref[key] = value;
          break;
        case 3:
          ASSERT_EQ(map.erase(key), ref.erase(key)) << key;
          break;
        case 4:
          map.prefetch(key);
          ASSERT_EQ(map.contains(key), ref.count(key) == 1) << key;
          break;
        default:
          if (rng() % 50 == 0) map.rehash(0);  // shrink to fit
          break;
      }
      if (op % 1000 == 999) ExpectSame(map, ref);
    }
    ExpectSame(map, ref);
  }
}

TEST(LinearProbeMap, OperatorBracketDefaultConstructsTheValue) {
  LinearProbeMap<Value> map;
  EXPECT_EQ(map[5].a, 7u);
  map[5].b = 9;
  EXPECT_EQ(map.find(5)->second.b, 9u);
  EXPECT_EQ(map.size(), 1u);
}

// A table kept small and nearly full: clusters wrap past the end, and erases shift them back.
TEST(LinearProbeMap, ErasesInWrappingClustersKeepEveryOtherEntryFindable) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    LinearProbeMap<Value> map;
    std::unordered_map<uint64_t, uint32_t> ref;
    map.reserve(12);
    ASSERT_EQ(map.capacity(), 16u);
    while (ref.size() < 12) {
      const uint64_t key = rng();
      map.try_emplace(key, Value{0, static_cast<uint32_t>(key)});
      ref.emplace(key, static_cast<uint32_t>(key));
    }
    ASSERT_EQ(map.capacity(), 16u);
    while (!ref.empty()) {
      auto victim = ref.begin();
      std::advance(victim, static_cast<long>(rng() % ref.size()));
      ASSERT_EQ(map.erase(victim->first), 1u);
      ref.erase(victim);
      ExpectSame(map, ref);
    }
  }
}

TEST(LinearProbeMap, EraseIfErasesExactlyWhatThePredicateNames) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    std::mt19937_64 rng(seed);
    LinearProbeMap<Value> map;
    std::unordered_map<uint64_t, uint32_t> ref;
    map.reserve(12);
    for (int i = 0; i < 12; ++i) {
      const uint64_t key = rng();
      const auto v = static_cast<uint32_t>(rng() % 2);
      map.insert_or_assign(key, Value{0, v});
      ref[key] = v;
    }
    const std::size_t odd = std::erase_if(ref, [](const auto& kv) { return kv.second == 1; });
    EXPECT_EQ(map.erase_if([](const auto& slot) { return slot.second.b == 1; }), odd);
    ExpectSame(map, ref);
  }
}

TEST(LinearProbeMap, GrowsAndShrinksWithinTheStatedLoad) {
  LinearProbeMap<Value> map;
  for (uint64_t i = 1; i <= 100000; ++i) {
    map.try_emplace(Mix64(i));
    ASSERT_LE(map.size() * 4, map.capacity() * 3) << i;
  }
  EXPECT_GT(map.size() * 8, map.capacity() * 3) << "just grown: above 3/8";
  map.erase_if([](const auto& slot) { return slot.first % 100 != 0; });
  map.rehash(0);
  EXPECT_LE(map.size() * 4, map.capacity() * 3);
  EXPECT_GT(map.size() * 8, map.capacity() * 3);
  for (uint64_t i = 1; i <= 100000; ++i) {
    EXPECT_EQ(map.contains(Mix64(i)), Mix64(i) % 100 == 0);
  }
}

// The incremental sweep over this map: laps erase what the predicate names; an entry a wrapping
// shift moves behind the cursor is caught by a later lap.
TEST(LinearProbeMap, IncrementalSweepLapsEraseEveryEvictableEntry) {
  LinearProbeMap<Value> map;
  for (uint64_t i = 1; i <= 5000; ++i) map.try_emplace(Mix64(i), Value{0, i % 3 == 0 ? 1u : 0u});
  SweepCursor cursor;
  std::size_t erased = 0;
  for (int step = 0; step < 200 && cursor.laps < 3; ++step) {
    erased += SweepStep(map, cursor, 97, [](uint64_t, const Value& v) { return v.b == 1; });
  }
  EXPECT_GE(cursor.laps, 3u);
  EXPECT_EQ(erased, 1666u);
  for (uint64_t i = 1; i <= 5000; ++i) EXPECT_EQ(map.contains(Mix64(i)), i % 3 != 0) << i;
}

// The home slot's multiplier is drawn per table, so the keys' layout (what a crafted pile-up would
// need to know) differs between two tables holding the same keys.
TEST(LinearProbeMap, TwoTablesLayTheSameKeysOutDifferently) {
  LinearProbeMap<Value> a;
  LinearProbeMap<Value> b;
  for (uint64_t i = 1; i <= 1000; ++i) {
    a.try_emplace(i << 32);
    b.try_emplace(i << 32);
  }
  std::vector<uint64_t> order_a, order_b;
  for (const auto& slot : a) order_a.push_back(slot.first);
  for (const auto& slot : b) order_b.push_back(slot.first);
  EXPECT_NE(order_a, order_b);
}

}  // namespace
}  // namespace privmon
