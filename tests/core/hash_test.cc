// HashLower (core/hash.h) lowers and hashes 8 bytes at a time at run time: its values are the byte
// loop's, which config sets, account keys, shard routing, alert ids and checkpoints all hold, so
// they must never change. Every byte value at every place of texts of 0 to 40 bytes is hashed as
// the byte-by-byte reference hashes it (A-Z and their neighbours '@' and '[', bytes of 0x80 and
// above, which AsciiLower leaves alone), and pinned values are kept.
#include "core/hash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace privmon {
namespace {

uint64_t ReferenceHashLower(std::string_view s, uint64_t seed = kHashSeed) {
  uint64_t h = 0xCBF29CE484222325ULL ^ seed;
  for (const char c : s) {
    const auto b = static_cast<uint8_t>(c);
    h = (h ^ ((b >= 'A' && b <= 'Z') ? b + 32u : b)) * 0x100000001B3ULL;
  }
  h = Mix64(h);
  return h == 0 ? 1 : h;
}

TEST(HashLower, PinnedValues) {
  EXPECT_EQ(HashLower("Alice.Admin@Contoso.onmicrosoft.com"), 0x214c50ad41e25f9dULL);
  EXPECT_EQ(HashLower("3F2504E0-4F89-11D3-9A0C-0305E82C3301"), 0x1f6070d50a730169ULL);
  EXPECT_EQ(HashLower(""), 0xe9d327596b869820ULL);
  EXPECT_EQ(HashLower("Guest"), 0xf2f55af5e4b19214ULL);
  // The compile-time form (the byte loop) gives the same.
  static_assert(HashLower("Guest") == 0xf2f55af5e4b19214ULL);
  static_assert(HashLower("3F2504E0-4F89-11D3-9A0C-0305E82C3301") == 0x1f6070d50a730169ULL);
}

TEST(HashLower, EveryByteAtEveryPlaceHashesAsTheByteLoop) {
  for (std::size_t size = 1; size <= 40; ++size) {
    for (const char fill : {'a', 'Q', '\xFF', '@'}) {
      for (std::size_t at = 0; at < size; ++at) {
        std::string s(size, fill);
        for (int b = 0; b < 256; ++b) {
          s[at] = static_cast<char>(b);
          ASSERT_EQ(HashLower(s), ReferenceHashLower(s))
              << "size " << size << " at " << at << " byte " << b;
        }
      }
    }
  }
}

TEST(HashLower, RandomTextsAndSeedsHashAsTheByteLoop) {
  std::mt19937_64 rng(15);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 80, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const uint64_t seed = rng();
    ASSERT_EQ(HashLower(s), ReferenceHashLower(s));
    ASSERT_EQ(HashLower(s, seed), ReferenceHashLower(s, seed));
    // A view into a longer buffer (unaligned, no terminator) reads only its own bytes.
    const std::string padded = "x" + s + "Y";
    ASSERT_EQ(HashLower(std::string_view(padded).substr(1, s.size())), ReferenceHashLower(s));
  }
}

TEST(AsciiLowerWord, EachByteAsAsciiLower) {
  for (int b = 0; b < 256; ++b) {
    for (int at = 0; at < 8; ++at) {
      const uint64_t other = 0x5B40415A7F80FF61ULL;  // '[', '@', 'A', 'Z', 0x7f, 0x80, 0xff, 'a'
      const uint64_t w = (other & ~(0xFFULL << (8 * at))) | (uint64_t(b) << (8 * at));
      uint64_t want = 0;
      for (int k = 0; k < 8; ++k) {
        want |= uint64_t(static_cast<uint8_t>(AsciiLower(static_cast<char>(w >> (8 * k)))))
                << (8 * k);
      }
      ASSERT_EQ(AsciiLowerWord(w), want) << "byte " << b << " at " << at;
    }
  }
}

}  // namespace
}  // namespace privmon
