// AccountTable: one shard's accounts, keyed by the (tenant, account) hash. Owns the compact
// AccountState of every account (LinearProbeMap, 48 bytes a slot) and the PrivilegedState
// arena (std::deque: references stay valid as it grows). Single-threaded: its shard only.
// Find/FindOrAdd are O(1) expected; allocation happens only when the table grows (or shrinks at
// the end of an eviction lap, state/incremental_sweep.h).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "state/account_state.h"
#include "state/incremental_sweep.h"
#include "state/linear_probe_map.h"
#include "state/privileged_state.h"

namespace privmon {

class AccountTable {
 public:
  AccountState* Find(uint64_t key) {
    auto it = accounts_.find(key);
    return it == accounts_.end() ? nullptr : &it->second;
  }
  // Starts loading the memory a Find/FindOrAdd of `key` reads (its home slot and the next);
  // changes nothing. Issued a few events ahead (pipeline/shard_queue.h).
  void Prefetch(uint64_t key) const { accounts_.prefetch(key); }
  // Returns the state, creating it with first_seen = now when new (*created set accordingly).
  AccountState& FindOrAdd(uint64_t key, Seconds32 now, bool* created) {
    auto [it, inserted] = accounts_.try_emplace(key);
    if (inserted) it->second.first_seen = now;
    if (created != nullptr) *created = inserted;
    return it->second;
  }
  PrivilegedState& Privileged(AccountState& s) {
    if (s.privileged_index == UINT32_MAX) {
      s.privileged_index = static_cast<uint32_t>(privileged_.size());
      privileged_.emplace_back();
    }
    return privileged_[s.privileged_index];
  }
  PrivilegedState* PrivilegedIfAny(const AccountState& s) {
    return s.privileged_index == UINT32_MAX ? nullptr : &privileged_[s.privileged_index];
  }
  std::size_t size() const { return accounts_.size(); }
  // Bytes held, counting empty slots.
  std::size_t MemoryBytes() const {
    return accounts_.capacity() * sizeof(LinearProbeMap<AccountState>::Slot) +
           privileged_.size() * sizeof(PrivilegedState);
  }
  void Reserve(std::size_t n) { accounts_.reserve(n); }
  // Checkpoint support: f(key, state, privileged-or-null) for every account (O(size)).
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [key, st] : accounts_) {
      f(key, st, st.privileged_index == UINT32_MAX ? nullptr : &privileged_[st.privileged_index]);
    }
  }
  // f(state) for every account (a config-generation wrap; O(size)).
  template <class F>
  void ForEachMutable(F&& f) {
    for (auto& [key, st] : accounts_) f(st);
  }
  // One incremental eviction step (state/incremental_sweep.h): visits up to `budget` accounts and
  // erases the non-privileged ones evictable(key, state) names. Privileged accounts (their arena
  // slot) are never erased. Returns how many it erased.
  template <class Evictable>
  std::size_t Sweep(std::size_t budget, Evictable&& evictable) {
    return SweepStep(accounts_, cursor_, budget, [&](uint64_t key, const AccountState& st) {
      return st.privileged_index == UINT32_MAX && !st.privileged() && evictable(key, st);
    });
  }
  const SweepCursor& cursor() const { return cursor_; }
  // Restores one account as checkpointed (its privileged_index is reassigned here).
  void Restore(uint64_t key, AccountState st, const PrivilegedState* ps) {
    st.privileged_index = UINT32_MAX;
    AccountState& slot = accounts_[key] = st;
    if (ps != nullptr) Privileged(slot) = *ps;
  }

 private:
  LinearProbeMap<AccountState> accounts_;
  std::deque<PrivilegedState> privileged_;
  SweepCursor cursor_;
};

}  // namespace privmon
