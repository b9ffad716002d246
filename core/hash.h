// Stable 64-bit hashes for keys and deterministic alert ids. Unlike absl::Hash these never change
// between runs or builds, so a replay reproduces the same alert ids. Pure functions, O(len).
#pragma once

#include <cstdint>
#include <string_view>

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

// Same as HashBytes of the ASCII-lower-cased bytes: UPNs, activity names and enumerations compare
// case-insensitively.
constexpr uint64_t HashLower(std::string_view s, uint64_t seed = kHashSeed) {
  uint64_t h = 0xCBF29CE484222325ULL ^ seed;
  for (char c : s) h = (h ^ static_cast<uint8_t>(AsciiLower(c))) * 0x100000001B3ULL;
  h = Mix64(h);
  return h == 0 ? 1 : h;
}

}  // namespace privmon
