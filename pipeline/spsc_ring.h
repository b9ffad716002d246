// SpscRing: the slots of the parse-thread-to-shard queue (pipeline/shard_queue.h, which adds the
// byte arena of their strings). A bounded, lock-free, single-producer single-consumer ring with
// the calls of SpscQueue (boost::lockfree::spsc_queue) the pipeline uses, plus a drain
// that looks ahead: consume_all_ahead hands element i to `f` in order, and shows element
// i + distance to `ahead` first, so a consumer can prefetch the state that element will touch
// while it handles the ones before it (the shard's account-table and known-value probes are DRAM
// misses at millions of accounts). `ahead` must not change what `f` does: the order and the
// handling of the elements are exactly those of consume_all.
// Exactly one thread pushes and exactly one other thread consumes (read_available, empty and the
// consume calls are the consumer's; write_available the producer's). push and each element of a
// drain are O(1) and wait-free; no allocation after construction. T is a plain value (PackedEvent).
// Slots of 4 MiB or more lie on huge pages (core/huge_pages.h): a first touch faults once per
// 2 MiB instead of once per 4 KiB (a page fault costs microseconds on the VMs measured:
// BENCHMARKS.md session 31).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "core/huge_pages.h"

namespace privmon {

// Calls f(args...); true unless f returns a bool and it is false (the walk stops after this one).
template <class F, class... Args>
bool CallGoesOn(F& f, Args&&... args) {
  if constexpr (std::is_same_v<std::invoke_result_t<F&, Args...>, bool>) {
    return f(std::forward<Args>(args)...);
  } else {
    f(std::forward<Args>(args)...);
    return true;
  }
}

// The look-ahead walk of consume_all_ahead over any n elements at(0..n-1): ahead(at(0..d-1)) first,
// then for each i, ahead(at(i + d)) while i + d < n, and f(at(i)). f sees every element once, in
// order; d = 0 calls no ahead. An f that returns bool stops the walk by returning false (a shard
// meets a cut marker: pipeline/shard_loop.cc); returns how many elements f saw.
template <class At, class F, class Ahead>
std::size_t ForEachAhead(std::size_t n, std::size_t distance, At&& at, F&& f, Ahead&& ahead) {
  const std::size_t warm = std::min(distance, n);
  for (std::size_t i = 0; i < warm; ++i) ahead(at(i));
  for (std::size_t i = 0; i < n; ++i) {
    if (distance != 0 && i + distance < n) ahead(at(i + distance));
    if (!CallGoesOn(f, at(i))) return i + 1;
  }
  return n;
}

template <class T>
class SpscRing {
  static_assert(std::is_trivially_destructible_v<T>, "slots are reused without destruction");

 public:
  explicit SpscRing(std::size_t capacity)
      : size_(std::max<std::size_t>(capacity, 1) + 1),
        buffer_(HugePageAllocator<T>().allocate(size_)) {}
  ~SpscRing() { HugePageAllocator<T>().deallocate(buffer_, size_); }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer: false when the ring is full.
  bool push(const T& value) {
    const std::size_t w = write_.load(std::memory_order_relaxed);
    const std::size_t next = w + 1 == size_ ? 0 : w + 1;
    if (next == read_cache_) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (next == read_cache_) return false;
    }
    ::new (static_cast<void*>(buffer_ + w)) T(value);  // pages are touched when first used
    write_.store(next, std::memory_order_release);
    return true;
  }
  // Producer: as push, the element written in place by fill(T& slot), which returns whether to
  // publish it (false: nothing is pushed). What fill writes elsewhere before returning true is
  // visible to the consumer with the element. False when the ring is full (fill not called).
  template <class Fill>
  bool push_with(Fill&& fill) {
    const std::size_t w = write_.load(std::memory_order_relaxed);
    const std::size_t next = w + 1 == size_ ? 0 : w + 1;
    if (next == read_cache_) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (next == read_cache_) return false;
    }
    static_assert(std::is_trivially_default_constructible_v<T>, "fill writes a raw slot");
    T* slot = ::new (static_cast<void*>(buffer_ + w)) T;  // default-initialised: nothing written
    if (!fill(*slot)) return false;
    write_.store(next, std::memory_order_release);
    return true;
  }
  // Producer: free slots.
  std::size_t write_available() const {
    const std::size_t w = write_.load(std::memory_order_relaxed);
    const std::size_t r = read_.load(std::memory_order_acquire);
    return (r + size_ - w - 1) % size_;
  }
  // Consumer: queued elements.
  std::size_t read_available() const {
    const std::size_t w = write_.load(std::memory_order_acquire);
    const std::size_t r = read_.load(std::memory_order_relaxed);
    return (w + size_ - r) % size_;
  }
  bool empty() const { return read_available() == 0; }

  // Consumer: f(element) for every element queued now, oldest first; returns how many.
  template <class F>
  std::size_t consume_all(F&& f) {
    return consume_all_ahead(0, f, [](const T&) {});
  }
  // As consume_all, and ahead(element i + distance) before f(element i) while there is one (the
  // first `distance` elements are shown before the first f). distance 0: no look-ahead. An f
  // that returns false (when it returns bool) ends the drain after that element: the later ones
  // stay queued (ahead may have seen some of them: a hint only).
  template <class F, class Ahead>
  std::size_t consume_all_ahead(std::size_t distance, F&& f, Ahead&& ahead) {
    const std::size_t w = write_.load(std::memory_order_acquire);
    const std::size_t r = read_.load(std::memory_order_relaxed);
    const std::size_t queued = (w + size_ - r) % size_;
    if (queued == 0) return 0;
    auto at = [&](std::size_t i) -> const T& {
      const std::size_t j = r + i;
      return buffer_[j >= size_ ? j - size_ : j];
    };
    const std::size_t n = ForEachAhead(queued, distance, at, f, ahead);
    const std::size_t end = r + n;
    read_.store(end >= size_ ? end - size_ : end, std::memory_order_release);
    return n;
  }

 private:
  const std::size_t size_;  // capacity + 1: one slot stays free to tell full from empty
  T* buffer_;  // raw slots: push constructs, consume leaves (T is trivially destructible)
  alignas(64) std::atomic<std::size_t> write_{0};  // next slot the producer fills
  std::size_t read_cache_ = 0;                     // producer's last view of read_
  alignas(64) std::atomic<std::size_t> read_{0};   // next slot the consumer hands out
};

}  // namespace privmon
