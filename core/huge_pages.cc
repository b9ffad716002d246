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
  // Pointers are moved by offsets within the mapping (no integer-to-pointer casts).
  char* const base = static_cast<char*>(raw);
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::size_t head = ((start + kHugePageBytes - 1) & ~(kHugePageBytes - 1)) - start;
  if (head > 0) munmap(base, head);
  const std::size_t tail = kHugePageBytes - head;  // the mapping ends at base + size + huge page
  if (tail > 0) munmap(base + head + size, tail);
  void* p = base + head;
  madvise(p, size, MADV_HUGEPAGE);  // advice only: without THP the pages stay 4 KiB
  return p;
}

void HugePageFree(void* p, std::size_t bytes) { munmap(p, RoundUpToHugePage(bytes)); }

}  // namespace privmon
