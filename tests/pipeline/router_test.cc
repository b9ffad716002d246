// Routing by (tenant, account): an audit record goes to its target's and its actor's shards, and
// one naming neither (z17a: Entra's own changes, `initiatedBy: {}` and no user target) to its
// tenant's shard alone, which counts and dates it and runs no rule on it.
#include "pipeline/router.h"

#include <gtest/gtest.h>

namespace privmon {
namespace {

constexpr uint32_t kRouterShards = 8;

Event RouterAudit(uint64_t account_key, uint64_t actor_key) {
  Event e;
  e.kind = EventKind::kAudit;
  e.tenant_hash = 0x7e11a47;
  e.account.key = account_key;
  e.actor.key = actor_key;
  return e;
}

TEST(Router, AnAuditGoesToItsTargetsAndItsActorsShards) {
  const Route both = RouteEvent(RouterAudit(11, 12), kRouterShards);
  ASSERT_GE(both.count, 1);
  EXPECT_EQ(both.shard[0], ShardOf(11, kRouterShards));
  EXPECT_NE(both.roles[0] & kRouteAccount, 0);
  const uint8_t actor_roles = both.count == 2 ? both.roles[1] : both.roles[0];
  EXPECT_NE(actor_roles & kRouteActor, 0);
  const Route actor = RouteEvent(RouterAudit(0, 12), kRouterShards);
  ASSERT_EQ(actor.count, 1);
  EXPECT_EQ(actor.shard[0], ShardOf(12, kRouterShards));
  EXPECT_EQ(actor.roles[0], kRouteActor);
}

TEST(Router, ARecordNamingNoAccountGoesToItsTenantsShardAlone) {
  const Event e = RouterAudit(0, 0);
  const Route r = RouteEvent(e, kRouterShards);
  ASSERT_EQ(r.count, 1);
  EXPECT_EQ(r.shard[0], ShardOf(e.tenant_hash, kRouterShards));
  EXPECT_EQ(r.roles[0], kRouteTenant);
  EXPECT_EQ(r.roles[0] & (kRouteAccount | kRouteActor), 0);  // no rule judges it
}

}  // namespace
}  // namespace privmon
