// DeletionHistory (state/deletion_history.h): an account's deletions and restores by event time,
// whatever their arrival order, for PRIV-PA-05's "gone, not unused".
#include "state/deletion_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <utility>

namespace privmon {
namespace {

TEST(DeletionHistory, ARestoreAfterTheDeletionBringsTheAccountBack) {
  DeletionHistory d;
  EXPECT_FALSE(d.GoneAt(100, 1000));
  d.Add(200, /*restore=*/false);
  EXPECT_TRUE(d.GoneAt(100, 1000));
  EXPECT_FALSE(d.GoneAt(300, 1000));  // deleted before the period began
  EXPECT_FALSE(d.GoneAt(100, 150));   // not yet deleted at 150
  d.Add(300, /*restore=*/true);
  EXPECT_FALSE(d.GoneAt(100, 1000));
  EXPECT_TRUE(d.GoneAt(100, 250));  // at 250 it stood deleted
  d.Add(400, /*restore=*/false);
  EXPECT_TRUE(d.GoneAt(100, 1000));
  EXPECT_FALSE(d.GoneAt(100, 350));
}

TEST(DeletionHistory, EveryArrivalOrderGivesTheSameAnswers) {
  const std::array<std::pair<Seconds32, bool>, 4> events = {
      {{200, false}, {300, true}, {400, false}, {500, true}}};
  std::array<int, 4> order = {0, 1, 2, 3};
  DeletionHistory first;
  for (const auto& [t, restore] : events) first.Add(t, restore);
  do {
    DeletionHistory d;
    for (int i : order) d.Add(events[i].first, events[i].second);
    d.Add(events[order[0]].first, events[order[0]].second);  // a redelivery changes nothing
    for (Seconds32 at = 150; at <= 600; at += 50) {
      EXPECT_EQ(d.GoneAt(100, at), first.GoneAt(100, at)) << at;
    }
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_TRUE(first.GoneAt(100, 450));
  EXPECT_FALSE(first.GoneAt(100, 600));
}

TEST(DeletionHistory, AtOneSecondTheRestoreWinsAndTheNewestFourAreKept) {
  DeletionHistory d;
  d.Add(200, /*restore=*/false);
  d.Add(200, /*restore=*/true);
  EXPECT_FALSE(d.GoneAt(100, 1000));
  d.Add(300, /*restore=*/false);
  d.Add(400, /*restore=*/true);
  d.Add(500, /*restore=*/false);     // full: the oldest (200, the deletion) goes
  d.Add(150, /*restore=*/false);     // older than all four kept: not kept
  EXPECT_TRUE(d.GoneAt(100, 1000));  // 500, a deletion, is the latest
  EXPECT_TRUE(d.GoneAt(100, 350));   // 300
  EXPECT_FALSE(d.GoneAt(100, 450));  // 400, a restore
  EXPECT_FALSE(d.GoneAt(100, 250));  // 200, the restore
  EXPECT_FALSE(d.GoneAt(100, 180));  // 150 was not kept
  EXPECT_TRUE(d.Plausible());
}

}  // namespace
}  // namespace privmon
