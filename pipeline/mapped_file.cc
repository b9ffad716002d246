#include "pipeline/mapped_file.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

namespace privmon {
namespace {

// The live windows, read by the SIGBUS handler (lock-free: atomics only). A slot is taken by one
// MappedWindow for its life; begin/end are 0 while it holds no mapping.
struct MapSlot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> truncated{false};
};
MapSlot g_map_slots[MappedWindow::kMaxWindows];
struct sigaction g_map_previous_sigbus {};
std::size_t g_map_page_size = 4096;
std::once_flag g_map_guard_once;

void MappedWindowSigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (MapSlot& slot : g_map_slots) {
    const uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    const uintptr_t end = slot.end.load(std::memory_order_acquire);
    if (begin == 0 || at < begin || at >= end) continue;
    // The file shrank under this window: zero pages from the faulting one to the window's end,
    // so the access that faulted (and any after it) reads zeros; the owner sees the flag.
    const uintptr_t page = at & ~(static_cast<uintptr_t>(g_map_page_size) - 1);
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the faulting page's address, from si_addr
    void* zeros = ::mmap(reinterpret_cast<void*>(page), end - page, PROT_READ,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zeros != MAP_FAILED) {
      slot.truncated.store(true, std::memory_order_release);
      errno = saved_errno;
      return;
    }
  }
  // Not a window's fault: whoever handled SIGBUS before, or the default action (the access
  // faults again on return and the process ends as it would have).
  if ((g_map_previous_sigbus.sa_flags & SA_SIGINFO) != 0 &&
      g_map_previous_sigbus.sa_sigaction != nullptr) {
    g_map_previous_sigbus.sa_sigaction(sig, info, context);
  } else if (g_map_previous_sigbus.sa_handler != SIG_DFL &&
             g_map_previous_sigbus.sa_handler != SIG_IGN) {
    g_map_previous_sigbus.sa_handler(sig);
  } else {
    ::signal(SIGBUS, SIG_DFL);
  }
  errno = saved_errno;
}

void InstallMappedWindowGuard() {
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page > 0) g_map_page_size = static_cast<std::size_t>(page);
  struct sigaction action {};
  action.sa_sigaction = MappedWindowSigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, &g_map_previous_sigbus);
}

}  // namespace

std::size_t MappedWindow::PageSize() {
  std::call_once(g_map_guard_once, InstallMappedWindowGuard);
  return g_map_page_size;
}

bool MappedWindow::Map(int fd, off_t offset, std::size_t len, bool populate) {
  Unmap();
  const std::size_t page = PageSize();
  if (len == 0 || offset % static_cast<off_t>(page) != 0) return false;
  if (slot_ < 0) {
    for (int i = 0; i < kMaxWindows; ++i) {
      bool expected = false;
      if (g_map_slots[i].taken.compare_exchange_strong(expected, true)) {
        slot_ = i;
        break;
      }
    }
    if (slot_ < 0) return false;  // too many live windows: the caller reads with read(2)
  }
  void* p =
      ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, offset);
  if (p == MAP_FAILED) return false;
  ::madvise(p, len, MADV_SEQUENTIAL);
  data_ = static_cast<const char*>(p);
  offset_ = offset;
  len_ = len;
  mapped_len_ = (len + page - 1) / page * page;
  MapSlot& slot = g_map_slots[slot_];
  slot.truncated.store(false, std::memory_order_relaxed);
  slot.end.store(reinterpret_cast<uintptr_t>(data_) + mapped_len_, std::memory_order_release);
  slot.begin.store(reinterpret_cast<uintptr_t>(data_), std::memory_order_release);
  return true;
}

MappedWindow::~MappedWindow() {
  Unmap();
  if (slot_ >= 0) g_map_slots[slot_].taken.store(false, std::memory_order_release);
}

void MappedWindow::Unmap() {
  if (slot_ >= 0) {
    MapSlot& slot = g_map_slots[slot_];
    slot.begin.store(0, std::memory_order_release);
    slot.end.store(0, std::memory_order_release);
    slot.truncated.store(false, std::memory_order_relaxed);
  }
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), len_);
  data_ = nullptr;
  len_ = mapped_len_ = 0;
  offset_ = 0;
}

bool MappedWindow::truncated() const {
  return slot_ >= 0 && g_map_slots[slot_].truncated.load(std::memory_order_acquire);
}

}  // namespace privmon
