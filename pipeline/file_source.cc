#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

#include "core/follow_event.h"
#include "core/stats.h"
#include "parsers/record_parser.h"
#include "pipeline/framed_line.h"
#include "pipeline/json_stream_framer.h"
#include "pipeline/line_reader.h"
#include "pipeline/message_source.h"
#include "pipeline/tenant_id.h"

namespace privmon {
namespace {

// NDJSON: one message per line (a framed line "<tenant>\t<payload>" carries its tenant, as a
// two-frame ZeroMQ message does); blank lines are skipped. A line that opens a JSON value it does
// not close (pretty-printed JSON) hands the lines of that value to a JsonStreamFramer
// (pipeline/json_stream_framer.h), which streams the elements of a top-level array or batch and
// gathers any other value whole; NDJSON lines never reach it (a check of their last byte). Lines
// are handed out where they lie in the reader's buffer (pipeline/line_reader.h); a line longer than
// max_message_bytes plus room for a tenant frame (kTenantFrameRoom: the limit is the payload's) is
// handed out cut to that + 1 bytes, unsplit, which the parser rejects as oversized (counted, a
// bounded prefix dead-lettered), so one endless line cannot exhaust memory. `Position()` is the
// byte position after the last line read; `Resume()` seeks to one.
//
// With `follow`, the file is read as `tail -F` does. At its end the source polls (every 20 ms) for
// appended lines: a line is taken once its newline is written. The file's last line without one
// is a writer mid-line (a block-buffered writer flushes 4 KiB blocks, not lines: breaker round 80,
// a sign-in read at 1 s in two halves was lost) and is read, as it stands, only where the file
// ends for privmon: before a rotation or truncation switches files, at a stop that no checkpoint
// reads on from (Stopping), or once the file has stayed unchanged for last_line_wait
// (kFollowLastLineWait, 5 min: an export that ends its file so, k17b; the newline written after it
// later is a blank line, no second record). Such a line never starts a value spread over lines and
// ends one open (it is the file's end), and bytes written after it on its line are read as a line
// of their own, said on stderr: privmon never joins two reads with a newline of its own (tests:
// FileFollow.ALineWrittenInTwoPartsSecondsApartIsOneRecordNeverJoinedByANewline, ...AtAStopOr
// RotationThatEndsTheFile). Before it reads on from its end it looks at the file (FollowRotation;
// an fstat and a stat, plus one pread of at most 64 bytes when the file's size or mtime changed,
// nothing per line):
// - Truncated (copytruncate): read again from 0. Also when rewritten under the reader: truncated,
//   then written past where it stood before the poll saw it shorter. The last bytes read before
//   the descriptor's position (LineReader::last_read) are read back there; other bytes say so.
//   Not seen: a rewrite with the same bytes at that spot (the same last line, e.g. an export
//   written again whole), one of the same size within the file system's timestamp grain (a few ms)
//   of the last read, and one while the source is still behind, reading older lines (only the end
//   is checked).
// - Replaced (rotation by rename, the path names another file): the old file is read on until it
//   has stayed unchanged for kRotateQuiet (a writer still appending to it before it reopens the
//   path, as logrotate without copytruncate leaves it), then the path is opened and read from 0.
//   A writer that keeps appending to the old file is followed for at most kRotateMaxWait; then the
//   source moves to the new file, says so on stderr, and what is written to the old file after
//   that is not read. While the old file is read on, Position() is 0: a checkpoint taken then
//   resumes the new file from its start (the old file's unread rest is not read after a restart:
//   its name is not known).
// - Gone (the path names no file: the open one deleted, or renamed away with no new file yet): it
//   is read on (its writer may still hold it open) and said once on stderr, a deleted one at once,
//   one renamed away once the path has stayed missing for kRotateQuiet (logrotate's create comes
//   within moments); when the path names a file again, that file is read as a replaced one's.
//   A replacing file that cannot be opened (its mode) is said once; the old one is read on and
//   the open is tried again. Nor is what is no regular file opened, said once as such a file:
//   a FIFO (open() would wait for its writer, with SIGTERM blocked in `run`), a directory (its
//   read fails: no input lost, so no read error), a socket or a device (/dev/zero never ends).
//   A directory at a followed path at start fails the start, as a file that cannot be opened
//   does (a socket's open fails).
// Each of these is counted (CountInto: privmon_source_follow_events_total{event}), as are the NUL
// bytes skipped before lines (privmon_source_skipped_bytes_total{reason="nul"}) and failed reads
// (privmon_source_read_errors_total), when they happen: a followed file never ends.
// - Missing at start (a followed file not created yet, or a restart between logrotate's rename and
//   the writer's create): said once on stderr and waited for; read from 0 when it appears (it is
//   new: nothing of it was read). Position() is 0 meanwhile and Resume() resumes nothing. A file
//   not followed that is missing fails the start, as before.
class FileSource final : public MessageSource {
 public:
  FileSource(const SourceSettings& s, std::size_t max_message_bytes,
             std::chrono::milliseconds last_line_wait)
      : last_line_wait_(last_line_wait),
        name_(s.name.empty() ? (s.type == SourceType::kStdin ? "stdin" : "file") : s.name),
        tenant_(s.tenant),
        multi_tenant_(s.multi_tenant),
        path_(s.path),
        follow_(s.follow && s.type == SourceType::kFile && s.path != "-"),
        max_message_bytes_(max_message_bytes),
        max_line_(max_message_bytes + kTenantFrameRoom),
        reader_(max_line_, kParsePadding),
        framer_(max_message_bytes, kParsePadding) {
    // A followed file keeps cutting long lines whole (a writer mid-line: the cut message waits for
    // its newline, a truncation drops it); a finished file or stdin streams them.
    reader_.set_chunk_long_lines(!follow_);
    // A finished file that shrinks while read says so (a followed one handles truncation).
    reader_.set_finished_file(!follow_);
    if (s.type == SourceType::kStdin || s.path == "-") {
      fd_ = STDIN_FILENO;
      reader_.Reset(fd_);
    } else {
      Open();
    }
  }
  ~FileSource() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
    if (retired_fd_ >= 0) ::close(retired_fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    out.in_stream = false;
    out.whole_size = 0;
    out.page_context = {};
    out.frame_error = nullptr;
    // Stopped (Stopping) with no last line to hand out: nothing more, as before a stop.
    if (stopping_ && !flush_at_stop_ && !stop_flushed_) return ReceiveStatus::kIdle;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (missing_ && !OpenWhenPresent()) {  // a followed file not there yet
        if (std::chrono::steady_clock::now() >= deadline) return ReceiveStatus::kIdle;
        std::this_thread::sleep_for(kFollowPoll);
        continue;
      }
      // A value spread over lines (pretty-printed JSON) hands out its messages first.
      if (!framer_.idle() && framer_.Next(&out.payload, &out.readable_after)) {
        out.tenant_frame = framer_.tenant();
        out.whole_size = framer_.whole_size();
        if (!out.tenant_frame.empty() && !IsTenantId(out.tenant_frame)) {
          out.frame_error = kTenantFrameNotGuid;  // rejected as bad_frames, as a ZeroMQ frame is
          out.tenant_frame = {};
        }
        out.in_stream = framer_.streaming();
        out.page_context = framer_.page_context();
        return ReceiveStatus::kMessage;
      }
      if (end_value_) {
        // A line without newline was taken as the file's end: a value it left open ends there
        // (handed out as it stands, rejected as cut short), never joined to later lines.
        end_value_ = false;
        if (framer_.active()) {
          framer_.Abort();
          continue;
        }
      }
      if (stopping_) {
        // SIGTERM: nothing more is read; the last line without newline once, when no checkpoint
        // reads it again (Stopping), and what the framer makes of it.
        if (!flush_at_stop_) return ReceiveStatus::kIdle;
        flush_at_stop_ = false;
        if (!AtFileEnd()) return ReceiveStatus::kIdle;
        stop_flushed_ = true;
        take_pending_ = true;
      }
      if (at_end_ && !held_ && !take_pending_) {
        // The first read after the end of a followed file looks at the file first: bytes of a
        // replaced, truncated or rewritten file are never read on as this one's.
        at_end_ = false;
        if (FollowRotation()) unterminated_since_ = {};
      }
      LineReader::Line line;
      bool unterminated = false;  // a last line without newline, taken as the file's end
      if (held_) {
        line = held_line_;
        unterminated = held_unterminated_;
        held_ = false;
        line_start_ = offset_;
        offset_ += static_cast<off_t>(line.consumed);
      } else if (take_pending_) {
        // Before a rotation or truncation switches files, or at a stop: what is buffered, not
        // read on (a rewritten file's new bytes are no part of it).
        take_pending_ = false;
        if (reader_.TakeBuffered(&line) != LineReader::Status::kLine) continue;
        unterminated = true;
        line_start_ = offset_;
        offset_ += static_cast<off_t>(line.consumed);
      } else if (reader_.Next(/*take_partial=*/!follow_, &line) == LineReader::Status::kEnd) {
        if (!follow_) {
          if (const int err = reader_.error(); err != 0 && !read_error_logged_) {
            // The rest of the input is not read: said, not a silent cut.
            read_error_logged_ = true;
            CountReadError();
            std::fprintf(stderr,
                         "privmon: source %s: %s: %s after byte %lld: the rest is not read\n",
                         name_.c_str(), path_.empty() ? "-" : path_.c_str(),
                         reader_.shrank() ? "file shrank while read" : std::strerror(err),
                         static_cast<long long>(offset_));
          }
          if (framer_.active()) {
            framer_.Abort();  // the input ends inside a value: handed out as it stands
            continue;
          }
          return ReceiveStatus::kEnd;
        }
        if (const int err = reader_.error(); err != 0 && !read_error_logged_) {
          // A followed file that cannot be read (EIO on a network mount): said once and counted
          // at once (privmon_source_read_errors_total, exit 1 at the end), then
          // polled on.
          read_error_logged_ = true;
          CountReadError();
          std::fprintf(stderr, "privmon: source %s: %s: %s after byte %lld: not read (follow)\n",
                       name_.c_str(), path_.c_str(), std::strerror(err),
                       static_cast<long long>(offset_));
        }
        // A partial last line is a writer mid-line: the reader keeps it for the next try, until
        // the file stays unchanged for last_line_wait_ (k17b: a last record without newline).
        at_end_ = true;
        if (UnterminatedLineDue() && reader_.TakeBuffered(&line) == LineReader::Status::kLine) {
          unterminated_since_ = {};
          unterminated = true;
          line_start_ = offset_;
          offset_ += static_cast<off_t>(line.consumed);
        } else {
          if (std::chrono::steady_clock::now() >= deadline) return ReceiveStatus::kIdle;
          std::this_thread::sleep_for(kFollowPoll);
          continue;
        }
      } else {
        line_start_ = offset_;
        offset_ += static_cast<off_t>(line.consumed);
        if (took_unterminated_) SayContinued(line);
      }
      took_unterminated_ = unterminated;
      if (line.nuls_before != 0) {
        CountNuls(line.nuls_before);
        if (!nuls_said_) SayNuls(line);
      }
      if (long_line_ != LongLine::kNone) {
        // A piece of a line too long to be one message: streamed on, or skipped.
        std::string_view piece = line.bytes;
        if (!line.partial) {
          while (!piece.empty() && (piece.back() == '\n' || piece.back() == '\r')) {
            piece.remove_suffix(1);
          }
        }
        if (long_line_ == LongLine::kStream) framer_.PushMore(piece, /*line_ends=*/!line.partial);
        if (!line.partial) long_line_ = LongLine::kNone;
        continue;
      }
      if (line.partial) {
        // The first piece of a line too long to be one message. A compact array or batch (a
        // Graph page fetched with curl, a portal download) is streamed element by element like a
        // pretty-printed one; any other line is handed out cut to max_line + 1 bytes, unsplit,
        // for the parser to reject as oversized, and the rest of it is skipped.
        long_line_start_ = line_start_;
        if (framer_.active()) {
          framer_.Push(line.bytes, /*line_ends=*/false);
          long_line_ = LongLine::kStream;
          continue;
        }
        const FramedLine framed = SplitFramedLine(line.bytes);
        if (JsonStreamFramer::StreamsAt(framed.payload)) {
          value_start_ = line_start_;
          flat_layout_ = false;
          framer_.Start(framed.tenant, framed.payload, /*line_ends=*/false);
          long_line_ = LongLine::kStream;
          continue;
        }
        // Its first max_line + 1 bytes are kept (copied: the reader's buffer takes the rest) and
        // the rest of the line is skipped here, counted: the dead letter names the line's real
        // size, as a ZeroMQ message's (the rest of a finished file or stdin is there to read).
        oversized_.reserve(max_line_ + 1 + kParsePadding);  // the parser's padding after it
        oversized_.assign(line.bytes.substr(0, max_line_ + 1));
        uint64_t whole = line.bytes.size();
        for (LineReader::Line rest; line.partial;) {
          if (reader_.Next(/*take_partial=*/true, &rest) == LineReader::Status::kEnd) break;
          offset_ += static_cast<off_t>(rest.consumed);
          std::string_view piece = rest.bytes;
          if (!rest.partial) {
            while (!piece.empty() && (piece.back() == '\n' || piece.back() == '\r')) {
              piece.remove_suffix(1);
            }
          }
          whole += piece.size();
          line.partial = rest.partial;
        }
        out.payload = oversized_;
        out.tenant_frame = {};
        out.readable_after = oversized_.capacity() - oversized_.size();
        out.whole_size = whole;
        return ReceiveStatus::kMessage;
      }
      std::string_view text = line.bytes;
      if (!line.cut) {
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
        std::size_t first = 0;
        while (first < text.size() && (text[first] == ' ' || text[first] == '\t')) ++first;
        if (first == text.size()) continue;  // blank line
        // NUL bytes before a line (the zero-filled tail a crash leaves in a log file, then the
        // next record appended after it) are no part of it; a line of NULs is blank.
        if (text[first] == '\0') {
          std::size_t nuls = 0;
          for (; first < text.size() && (text[first] == '\0' || text[first] == ' '); ++first) {
            nuls += text[first] == '\0' ? 1 : 0;
          }
          CountNuls(nuls);
          if (first == text.size()) continue;
          text.remove_prefix(first);
        }
        // ... and after the last record, when the zeros follow it on its line.
        if (text.back() == '\0') {
          std::size_t nuls = 0;
          for (; !text.empty() && (text.back() == '\0' || text.back() == ' ');
               text.remove_suffix(1)) {
            nuls += text.back() == '\0' ? 1 : 0;
          }
          CountNuls(nuls);
        }
      }
      if (framer_.active()) {
        if (framer_.gathering() && !flat_layout_ && StartsNewValue(text)) {
          // The open value was cut short (a truncated document): it is handed out as it stands,
          // then this line is read afresh.
          framer_.Abort();
          held_line_ = line;
          held_unterminated_ = unterminated;
          held_ = true;
          offset_ = line_start_;  // a checkpoint taken now resumes at this line
          continue;
        }
        // A member at column 0 inside the value: printed without indentation (Go's
        // MarshalIndent(v, "", ""), Python's indent=0), where a nested object's "{" starts at
        // column 0 too and says nothing of a truncation. Only a key says so: a closing bracket at
        // column 0 also ends an indented document (and exports joined with `cat` put the next
        // one's opening bracket after it on the same line).
        if (!text.empty() && text[0] == '"') flat_layout_ = true;
        framer_.Push(text);
        end_value_ = unterminated;
        continue;
      }
      // A cut line is handed out whole, never split: its payload could be short enough to parse.
      const FramedLine framed = line.cut ? FramedLine{{}, text} : SplitFramedLine(text);
      if (!line.cut && !unterminated &&
          (JsonStreamFramer::Opens(framed.payload) ||
           (framed.payload.size() > max_message_bytes_ &&
            JsonStreamFramer::StreamsAt(framed.payload)))) {
        // A value spread over lines, or a compact array or batch too long to be one message (the
        // reader cuts a line only past max_line_, the payload's limit plus a tenant frame's room:
        // a payload between the two is streamed here).
        value_start_ = line_start_;
        flat_layout_ = false;
        framer_.Start(framed.tenant, framed.payload);
        continue;
      }
      out.payload = framed.payload;
      out.tenant_frame = framed.tenant;
      if (!framed.tenant.empty() && !IsTenantId(framed.tenant)) {
        // Rejected as bad_frames (pipeline/tenant_id.h), the whole line kept for the dead letter.
        out.payload = text;
        out.tenant_frame = {};
        out.frame_error = kTenantFrameNotGuid;
      }
      // A line a followed file's reader cut (its first max_line + 1 bytes): the dead letter names
      // the line's real size, as for a finished file's (above) and a ZeroMQ message's.
      if (line.cut) out.whole_size = line.whole_size;
      out.readable_after =
          line.readable_after +
          static_cast<std::size_t>(text.data() + text.size() -
                                   (framed.payload.data() + framed.payload.size()));
      return ReceiveStatus::kMessage;
    }
  }

  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return multi_tenant_; }
  // Inside a value spread over lines, the position is the line that opened it: a resumed source
  // reads the whole value again (its records are redeliveries, deduplicated).
  int64_t Position() const override {
    // A UTF-16 file's lines are counted in UTF-8 bytes: it has no position to resume at.
    if (!owned_ || reader_.transcoding()) return -1;
    // A followed file not there yet, or replaced while its old file is read on: the path's file
    // from its start (never a position in a file the path no longer names).
    if (missing_ || replaced_first_ != std::chrono::steady_clock::time_point{}) return 0;
    // Also while the framer holds the rest of a line a value ended on ({..}{.. : the next value
    // starts on a line already counted in offset_).
    if (framer_.active() || !framer_.idle()) return static_cast<int64_t>(value_start_);
    return static_cast<int64_t>(long_line_ != LongLine::kNone ? long_line_start_ : offset_);
  }
  bool CanFanOut() const override { return true; }
  // A followed file is asked at a stop (Stopping) for its last line without newline.
  bool DrainsOnStop() const override { return follow_; }
  void Stopping(bool checkpointed) override {
    stopping_ = true;
    flush_at_stop_ = follow_ && !checkpointed && !missing_ && reader_.pending() > 0;
  }
  bool Finite() const override { return owned_ && !follow_; }
  uint64_t read_errors() const override { return read_errors_; }
  void CountInto(SourceStats* stats) override {
    stats_ = stats;
    if (stats_ == nullptr) return;
    stats_->followed.store(follow_, std::memory_order_relaxed);
    if (missing_) Count(FollowEvent::kMissing);  // said when the source opened
  }
  // A stored position is just after a whole line: a file where no line ends there was replaced
  // while privmon was stopped (rotated, then grown past the old offset) and is not resumed, so
  // its first lines are not skipped. (A newline exactly there is the undetected case: about one
  // in the average line length.)
  bool Resume(int64_t position) override {
    if (missing_) return position == 0;  // read from its beginning when it appears
    struct stat st {};
    if (!owned_ || position < 0 || fstat(fd_, &st) != 0 || st.st_size < position) return false;
    char before = '\n';
    if (position > 0 &&
        (::pread(fd_, &before, 1, static_cast<off_t>(position - 1)) != 1 || before != '\n')) {
      // After a last line read without its newline (follow mode, k17b): the file ends there, or
      // that newline came since.
      char at = '\n';
      if (!follow_ ||
          (st.st_size > position && (::pread(fd_, &at, 1, static_cast<off_t>(position)) != 1 ||
                                     (at != '\n' && at != '\r')))) {
        return false;
      }
    }
    if (::lseek(fd_, static_cast<off_t>(position), SEEK_SET) < 0) return false;
    offset_ = static_cast<off_t>(position);
    reader_.Reset(fd_);  // reads back the bytes before `position` (the rewrite check's)
    framer_.Reset();
    long_line_ = LongLine::kNone;
    return true;
  }

