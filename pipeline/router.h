// Routing by hash of (tenant, account): an account key always maps to the same shard, so a shard
// owns its accounts outright. An audit event goes to its target's shard and to its actor's shard
// (once when both are the same); an event naming neither goes to its tenant's shard alone
// (kRouteTenant). Pure functions, O(1).
#pragma once

#include <cstdint>

#include "core/event.h"
#include "core/hash.h"
#include "pipeline/event_consumer.h"

namespace privmon {

inline uint32_t ShardOf(uint64_t account_key, uint32_t shards) {
  return static_cast<uint32_t>(Mix64(account_key) % shards);
}

struct Route {
  uint32_t shard[2];
  uint8_t roles[2];
  uint8_t count = 0;
};

inline Route RouteEvent(const Event& e, uint32_t shards) {
  Route r;
  if (e.account.present()) {
    r.shard[r.count] = ShardOf(e.account.key, shards);
    r.roles[r.count++] = kRouteAccount;
  }
  if (e.actor.present()) {
    const uint32_t s = ShardOf(e.actor.key, shards);
    if (r.count == 1 && r.shard[0] == s) {
      r.roles[0] |= kRouteActor;
    } else {
      r.shard[r.count] = s;
      r.roles[r.count++] = kRouteActor;
    }
  }
  if (r.count == 0) {
    r.shard[0] = ShardOf(e.tenant_hash, shards);
    r.roles[r.count++] = kRouteTenant;
  }
  return r;
}

}  // namespace privmon
