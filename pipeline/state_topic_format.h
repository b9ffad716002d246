// The format of privmon's own state topic (README "Running N instances"), shared by the
// repartitioner that writes it and the state partitions' consumers that read it. A message is one
// record's own bytes; key = its tenant id; partition = StatePartitionOf(tenant); headers:
//   privmon-format: "<major>"            a reader refuses (dead-letters, loudly) another major;
//   privmon-input:  "<topic>:<partition>" the input partition it was read from (its clock input);
//   privmon-mark:   "<microseconds>"      only on a progress mark (below).
// A new field a reader may ignore keeps the major; anything else raises it. Header-only, no state.
#pragma once

#include <cstdint>

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

// The state partition of a tenant: the same function in every process and version of format 1
// (tenant_hash is HashLower of the tenant id, core/hash.h: fixed seed).
inline int32_t StatePartitionOf(uint64_t tenant_hash, uint32_t partitions) {
  return static_cast<int32_t>(tenant_hash % partitions);
}

}  // namespace privmon
