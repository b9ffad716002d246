#include "core/heap_retention.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace privmon {

bool RetainFreedHeap() {
  if (const char* tunables = std::getenv("GLIBC_TUNABLES");
      tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    return false;
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  // M_TRIM_THRESHOLD also turns off glibc's moving mmap threshold: M_MMAP_THRESHOLD fixes it.
  return mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThresholdBytes)) == 1 &&
         mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThresholdBytes)) == 1;
#endif
}

}  // namespace privmon
