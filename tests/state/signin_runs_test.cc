// SignInRuns: PRIV-EL-06's memory of sign-ins is a function of the set of sign-ins, whatever the
// order they arrived in, and steady later sign-ins never push an earlier one out of a window.
#include "state/signin_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace privmon {
namespace {

constexpr int64_t kWindow = 3600;

SignInPoint At(Seconds32 t) {
  SignInPoint p;
  p.time = t;
  p.record_id.assign("r" + std::to_string(t));
  return p;
}

std::vector<std::pair<Seconds32, Seconds32>> Shape(const SignInRuns& runs) {
  std::vector<std::pair<Seconds32, Seconds32>> out;
  for (const auto& r : runs.runs()) {
    if (!r.empty()) out.emplace_back(r.first.time, r.last.time);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SignInRuns, EveryArrivalOrderGivesTheSameRuns) {
  std::vector<Seconds32> times = {1000, 2000, 9000, 9500, 20000, 4000, 14000};
  SignInRuns reference;
  for (Seconds32 t : times) reference.Add(At(t), false, kWindow);
  std::sort(times.begin(), times.end());
  do {
    SignInRuns runs;
    for (Seconds32 t : times) runs.Add(At(t), false, kWindow);
    ASSERT_EQ(Shape(runs), Shape(reference));
  } while (std::next_permutation(times.begin(), times.end()));
  // 1000..4000 chain (gaps <= 1 h), 9000..9500, 14000, 20000.
  EXPECT_EQ(Shape(reference), (std::vector<std::pair<Seconds32, Seconds32>>{
                                  {1000, 4000}, {9000, 9500}, {14000, 14000}, {20000, 20000}}));
}

TEST(SignInRuns, ManyLaterSignInsKeepAnEarlierOneInItsWindow) {
  SignInRuns runs;
  runs.Add(At(10'000), true, kWindow);
  for (Seconds32 t = 10'600; t < 20'000; t += 60) runs.Add(At(t), true, kWindow);
  bool seen = false;
  for (const auto& r : runs.runs()) seen = seen || r.Overlaps(10'000 - 3600, 10'000);
  EXPECT_TRUE(seen);
}

TEST(SignInRuns, RunsOfTheOtherKindDoNotMerge) {
  SignInRuns runs;
  runs.Add(At(1000), true, kWindow);
  runs.Add(At(1100), false, kWindow);
  int paw = 0, other = 0;
  for (const auto& r : runs.runs()) {
    if (r.empty()) continue;
    (r.paw ? paw : other) += 1;
    if (!r.paw) {
      EXPECT_EQ(r.Inside(0, 2000).record_id.view(), "r1100");
    }
  }
  EXPECT_EQ(paw, 1);
  EXPECT_EQ(other, 1);
}

// Breaker round 93: a run a pending verdict reads (the hour before an activation at 50000) is
// kept while later runs fill the slots; the later ones give way among themselves. Without the
// predicate the oldest run goes first, as before.
TEST(SignInRuns, ARunAPendingVerdictReadsIsKeptOverLaterOnes) {
  const auto needed = [](const SignInRun& r) { return r.Overlaps(50000 - kWindow, 50000); };
  SignInRuns runs, plain;
  for (Seconds32 t : {49000u, 60000u, 70000u, 80000u, 90000u, 100000u}) {
    runs.Add(At(t), true, kWindow, needed);
    plain.Add(At(t), true, kWindow);
  }
  EXPECT_EQ(Shape(runs), (std::vector<std::pair<Seconds32, Seconds32>>{
                             {49000, 49000}, {80000, 80000}, {90000, 90000}, {100000, 100000}}));
  EXPECT_EQ(Shape(plain), (std::vector<std::pair<Seconds32, Seconds32>>{
                              {70000, 70000}, {80000, 80000}, {90000, 90000}, {100000, 100000}}));
}

}  // namespace
}  // namespace privmon
