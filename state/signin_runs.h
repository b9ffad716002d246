// SignInRuns: an account's recent sign-ins for PRIV-EL-06, kept as runs rather than as "the
// latest N". A run is a maximal set of sign-ins of one kind (from a PAW or not) whose successive
// times are at most `window` apart, so any window of that length that overlaps a run holds one of
// its sign-ins. Runs are a function of the set of sign-ins, not of their arrival order, and a busy
// account's steady sign-ins fold into one run instead of pushing older ones out. Each run keeps
// the device and record of its first and last sign-in (what an alert names).
// Plain value inside PrivilegedState; Add is O(kRuns), no allocation. Single-threaded (its shard).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/fixed_string.h"
#include "state/account_state.h"

namespace privmon {

struct SignInPoint {
  Seconds32 time = 0;  // 0 = none
  FixedString<40> device_id;
  FixedString<48> device_label;
  FixedString<80> record_id;
};

struct SignInRun {
  SignInPoint first, last;
  bool paw = false;
  bool empty() const { return first.time == 0; }
  bool Overlaps(Seconds32 from, Seconds32 to) const {
    return !empty() && first.time <= to && last.time >= from;
  }
  // A sign-in of this run inside [from, to] (the run overlaps it): the last one when it is inside,
  // else the first one when it is, else (the run spans the window) the last one before `to` is
  // not kept, so the first one names the run.
  const SignInPoint& Inside(Seconds32 from, Seconds32 to) const {
    if (last.time <= to && last.time >= from) return last;
    return first;
  }
};

class SignInRuns {
 public:
  static constexpr std::size_t kRuns = 4;

  // Whether a run of that kind (from a PAW or not) spans `t`.
  bool Covers(Seconds32 t, bool paw) const {
    return std::any_of(runs_.begin(), runs_.end(), [&](const SignInRun& r) {
      return !r.empty() && r.paw == paw && r.first.time <= t && t <= r.last.time;
    });
  }
  void Add(const SignInPoint& p, bool paw, int64_t window) {
    SignInRun merged{p, p, paw};
    for (SignInRun& r : runs_) {
      if (r.empty() || r.paw != paw) continue;
      if (static_cast<int64_t>(p.time) + window < r.first.time ||
          static_cast<int64_t>(r.last.time) + window < p.time) {
        continue;
      }
      if (r.first.time < merged.first.time) merged.first = r.first;
      if (r.last.time > merged.last.time) merged.last = r.last;
      r = SignInRun{};  // folded into `merged`
    }
    auto slot = std::find_if(runs_.begin(), runs_.end(), [](const auto& r) { return r.empty(); });
    if (slot == runs_.end()) {
      slot = std::min_element(runs_.begin(), runs_.end(), [](const auto& a, const auto& b) {
        return a.last.time < b.last.time;
      });
      if (slot->last.time >= merged.last.time) return;  // older than everything kept
    }
    *slot = merged;
  }
  const std::array<SignInRun, kRuns>& runs() const { return runs_; }

 private:
  std::array<SignInRun, kRuns> runs_{};
};

}  // namespace privmon
