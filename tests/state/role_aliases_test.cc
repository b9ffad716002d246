// RoleAliases: a custom role's id and name learned per tenant, kept kWays-way set-associative, so
// another tenant's pair landing in the same bucket does not forget this tenant's (breaker round
// 114: one pair of another tenant in a direct-mapped slot gave a false PRIV-EL-08).
#include "state/role_aliases.h"

#include <gtest/gtest.h>

#include <vector>

namespace privmon {
namespace {

constexpr uint64_t kRoleAliasesTenant = 0x4e6f72746877696eULL;
constexpr uint64_t kRoleAliasesId = 0x1d3f0a77ULL;
constexpr uint64_t kRoleAliasesName = 0x5b2e9c41ULL;

// Other tenants whose pair's id key falls in the same bucket as `key`.
std::vector<uint64_t> RoleAliasesCollidingTenants(uint64_t key, std::size_t n) {
  std::vector<uint64_t> tenants;
  for (uint64_t t = 1; tenants.size() < n; ++t) {
    if (HashCombine(t, kRoleAliasesId) % RoleAliases::kBuckets == key % RoleAliases::kBuckets) {
      tenants.push_back(t);
    }
  }
  return tenants;
}

TEST(RoleAliases, AnotherTenantsPairInTheSameBucketForgetsNothing) {
  RoleAliases aliases;
  aliases.Learn(kRoleAliasesTenant, kRoleAliasesId, kRoleAliasesName, "Mailbox Recovery Operator");
  const uint64_t key = HashCombine(kRoleAliasesTenant, kRoleAliasesId);
  // Fewer than kWays - 1 other keys in the bucket (each pair also keeps its name elsewhere).
  for (uint64_t t : RoleAliasesCollidingTenants(key, RoleAliases::kWays - 2)) {
    aliases.Learn(t, kRoleAliasesId, kRoleAliasesName + t, "Helpdesk Tier 2");
  }
  const RoleAliases::Pair* p = aliases.Find(kRoleAliasesTenant, kRoleAliasesId);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name_hash, kRoleAliasesName);
  EXPECT_EQ(p->name.view(), "Mailbox Recovery Operator");
  ASSERT_NE(aliases.Find(kRoleAliasesTenant, kRoleAliasesName), nullptr);
  EXPECT_EQ(aliases.Find(kRoleAliasesTenant, kRoleAliasesName)->id_hash, kRoleAliasesId);
  EXPECT_EQ(aliases.Find(kRoleAliasesTenant + 1, kRoleAliasesId + 1), nullptr);
  // Each pair once in what a checkpoint carries.
  std::size_t pairs = 0;
  aliases.ForEach([&](const RoleAliases::Pair&) { ++pairs; });
  EXPECT_EQ(pairs, RoleAliases::kWays - 1);
}

TEST(RoleAliases, ABucketFullForgetsItsLeastRecentlyLearnedKey) {
  RoleAliases aliases;
  aliases.Learn(kRoleAliasesTenant, kRoleAliasesId, kRoleAliasesName, "Mailbox Recovery Operator");
  const uint64_t key = HashCombine(kRoleAliasesTenant, kRoleAliasesId);
  for (uint64_t t : RoleAliasesCollidingTenants(key, RoleAliases::kWays)) {
    aliases.Learn(t, kRoleAliasesId, kRoleAliasesName + t, "Helpdesk Tier 2");
  }
  // The id's slot went to the newest; the pair is still found by its name (another bucket).
  EXPECT_EQ(aliases.Find(kRoleAliasesTenant, kRoleAliasesId), nullptr);
  ASSERT_NE(aliases.Find(kRoleAliasesTenant, kRoleAliasesName), nullptr);
  std::size_t pairs = 0;
  aliases.ForEach([&](const RoleAliases::Pair& p) {
    if (p.tenant_hash == kRoleAliasesTenant) ++pairs;
  });
  EXPECT_EQ(pairs, 1u) << "kept under its name's slot, carried once";
}

}  // namespace
}  // namespace privmon
