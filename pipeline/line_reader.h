// LineReader: the lines of an NDJSON stream read from a file descriptor into one buffer and handed
// out where they lie (no copy per line), each with bytes allocated after it for the parser's
// padding. Memory is bounded whatever the input: a line longer than `max_line` is handed out cut
// to its first max_line + 1 bytes (so the parser rejects it as oversized and the dead-letter keeps
// a bounded prefix), and the rest of it up to its newline is skipped as it is read. A line of
// max_line bytes and \r\n is not cut, wherever the reads end (the source strips the \r).
// Reads are 64 KiB (the buffer's hot part stays in L2 between the kernel's copy and the parser);
// the partial line at the end of a read is moved to the front before the next one.
// Memory: one buffer of max_line + 64 KiB + padding, allocated once, touched as lines need it.
// Not thread-safe: the source's parse thread only. Errors of read(2) other than EINTR end the
// stream (Next returns kEnd) with the errno kept in error().
// With set_map_files (a finished file: not for follow mode, where a writer may be mid-line), a
// regular file is read through a memory map (pipeline/mapped_file.h) in windows of kMapWindow
// bytes instead of read(2)'s copy: a line that ends with at least `padding` bytes of the window
// after its newline is handed out where it lies in the mapping. The rest (a line longer than
// max_line, the lines at the file's end, a UTF-16 file, what a file grew by after Reset) is read
// with read(2) into the buffer exactly as without the map. A file that shrinks while mapped (a
// window mapped past its real end) never crashes the reader nor hands out the zeros its map reads
// there: read(2) reads on from the first byte not handed out, to the real end, and the stream
// then ends with error() EIO and shrank() true ("file shrank while read").
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pipeline/mapped_file.h"

namespace privmon {

class LineReader {
 public:
  static constexpr std::size_t kReadBytes = 64 * 1024;

  // `padding`: bytes kept allocated after any line (the parser's kParsePadding or more).
  LineReader(std::size_t max_line, std::size_t padding);

  struct Line {
    std::string_view bytes;          // without its newline
    bool cut = false;                // longer than max_line: these are its first max_line + 1 bytes
    std::size_t readable_after = 0;  // bytes allocated after `bytes` in this reader's buffer
    std::size_t consumed = 0;        // bytes of the stream this line took, its newline included
    // With chunk_long_lines: a piece of a line longer than max_line, not its end (no newline yet);
    // the next lines handed out continue it, up to the first that is not partial.
    bool partial = false;
    // A cut line's real size, without its line break (\n or \r\n): what a dead letter names.
    // 0 for a line that is not cut.
    uint64_t whole_size = 0;
  };
  // Hands out a line longer than max_line as successive pieces (Line::partial) instead of cut,
  // for a caller that streams it (pipeline/json_stream_framer.h) or cuts it itself.
  void set_chunk_long_lines(bool on) { chunk_long_lines_ = on; }
  // Takes effect at the next Reset. `window`: bytes mapped at once (tests map small windows).
  void set_map_files(bool on, std::size_t window = kMapWindow) {
    map_files_ = on;
    map_window_ = window;
  }
  static constexpr std::size_t kMapWindow = 64u << 20;
  // True when the stream ended early because the file shrank after Reset (error() is EIO then).
  bool shrank() const { return shrank_; }
  // True while lines come from a map (tests).
  bool mapped() const { return map_state_ == MapState::kMapped; }
  // Windows mapped since Reset (tests: a small window maps many).
  std::size_t windows_mapped() const { return windows_mapped_; }
  enum class Status { kLine, kEnd };

