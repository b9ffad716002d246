// LineRing: the bounded queue in front of one alert sink. A single-producer single-consumer ring
// of bytes that carries whole '\n'-terminated lines: the dispatcher thread pushes a line or finds
// the ring full (back-pressure), the sink's worker thread reads contiguous runs of bytes and
// releases what it wrote, so a partial write(2) resumes mid-line. Lines are counted on both sides,
// so the worker knows how many alerts a run of bytes completes. Capacity is fixed at construction
// (rounded up to a power of two); push/peek/consume are O(line) / O(1) and never allocate.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace privmon {

class LineRing {
 public:
  explicit LineRing(std::size_t capacity_bytes)
      : capacity_(std::bit_ceil(capacity_bytes < 64 ? std::size_t{64} : capacity_bytes)),
        data_(std::make_unique_for_overwrite<char[]>(capacity_)) {}  // pages touched as used

  LineRing(const LineRing&) = delete;
  LineRing& operator=(const LineRing&) = delete;

  // Producer only. Appends the whole line or nothing: false when it does not fit now.
  bool TryPush(std::string_view line) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    if (line.size() > capacity_ - (head - tail)) return false;
    const std::size_t at = head & (capacity_ - 1);
    const std::size_t first = std::min(line.size(), capacity_ - at);
    std::memcpy(data_.get() + at, line.data(), first);
    std::memcpy(data_.get(), line.data() + first, line.size() - first);
    head_.store(head + line.size(), std::memory_order_release);
    return true;
  }

  // Consumer only. The next contiguous queued bytes, `skip` bytes past the oldest (ends at the
  // ring's end or the last byte queued, possibly mid-line); empty when nothing is queued there.
  std::string_view Peek(std::size_t skip = 0) const {
    const uint64_t head = head_.load(std::memory_order_acquire);
    const uint64_t tail = std::min(tail_.load(std::memory_order_relaxed) + skip, head);
    const std::size_t at = tail & (capacity_ - 1);
    const std::size_t n = std::min<std::size_t>(head - tail, capacity_ - at);
    return {data_.get() + at, n};
  }

  // Consumer only. Releases the first `n` bytes of Peek().
  void Consume(std::size_t n) {
    tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

  // Bytes queued; exact on the consumer thread, a recent value elsewhere.
  std::size_t size() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  std::unique_ptr<char[]> data_;
  alignas(64) std::atomic<uint64_t> head_{0};  // bytes ever pushed; written by the producer
  alignas(64) std::atomic<uint64_t> tail_{0};  // bytes ever consumed; written by the consumer
};

}  // namespace privmon
