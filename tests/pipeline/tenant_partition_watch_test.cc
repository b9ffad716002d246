// TenantPartitionWatch (pipeline/tenant_partition_watch.h): the first partition a tenant is seen
// on is its own; each later record of it on another partition is counted, from any thread; a full
// table stops watching new tenants rather than miscounting them.
#include "pipeline/tenant_partition_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace privmon {
namespace {

TEST(TenantPartitionWatch, ATenantOnASecondPartitionIsCountedPerRecord) {
  std::atomic<uint64_t> splits{0};
  TenantPartitionWatch watch(splits, "entra");
  const uint64_t contoso = 0x1234'5678'9abc'def0, fabrikam = 0x0fed'cba9'8765'4321;
  EXPECT_FALSE(watch.Note(contoso, 0, "contoso"));
  EXPECT_FALSE(watch.Note(contoso, 0, "contoso"));
  EXPECT_FALSE(watch.Note(fabrikam, 1, "fabrikam"));
  EXPECT_EQ(splits.load(), 0u);
  EXPECT_TRUE(watch.Note(contoso, 2, "contoso"));
  EXPECT_TRUE(watch.Note(contoso, 2, "contoso"));
  EXPECT_TRUE(watch.Note(fabrikam, 0, "fabrikam"));
  EXPECT_EQ(splits.load(), 3u);
  // The first partition stays the tenant's own.
  EXPECT_FALSE(watch.Note(contoso, 0, "contoso"));
  EXPECT_FALSE(watch.Note(contoso, -1, "contoso"));  // not a Kafka record
  EXPECT_EQ(splits.load(), 3u);
}

TEST(TenantPartitionWatch, TenantsWhoseHashesShareTheLowBitsAreKeptApart) {
  std::atomic<uint64_t> splits{0};
  TenantPartitionWatch watch(splits, "entra", /*capacity_log2=*/4);
  // Same slot index (low bits), different tags: each keeps its own partition.
  for (uint64_t t = 1; t <= 8; ++t)
    EXPECT_FALSE(watch.Note((t << 40) | 5, static_cast<int>(t), ""));
  for (uint64_t t = 1; t <= 8; ++t)
    EXPECT_FALSE(watch.Note((t << 40) | 5, static_cast<int>(t), ""));
  EXPECT_EQ(splits.load(), 0u);
  EXPECT_TRUE(watch.Note((3ull << 40) | 5, 4, ""));
  EXPECT_EQ(splits.load(), 1u);
}

TEST(TenantPartitionWatch, AFullTableWatchesNoNewTenant) {
  std::atomic<uint64_t> splits{0};
  TenantPartitionWatch watch(splits, "entra", /*capacity_log2=*/2);  // 4 slots
  for (uint64_t t = 1; t <= 4; ++t) EXPECT_FALSE(watch.Note(t << 40, 0, ""));
  EXPECT_FALSE(watch.Note(9ull << 40, 0, ""));
  EXPECT_FALSE(watch.Note(9ull << 40, 1, ""));  // not watched: not counted
  EXPECT_TRUE(watch.Note(2ull << 40, 1, ""));   // a watched tenant still is
  EXPECT_EQ(splits.load(), 1u);
}

TEST(TenantPartitionWatch, TasksOnSeveralThreadsAgreeOnOneOwnerPerTenant) {
  std::atomic<uint64_t> splits{0};
  TenantPartitionWatch watch(splits, "entra");
  constexpr int kThreads = 4, kTenants = 1000;
  std::vector<std::thread> threads;
  for (int p = 0; p < kThreads; ++p) {
    threads.emplace_back([&, p] {
      for (int t = 0; t < kTenants; ++t)
        (void)watch.Note(0x9e37'79b9'7f4a'7c15ull * (t + 1), p, "");
    });
  }
  for (auto& t : threads) t.join();
  // Each tenant was claimed by one partition; the other three each counted it once.
  EXPECT_EQ(splits.load(), static_cast<uint64_t>((kThreads - 1) * kTenants));
}

}  // namespace
}  // namespace privmon
