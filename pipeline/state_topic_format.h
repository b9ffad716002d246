// The format of privmon's own state topic (README "Running N instances"), shared by the
// repartitioner that writes it and the state partitions' consumers that read it. A message is one
// record's own bytes; key = its tenant id; partition = StatePartitionOf(tenant); headers:
//   privmon-format: "<major>"            a reader refuses (dead-letters, loudly) another major;
//   privmon-input:  "<topic>:<partition>" the input partition it was read from (its clock input);
//   privmon-mark:   "<microseconds>"      only on a progress mark (below).
// A new field a reader may ignore keeps the major; anything else raises it. Header-only, no state.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace privmon {

inline constexpr uint32_t kStateFormatMajor = 1;
inline constexpr const char* kStateFormatHeader = "privmon-format";
inline constexpr const char* kStateFormatValue = "1";
inline constexpr const char* kStateInputHeader = "privmon-input";
// A progress mark (no key, empty value), sent by the repartitioner to every state partition after
// the records it covers were delivered: "<microseconds>", the newest event time read so far from
// the input partition named by privmon-input (DESIGN.md section 10 "Clocks": the hop carries the
// marks). A format-1 reader that predates marks would refuse the empty value as a bad record.
inline constexpr const char* kStateMarkHeader = "privmon-mark";

// A privmon-mark value: "<microseconds>" (optionally negative), the whole text a number that fits
// int64. False for anything else (empty, other bytes, out of range): such a mark is refused, not
// read as whatever its digits add up to (they overflowed an int64 before: undefined behaviour).
inline bool ParseStateMark(std::string_view text, int64_t* us) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return false;
  *us = v;
  return true;
}

// A privmon-input value: "<topic>:<partition>", the partition a non-negative int32. False for any
// other shape (the caller keeps the partition's own clock input).
inline bool ParseStateInput(std::string_view text, std::string_view* topic, int32_t* partition) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view digits = text.substr(colon + 1);
  int32_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v < 0) {
    return false;
  }
  *topic = text.substr(0, colon);
  *partition = v;
  return true;
}

// The state partition of a tenant: the same function in every process and version of format 1
// (tenant_hash is HashLower of the tenant id, core/hash.h: fixed seed).
inline int32_t StatePartitionOf(uint64_t tenant_hash, uint32_t partitions) {
  return static_cast<int32_t>(tenant_hash % partitions);
}

}  // namespace privmon
