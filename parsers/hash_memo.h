// HashLower (core/hash.h) of the texts that repeat from record to record (tenant ids, client app
// names, places, activity names), remembered per thread: FNV-1a is a chain of dependent multiplies
// (~4 cycles a byte), while the same text seen again costs a table probe and a compare. The value
// is always HashLower's of the same bytes (a slot holds the exact bytes it was computed from; two
// texts that meet in a slot only replace each other). Texts longer than a slot holds, and texts
// that never repeat (device and account ids), are hashed directly. No allocation: one fixed table
// per thread that parses (8 KiB).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/hash.h"

namespace privmon::parsers {

class HashMemo {
 public:
  static constexpr std::size_t kMaxText = 52;
  static constexpr std::size_t kSlots = 128;

  uint64_t Lower(std::string_view s) {
    if (s.size() > kMaxText) return HashLower(s);
    Slot& slot = slots_[Index(s)];
    if (slot.hash != 0 && slot.size == s.size() &&
        std::memcmp(slot.text, s.data(), s.size()) == 0) {
      return slot.hash;
    }
    slot.hash = HashLower(s);  // never 0
    slot.size = static_cast<uint32_t>(s.size());
    std::memcpy(slot.text, s.data(), s.size());
    return slot.hash;
  }

 private:
  struct alignas(64) Slot {
    uint64_t hash = 0;  // 0: empty
    uint32_t size = 0;
    char text[kMaxText] = {};
  };
  static_assert(sizeof(Slot) == 64);

  static std::size_t Index(std::string_view s) {
    uint64_t a = 0, b = 0;
    if (s.size() >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + s.size() - 8, 8);
    } else if (!s.empty()) {
      std::memcpy(&a, s.data(), s.size());
    }
    const uint64_t x = (a ^ (b * 0x9E3779B97F4A7C15ULL) ^ s.size()) * 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(x >> 57);  // 7 bits: kSlots
  }

  Slot slots_[kSlots];
};

// This thread's memo.
inline HashMemo& ThreadHashMemo() {
  thread_local HashMemo memo;
  return memo;
}

// HashLower(s), through this thread's memo.
inline uint64_t MemoHashLower(std::string_view s) { return ThreadHashMemo().Lower(s); }

}  // namespace privmon::parsers
