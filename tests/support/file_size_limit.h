// A real short write for tests: while a FileSizeLimit lives, RLIMIT_FSIZE (with SIGXFSZ ignored)
// makes write(2) take only what fits under `bytes` and then fail with EFBIG, as a disk that fills
// up in the middle of a line does with ENOSPC. Process-wide (every thread); restores both on
// destruction. Test threads only; not thread-safe against another FileSizeLimit.
#pragma once

#include <sys/resource.h>

#include <csignal>

namespace privmon::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace privmon::testing
