// AccountState: what one shard remembers about one account, kept deliberately small because an
// MSSP tracks millions of accounts: times are 32-bit Unix seconds (0 = never), flags are bits,
// and what only privileged accounts need lives in PrivilegedState, allocated on promotion.
// Owned by the shard's AccountTable; touched only by that shard's thread.
#pragma once

#include <cstdint>

namespace privmon {

using Seconds32 = uint32_t;  // Unix seconds; 0 = never / unset
inline constexpr uint16_t kUnknownTenant = UINT16_MAX;

enum AccountFlag : uint8_t {
  kPrivilegedConfigured = 1 << 0,  // listed in privileged_accounts or break_glass
  kPrivilegedLearned = 1 << 1,     // gained / activated a privileged role, or isAdmin; cleared
                                   // when it holds none any more (PrivilegedState::roles)
  kBreakGlass = 1 << 2,
  kNamingChecked = 1 << 3,   // PRIV-SI-03 fires once per account
  kConfigResolved = 1 << 4,  // configured flags computed for the current config generation
  // The account's latest registration record (userRegistrationDetails) said isMfaRegistered false:
  // PRIV-SI-05 is raised when the account becomes privileged after it (either order of arrival).
  kMfaUnregistered = 1 << 5,
  // A registration record of this account was seen (with kMfaUnregistered clear: the latest said
  // MFA registered): a no-MFA one after it is a new loss of MFA, dated by its own time
  // (PRIV-SI-05).
  kRegistrationSeen = 1 << 6,
};

struct AccountState {
  Seconds32 first_seen = 0;  // start of the learning period
  Seconds32 last_seen = 0;
  Seconds32 last_success = 0;  // latest successful sign-in (PRIV-PA-05)
  Seconds32 user_added = 0;    // "Add user" of this account (PRIV-PA-01/02)
  Seconds32 role_gained = 0;   // first privileged role gain (PRIV-PA-01)
  Seconds32 deleted = 0;       // "Delete user" (PRIV-PA-02)
  // PRIV-EL-06 for accounts that become privileged only by the activation itself: their earlier
  // sign-ins were not kept in PrivilegedState, so remember when the latest ones happened.
  Seconds32 last_signin = 0;
  Seconds32 last_non_paw_signin = 0;
  uint32_t privileged_index = UINT32_MAX;  // into the shard's PrivilegedState arena
  uint8_t flags = 0;
  uint8_t config_generation = 0;  // 1..255; on a wrap the engine zeroes every account's
  // The shard's index of the account's tenant (DetectionEngine::TenantTime), whose watermark
  // decides when the account is idle enough to evict; kUnknownTenant for accounts restored from
  // a format-1 checkpoint until their next event.
  uint16_t tenant = kUnknownTenant;

  bool privileged() const { return (flags & (kPrivilegedConfigured | kPrivilegedLearned)) != 0; }
};

static_assert(sizeof(AccountState) <= 40, "per-account state must stay compact");

inline Seconds32 ToSeconds32(int64_t micros) {
  const int64_t s = micros / 1'000'000;
  return s <= 0 ? 1 : (s > UINT32_MAX ? UINT32_MAX : static_cast<Seconds32>(s));
}

}  // namespace privmon
