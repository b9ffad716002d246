// PrefetchForRead: asks the CPU to start loading the cache line at `address` (read, keep in all
// cache levels); changes nothing and never faults, whatever the address. An inline-asm
// `prefetcht0` on x86-64 because GCC 12 deletes a __builtin_prefetch that sits behind a branch
// (the object code of DetectionEngine::Prefetch had 6 of its 12 prefetches left), and a prefetch
// that is not issued is a DRAM miss per lookup at millions of accounts (BENCHMARKS.md, session 9).
// Thread-safe; one instruction.
#pragma once

#include <cstdint>

namespace privmon {

inline void PrefetchForRead(std::uintptr_t address) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 (%0)" : : "r"(address));
#else
  __builtin_prefetch(reinterpret_cast<const void*>(address), 0, 3);
#endif
}

}  // namespace privmon
