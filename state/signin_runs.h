// SignInRuns: an account's recent sign-ins for PRIV-EL-06, kept as runs rather than as "the
// latest N". A run is a maximal set of sign-ins of one kind (from a PAW or not) whose successive
// times are at most `window` apart, so any window of that length that overlaps a run holds one of
// its sign-ins. Runs are a function of the set of sign-ins, not of their arrival order, and a busy
// account's steady sign-ins fold into one run instead of pushing older ones out. Each run keeps
// the device and record of its first and last sign-in (what an alert names).
// Plain value inside PrivilegedState; Add is O(kRuns) calls of its `needed`, no allocation.
// Single-threaded (its shard).
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
    Add(p, paw, window, [](const SignInRun&) { return false; });
  }
  // `needed(run)`: whether a verdict still pending reads the run (PimActivations: an activation
  // whose PAW verdict waits for the watermark). When all kRuns are taken, a run no pending verdict
  // reads gives way first (the oldest of them), and a new run no verdict reads never displaces
  // one that a verdict does (when every kept run is needed, the oldest goes only for a needed one).
  // A run folded into the new one left a slot free, so nothing folded is ever dropped.
  // Breaker round 93: a tenant's watermark held back for hours of its own event time (another
  // tenant's partition of the same Kafka source lagging, pipeline/tenant_clocks.h) let the
  // account's later sign-ins push the PAW sign-in 9 minutes before an activation out before its
  // verdict: a false "no sign-in seen" that scan did not raise
  // (EventTime.PawSignInBeforeAnActivationSurvivesAWatermarkHeldBackForHours).
  template <class Needed>
  void Add(const SignInPoint& p, bool paw, int64_t window, Needed&& needed) {
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
      const auto older = [](const auto& a, const auto& b) { return a.last.time < b.last.time; };
      // The oldest run no pending verdict reads; else, for a run one reads, the oldest of all.
      for (auto it = runs_.begin(); it != runs_.end(); ++it) {
        if (!needed(*it) && (slot == runs_.end() || older(*it, *slot))) slot = it;
      }
      const bool merged_needed = needed(merged);
      if (slot == runs_.end()) {
        if (!merged_needed) return;  // every kept run is read by a pending verdict, this one not
        slot = std::min_element(runs_.begin(), runs_.end(), older);
      }
      if (!merged_needed && slot->last.time >= merged.last.time) return;  // older than it
    }
    *slot = merged;
  }
  const std::array<SignInRun, kRuns>& runs() const { return runs_; }

 private:
  std::array<SignInRun, kRuns> runs_{};
};

}  // namespace privmon
