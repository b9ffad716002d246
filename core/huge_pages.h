// HugePageAllocator: an allocator for the shard's big hash tables (account table, known values,
// dedupe memory). A block of at least kHugePageMinBytes is mapped on its own, aligned to 2 MiB and
// marked MADV_HUGEPAGE, so a table of a gigabyte is covered by ~500 TLB entries instead of
// ~250,000: at millions of accounts every probe is a random access, and with 4 KiB pages each
// also misses the TLB. Smaller blocks come from the heap as usual. Works whether transparent huge
// pages are `madvise` or `always` (with `never` the kernel ignores the advice: plain pages).
// Stateless and thread-safe; allocate/deallocate are one mmap/munmap for big blocks (a table
// grows O(log n) times), no cost per access. Memory is the table's own: resident bytes per
// account are unchanged once the table is full (the tables touch every page of their slot arrays).
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace privmon {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
inline constexpr std::size_t kHugePageMinBytes = std::size_t{4} << 20;

// A 2 MiB-aligned anonymous mapping of round_up(bytes, 2 MiB), advised MADV_HUGEPAGE; throws
// std::bad_alloc when the mapping fails. HugePageFree takes the same byte count.
void* HugePageAlloc(std::size_t bytes);
void HugePageFree(void* p, std::size_t bytes);

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}  // NOLINT: rebinding converts

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBytes) return std::allocator<T>().allocate(n);
    return static_cast<T*>(HugePageAlloc(bytes));
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBytes) {
      std::allocator<T>().deallocate(p, n);
    } else {
      HugePageFree(p, bytes);
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

// The same, but a container's new elements are default-initialised (a trivial type is left
// unwritten, not zeroed): for buffers that are written right after they grow (the sorted hold's
// packed events and string bytes), where zeroing first cost a memset of every byte.
template <class T>
struct UninitHugePageAllocator : HugePageAllocator<T> {
  using value_type = T;
  UninitHugePageAllocator() = default;
  template <class U>
  UninitHugePageAllocator(const UninitHugePageAllocator<U>& /*other*/) {}  // NOLINT: rebinding
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

}  // namespace privmon
