// PrivilegedState: the extra memory of a privileged account (configured or learned), allocated
// once when the account becomes privileged and kept in its shard's arena. Holds the names an
// alert raised from a timer needs, the short event-time look-backs of threshold and sequence
// rules, the learned sign-in hours and the privileged roles it is known to hold
// (state/held_roles.h) and, for PRIV-EL-08, the role of each pending activation and kept removal.
// Touched only by the owning shard's thread; < 3 KiB (pinned below).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "core/fixed_string.h"
#include "core/hash.h"
#include "state/account_state.h"
#include "state/held_roles.h"
#include "state/signin_runs.h"
#include "state/time_ring.h"

namespace privmon {

struct PendingActivation {
  Seconds32 time = 0;            // 0 = free slot
  bool paw_verdict_due = false;  // PRIV-EL-06 waits for late sign-ins
  bool expiry_due = false;       // PRIV-EL-08 waits for the removal
  FixedString<64> role;
  FixedString<80> record_id;
  // 1: no activation but its request ("Add member to role requested (PIM activation)"), kept so
  // that the activation an approver completes hours later is judged by the sign-ins before the
  // request too (PimActivations). No verdict of its own. In what was padding: checkpoints
  // unchanged (written from value-initialized states: older ones read 0).
  uint8_t request = 0;
};
static_assert(sizeof(PendingActivation) == 156, "checkpointed as raw bytes");

struct PendingInterrupt {  // PRIV-SI-04: 50074 / 50076 waiting for a success within the window
  Seconds32 time = 0;
  FixedString<80> record_id;
  // 1: the interrupt was 50076, 2: 50158, else 50074 (in what was padding: checkpoints
  // unchanged)
  uint8_t code_50076 = 0;
  uint8_t non_interactive = 0;  // 1: a non-interactive interrupt (padding too)
};
static_assert(sizeof(PendingInterrupt) == 88, "checkpointed as raw bytes");

// PrivilegedState keeps an account's UPN by its first kKeptUpnCapacity bytes (cut at a character,
// FixedString; Entra ID allows 113), and a reload or a restore re-reads the account's listing from
// that kept UPN. An account list (break_glass, privileged_accounts) holds a longer UPN also as
// KeptUpnCutHash of that cut, hashed under its own seed so that no record's whole UPN matches it.
inline constexpr std::size_t kKeptUpnCapacity = 96;
constexpr uint64_t KeptUpnCutHash(std::string_view cut) {
  return HashLower(cut, kHashSeed ^ 0x4B45505455504E43ULL);
}
// KeptUpnCutHash of `upn` as PrivilegedState keeps it; 0 when it keeps `upn` whole.
inline uint64_t KeptUpnCutHashOf(std::string_view upn) {
  if (upn.size() <= kKeptUpnCapacity) return 0;
  return KeptUpnCutHash(FixedString<kKeptUpnCapacity>(upn).view());
}

struct PrivilegedState {
  FixedString<40> id;
  FixedString<kKeptUpnCapacity> upn;  // the UPN of the latest record (by event time) that named one
  Seconds32 upn_time = 0;             // that record's event time
  FixedString<40> tenant_id;
  uint64_t tenant_hash = 0;
  Seconds32 since = 0;                 // became privileged (absence basis before any success)
  Seconds32 absence_reported_for = 0;  // PRIV-PA-05: the basis already reported
  bool absence_timer_pending = false;  // one absence timer per account, re-armed when it fires
  // PRIV-SI-04: bit i set when successes' slot i holds an interactive success (a non-interactive
  // one, a background token refresh, completes no MFA prompt). In what was padding: checkpoints
  // unchanged (one of an older format reads its padding, at worst a few stale marks).
  uint8_t interactive_successes = 0;
  // kBreakGlass | kPrivilegedConfigured as the config listed the account by a former UPN (a
  // rename record matches lists by it: parsers/audit_fields.cc), which `upn` no longer holds: a
  // reload or a restore re-reads the listing from the kept names and keeps these. In what was
  // padding, as above (older checkpoints read 0: written from value-initialized states).
  uint8_t former_upn_listing = 0;
  TimeRing<16> bad_passwords;        // PRIV-SI-01
  TimeRing<8> lockouts;              // PRIV-SI-06
  TimeRing<8> strong_auth_failures;  // PRIV-SI-04 (500121)
  TimeRing<8> successes;             // recent successful sign-ins
  TimeRing<4> role_removals;         // PRIV-EL-08, removals that arrived first
  std::array<PendingInterrupt, 4> interrupts{};
  SignInRuns signins;  // PRIV-EL-06: sign-ins from a PAW or not, as runs
  std::array<PendingActivation, 4> activations{};
  std::array<uint16_t, 24> learning_hours{};  // PRIV-SI-10: successful sign-ins per UTC hour
  uint32_t learning_signins = 0;
  // Appended in checkpoint format 3 (64 B, HeldRolesV3), 80 B since format 4: format 2's
  // PrivilegedState is this struct's first kPrivilegedStateV2Bytes bytes (state/checkpoint_codec.h
  // migrates both).
  HeldRoles roles;  // what its learned privilege rests on (docs/RULES.md "Learned privilege")
  // Appended in checkpoint format 5 (format 4's PrivilegedState is this struct's first
  // kPrivilegedStateV4Bytes bytes): PRIV-EL-08 pairs an activation's end with an activation of the
  // same role. The role (au.role_hash; 0: the record named none, paired by time alone) of
  // role_removals' slot i and of activations[i].
  std::array<uint64_t, 4> role_removal_roles{};
  std::array<uint64_t, 4> activation_roles{};
};

// Format 4's PrivilegedState ended where `role_removal_roles` begins.
inline constexpr std::size_t kPrivilegedStateV4Bytes = 2976;
static_assert(offsetof(PrivilegedState, role_removal_roles) == kPrivilegedStateV4Bytes,
              "format 4's layout is a prefix of format 5's");
static_assert(decltype(PrivilegedState::role_removals)::capacity() ==
                  std::tuple_size_v<decltype(PrivilegedState::role_removal_roles)>,
              "one role per kept removal");

// Format 2's PrivilegedState ended where `roles` begins.
inline constexpr std::size_t kPrivilegedStateV2Bytes = 2896;
static_assert(
    offsetof(PrivilegedState, bad_passwords) == 212 && offsetof(PrivilegedState, interrupts) == 408,
    "interactive_successes sits in what was padding: the checkpointed layout is unchanged");
static_assert(offsetof(PrivilegedState, roles) == kPrivilegedStateV2Bytes,
              "format 2's layout is a prefix of format 3's");
static_assert(sizeof(PrivilegedState) <= 3072, "the header states < 3 KiB per privileged account");

}  // namespace privmon