 private:
  void Open() {
    struct stat st {};
    const bool named = ::stat(path_.c_str(), &st) == 0;
    if (named && S_ISFIFO(st.st_mode)) {
      OpenFifo();
      return;
    }
    if (const int not_followed = named && follow_ ? NotFollowedErrno(st.st_mode) : 0;
        not_followed != 0) {
      // A directory, socket or device (a symlink's target's kind): fails the start as a file that
      // cannot be opened does (check --host says so too); one put there later is not opened
      // (OpenNamedFile). A device read would never end (/dev/zero: NULs without end, and SIGTERM
      // waits for the source to end), a directory's read fails.
      throw std::runtime_error("cannot open " + path_ + ": " + OpenErrorText(not_followed));
    }
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    const int open_errno = errno;
    owned_ = true;
    if (fd_ < 0 && follow_ && open_errno == ENOENT) {
      // As `tail -F`: a followed file may be created later (check --host agrees).
      missing_ = true;
      std::fprintf(stderr, "privmon: source %s: %s does not exist (yet): waiting for it (follow)\n",
                   name_.c_str(), path_.c_str());
      return;
    }
    if (fd_ < 0) {
      throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(open_errno));
    }
    StartFile(fd_);
  }

  // A FIFO: open() would block until a writer opens it, in `run` with SIGTERM blocked (breaker
  // round 10's kind: only SIGKILL ended it). Opened without blocking, then waited for until its
  // first bytes (or its writer's close), said on stderr; a SIGTERM or SIGINT pending ends the wait
  // (the start fails, exit 1). Read as before from then on.
  void OpenFifo() {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    owned_ = true;
    if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
    bool said = false;
    for (;;) {
      pollfd ready{fd_, POLLIN, 0};
      const int n = ::poll(&ready, 1, 100);
      if (n > 0 || (n < 0 && errno != EINTR)) break;
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 &&
          (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("stopped while waiting for a writer of the FIFO " + path_);
      }
      if (!said) {
        said = true;
        std::fprintf(stderr,
                     "privmon: source %s: %s is a FIFO: waiting for its writer (SIGTERM stops "
                     "the wait)\n",
                     name_.c_str(), path_.c_str());
      }
    }
    if (const int flags = ::fcntl(fd_, F_GETFL); flags >= 0) {
      (void)::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
    }
    StartFile(fd_);
  }

  // Reads `fd` (a file just opened, or the one open rewound to 0) from where it stands.
  void StartFile(int fd) {
    fd_ = fd;
    offset_ = 0;
    reader_.Reset(fd_);
    framer_.Reset();
    long_line_ = LongLine::kNone;
    held_ = false;
    at_end_ = false;
    took_unterminated_ = false;  // a new file's first line continues nothing
    replaced_first_ = {};
    checked_size_ = -1;
    gone_since_ = {};
    gone_said_ = false;
    next_open_errno_ = 0;
  }

  // A followed file missing until now: true once it is open (read from 0).
  bool OpenWhenPresent() {
    const int fd = OpenNamedFile();
    if (fd < 0) {
      const int err = errno;
      if (err != ENOENT && err != missing_errno_) {
        std::fprintf(stderr, "privmon: source %s: %s: %s: still waiting for it (follow)\n",
                     name_.c_str(), path_.c_str(), OpenErrorText(err));
        Count(FollowEvent::kOpenFailed);
      }
      missing_errno_ = err;
      return false;
    }
    missing_ = false;
    std::fprintf(stderr, "privmon: source %s: %s appeared: reading it\n", name_.c_str(),
                 path_.c_str());
    StartFile(fd);
    return true;
  }

  // At the end of a followed file whose last line has no newline yet (reader_.pending()): true
  // once the file has stayed the same size for kUnterminatedWait since it was first seen so.
  bool UnterminatedLineDue() {
    if (reader_.pending() == 0) {
      unterminated_since_ = {};
      return false;
    }
    struct stat st {};
    if (fstat(fd_, &st) != 0) return false;
    const auto now = std::chrono::steady_clock::now();
    if (unterminated_since_ == std::chrono::steady_clock::time_point{} ||
        st.st_size != unterminated_size_) {
      unterminated_since_ = now;
      unterminated_size_ = st.st_size;
      return false;
    }
    if (now - unterminated_since_ >= last_line_wait_) return true;
    // A file whose last write is already that old (an export whose writer is gone): its age is
    // the file's, not this run's. A restart more often than the wait (each under `checkpoint:`,
    // which resumes before the line) never read it (breaker round 87).
    const auto written = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) +
            std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    return std::chrono::system_clock::now() - written >= last_line_wait_;
  }

  // At a stop: the descriptor stands at the file's end (the buffered bytes are its last line, not
  // the start of one whose rest is still unread).
  bool AtFileEnd() const {
    struct stat st {};
    const off_t read_to = ::lseek(fd_, 0, SEEK_CUR);
    return read_to >= 0 && fstat(fd_, &st) == 0 && st.st_size == read_to;
  }

  // A line read right after a last line without newline was taken (unterminated): when it holds
  // more than a line break, its writer was still mid-line. Its bytes are read as a line of their
  // own (never joined to the taken one with a newline of privmon's own), and this is said.
  void SayContinued(const LineReader::Line& line) const {
    for (const char c : line.bytes) {
      if (c != '\r' && c != ' ' && c != '\t') {
        std::fprintf(stderr,
                     "privmon: source %s: %s: the bytes at byte %lld continue a line read "
                     "without its newline (the file's end then): its writer was still writing "
                     "it; they are read as a line of their own\n",
                     name_.c_str(), path_.c_str(), static_cast<long long>(line_start_));
        return;
      }
    }
  }

  // At the end of a followed file, before reading on: true when the source moved to the start of
  // another file or of this one (read again at once), false when it reads on where it stands.
  bool FollowRotation() {
    struct stat open_file {};
    if (fstat(fd_, &open_file) != 0) return false;
    struct stat named {};
    const bool named_there = stat(path_.c_str(), &named) == 0;
    const int named_errno = errno;
    if (named_there && (named.st_ino != open_file.st_ino || named.st_dev != open_file.st_dev)) {
      gone_since_ = {};
      if (!OldFileDone(open_file) || AbortOpenValue()) return false;
      const int next = OpenNamedFile();
      if (next < 0) {
        // The new file cannot be opened (its mode) or is no regular file (a FIFO, a directory, a
        // socket, a device): said once, counted, the old one read on.
        if (errno != next_open_errno_) {
          next_open_errno_ = errno;
          std::fprintf(stderr,
                       "privmon: source %s: %s was replaced but the new file cannot be opened: "
                       "%s: still reading the old one, trying again (follow)\n",
                       name_.c_str(), path_.c_str(), OpenErrorText(next_open_errno_));
          Count(FollowEvent::kOpenFailed);
        }
        return false;
      }
      WatchRetired(open_file);
      StartFile(next);
      Count(FollowEvent::kRotated);
      std::fprintf(stderr, "privmon: source %s: %s was replaced (rotated): reading the new file\n",
                   name_.c_str(), path_.c_str());
      return true;
    }
    CheckRetired();
    if (!named_there && named_errno == ENOENT) {
      SayGone(open_file);
    } else {
      gone_since_ = {};
      gone_said_ = false;
    }
    // (The path missing: renamed away or deleted, the new file not there yet; this one is read
    // on: its writer may still hold it open.)
    // Truncated in place: what the reader holds (a partial line) is gone with it. Compared with
    // where the descriptor stands, not offset_ + pending(): the rest of a cut line was read and
    // skipped, not kept.
    const off_t read_to = ::lseek(fd_, 0, SEEK_CUR);
    const bool shrank = read_to >= 0 && open_file.st_size < read_to;
    if (shrank || (read_to >= 0 && Rewritten(open_file, read_to))) {
      if (reader_.pending() > 0) {
        // Its last line without newline, as read before: handed out first (take_pending_).
        take_pending_ = true;
        checked_size_ = -1;  // looked at again once it is handed out
        return false;
      }
      if (AbortOpenValue()) {
        checked_size_ = -1;  // looked at again once the value is handed out
        return false;
      }
      ::lseek(fd_, 0, SEEK_SET);
      StartFile(fd_);
      Count(shrank ? FollowEvent::kTruncated : FollowEvent::kRewritten);
      std::fprintf(stderr, "privmon: source %s: %s was %s: reading it again from its start\n",
                   name_.c_str(), path_.c_str(),
                   shrank ? "truncated" : "rewritten under the reader (copytruncate)");
      return true;
    }
    return false;
  }

  // Opens the followed path anew (a file replacing the open one, or one missing until now) without
  // ever blocking: what is no regular file is not opened, -1 with errno NotFollowedErrno (a FIFO's
  // open() would wait for a writer, in `run` with SIGTERM blocked; a directory's read fails; a
  // device may never end); O_NONBLOCK covers one put there after the stat.
  int OpenNamedFile() const {
    if (struct stat st{}; ::stat(path_.c_str(), &st) == 0 && NotFollowedErrno(st.st_mode) != 0) {
      errno = NotFollowedErrno(st.st_mode);
      return -1;
    }
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    if (struct stat st{}; ::fstat(fd, &st) == 0 && NotFollowedErrno(st.st_mode) != 0) {
      ::close(fd);
      errno = NotFollowedErrno(st.st_mode);
      return -1;
    }
    if (const int flags = ::fcntl(fd, F_GETFL); flags >= 0) {
      (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    return fd;
  }
  // 0 for a regular file (a symlink's target's kind: stat follows it); else the errno
  // OpenNamedFile gives for it.
  static int NotFollowedErrno(mode_t mode) {
    if (S_ISREG(mode)) return 0;
    if (S_ISFIFO(mode)) return kFifoNotFollowed;
    if (S_ISDIR(mode)) return kDirectoryNotFollowed;
    return kSpecialNotFollowed;
  }
  static const char* OpenErrorText(int err) {
    switch (err) {
      case kFifoNotFollowed:
        return "a FIFO, not opened: a followed path names a regular file (a FIFO's open waits "
               "for its writer)";
      case kDirectoryNotFollowed:
        return "a directory, not opened: a followed path names a regular file";
      case kSpecialNotFollowed:
        return "a socket or device, not opened: a followed path names a regular file";
      default:
        return std::strerror(err);
    }
  }

  void Count(FollowEvent e) {
    if (stats_ != nullptr) {
      stats_->follow_events[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
    }
  }
  void CountNuls(std::size_t n) {
    if (stats_ != nullptr && n != 0)
      stats_->skipped_nul_bytes.fetch_add(n, std::memory_order_relaxed);
  }
  void CountReadError() {
    ++read_errors_;
    if (stats_ != nullptr) stats_->read_errors.fetch_add(1, std::memory_order_relaxed);
  }

  // NUL bytes the reader skipped at a line's start (LineReader::Line::nuls_before): said once.
  void SayNuls(const LineReader::Line& line) {
    nuls_said_ = true;
    std::fprintf(stderr,
                 "privmon: source %s: %s: %zu NUL byte(s) skipped before the line at byte %lld (a "
                 "hole its writer left: a copytruncate of a file it did not open O_APPEND, or a "
                 "crash); the line after them is read (said once)\n",
                 name_.c_str(), path_.empty() ? "-" : path_.c_str(), line.nuls_before,
                 static_cast<long long>(line_start_) + static_cast<long long>(line.nuls_before));
  }

  // The followed path names no file: the open one was deleted (no link left: said at once) or
  // renamed away (said once the path has stayed missing for kRotateQuiet: logrotate creates the
  // new file within moments). Said once until the path names a file again.
  void SayGone(const struct stat& open_file) {
    const auto now = std::chrono::steady_clock::now();
    if (gone_since_ == std::chrono::steady_clock::time_point{}) gone_since_ = now;
    if (gone_said_ || (open_file.st_nlink > 0 && now - gone_since_ < kRotateQuiet)) return;
    gone_said_ = true;
    Count(open_file.st_nlink == 0 ? FollowEvent::kDeleted : FollowEvent::kMovedAway);
    std::fprintf(stderr,
                 "privmon: source %s: %s was %s; still reading what is written to it, waiting for "
                 "it to be created again (follow)\n",
                 name_.c_str(), path_.c_str(),
                 open_file.st_nlink == 0 ? "deleted" : "renamed or moved away");
  }

  // Before a rotation: a value spread over lines still open is cut short by it; it is handed out
  // as it stands (rejected, counted, dead-lettered like any cut value) before the switch. True
  // when there was one: the caller switches at its next look.
  bool AbortOpenValue() {
    if (!framer_.active()) return false;
    framer_.Abort();
    return true;
  }

  // The file left by a rename is watched for kRotateMaxWait more: what its writer appends after
  // privmon moved on is not read, and is said and counted, each write the watch sees (one read
  // error each), instead of lost without a word (breaker round 14: a writer quiet for the rotate
  // wait that then wrote three times was said and counted once).
  void WatchRetired(const struct stat& old) {
    if (retired_fd_ >= 0) ::close(retired_fd_);
    retired_fd_ = fd_;
    retired_size_ = old.st_size;
    retired_at_ = std::chrono::steady_clock::now();
  }
  void CheckRetired() {
    if (retired_fd_ < 0) return;
    struct stat st {};
    const bool grew = fstat(retired_fd_, &st) == 0 && st.st_size > retired_size_;
    if (grew) {
      CountReadError();  // input not read: counted, exit 1 at the end
      std::fprintf(stderr,
                   "privmon: source %s: %lld byte(s) written to %s's renamed file after privmon "
                   "moved to the new one (its writer was quiet for %lld s, then wrote again): not "
                   "read\n",
                   name_.c_str(), static_cast<long long>(st.st_size - retired_size_), path_.c_str(),
                   static_cast<long long>(kRotateQuiet.count() / 1000));
      retired_size_ = st.st_size;  // watched on: a later write is said and counted too
    }
    if (std::chrono::steady_clock::now() - retired_at_ >= kRotateMaxWait) {
      ::close(retired_fd_);
      retired_fd_ = -1;
    }
  }

  // True when the file open (at its end) was rewritten since the last look: truncated and written
  // past where the descriptor stands. Reads back the last bytes read (one pread) only when its size
  // or mtime changed since the last look.
  bool Rewritten(const struct stat& st, off_t read_to) {
    if (st.st_size == checked_size_ && st.st_mtim.tv_sec == checked_mtime_.tv_sec &&
        st.st_mtim.tv_nsec == checked_mtime_.tv_nsec) {
      return false;
    }
    checked_size_ = st.st_size;
    checked_mtime_ = st.st_mtim;
    const std::string_view last = reader_.last_read();
    if (last.empty() || read_to < static_cast<off_t>(last.size())) return false;
    char now[LineReader::kLastReadBytes];
    return ::pread(fd_, now, last.size(), read_to - static_cast<off_t>(last.size())) ==
               static_cast<ssize_t>(last.size()) &&
           std::memcmp(now, last.data(), last.size()) != 0;
  }

  // The path names another file than the one open (rotation by rename): true once the old one
  // has stayed unchanged for kRotateQuiet (its last line without newline handed out), or has been
  // followed for kRotateMaxWait (said: what its writer appends after that is not read).
  bool OldFileDone(const struct stat& old) {
    const auto now = std::chrono::steady_clock::now();
    if (replaced_first_ == std::chrono::steady_clock::time_point{}) {
      replaced_first_ = replaced_since_ = now;
      replaced_size_ = old.st_size;
      replaced_mtime_ = old.st_mtim;
      return false;
    }
    if (old.st_size != replaced_size_ || old.st_mtim.tv_sec != replaced_mtime_.tv_sec ||
        old.st_mtim.tv_nsec != replaced_mtime_.tv_nsec) {
      replaced_since_ = now;
      replaced_size_ = old.st_size;
      replaced_mtime_ = old.st_mtim;
    }
    const bool quiet = now - replaced_since_ >= kRotateQuiet;
    if ((quiet || now - replaced_first_ >= kRotateMaxWait) && reader_.pending() > 0) {
      // The old file's last line without newline, read as it stands before the switch.
      take_pending_ = true;
      return false;
    }
    if (now - replaced_first_ >= kRotateMaxWait) {
      if (!quiet) {
        std::fprintf(
            stderr,
            "privmon: source %s: %s was replaced %lld s ago and its old file is still "
            "written to: reading the new file; what is written to the old one from now "
            "on is not read\n",
            name_.c_str(), path_.c_str(),
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::seconds>(now - replaced_first_).count()));
      }
      return true;
    }
    return quiet;
  }

  // A line inside an open value that starts a value of its own at column 0, plain or framed: pretty
  // printers indent everything inside a value, so the open one was cut short.
  static bool StartsNewValue(std::string_view line) {
    if (JsonStreamFramer::StartsAtColumnZero(line)) return true;
    const FramedLine framed = SplitFramedLine(line);
    if (framed.tenant.empty() || framed.tenant.find('"') != std::string_view::npos) return false;
    return !framed.payload.empty() &&
           (framed.payload.front() == '{' || framed.payload.front() == '[');
  }

  std::chrono::milliseconds last_line_wait_;  // kFollowLastLineWait unless a test says
  // Follow mode: the buffered last line without newline is taken next (a rotation or truncation
  // is about to switch files, or a stop); the one taken ends the framer's open value next
  // (end_value_); the last line read was one taken so (its writer may still write more of it).
  bool take_pending_ = false;
  bool held_unterminated_ = false;  // held_line_ was taken so
  bool end_value_ = false;
  bool took_unterminated_ = false;
  bool stopping_ = false;       // Stopping() was called: nothing more is read
  bool flush_at_stop_ = false;  // ... but the last line without newline, once
  bool stop_flushed_ = false;   // ... which was taken
  std::string name_;
  std::string tenant_;
  bool multi_tenant_;
  std::string path_;
  bool follow_;
  std::size_t max_message_bytes_;
  std::string oversized_;  // the kept first bytes of a line too long to be one message
  std::size_t max_line_;
  LineReader reader_;
  JsonStreamFramer framer_;
  enum class LongLine { kNone, kStream, kSkip };
  LongLine long_line_ = LongLine::kNone;  // inside a line longer than max_line_
  off_t long_line_start_ = 0;
  LineReader::Line held_line_;  // a line that ended an open value, read again next
  bool held_ = false;
  bool at_end_ = false;  // follow: the last read found the file's end (look before reading on)
  int retired_fd_ = -1;  // follow: the file a rename left, watched for late writes (WatchRetired)
  off_t retired_size_ = 0;
  std::chrono::steady_clock::time_point retired_at_{};
  // Follow: since when the path has named no file (the open one deleted or renamed away), and
  // whether that was said (SayGone); the errno of the last failed open of a replacing file.
  std::chrono::steady_clock::time_point gone_since_{};
  bool gone_said_ = false;
  int next_open_errno_ = 0;
  bool missing_ = false;  // follow: the file did not exist at start; waited for
  int missing_errno_ = ENOENT;
  bool read_error_logged_ = false;  // the reader's error was said (once)
  uint64_t read_errors_ = 0;        // failed reads so far (read_errors())
  SourceStats* stats_ = nullptr;    // CountInto's; null: nothing counted
  // OpenNamedFile's errno for what it does not open: a FIFO, a directory, a socket or device (no
  // errno is negative).
  static constexpr int kFifoNotFollowed = -1;
  static constexpr int kDirectoryNotFollowed = -2;
  static constexpr int kSpecialNotFollowed = -3;
  bool nuls_said_ = false;    // NUL bytes skipped before a line were said (SayNuls)
  bool flat_layout_ = false;  // the open value's lines are not indented (see Receive)
  int fd_ = -1;
  bool owned_ = false;
  off_t offset_ = 0;       // after the last whole line read
  off_t line_start_ = 0;   // where the last line read starts
  off_t value_start_ = 0;  // where the line that opened the framer's value starts
  // Follow mode: since when / at which size a last line without newline has waited (the file
  // unchanged) to be read as a record (last_line_wait_).
  std::chrono::steady_clock::time_point unterminated_since_{};
  off_t unterminated_size_ = 0;
  // Follow mode: the poll at the file's end; the rewrite check's last look (size, mtime).
  static constexpr std::chrono::milliseconds kFollowPoll{20};
  off_t checked_size_ = -1;
  struct timespec checked_mtime_ {};
  // Follow mode, rotation by rename: the old file is read on until unchanged for kRotateQuiet, at
  // most kRotateMaxWait after the rename was seen (replaced_first_; unset: not replaced).
  static constexpr std::chrono::milliseconds kRotateQuiet{5000};
  static constexpr std::chrono::seconds kRotateMaxWait{30};
  std::chrono::steady_clock::time_point replaced_first_{};
  std::chrono::steady_clock::time_point replaced_since_{};
  off_t replaced_size_ = 0;
  struct timespec replaced_mtime_ {};
};

}  // namespace

std::unique_ptr<MessageSource> OpenFileSource(const SourceSettings& s,
                                              std::size_t max_message_bytes,
                                              std::chrono::milliseconds last_line_wait) {
  return std::make_unique<FileSource>(s, max_message_bytes, last_line_wait);
}

}  // namespace privmon
