// EventCount: the one way a pipeline thread waits for another (an empty queue, a full queue, a
// checkpoint pause): spin briefly, then block in the kernel (a futex) until a notifier says
// something changed or a timeout passes. A notifier pays one fence and one load when nobody is
// parked, a futex wake only when someone is. Lost wakeups are impossible when a waiter re-checks
// its condition between PrepareWait() and Wait(), and a notifier calls Notify() after publishing
// its change (the fences of both sides order the check against the publication). Linux only.
// Thread-safe: any number of waiters and notifiers; no allocation.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace privmon {

class EventCount {
 public:
  // Announces a waiter; returns the key for Wait(). Re-check the condition after this.
  uint32_t PrepareWait() {
    // seq_cst RMWs on waiters_ (not fences, which TSan cannot model): a Notify whose RMW comes
    // first makes its published change visible here; one that comes after sees this waiter.
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    return epoch_.load(std::memory_order_acquire);
  }
  // The condition held after all: withdraw.
  void CancelWait() { waiters_.fetch_sub(1, std::memory_order_relaxed); }
  // Sleeps until a Notify() after PrepareWait() returned `key`, or `timeout`, or a spurious wake.
  void Wait(uint32_t key, std::chrono::nanoseconds timeout) {
    if (epoch_.load(std::memory_order_acquire) == key) {
      const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
      timespec ts{static_cast<time_t>(s.count()), static_cast<long>((timeout - s).count())};
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAIT_PRIVATE, key, &ts,
              nullptr, 0);
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }
  // Call after publishing a change a waiter may be waiting for.
  void Notify() {
    if (waiters_.fetch_add(0, std::memory_order_seq_cst) == 0) return;
    epoch_.fetch_add(1, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
            nullptr, 0);
  }

 private:
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t> waiters_{0};
};

// A spin-wait hint to the core (x86 `pause`): the spinning thread yields pipeline resources to
// its sibling hyperthread and leaves the loop without a memory-order mis-speculation.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits for `ready()` to hold: a few spins (yielding nothing), then PrepareWait / re-check /
// Wait(slice) rounds on `ec`. Returns true when ready() held, false at `deadline`.
template <class Ready>
bool AwaitUntil(EventCount& ec, Ready&& ready, std::chrono::steady_clock::time_point deadline,
                std::chrono::nanoseconds slice = std::chrono::milliseconds(100)) {
  for (int spin = 0; spin < 64; ++spin) {
    if (ready()) return true;
  }
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return ready();
    const uint32_t key = ec.PrepareWait();
    if (ready()) {
      ec.CancelWait();
      return true;
    }
    ec.Wait(key, std::min<std::chrono::nanoseconds>(slice, deadline - now));
  }
}

}  // namespace privmon
