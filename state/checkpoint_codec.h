// Checkpoint records of a shard's state (core/checkpoint_format.h carries them): one record per
// account (its AccountState and, when privileged, its PrivilegedState), known value, pending
// timer, suppression bucket, remembered record (dedupe) and tenant clock. Plain structs are
// copied byte for byte, so kStateLayout (their sizes) is part of the file: a build whose layouts
// differ refuses the file instead of misreading it. Alerts (pending suppression updates) are
// copied likewise, except their detail keys (pointers to literals), written as text and interned.
// Pure functions; EncodeX appends to a reused buffer, DecodeX returns false on a short payload.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/alert.h"
#include "core/checkpoint_format.h"
#include "core/hash.h"
#include "state/account_state.h"
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
};

static_assert(std::is_trivially_copyable_v<AccountState>);
static_assert(std::is_trivially_copyable_v<PrivilegedState>);
static_assert(std::is_trivially_copyable_v<Timer>);
static_assert(std::is_trivially_copyable_v<Alert>);

// Rule ids are append-only (core/rule_catalog.h): a rule added at the end leaves every stored id
// meaning what it meant, so the layout counts the 41 rules of format 1, not kRuleCount.
inline constexpr std::size_t kCheckpointRuleIdsV1 = 41;
static_assert(kRuleCount >= kCheckpointRuleIdsV1);
inline constexpr uint32_t kStateLayout = static_cast<uint32_t>(
    Mix64(HashCombine(HashCombine(sizeof(AccountState), sizeof(PrivilegedState)),
                      HashCombine(sizeof(Timer), sizeof(Alert) * 131 + kCheckpointRuleIdsV1))));

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

// An account: its state, then a flag byte and its PrivilegedState when it has one.
inline void EncodeAccount(std::string& out, const AccountState& st, const PrivilegedState* ps) {
  PutRaw(out, st);
  out.push_back(ps != nullptr ? 1 : 0);
  if (ps != nullptr) PutRaw(out, *ps);
}
inline bool DecodeAccount(std::string_view in, AccountState* st, PrivilegedState* ps,
                          bool* has_ps) {
  if (!GetRaw(in, st) || in.empty()) return false;
  *has_ps = in[0] != 0;
  in.remove_prefix(1);
  return !*has_ps || GetRaw(in, ps);
}

// An alert; its detail keys as text (interned on decode: the keys must outlive the alert).
void EncodeAlert(std::string& out, const Alert& a);
bool DecodeAlert(std::string_view& in, Alert* a);

}  // namespace privmon
