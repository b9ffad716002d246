// Deterministic random numbers for `privmon gen`: splitmix64, identical on every platform and
// build (no std:: distributions, whose output is implementation-defined), so one seed always
// yields byte-identical output. A value type; O(1) per draw.
#pragma once

#include <cstdint>

#include "core/hash.h"

namespace privmon {

class GenRandom {
 public:
  explicit GenRandom(uint64_t seed) : state_(Mix64(seed ^ 0x5DEECE66DULL)) {}

  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return Mix64(state_);
  }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi).
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo)));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

}  // namespace privmon
