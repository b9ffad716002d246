// RoleAliases: which name a custom directory role's id is, per tenant, learned from the audit
// records that name both (docs/RULES.md "Role names"). A built-in role's template id reads as its
// catalogue name in the parser (core/role_templates.h), but a custom role's id is the tenant's
// own: PIM's activation names the role by its Role target's name and `TemplateId` /
// `RoleDefinitionOriginId`, Core Directory by `Role.DisplayName` and `Role.TemplateId`, and a
// record that names it by its id alone (a Role target whose `displayName` is null, PIM's
// `additionalDetails` only) was another role: PRIV-EL-08 raised an activation whose end named the
// role the other way, a removal by id did not take a hold granted by name, EL-03 learned the role
// twice. A record naming only the id (or only the name) is read as the pair learned for it: keyed
// by the name, or by the id where the tenant's privileged_roles lists the id and not the name.
// Bounded: kSlots / 2 pairs per shard, kWays-way set-associative by (tenant, key): a pair is
// forgotten only when kWays keys of its bucket were learned after it (least recently learned out
// first; breaker round 114: direct-mapped, one other tenant's pair in the same slot made a
// tenant's activation and its end by id two roles, a false PRIV-EL-08), allocated at the first
// custom role seen (kSlots * ~100 B); checkpointed since format 6 (kCkRoleAlias:
// before, a restart forgot every pair until a record named both again, so a record naming the
// role one way after the restart was another role than the one named the other way before it).
// Single-threaded (the shard's). No allocation after the first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/fixed_string.h"
#include "core/hash.h"

namespace privmon {

class RoleAliases {
 public:
  static constexpr std::size_t kWays = 8;
  static constexpr std::size_t kBuckets = 256;
  static constexpr std::size_t kSlots = kWays * kBuckets;

  struct Pair {
    uint64_t id_hash = 0;
    uint64_t name_hash = 0;  // 0: a free slot
    FixedString<64> name;
    uint64_t tenant_hash = 0;
  };

  // A record names the custom role `id_hash` by the name `name` (hash `name_hash`): kept under both
  // keys, so a record naming either finds the other. O(kWays).
  void Learn(uint64_t tenant_hash, uint64_t id_hash, uint64_t name_hash, std::string_view name) {
    if (id_hash == 0 || name_hash == 0 || name_hash == id_hash) return;
    if (slots_.empty()) slots_.resize(kSlots);
    ++clock_;
    for (const uint64_t h : {id_hash, name_hash}) {
      const uint64_t key = HashCombine(tenant_hash, h);
      Slot& s = Victim(key);
      s.key = key;
      s.learned = clock_;
      s.pair.id_hash = id_hash;
      s.pair.name_hash = name_hash;
      s.pair.name.assign(name);
      s.pair.tenant_hash = tenant_hash;
    }
  }

  // f(pair) for each pair kept, once (under its id's slot, or its name's where the id's was
  // taken): what a checkpoint carries (Learn restores it).
  template <class F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      const Pair& p = s.pair;
      if (p.name_hash == 0) continue;
      if (s.key != HashCombine(p.tenant_hash, p.id_hash)) {
        const Pair* by_id = Find(p.tenant_hash, p.id_hash);
        if (by_id != nullptr && by_id->name_hash == p.name_hash) continue;  // under its id's slot
      }
      f(p);
    }
  }

  // The pair learned for the role the tenant's records key by `role_hash` (its id or its name).
  // O(kWays).
  const Pair* Find(uint64_t tenant_hash, uint64_t role_hash) const {
    if (slots_.empty() || role_hash == 0) return nullptr;
    const uint64_t key = HashCombine(tenant_hash, role_hash);
    const std::size_t first = Bucket(key) * kWays;
    for (std::size_t i = first; i < first + kWays; ++i) {
      const Slot& s = slots_[i];
      if (s.pair.name_hash != 0 && s.key == key) return &s.pair;
    }
    return nullptr;
  }

  std::size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = 0;
    uint64_t learned = 0;  // clock_ when written (least recently learned goes first)
    Pair pair;
  };
  static std::size_t Bucket(uint64_t key) { return static_cast<std::size_t>(key % kBuckets); }
  // The slot `key` is written to: its own, else a free one of its bucket, else the bucket's least
  // recently learned.
  Slot& Victim(uint64_t key) {
    const std::size_t first = Bucket(key) * kWays;
    Slot* victim = &slots_[first];
    for (std::size_t i = first; i < first + kWays; ++i) {
      Slot& s = slots_[i];
      if (s.pair.name_hash != 0 && s.key == key) return s;
      if (victim->pair.name_hash == 0) continue;  // a free slot found: keep it
      if (s.pair.name_hash == 0 || s.learned < victim->learned) victim = &s;
    }
    return *victim;
  }
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;
};

}  // namespace privmon
