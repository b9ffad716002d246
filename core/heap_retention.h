// RetainFreedHeap: stops glibc from handing freed heap memory back to the kernel after every burst
// of frees, for `privmon run`. ZeroMQ's I/O thread reads each 8 KiB batch of a connection into a
// fresh ~18 KiB block (libzmq 4.3's decoder: its messages point into it) and the parse thread
// frees it once it closed those messages; with glibc's defaults a free that leaves more than
// 128 KiB at the top of the I/O thread's heap gives those pages back (madvise / mprotect), and the
// next blocks fault them in again: about one trim and a few dozen page faults per 25 messages,
// ~10% of `run`'s CPU per record in a profile (BENCHMARKS.md session 14, run path). With a trim
// threshold of kTrimThresholdBytes the pages stay with the heap and are reused as they are; blocks
// of kMmapThresholdBytes or more are still mapped on their own and unmapped when freed (privmon's
// big tables use core/huge_pages.h anyway). A process that sets any glibc.malloc tunable in
// GLIBC_TUNABLES keeps its own settings. Call once, early, before the threads start.
#pragma once

#include <cstddef>

namespace privmon {

inline constexpr std::size_t kTrimThresholdBytes = std::size_t{32} << 20;
inline constexpr std::size_t kMmapThresholdBytes = std::size_t{4} << 20;

// True when the thresholds were set; false when GLIBC_TUNABLES names a malloc tunable, or the
// allocator is not glibc's (a sanitizer's ignores them).
bool RetainFreedHeap();

}  // namespace privmon
