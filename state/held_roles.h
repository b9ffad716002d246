// HeldRoles: the privileged roles one privileged account is known to hold, so that the removal of
// its last one un-learns the privilege learned from its gains (docs/RULES.md "Learned privilege").
// Up to kMax roles by hash (au.role_hash), each with how it is held (an eligible assignment, an
// active one, or both) and, per hold, the event time of the latest grant or removal of it known;
// and the sources naming no role: kUnknown (more roles than fit, or state restored from a
// checkpoint of format 1 or 2, which did not keep them: never un-learned by a removal) and
// kIsAdmin (userRegistrationDetails' isAdmin true, cleared by a newer isAdmin false).
// Each (role, hold) is decided by its newest record in event time, whatever order the records
// arrive in (a removal arriving before the older gain it undoes leaves the role removed; at one
// second, a grant wins): a role seen removed keeps its slot (hash, times, no hold) so that an older
// gain arriving later is known to be older. Lives in PrivilegedState (raw in checkpoints, format 4;
// format 3's layout is HeldRolesV3). Pure, no allocation; O(kMax) per call. Touched by the owning
// shard's thread only.
#pragma once

#include <algorithm>
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

  std::array<uint64_t, kMax> hashes{};  // 0 = free slot; a slot with no hold: a role seen removed
  // Event time of the latest grant or removal known of each role's eligible / active hold; 0: none
  // (a grant at time 0, the end of an activation, is a weak one: any removal is newer).
  std::array<Seconds32, kMax> eligible_at{};
  std::array<Seconds32, kMax> active_at{};
  Seconds32 unlearned = 0;  // event time of the removal that last un-learned the account; 0: never
  std::array<uint8_t, kMax> holds{};  // Hold bits; 0 = no hold (a free slot or a removed role)
  uint8_t sources = 0;
  // Event time (lastUpdatedDateTime) of the newest registration record that stated isAdmin, true
  // or false (0: none, or timeless ones only). In what was padding: format 4's size.
  Seconds32 is_admin_at = 0;

  // isAdmin stated at `t` (0: a timeless record): the newest statement decides (at one second,
  // true wins), whatever order the registration pages arrive in. Returns whether kIsAdmin is set
  // after it.
  bool StateIsAdmin(bool is_admin, Seconds32 t) {
    if (is_admin && t >= is_admin_at) {
      sources |= kIsAdmin;
      is_admin_at = t;
    } else if (!is_admin && t > is_admin_at) {
      sources &= static_cast<uint8_t>(~kIsAdmin);
      is_admin_at = t;
    }
    return (sources & kIsAdmin) != 0;
  }

  // Whether a grant of `role` held as `hold` at `t` would hold it: some hold of it is not known
  // to be granted or removed after `t` (at the same time, a grant wins).
  bool Admits(uint64_t role, uint8_t hold, Seconds32 t) const {
    const std::size_t i = Find(role);
    if (i == kMax) return true;
    return ((hold & kEligible) != 0 && t >= eligible_at[i]) ||
           ((hold & kActive) != 0 && t >= active_at[i]);
  }
  // Records a grant of `role` held as `hold` at `t`: each hold it names is held unless a newer
  // record of that hold is known. A role beyond kMax takes the slot of the role removed longest
  // ago, else sets kUnknown.
  void Grant(uint64_t role, uint8_t hold, Seconds32 t) {
    std::size_t i = Find(role);
    if (i == kMax) {
      i = FreeSlot();
      if (i == kMax) {
        sources |= kUnknown;
        return;
      }
      hashes[i] = role, holds[i] = 0, eligible_at[i] = 0, active_at[i] = 0;
    }
    if ((hold & kEligible) != 0 && t >= eligible_at[i]) holds[i] |= kEligible, eligible_at[i] = t;
    if ((hold & kActive) != 0 && t >= active_at[i]) holds[i] |= kActive, active_at[i] = t;
  }
  // Records the removal of `role`'s `hold` at `t`: ignored when that hold is known granted at or
  // after `t` (a late record of an older removal). A role never seen granted keeps the removal's
  // time, so that a gain older than it, arriving later, grants nothing. The role is gone when no
  // hold is left. Returns true when this removal took a hold away.
  bool Remove(uint64_t role, uint8_t hold, Seconds32 t) {
    std::size_t i = Find(role);
    if (i == kMax) {
      i = FreeSlot();
      if (i == kMax) return false;  // no room to remember it: as before, nothing changes
      hashes[i] = role, holds[i] = 0, eligible_at[i] = 0, active_at[i] = 0;
    }
    bool removed = false;
    if ((hold & kEligible) != 0 && t > eligible_at[i]) {
      removed |= (holds[i] & kEligible) != 0;
      holds[i] &= static_cast<uint8_t>(~kEligible), eligible_at[i] = t;
    }
    if ((hold & kActive) != 0 && t > active_at[i]) {
      removed |= (holds[i] & kActive) != 0;
      holds[i] &= static_cast<uint8_t>(~kActive), active_at[i] = t;
    }
    return removed;
  }
  // Whether `role` is held as `hold` (an eligible assignment, or an active one; both by default).
  bool Holds(uint64_t role, uint8_t hold = kEligible | kActive) const {
    const std::size_t i = Find(role);
    return i != kMax && (holds[i] & hold) != 0;
  }
  // The event time of the newest known grant of `role`'s `hold` while it is held (0: not held).
  Seconds32 GrantedAt(uint64_t role, uint8_t hold) const {
    const std::size_t i = Find(role);
    if (i == kMax || (holds[i] & hold) == 0) return 0;
    return (hold & kActive) != 0 ? active_at[i] : eligible_at[i];
  }
  // The event time of the newest known removal of `role`'s holds named by `hold` while none of
  // them is held (0: none, or held): an older privilege that ended then.
  Seconds32 RemovedAt(uint64_t role, uint8_t hold) const {
    const std::size_t i = Find(role);
    if (i == kMax || (holds[i] & hold) != 0) return 0;
    return std::max((hold & kActive) != 0 ? active_at[i] : Seconds32{0},
                    (hold & kEligible) != 0 ? eligible_at[i] : Seconds32{0});
  }
  // Calls fn(t) with the time of each held role's grant: its eligible assignment's where it is
  // held eligible (an activation is the use of that grant), else its active one's.
  template <class Fn>
  void ForEachGrant(Fn&& fn) const {
    for (std::size_t i = 0; i < kMax; ++i) {
      if (holds[i] != 0) fn((holds[i] & kEligible) != 0 ? eligible_at[i] : active_at[i]);
    }
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
    for (std::size_t i = 0; i < kMax; ++i) {
      if ((holds[i] & ~(kEligible | kActive)) != 0) return false;
      if (holds[i] != 0 && hashes[i] == 0) return false;
    }
    return true;
  }

 private:
  std::size_t Find(uint64_t role) const {
    for (std::size_t i = 0; i < kMax; ++i) {
      if (hashes[i] == role && role != 0) return i;
    }
    return kMax;
  }
  // A free slot, else the slot of the role removed longest ago (its removal is then forgotten),
  // else kMax.
  std::size_t FreeSlot() const {
    std::size_t oldest = kMax;
    for (std::size_t i = 0; i < kMax; ++i) {
      if (hashes[i] == 0) return i;
      if (holds[i] == 0 &&
          (oldest == kMax || std::max(eligible_at[i], active_at[i]) <
                                 std::max(eligible_at[oldest], active_at[oldest]))) {
        oldest = i;
      }
    }
    return oldest;
  }
};
static_assert(sizeof(HeldRoles) == 80, "checkpointed as raw bytes (format 4)");

// Format 3's HeldRoles (64 B): one grant time per role, removed roles freed. Migrated on read
// (state/checkpoint_codec.h): each hold takes the role's grant time.
struct HeldRolesV3 {
  std::array<uint64_t, HeldRoles::kMax> hashes{};
  std::array<Seconds32, HeldRoles::kMax> granted{};
  Seconds32 unlearned = 0;
  std::array<uint8_t, HeldRoles::kMax> holds{};
  uint8_t sources = 0;

  HeldRoles Migrate() const {
    HeldRoles r;
    for (std::size_t i = 0; i < HeldRoles::kMax; ++i) {
      if (holds[i] == 0) continue;
      r.hashes[i] = hashes[i];
      r.holds[i] = holds[i];
      if ((holds[i] & HeldRoles::kEligible) != 0) r.eligible_at[i] = granted[i];
      if ((holds[i] & HeldRoles::kActive) != 0) r.active_at[i] = granted[i];
    }
    r.unlearned = unlearned;
    r.sources = sources;
    return r;
  }
};
static_assert(sizeof(HeldRolesV3) == 64, "format 3's layout");

}  // namespace privmon
