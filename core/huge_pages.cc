#include "core/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace privmon {
namespace {
std::size_t RoundUpToHugePage(std::size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}
}  // namespace

void* HugePageAlloc(std::size_t bytes) {
  const std::size_t size = RoundUpToHugePage(bytes);
  // Map one huge page more than needed, then unmap the unaligned head and the tail.
  void* raw = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const std::uintptr_t end = start + size + kHugePageBytes;
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, size, MADV_HUGEPAGE);  // advice only: without THP the pages stay 4 KiB
  return p;
}

void HugePageFree(void* p, std::size_t bytes) { munmap(p, RoundUpToHugePage(bytes)); }

}  // namespace privmon