  // Starts reading `fd` from where it stands (after a seek, a reopen or at start): drops what is
  // buffered. The reader does not own the descriptor.
  void Reset(int fd);
  // The next line. At the end of the stream a last line without a newline is handed out when
  // `take_partial` (a finished file), else kept buffered for the next call (a writer mid-line, in
  // follow mode: the next call reads on from the same descriptor).
  Status Next(bool take_partial, Line* out);
  // Bytes of a line without its newline buffered now (what a follow-mode source would lose by
  // switching files); the skipped rest of a cut line is not counted.
  std::size_t pending() const { return end_ - begin_; }
  int error() const { return error_; }
  // The last bytes (at most kLastReadBytes) before where the descriptor stands: those read(2)
  // returned since Reset (raw: before any UTF-16 transcoding, the rest of a cut line included),
  // or, right after a Reset past the stream's start, the ones read back there (pread). A follow-
  // mode source compares them with the file to tell a file rewritten under it (copytruncate, then
  // written past this position) from one appended to. Kept at each read(2), not per line; not
  // while lines come from a map. Empty at the start of a stream and for a pipe.
  static constexpr std::size_t kLastReadBytes = 64;
  std::string_view last_read() const { return {last_read_, last_read_len_}; }
  // True once the stream was found to be UTF-16 (a byte order mark FF FE or FE FF at its start:
  // Windows PowerShell 5's Out-File and '>'): its text is handed out as UTF-8, so `consumed`
  // counts UTF-8 bytes, not the file's.
  bool transcoding() const { return utf16_ != 0; }

 private:
  enum class MapState { kOff, kMapped, kResume };
  // The next line from the map; kLine, kEnd (the seek back to pos_ failed), or kFallback: the fd
  // stands at pos_ with the buffer empty, for NextBuffered (also when the file shrank).
  enum class MapStep { kLine, kEnd, kFallback };
  MapStep NextMapped(Line* out);
  Status NextBuffered(bool take_partial, Line* out);
  // Reads once more into the buffer (after moving the unread bytes to its front); returns the
  // bytes read (0: end of stream or error).
  std::size_t Fill();
  // read(2) into dst (at most `room` bytes), through the UTF-16 transcoder once the stream is
  // known to be UTF-16. Returns what read(2) returns (EINTR retried); 0 at the end.
  ssize_t ReadSome(char* dst, std::size_t room);
  // Keeps the last kLastReadBytes of what read(2) returned (last_read()).
  void NoteRead(const char* bytes, std::size_t n);
  // raw_ -> UTF-8 at dst (at most `room` bytes); keeps what does not fit and an incomplete unit.
  std::size_t Transcode(char* dst, std::size_t room);

  const std::size_t max_line_;
  const std::size_t capacity_;  // bytes the lines may occupy; padding follows
  const std::size_t allocated_;
  std::unique_ptr<char[]> buffer_;
  int fd_ = -1;
  std::size_t begin_ = 0;    // first unread byte
  std::size_t scan_ = 0;     // bytes before this (from begin_) hold no newline
  std::size_t end_ = 0;      // end of the bytes read
  bool skipping_ = false;    // discarding the rest of a cut line up to its newline
  std::size_t skipped_ = 0;  // bytes of a cut line discarded so far (they count as consumed)
  char skipped_last_ = 0;    // the last byte discarded (a \r before the newline is no content)
  int error_ = 0;
  bool chunk_long_lines_ = false;
  bool at_start_ = false;        // nothing read yet from the start of the stream
  int utf16_ = 0;                // 0: bytes as read; 1: UTF-16LE; 2: UTF-16BE
  std::unique_ptr<char[]> raw_;  // UTF-16 bytes read, not transcoded yet
  std::size_t raw_len_ = 0;
  char last_read_[kLastReadBytes] = {};
  std::size_t last_read_len_ = 0;
  // Reading through a map (set_map_files).
  const std::size_t padding_;
  bool map_files_ = false;
  std::size_t map_window_ = kMapWindow;
  MapState map_state_ = MapState::kOff;
  bool mid_line_ = false;  // the last line handed out was a piece (Line::partial)
  bool shrank_ = false;
  bool ended_ = false;  // the map failed beyond repair (shrank_, or a seek): kEnd on
  off_t map_size_ = 0;  // the file's size at Reset: what may be mapped
  off_t pos_ = 0;       // with kMapped: the file offset of the next unread byte
  std::size_t windows_mapped_ = 0;
  std::unique_ptr<MappedWindow> window_;
};

}  // namespace privmon
