// MappedWindow: a read-only memory map of part of a regular file, for LineReader's reading of a
// finished file without read(2)'s copy (pipeline/line_reader.h). A file truncated while mapped
// would raise SIGBUS at the first access past its new end: a process-wide SIGBUS handler
// (installed once, at the first map) finds the live window the fault lies in, maps zero pages
// over the rest of it (MAP_FIXED) and flags it truncated(), so the access goes on reading zeros;
// the reader sees the flag and reads on with read(2) instead of handing out those zeros.
// A SIGBUS outside every live window goes to the handler installed before (or the default
// action: a crash, as without this guard). At most kMaxWindows windows are live at once in the
// process; Map() fails (the caller reads with read(2)) beyond that. Not thread-safe: one owner.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace privmon {

class MappedWindow {
 public:
  static constexpr int kMaxWindows = 64;

  MappedWindow() = default;
  ~MappedWindow();
  MappedWindow(const MappedWindow&) = delete;
  MappedWindow& operator=(const MappedWindow&) = delete;

  // Maps `len` bytes of `fd` from `offset` (a multiple of the page size) with MADV_SEQUENTIAL
  // (and MAP_POPULATE when `populate`), unmapping the window held before. False on failure
  // (nothing mapped then).
  bool Map(int fd, off_t offset, std::size_t len, bool populate);
  void Unmap();
  const char* data() const { return data_; }
  off_t offset() const { return offset_; }
  std::size_t size() const { return len_; }
  // True once an access to this window faulted because the file shrank under it (its pages from
  // the fault on read as zeros). Cleared by Map and Unmap.
  bool truncated() const;

  static std::size_t PageSize();

 private:
  const char* data_ = nullptr;
  off_t offset_ = 0;
  std::size_t len_ = 0;
  std::size_t mapped_len_ = 0;  // len_ rounded up to pages
  int slot_ = -1;               // this window's entry in the SIGBUS handler's table
};

}  // namespace privmon
