// The messages a replay sends: every non-empty line of the input files, in order, once per loop.
// Files are read into memory once when they fit (then the total is known); otherwise each loop
// streams them again. stdin ("-") is always held in memory, as it cannot be read twice.
// A file in memory that is not plain NDJSON (pretty-printed or multi-line JSON, a UTF-16 file with
// a byte order mark, NUL padding, a compact array longer than max_message_bytes: what `az rest`,
// PowerShell and exports write) is read once through privmon's own file source, so replay sends
// the messages `scan` would read from it (each array or batch element alone, UTF-16 transcoded;
// the elements of a Graph listing as compact pages of one listing, input.cc ListingPages);
// a framed message is "<tenant>\t<payload>" as in a file. Streamed files and stdin are read as
// lines. Single-threaded.
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

  // True when the view the last Next() returned stays valid, unchanged, as long as this input
  // lives (a file held in memory): a sender may then hand ZeroMQ the bytes without copying them.
  // False for a streamed file (its chunk is reused by the next call).
  bool LastViewOutlivesNext() const { return last_stable_; }

  // Lines across all loops, when known up front (in-memory inputs).
  std::optional<uint64_t> total_lines() const { return total_lines_; }
  int loop() const { return loop_; }  // 0-based index of the loop being read
  const std::string& error() const { return error_; }
  // Messages of files read through the file source that go out cut to their first bytes: a value
  // spread over lines, an array's element, or a line of a UTF-16 file, longer than 4 MiB (a line
  // of a UTF-8 file that is no array is sent whole). The command says how many and exits 1.
  uint64_t cut_messages() const { return cut_messages_; }

 private:
  struct Source {
    std::string path;
    std::string data;  // whole file when in memory
    bool in_memory = false;
    // A file in memory that is not plain NDJSON: the messages privmon's file source read from it.
    std::vector<std::string> messages;
    bool framed = false;  // read through the file source: `messages` holds it
  };
  ReplayInput() = default;
  bool OpenCurrentFile();
  std::optional<std::string_view> NextFromMemory(Source& src);
  std::optional<std::string_view> NextFromStream();
  // Reads `src` (a file in memory) through the file source into src.messages when it is not plain
  // NDJSON; false with error_ set when the source fails.
  bool ReadAsPrivmonDoes(Source& src);

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
  bool last_stable_ = false;
  std::optional<uint64_t> total_lines_;
  std::string error_;
  uint64_t cut_messages_ = 0;
};

}  // namespace privmon
