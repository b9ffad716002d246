// Fencing of a state partition's checkpoints (pipeline/partition_fence.h): a process that lost a
// partition (another claimed it since) can no longer write its checkpoint; the new owner can.
#include "pipeline/partition_fence.h"

#include <gtest/gtest.h>

#include <string>

#include "pipeline/checkpoint_store.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

TEST(PartitionFence, EachClaimRaisesTheEpochByOne) {
  const std::string dir = TempDir("fence-claim");
  TempDirCleanup cleanup(dir);
  const std::string part = dir + "/partition-3";
  PartitionFence a, b;
  std::string error;
  ASSERT_TRUE(a.Claim(part, &error)) << error;
  EXPECT_EQ(a.epoch(), 1u);
  ASSERT_TRUE(b.Claim(part, &error)) << error;
  EXPECT_EQ(b.epoch(), 2u);
  EXPECT_EQ(ReadFile(part + "/epoch"), "2\n");
}

TEST(PartitionFence, AWriterHoldingAnOlderEpochIsRefusedAfterANewerClaim) {
  const std::string dir = TempDir("fence-write");
  TempDirCleanup cleanup(dir);
  const std::string part = dir + "/partition-0";
  std::string error;
  PartitionFence old_owner;
  ASSERT_TRUE(old_owner.Claim(part, &error)) << error;
  CheckpointStore zombie(part, &old_owner);
  EXPECT_EQ(zombie.Write("first"), "");
  EXPECT_FALSE(zombie.last_write_fenced());
  EXPECT_EQ(zombie.Sequences().size(), 1u);

  // Another process is assigned the partition: it claims epoch e + 1 and writes.
  PartitionFence new_owner;
  ASSERT_TRUE(new_owner.Claim(part, &error)) << error;
  EXPECT_EQ(new_owner.epoch(), old_owner.epoch() + 1);
  CheckpointStore owner(part, &new_owner);
  EXPECT_EQ(owner.Write("second"), "");

  // The zombie's next write is refused and leaves the new owner's checkpoint alone.
  const std::string refused = zombie.Write("stale");
  EXPECT_NE(refused.find("fenced"), std::string::npos) << refused;
  EXPECT_TRUE(zombie.last_write_fenced());
  const auto seqs = owner.Sequences();
  ASSERT_EQ(seqs.size(), 2u);
  EXPECT_EQ(ReadFile(owner.PathOf(seqs.front())), "second");
  // The owner goes on writing after the previous owner's files (sequence numbers continue).
  EXPECT_EQ(owner.Write("third"), "");
  EXPECT_EQ(ReadFile(owner.PathOf(owner.Sequences().front())), "third");
}

TEST(PartitionFence, FencedStoresShareADirectoryWithoutTheLifelongLock) {
  const std::string dir = TempDir("fence-share");
  TempDirCleanup cleanup(dir);
  const std::string part = dir + "/partition-1";
  std::string error;
  PartitionFence a, b;
  ASSERT_TRUE(a.Claim(part, &error)) << error;
  CheckpointStore first(part, &a);
  ASSERT_TRUE(b.Claim(part, &error)) << error;
  EXPECT_NO_THROW(CheckpointStore second(part, &b));  // a zombie's store does not lock it out
}

}  // namespace
}  // namespace privmon::testing
