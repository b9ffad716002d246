// Stable 64-bit hashes for keys and deterministic alert ids. Unlike absl::Hash these never change
// between runs or builds, so a replay reproduces the same alert ids. Pure functions, O(len).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace privmon {

inline constexpr uint64_t kHashSeed = 0x9E3779B97F4A7C15ULL;

constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t HashCombine(uint64_t a, uint64_t b) {
  return Mix64(a ^ (b + kHashSeed + (a << 6)));
}

constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// FNV-1a over the bytes, finished with Mix64. Never returns 0 (0 means "absent" throughout).
constexpr uint64_t HashBytes(std::string_view s, uint64_t seed = kHashSeed) {
  uint64_t h = 0xCBF29CE484222325ULL ^ seed;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001B3ULL;
  h = Mix64(h);
  return h == 0 ? 1 : h;
}

// The 8 bytes of `w` each as AsciiLower makes it (A-Z to a-z, every other byte as it is), in a few
// word operations: per byte, the high bit of (low 7 bits + 0x3f) says >= 'A', that of (low 7 bits
// + 0x25) says > 'Z' (no carry crosses a byte: at most 0x7f + 0x3f), and bytes >= 0x80 are left
// out; 0x80 >> 2 is the 0x20 that lowers a capital.
constexpr uint64_t AsciiLowerWord(uint64_t w) {
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t low = w & kLow7;
  const uint64_t upper =
      (low + 0x3f3f3f3f3f3f3f3fULL) & ~(low + 0x2525252525252525ULL) & ~w & kHigh;
  return w | (upper >> 2);
}

// Same as HashBytes of the ASCII-lower-cased bytes: UPNs, activity names and enumerations compare
// case-insensitively. At run time 8 bytes are loaded and lowered at once (AsciiLowerWord) and fed
// to FNV-1a byte by byte from the word, in their order: the same value as the byte loop, with
// about half its instructions (ids and UPNs are hashed for every event).
constexpr uint64_t HashLower(std::string_view s, uint64_t seed = kHashSeed) {
  constexpr uint64_t kPrime = 0x100000001B3ULL;
  uint64_t h = 0xCBF29CE484222325ULL ^ seed;
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    if (!std::is_constant_evaluated()) {
      for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        w = AsciiLowerWord(w);
        for (int b = 0; b < 8; ++b, w >>= 8) h = (h ^ (w & 0xff)) * kPrime;
      }
    }
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<uint8_t>(AsciiLower(s[i]))) * kPrime;
  h = Mix64(h);
  return h == 0 ? 1 : h;
}

}  // namespace privmon
