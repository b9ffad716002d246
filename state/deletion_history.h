// DeletionHistory: an account's latest deletions ("Delete user", "Hard delete user") and restores
// ("Restore user", Core Directory's UserManagement activity that brings a soft-deleted user back
// from the recycle bin) by event time, so that PRIV-PA-05 tells an account gone at the end of its
// period from one deleted and restored, or deleted, restored and deleted again (breaker round 49:
// only the earliest deletion was kept, and restores were not read). Keeps the newest kMax by
// event time whatever the arrival order; a redelivered record (same time and kind) is kept once.
// Plain value (20 B, raw in checkpoints: appended to an account's record within format 8), no
// allocation, O(kMax) per call. Owned by the shard's DetectionEngine (its thread only).
#pragma once

#include <array>
#include <cstdint>

#include "state/account_state.h"

namespace privmon {

class DeletionHistory {
 public:
  static constexpr std::size_t kMax = 4;

  // A successful deletion (restore = false) or restore (true) at `t` (Unix seconds, > 0).
  void Add(Seconds32 t, bool restore) {
    if (t == 0) return;
    std::size_t slot = kMax;
    for (std::size_t i = 0; i < kMax; ++i) {
      if (times_[i] == t && IsRestore(i) == restore) return;  // redelivered
      if (times_[i] == 0 && slot == kMax) slot = i;
    }
    if (slot == kMax) {  // full: the oldest goes, if older than `t`
      slot = 0;
      for (std::size_t i = 1; i < kMax; ++i) {
        if (times_[i] < times_[slot]) slot = i;
      }
    }
    if (times_[slot] != 0 && times_[slot] >= t) return;  // full of newer ones
    times_[slot] = t;
    restores_ =
        static_cast<uint8_t>(restore ? restores_ | (1u << slot) : restores_ & ~(1u << slot));
  }

  // Whether the account stood deleted at `at` by a deletion at or after `from`: the latest of its
  // kept deletions and restores at or before `at` is a deletion at or after `from` (at one second,
  // a restore wins: the account exists). Events after `at` are not read, so the answer does not
  // depend on how many of them arrived before the question (a timer due at `at`).
  bool GoneAt(Seconds32 from, Seconds32 at) const {
    Seconds32 latest = 0;
    bool restored = false;
    for (std::size_t i = 0; i < kMax; ++i) {
      const Seconds32 t = times_[i];
      if (t == 0 || t > at || t < latest) continue;
      if (t > latest) {
        latest = t;
        restored = IsRestore(i);
      } else {
        restored = restored || IsRestore(i);
      }
    }
    return latest != 0 && !restored && latest >= from;
  }

  // The latest restore kept (0: none): a restored account's PRIV-PA-05 period starts there, as a
  // new privileged account's does when it becomes privileged.
  Seconds32 LatestRestore() const {
    Seconds32 latest = 0;
    for (std::size_t i = 0; i < kMax; ++i) {
      if (IsRestore(i) && times_[i] > latest) latest = times_[i];
    }
    return latest;
  }

  // f(t) for each restore kept, in no particular order.
  template <class F>
  void ForEachRestore(F&& f) const {
    for (std::size_t i = 0; i < kMax; ++i) {
      if (IsRestore(i) && times_[i] != 0) f(times_[i]);
    }
  }

  // A checkpointed value no build writes is refused (state/checkpoint_codec.h's Plausible).
  bool Plausible() const { return restores_ < (1u << kMax); }

 private:
  bool IsRestore(std::size_t i) const { return (restores_ >> i & 1u) != 0; }

  std::array<Seconds32, kMax> times_{};  // 0: empty
  uint8_t restores_ = 0;                 // bit i: times_[i] is a restore
};

}  // namespace privmon
