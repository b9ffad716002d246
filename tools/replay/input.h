// The lines a replay sends: every non-empty line of the input files, in order, once per loop.
// Files are read into memory once when they fit (then the total is known); otherwise each loop
// streams them again. stdin ("-") is always held in memory, as it cannot be read twice.
// Single-threaded.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace privmon {

class ReplayInput {
 public:
  // Opens and (when the total size is at most max_memory) loads the files. On failure returns
  // nullptr and sets *error.
  static std::unique_ptr<ReplayInput> Open(const std::vector<std::string>& files, int loops,
                                           uint64_t max_memory, std::string* error);
  ~ReplayInput();

  // The next non-empty line (without its '\n' or '\r\n'), or nullopt at the end of the last loop
  // or on a read error (see error()). The view stays valid until the next call.
  // Cost: O(line length); streaming reads 1 MiB chunks.
  std::optional<std::string_view> Next();

  // Lines across all loops, when known up front (in-memory inputs).
  std::optional<uint64_t> total_lines() const { return total_lines_; }
  int loop() const { return loop_; }  // 0-based index of the loop being read
  const std::string& error() const { return error_; }

 private:
  struct Source {
    std::string path;
    std::string data;  // whole file when in memory
    bool in_memory = false;
  };
  ReplayInput() = default;
  bool OpenCurrentFile();
  std::optional<std::string_view> NextFromMemory(Source& src);
  std::optional<std::string_view> NextFromStream();

  std::vector<Source> sources_;
  int loops_ = 1;
  int loop_ = 0;
  std::size_t file_ = 0;
  std::size_t pos_ = 0;          // read position in an in-memory source
  std::FILE* stream_ = nullptr;  // open streamed file
  std::string chunk_;            // streamed bytes: [chunk_pos_, chunk_end_) not yet returned
  std::size_t chunk_pos_ = 0;
  std::size_t chunk_end_ = 0;
  bool stream_eof_ = false;
  std::optional<uint64_t> total_lines_;
  std::string error_;
};

}  // namespace privmon
