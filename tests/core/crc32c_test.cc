// The checkpoint file's checksum (core/checkpoint_format.h): CRC-32C, computed with SSE4.2's
// instruction where the CPU has it (8 bytes a step) and with a table otherwise. Both are the same
// function, so files written with one are read with the other.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/checkpoint_format.h"

namespace privmon {
namespace {

TEST(Crc32c, KnownValues) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4, 32 bytes of zeros
}

TEST(Crc32c, EveryLengthAlignmentAndContinuationMatchesTheTable) {
  std::mt19937_64 random(7);
  std::string bytes(300, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  for (std::size_t at = 0; at < 9; ++at) {
    for (std::size_t n = 0; at + n <= bytes.size(); n += 1 + n / 8) {
      const std::string_view piece = std::string_view(bytes).substr(at, n);
      ASSERT_EQ(Crc32c(piece), Crc32cPortable(piece)) << at << "+" << n;
      ASSERT_EQ(Crc32c(piece, 0x12345678u), Crc32cPortable(piece, 0x12345678u)) << at << "+" << n;
    }
  }
  // In pieces as a file's partitions are checksummed, shard after shard.
  const std::string_view all = bytes;
  EXPECT_EQ(Crc32c(all.substr(100), Crc32c(all.substr(0, 100))), Crc32cPortable(all));
}

}  // namespace
}  // namespace privmon
