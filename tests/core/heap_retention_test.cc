// RetainFreedHeap (core/heap_retention.h): a thread that allocates and frees ZeroMQ-sized blocks
// in bursts, as ZeroMQ's I/O thread and privmon's parse thread do, faults its heap pages in once,
// not again after every burst. Counted in minor page faults of that thread (getrusage
// RUSAGE_THREAD), not in time: without the setting each burst after the first faults ~1,000
// pages back in (glibc gave them back when the burst was freed).
#include "core/heap_retention.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace privmon {
namespace {

long ThreadMinorFaults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// Minor faults of bursts 2..kBursts of 256 blocks of 18 KiB (libzmq's decoder buffer for an
// 8 KiB batch plus its reference counts), each touched, then freed in order.
long FaultsOfRepeatedBursts() {
  constexpr int kBursts = 6;
  constexpr int kBlocks = 256;
  constexpr std::size_t kBlockBytes = 18 * 1024;
  long faults = 0;
  std::thread t([&] {  // a thread of its own: its blocks come from a heap of its own, as ZeroMQ's
    std::vector<void*> blocks(kBlocks);
    for (int burst = 0; burst < kBursts; ++burst) {
      const long before = ThreadMinorFaults();
      for (void*& b : blocks) {
        b = std::malloc(kBlockBytes);
        std::memset(b, 1, kBlockBytes);
      }
      for (void* b : blocks) std::free(b);
      if (burst > 0) faults += ThreadMinorFaults() - before;
    }
  });
  t.join();
  return faults;
}

TEST(HeapRetention, RepeatedBurstsFaultNoPagesBackIn) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator has no glibc thresholds";
#endif
  if (std::getenv("GLIBC_TUNABLES") != nullptr) GTEST_SKIP() << "GLIBC_TUNABLES is set";
  ASSERT_TRUE(RetainFreedHeap());
  // 5 bursts x 4.6 MB: ~5,600 faults when each burst's pages are given back and faulted in again.
  EXPECT_LT(FaultsOfRepeatedBursts(), 200);
}

}  // namespace
}  // namespace privmon
