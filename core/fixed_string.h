// FixedString<N>: an inline, fixed-capacity string so that Events and Alerts can be copied through
// lock-free queues without owning heap memory. Longer inputs are truncated (truncated() says so).
// Value type; not thread-safe beyond ordinary copies. assign() is O(len), view() is O(1).
// Truncation keeps whole UTF-8 characters (a cut never splits a multi-byte sequence).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace privmon {

template <std::size_t N>
class FixedString {
  static_assert(N > 0 && N < 256, "length is stored in one byte");

 public:
  constexpr FixedString() = default;
  explicit FixedString(std::string_view s) { assign(s); }

  // A longer input is cut at a UTF-8 character boundary at or below N (at most 3 bytes less), so
  // a truncated name never ends in half a character (which every writer would turn into U+FFFD).
  void assign(std::string_view s) {
    std::size_t n = std::min(s.size(), N);
    truncated_ = s.size() > N;
    if (truncated_) {
      for (std::size_t back = 0; back < 3 && n > 0 && IsContinuation(s[n]); ++back) --n;
    }
    len_ = static_cast<uint8_t>(n);
    if (len_ != 0) std::memcpy(data_, s.data(), len_);
  }
  void clear() { len_ = 0, truncated_ = false; }

  std::string_view view() const { return {data_, len_}; }
  bool empty() const { return len_ == 0; }
  std::size_t size() const { return len_; }
  bool truncated() const { return truncated_; }
  // Restores a truncated() string from its kept bytes (pipeline/packed_event.cc).
  void set_truncated(bool truncated) { truncated_ = truncated; }
  static constexpr std::size_t capacity() { return N; }
  // A value copied in byte for byte (a checkpoint record): its length within the capacity, its
  // flag 0 or 1 (read as a byte: a bool of another value is undefined to load).
  bool WellFormed() const {
    uint8_t truncated = 0;
    std::memcpy(&truncated, &truncated_, 1);
    return len_ <= N && truncated <= 1;
  }

  friend bool operator==(const FixedString& a, const FixedString& b) {
    return a.view() == b.view();
  }

 private:
  static constexpr bool IsContinuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  }
  uint8_t len_ = 0;
  bool truncated_ = false;
  char data_[N];
};

}  // namespace privmon
