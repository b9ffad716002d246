// EngineSnapshot: a copy of one shard's checkpointed state, taken at a checkpoint cut on the
// shard's thread (DetectionEngine::SnapshotState) and encoded into checkpoint records later on
// another thread (EncodeSnapshot, the control thread) while the shard goes on with events. Flat
// vectors of the tables' entries in their iteration order, so the records and their order are
// those SaveState wrote at the cut. The vectors keep their capacity from one cut to the next: in
// steady state a cut allocates nothing and touches no new page (BENCHMARKS.md session 12).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "state/account_state.h"
#include "state/deletion_history.h"
#include "state/known_values.h"
#include "state/pim_copies.h"
#include "state/privilege_replay.h"
#include "state/privileged_state.h"
#include "state/role_aliases.h"
#include "state/timer_queue.h"

namespace privmon {

// Written by the shard at a cut, read by the control thread until the cut's encoding is done;
// the shard reads only capacities (MemoryBytes, for its gauge) meanwhile.
struct EngineSnapshot {
  struct Account {
    uint64_t key;
    AccountState state;
    uint32_t privileged;  // index into `privileged`, UINT32_MAX: none
  };
  struct Bucket {  // a suppression bucket (Suppressor::ForEach)
    uint64_t key;
    uint64_t account;  // 0: unknown (restored from a checkpoint that did not record it)
    uint64_t tenant_hash;
    EventTime bucket_end;
    uint32_t count;
    uint8_t state;
    uint32_t update;  // index into `updates` when state == 1
  };
  struct Remembered {  // a dedupe entry
    uint64_t fingerprint;
    Seconds32 time;
    uint32_t tenant;
  };
  struct TenantClock {
    uint64_t tenant_hash;
    EventTime watermark;
    std::size_t timers_end;  // its timers are timers[previous tenant's timers_end, timers_end)
  };

  std::vector<Account> accounts;
  std::vector<PrivilegedState> privileged;
  // The generic rules' slot records (RuleSlots' bytes), their stride and the rules that lay them
  // out (held: a reload on the shard may replace the engine's rule set before the encoding).
  std::vector<std::byte> slot_bytes;
  uint16_t slot_stride = 0;
  std::shared_ptr<const CompiledRuleSet> rules;
  std::vector<std::pair<uint64_t, KnownValues::Entry>> known;
  std::vector<uint64_t> tenant_hashes;  // by the shard's tenant index
  std::vector<TenantClock> clocks;
  std::vector<Timer> timers;
  std::vector<Bucket> buckets;
  std::vector<Alert> updates;
  std::vector<Remembered> dedupe;
  std::vector<PimCopies::Grant> pim_grants;
  std::vector<PimCopies::Pending> pim_pending;
  std::vector<std::pair<uint64_t, EventTime>> registration_times;  // by account key
  std::vector<RoleAliases::Pair> role_aliases;
  struct LearnedSince {
    uint64_t key;
    Seconds32 since;
    Seconds32 gap;  // DetectionEngine::privilege_gap_ (0: none)
  };
  std::vector<LearnedSince> learned_since;
  // DetectionEngine::deletions_, appended to their accounts' records by the encoding.
  std::vector<std::pair<uint64_t, DeletionHistory>> deletions;
  // The kept records not older than their tenant's watermark, oldest first.
  std::vector<PrivilegeReplay::Entry> replay;

  std::size_t MemoryBytes() const {
    return accounts.capacity() * sizeof(Account) + privileged.capacity() * sizeof(PrivilegedState) +
           slot_bytes.capacity() + known.capacity() * sizeof(known[0]) +
           tenant_hashes.capacity() * sizeof(uint64_t) + clocks.capacity() * sizeof(TenantClock) +
           timers.capacity() * sizeof(Timer) + buckets.capacity() * sizeof(Bucket) +
           updates.capacity() * sizeof(Alert) + dedupe.capacity() * sizeof(Remembered) +
           pim_grants.capacity() * sizeof(PimCopies::Grant) +
           pim_pending.capacity() * sizeof(PimCopies::Pending) +
           registration_times.capacity() * sizeof(registration_times[0]) +
           role_aliases.capacity() * sizeof(RoleAliases::Pair) +
           learned_since.capacity() * sizeof(learned_since[0]) +
           deletions.capacity() * sizeof(deletions[0]) +
           replay.capacity() * sizeof(PrivilegeReplay::Entry);
  }
};

}  // namespace privmon
