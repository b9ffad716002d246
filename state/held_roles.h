// HeldRoles: the privileged roles one privileged account is known to hold, so that the removal of
// its last one un-learns the privilege learned from its gains (docs/RULES.md "Learned privilege").
// Up to kMax roles by hash (au.role_hash), each with how it is held (an eligible assignment, an
// active one, or both) and when it was last granted; and the sources naming no role: kUnknown
// (more roles than fit, or state restored from a checkpoint of format 1 or 2, which did not keep
// them: never un-learned by a removal) and kIsAdmin (userRegistrationDetails' isAdmin true,
// cleared by its isAdmin false). Lives in PrivilegedState (raw in checkpoints). Pure, no
// allocation; O(kMax) per call. Touched by the owning shard's thread only.
#pragma once

#include <array>
#include <cstdint>

#include "state/account_state.h"

namespace privmon {

struct HeldRoles {
  static constexpr std::size_t kMax = 4;
  // How a role is held: an eligible assignment (PIM eligibility; an activation proves it too) or
  // an active one (direct, outside PIM, PIM permanent/time-bound, an activation). Bits.
  enum Hold : uint8_t { kEligible = 1 << 0, kActive = 1 << 1 };
  // Sources naming no role.
  enum Source : uint8_t { kUnknown = 1 << 0, kIsAdmin = 1 << 1 };

  std::array<uint64_t, kMax> hashes{};
  std::array<Seconds32, kMax> granted{};  // event time of the latest grant of each role
  Seconds32 unlearned = 0;  // event time of the removal that last un-learned the account; 0: never
  std::array<uint8_t, kMax> holds{};  // Hold bits; 0 = free slot
  uint8_t sources = 0;

  // Records a grant of `role` held as `hold` at `t`. A role beyond kMax sets kUnknown.
  void Grant(uint64_t role, uint8_t hold, Seconds32 t) {
    std::size_t free = kMax;
    for (std::size_t i = 0; i < kMax; ++i) {
      if (holds[i] != 0 && hashes[i] == role) {
        holds[i] |= hold;
        if (t > granted[i]) granted[i] = t;
        return;
      }
      if (holds[i] == 0 && free == kMax) free = i;
    }
    if (free == kMax) {
      sources |= kUnknown;
      return;
    }
    hashes[free] = role;
    holds[free] = hold;
    granted[free] = t;
  }
  // Records the removal of `role`'s `hold` at `t`: ignored when the role was granted after `t` (a
  // late record of an older removal). The role is gone when no hold is left. Returns true when
  // this removal changed anything.
  bool Remove(uint64_t role, uint8_t hold, Seconds32 t) {
    for (std::size_t i = 0; i < kMax; ++i) {
      if (holds[i] == 0 || hashes[i] != role) continue;
      if (t < granted[i] || (holds[i] & hold) == 0) return false;
      holds[i] &= static_cast<uint8_t>(~hold);
      if (holds[i] == 0) hashes[i] = 0, granted[i] = 0;
      return true;
    }
    return false;
  }
  bool Holds(uint64_t role) const {
    for (std::size_t i = 0; i < kMax; ++i) {
      if (holds[i] != 0 && hashes[i] == role) return true;
    }
    return false;
  }
  std::size_t count() const {
    std::size_t n = 0;
    for (const uint8_t h : holds) n += h != 0 ? 1 : 0;
    return n;
  }
  // Nothing left that makes the account privileged: no role, no source naming none.
  bool Empty() const { return sources == 0 && count() == 0; }
  // A checkpoint's values no build writes (state/checkpoint_codec.h, Plausible).
  bool Plausible() const {
    if ((sources & ~(kUnknown | kIsAdmin)) != 0) return false;
    for (const uint8_t h : holds) {
      if ((h & ~(kEligible | kActive)) != 0) return false;
    }
    return true;
  }
};
static_assert(sizeof(HeldRoles) == 64, "checkpointed as raw bytes");

}  // namespace privmon
