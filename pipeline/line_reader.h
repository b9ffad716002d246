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
// With set_finished_file (not for follow mode, whose source handles truncation itself), a regular
// file that shrinks after Reset (truncated while it is read) is read to its real end, and the
// stream then ends with error() EIO and shrank() true ("file shrank while read").
// Why read(2) and not a memory map of a finished file: on the VMs measured (BENCHMARKS.md session
// 31) each page fault of a map costs microseconds (the guest's page-table writes trap), and the
// parse thread spent 25-30% more CPU per record reading through a map than through read(2)'s copy
// into this buffer, whose 64 KiB stay hot in L2 for the parser.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

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
    // NUL bytes skipped just before the line (counted in `consumed`, not in `bytes`).
    std::size_t nuls_before = 0;
  };
  // Hands out a line longer than max_line as successive pieces (Line::partial) instead of cut,
  // for a caller that streams it (pipeline/json_stream_framer.h) or cuts it itself.
  void set_chunk_long_lines(bool on) { chunk_long_lines_ = on; }
  // Takes effect at the next Reset: the file is finished (not followed), so ending before the size
  // it had at Reset means it shrank (shrank()).
  void set_finished_file(bool on) { finished_file_ = on; }
  // True when the stream ended early because the file shrank after Reset (error() is EIO then).
  bool shrank() const { return shrank_; }
  enum class Status { kLine, kEnd };

  // Starts reading `fd` from where it stands (after a seek, a reopen or at start): drops what is
  // buffered. The reader does not own the descriptor.
  void Reset(int fd);
  // The next line. At the end of the stream a last line without a newline is handed out when
  // `take_partial` (a finished file), else kept buffered for the next call (a writer mid-line, in
  // follow mode: the next call reads on from the same descriptor).
  Status Next(bool take_partial, Line* out);
  // The buffered bytes of a line whose newline is not written, handed out as a line without
  // reading more (follow mode: the file's last line at a rotation, a truncation, a stop or a long
  // quiet; reading on could join bytes of a replacing write to it). kEnd when nothing is buffered
  // or a whole line is (Next hands that out first). O(buffered bytes) for the newline check.
  Status TakeBuffered(Line* out);
  // Bytes of a line without its newline buffered now (what a follow-mode source would lose by
  // switching files); the skipped rest of a cut line is not counted.
  std::size_t pending() const { return end_ - begin_; }
  int error() const { return error_; }
  // NUL bytes at lines' starts are skipped (Line::nuls_before counts them): a run of them (a
  // hole a writer left: copytruncate of a file it did not open O_APPEND writes on at its old
  // offset, behind zeros; a crash's zero-filled tail) is no part of any line, and never makes the
  // line after it one too long to read. A line's own NULs after its first byte are kept.
  // The last bytes (at most kLastReadBytes) before where the descriptor stands: those read(2)
  // returned since Reset (raw: before any UTF-16 transcoding, the rest of a cut line included),
  // or, right after a Reset past the stream's start, the ones read back there (pread). A follow-
  // mode source compares them with the file to tell a file rewritten under it (copytruncate, then
  // written past this position) from one appended to. Kept at each read(2), not per line. Empty
  // at the start of a stream and for a pipe.
  static constexpr std::size_t kLastReadBytes = 64;
  std::string_view last_read() const { return {last_read_, last_read_len_}; }
  // True once the stream was found to be UTF-16 (a byte order mark FF FE or FE FF at its start:
  // Windows PowerShell 5's Out-File and '>'): its text is handed out as UTF-8, so `consumed`
  // counts UTF-8 bytes, not the file's.
  bool transcoding() const { return utf16_ != 0; }

 private:
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
  bool finished_file_ = false;
  bool mid_line_ = false;    // the last line handed out was a piece (Line::partial)
  std::size_t nul_run_ = 0;  // NULs skipped since the last line handed out
  bool shrank_ = false;
  bool ended_ = false;       // the file shrank: kEnd on
  off_t size_at_reset_ = 0;  // with finished_file_, a regular file's size at Reset (else 0)
};

}  // namespace privmon
