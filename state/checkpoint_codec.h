// Checkpoint records of a shard's state (core/checkpoint_format.h carries them): one record per
// account (its AccountState and, when privileged, its PrivilegedState), known value, pending
// timer, suppression bucket, remembered record (dedupe) and tenant clock. Plain structs are
// copied byte for byte, so kStateLayout (their sizes and the format) is part of the file: a build
// whose layouts differ refuses the file instead of misreading it. Format 1 and 2 files are migrated
// on read (DecodeAccount; format 1's known values without their time and tenant; both formats'
// privileged accounts without their held roles). Alerts (pending suppression
// updates) are copied likewise, except their detail keys (pointers to literals), written as text
// and interned. Pure functions; EncodeX appends to a reused buffer, DecodeX returns false on a
// short payload.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "core/alert.h"
#include "core/checkpoint_format.h"
#include "core/event.h"
#include "core/hash.h"
#include "state/account_state.h"
#include "state/deletion_history.h"
#include "state/privileged_state.h"
#include "state/timer_queue.h"

namespace privmon {

enum CheckpointTag : uint8_t {
  kCkAccount = 1,
  kCkKnownValue = 2,
  kCkTimer = 3,
  kCkSuppression = 4,
  kCkDedupe = 5,
  kCkTenantClock = 6,
  // 7: kCheckpointClockInputTag (core/checkpoint_format.h), the pipeline's, never the engine's.
  // The generic rules' slot record of one privileged account (state/rule_slots.h): per slot,
  // u64 rule id hash, u8 kind, u16 size, then the bytes. Appended to format 2 (older files have
  // none: those rules start afresh); matched by rule on restore, so a rule whose slot changed
  // loses its own state only.
  kCkRuleSlots = 8,
  // Core Directory's copies of PIM's grants (state/pim_copies.h), by account: u8 0 = PIM's record
  // of a grant, 1 = a held verdict; u64 tenant, u64 role, u32 time, then (1) the alert. Appended to
  // format 5 (older files have none: nothing was held).
  kCkPimCopy = 9,
  // 10: kCheckpointHeldMarkTag (core/checkpoint_format.h), the pipeline's.
  // The lastUpdatedDateTime (i64 Unix microseconds) of an account's latest registration record
  // that said it has no MFA (kMfaUnregistered), by account: the time of the PRIV-SI-05 it raises
  // when it becomes privileged later by a listing (a reload). Format 6 (older files have none:
  // such an alert is timeless, as before).
  kCkRegistrationTime = 11,
  // A custom role's id and name learned by a shard (state/role_aliases.h): u64 tenant, u64 id
  // hash, u64 name hash, then the name's bytes. Format 6 (older files have none: relearned from
  // the next record naming both, as before).
  kCkRoleAlias = 12,
  // 13: kCheckpointSilenceTag (core/checkpoint_format.h), the control thread's.
  // When a learned account is privileged from (DetectionEngine::learned_since_), by account: u32
  // Unix seconds, then (since session 28, when there is one) u32 Unix seconds when an earlier
  // privilege of it ended (privilege_gap_). Format 8 (older files have none: such an account is
  // privileged at every time).
  kCkLearnedSince = 14,
  // A record kept for a later role gain (state/privilege_replay.h), by the account it was kept
  // for, oldest first: u64 mv-expand row key, u64 tenant hash, u8 side, then the Event raw
  // (sizeof(Event) is in the layout). Only records not older than their tenant's watermark. Format
  // 8 (older files have none: nothing is re-judged after them).
  kCkPrivilegeReplay = 15,
  // A suppression bucket by the account it counts (route kByOriginElseKey): u64 the bucket's key,
  // then kCkSuppression's body. Format 8 still (an older file has kCkSuppression records, which
  // restore as before: to every shard when the shard count changed).
  kCkSuppressionByAccount = 16,
  // 17: kCheckpointAheadEventTag (core/checkpoint_format.h), the pipeline's.
};

static_assert(std::is_trivially_copyable_v<AccountState>);
static_assert(std::is_trivially_copyable_v<PrivilegedState>);
static_assert(std::is_trivially_copyable_v<Timer>);
static_assert(std::is_trivially_copyable_v<Alert>);

// The bytes of an Alert a checkpoint copies raw: the members before account_upn_whole, the size
// of the whole Alert before that member was added (so format 5 is unchanged). A UPN longer than
// account_upn holds follows the detail keys (EncodeAlert).
inline constexpr std::size_t kAlertStoredBytes = offsetof(Alert, account_upn_whole);
static_assert(kAlertStoredBytes == 1224, "the stored Alert changed: a new checkpoint format");
inline constexpr uint8_t kAlertWholeUpnTag = 0xA5;  // EncodeAlert: the UPN whole follows

// Rule ids are append-only (core/rule_catalog.h): a rule added at the end leaves every stored id
// meaning what it meant, so the layout counts the 41 rules of the guide, not kRuleCount.
inline constexpr std::size_t kCheckpointRuleIds = 41;
static_assert(kRuleCount >= kCheckpointRuleIds);
// This format's layout: the sizes, salted with the format number (format 2 kept every size of
// format 1 but repacked AccountState's flags to make room for its tenant index; format 3 appended
// the held roles to PrivilegedState; format 4 keeps a time per held role's eligible and active
// hold, and the roles seen removed; format 5 appends the role of each pending activation and kept
// activation end, PRIV-EL-08's; format 6 adds records only: see kStateLayoutV5; format 7 too:
// kStateLayoutV6; format 8 adds the learned times and the kept records, whose Event is raw).
inline constexpr uint32_t kStateLayout = static_cast<uint32_t>(Mix64(HashCombine(
    HashCombine(
        HashCombine(HashCombine(sizeof(AccountState), sizeof(PrivilegedState)),
                    HashCombine(sizeof(Timer), kAlertStoredBytes * 131 + kCheckpointRuleIds)),
        sizeof(Event)),
    kCheckpointFormat)));
static_assert(std::is_trivially_copyable_v<Event>);

// Format 1 (the committed fixture tests/data/checkpoint/v1): its layout hash, frozen, and its
// AccountState as it was stored (flags and config generation 16-bit, no tenant index).
inline constexpr uint32_t kStateLayoutV1 = 3173862348u;
struct AccountStateV1 {
  Seconds32 first_seen, last_seen, last_success, user_added, role_gained, deleted, last_signin,
      last_non_paw_signin;
  uint32_t privileged_index;
  uint16_t flags;
  uint16_t config_generation;
};
static_assert(sizeof(AccountStateV1) == 40);

// Format 2 (the committed fixture tests/data/checkpoint/v2): its layout hash, frozen. Its
// PrivilegedState is format 3's without the held roles (kPrivilegedStateV2Bytes, the same in
// format 1).
inline constexpr uint32_t kStateLayoutV2 = 3006745713u;

// Format 3 (the committed fixture tests/data/checkpoint/v3): its layout hash, frozen. Its
// PrivilegedState is format 4's with the held roles of format 3 (HeldRolesV3, 64 B).
inline constexpr uint32_t kStateLayoutV3 = 1967020380u;
inline constexpr std::size_t kPrivilegedStateV3Bytes =
    kPrivilegedStateV2Bytes + sizeof(HeldRolesV3);

// Format 4 (the committed fixture tests/data/checkpoint/v4): its layout hash, frozen. Its
// PrivilegedState is format 5's without the roles of PRIV-EL-08's activations and removals
// (kPrivilegedStateV4Bytes).
inline constexpr uint32_t kStateLayoutV4 = 1765622770u;

// Format 5 (the committed fixture tests/data/checkpoint/v5): its layout hash, frozen. Format 6
// keeps its structs and adds records (a parse thread's held listing marks, kept registration
// times).
inline constexpr uint32_t kStateLayoutV5 = 2113942076u;

// Format 6 (the committed fixture tests/data/checkpoint/v6): its layout hash, frozen. Format 7
// keeps its structs and adds a record (PRIV-OP-01's watches, kCheckpointSilenceTag).
inline constexpr uint32_t kStateLayoutV6 = 1381072210u;

// Format 7 (the committed fixture tests/data/checkpoint/v7): its layout hash, frozen. Format 8
// keeps its structs and adds records (learned times, records kept for a later role gain).
inline constexpr uint32_t kStateLayoutV7 = 2441067883u;

// The layout hash this build accepts for each format it reads (index = format; 0: none).
inline constexpr std::array<uint32_t, kCheckpointFormat + 1> kStateLayouts = {0,
                                                                              kStateLayoutV1,
                                                                              kStateLayoutV2,
                                                                              kStateLayoutV3,
                                                                              kStateLayoutV4,
                                                                              kStateLayoutV5,
                                                                              kStateLayoutV6,
                                                                              kStateLayoutV7,
                                                                              kStateLayout};

template <class T>
void PutRaw(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <class T>
bool GetRaw(std::string_view& in, T* v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(static_cast<void*>(v), in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

// A record's structs come back byte for byte: a file whose checksums hold can still carry values
// no build writes (by hand, a faulty writer). These refuse what would index past an array or a
// string's capacity, and bools that are neither 0 nor 1 (reading one is undefined).
inline bool ByteIsBool(const bool& b) {
  uint8_t v = 0;
  std::memcpy(&v, &b, 1);
  return v <= 1;
}
template <std::size_t N>
bool Plausible(const FixedString<N>& s) {
  return s.WellFormed();
}
template <std::size_t N>
bool Plausible(const TimeRing<N>& r) {
  return r.size() <= N;
}
inline bool Plausible(const SignInPoint& p) {
  return Plausible(p.device_id) && Plausible(p.device_label) && Plausible(p.record_id);
}
inline bool Plausible(const PrivilegedState& p) {
  if (!Plausible(p.id) || !Plausible(p.upn) || !Plausible(p.tenant_id) ||
      !ByteIsBool(p.absence_timer_pending) || !Plausible(p.bad_passwords) ||
      !Plausible(p.lockouts) || !Plausible(p.strong_auth_failures) || !Plausible(p.successes) ||
      !Plausible(p.role_removals) || !p.roles.Plausible()) {
    return false;
  }
  for (const PendingInterrupt& i : p.interrupts) {
    if (!Plausible(i.record_id)) return false;
  }
  for (const PendingActivation& a : p.activations) {
    if (!Plausible(a.role) || !Plausible(a.record_id) || !ByteIsBool(a.paw_verdict_due) ||
        !ByteIsBool(a.expiry_due)) {
      return false;
    }
  }
  for (const SignInRun& run : p.signins.runs()) {
    if (!Plausible(run.first) || !Plausible(run.last) || !ByteIsBool(run.paw)) return false;
  }
  return true;
}
// A timer's kind is one this build fires, its slot inside the array it names.
inline bool Plausible(const Timer& t) {
  switch (t.kind) {
    case TimerKind::kAbsence:
    case TimerKind::kRuleAbsence:
      return true;
    case TimerKind::kPawVerdict:
    case TimerKind::kActivationExpiry:
      return t.slot < std::tuple_size_v<decltype(PrivilegedState::activations)>;
    case TimerKind::kInterruptVerdict:
      return t.slot < std::tuple_size_v<decltype(PrivilegedState::interrupts)>;
  }
  return false;
}

// Before format 5 a PrivilegedState kept no role of PRIV-EL-08's activations and removals: each
// pending activation's is its kept name's (as the record that opened it named the role, the
// catalogue's name of a built-in one), and each removal's unknown (0: it ends an activation of any
// role within the policy length, as it did when it was saved).
inline void MigrateActivationRoles(PrivilegedState* ps) {
  ps->role_removal_roles = {};
  for (std::size_t i = 0; i < ps->activations.size(); ++i) {
    const PendingActivation& a = ps->activations[i];
    ps->activation_roles[i] = a.time == 0 || a.role.empty() ? 0 : HashLower(a.role.view());
  }
}

// An account (formats 2 to 5): its tenant's hash (0: unknown), its state, then a flag byte and
// its PrivilegedState when it has one.
inline void EncodeAccount(std::string& out, uint64_t tenant_hash, const AccountState& st,
                          const PrivilegedState* ps) {
  PutU64(out, tenant_hash);
  PutRaw(out, st);
  out.push_back(ps != nullptr ? 1 : 0);
  if (ps != nullptr) PutRaw(out, *ps);
}
// Decodes an account record of `format` (1 to 6; 6 is 5's); a format-1 account has no tenant (0). A
// PrivilegedState of format 1 or 2 did not keep the roles its account holds: restored with
// HeldRoles::kUnknown, its learned privilege is never un-learned by a role removal. Format 3's
// held roles are migrated (HeldRolesV3::Migrate); formats 1 to 4's PRIV-EL-08 roles too
// (MigrateActivationRoles).
inline bool DecodeAccount(uint32_t format, std::string_view in, uint64_t* tenant_hash,
                          AccountState* st, PrivilegedState* ps, bool* has_ps) {
  *tenant_hash = 0;
  if (format == 1) {
    AccountStateV1 v1;
    if (!GetRaw(in, &v1)) return false;
    *st = AccountState{};
    st->first_seen = v1.first_seen;
    st->last_seen = v1.last_seen;
    st->last_success = v1.last_success;
    st->user_added = v1.user_added;
    st->role_gained = v1.role_gained;
    st->deleted = v1.deleted;
    st->last_signin = v1.last_signin;
    st->last_non_paw_signin = v1.last_non_paw_signin;
    st->privileged_index = v1.privileged_index;
    st->flags = static_cast<uint8_t>(v1.flags);  // format 1 used the low five bits only
  } else {
    if (in.size() < 8) return false;
    *tenant_hash = GetU64(in.data());
    in.remove_prefix(8);
    if (!GetRaw(in, st)) return false;
  }
  st->tenant = kUnknownTenant;  // the caller maps the tenant hash to its own index
  if (in.empty()) return false;
  *has_ps = in[0] != 0;
  in.remove_prefix(1);
  if (!*has_ps) return true;
  if (format < 3) {
    if (in.size() < kPrivilegedStateV2Bytes) return false;
    *ps = PrivilegedState{};
    std::memcpy(static_cast<void*>(ps), in.data(), kPrivilegedStateV2Bytes);
    ps->roles = HeldRoles{};
    ps->roles.sources = HeldRoles::kUnknown;
    MigrateActivationRoles(ps);
    return Plausible(*ps);
  }
  if (format == 3) {
    if (in.size() < kPrivilegedStateV3Bytes) return false;
    *ps = PrivilegedState{};
    std::memcpy(static_cast<void*>(ps), in.data(), kPrivilegedStateV2Bytes);
    HeldRolesV3 v3;
    std::memcpy(static_cast<void*>(&v3), in.data() + kPrivilegedStateV2Bytes, sizeof(v3));
    ps->roles = v3.Migrate();
    MigrateActivationRoles(ps);
    return Plausible(*ps);
  }
  if (format == 4) {
    if (in.size() < kPrivilegedStateV4Bytes) return false;
    *ps = PrivilegedState{};
    std::memcpy(static_cast<void*>(ps), in.data(), kPrivilegedStateV4Bytes);
    MigrateActivationRoles(ps);
    return Plausible(*ps);
  }
  return GetRaw(in, ps) && Plausible(*ps);
}

// An account's deletions and restores (DeletionHistory, PRIV-PA-05) follow its record within
// format 8: a tag byte, then the history raw. A build that does not know them reads the record
// without them (DecodeAccount ignores what follows), as any older record is read.
inline constexpr uint8_t kDeletionsTrailerTag = 0xD1;
inline void EncodeDeletions(std::string& out, const DeletionHistory& d) {
  out.push_back(static_cast<char>(kDeletionsTrailerTag));
  PutRaw(out, d);
}
enum class TrailerRead : uint8_t { kNone, kRead, kMalformed };
static_assert(
    kCheckpointFormat == 8,
    "a new format: DecodeDeletions reads format 8's account body; carry the trailer over");
// `in` is the whole account record DecodeAccount read (of format 8: older ones have none).
inline TrailerRead DecodeDeletions(uint32_t format, std::string_view in, bool has_ps,
                                   DeletionHistory* d) {
  if (format != 8) return TrailerRead::kNone;
  const std::size_t body =
      8 + sizeof(AccountState) + 1 + (has_ps ? sizeof(PrivilegedState) : std::size_t{0});
  if (in.size() <= body) return TrailerRead::kNone;
  in.remove_prefix(body);
  if (static_cast<uint8_t>(in[0]) != kDeletionsTrailerTag || in.size() != 1 + sizeof(*d)) {
    return TrailerRead::kMalformed;
  }
  in.remove_prefix(1);
  return GetRaw(in, d) && d->Plausible() ? TrailerRead::kRead : TrailerRead::kMalformed;
}

// An alert; its detail keys as text (interned on decode: the keys must outlive the alert).
void EncodeAlert(std::string& out, const Alert& a);
bool DecodeAlert(std::string_view& in, Alert* a);

}  // namespace privmon
