#include "pipeline/line_reader.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace privmon {

LineReader::LineReader(std::size_t max_line, std::size_t padding)
    : max_line_(max_line),
      capacity_(max_line + 1 + kReadBytes),
      allocated_(capacity_ + padding),
      buffer_(new char[allocated_]) {}  // left uninitialized: pages are touched as lines need them

void LineReader::Reset(int fd) {
  fd_ = fd;
  // At the start of the stream (a pipe cannot tell: it is read from its start).
  const off_t from = ::lseek(fd, 0, SEEK_CUR);
  at_start_ = from <= 0;
  last_read_len_ = 0;
  if (from > 0) {  // resumed: the bytes before the position stand for the ones read there
    const auto n = static_cast<std::size_t>(std::min<off_t>(from, kLastReadBytes));
    if (::pread(fd, last_read_, n, from - static_cast<off_t>(n)) == static_cast<ssize_t>(n)) {
      last_read_len_ = n;
    }
  }
  utf16_ = 0;
  raw_len_ = 0;
  begin_ = scan_ = end_ = 0;
  skipping_ = false;
  skipped_ = 0;
  error_ = 0;
  shrank_ = ended_ = false;
  mid_line_ = false;
  nul_run_ = 0;
  struct stat st {};
  size_at_reset_ = finished_file_ && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

LineReader::Status LineReader::Next(bool take_partial, Line* out) {
  if (ended_) return Status::kEnd;
  const Status status = NextBuffered(take_partial, out);
  if (status == Status::kLine) {
    // The NULs skipped before this line are consumed with it.
    out->nuls_before = nul_run_;
    out->consumed += nul_run_;
    nul_run_ = 0;
    mid_line_ = out->partial;
  }
  if (status == Status::kEnd && size_at_reset_ > 0 && error_ == 0 && take_partial) {
    // The end of a regular file before the size it had at Reset: it shrank while it was read, not
    // a silent cut. Only when its size says so too: a file that states more than it holds (sysfs,
    // some FUSE file systems) ends early at the size it still states.
    const off_t fd_at = ::lseek(fd_, 0, SEEK_CUR);
    struct stat now {};
    if (fd_at >= 0 && fd_at < size_at_reset_ && ::fstat(fd_, &now) == 0 &&
        now.st_size < size_at_reset_) {
      shrank_ = ended_ = true;
      error_ = EIO;
    }
  }
  return status;
}

LineReader::Status LineReader::TakeBuffered(Line* out) {
  if (ended_) return Status::kEnd;
  char* const buf = buffer_.get();
  if (skipping_) {  // a cut line's kept first bytes; its rest was skipped up to here
    const std::size_t cut_end = begin_ + max_line_ + 1;
    *out = Line{std::string_view(buf + begin_, max_line_ + 1), true, allocated_ - cut_end,
                (cut_end - begin_) + skipped_};
    out->whole_size = (cut_end - begin_) + skipped_;
    skipping_ = false;
    skipped_ = 0;
    begin_ = end_ = cut_end;
  } else {
    if (end_ == begin_ || std::memchr(buf + begin_, '\n', end_ - begin_) != nullptr) {
      return Status::kEnd;
    }
    *out = Line{std::string_view(buf + begin_, end_ - begin_), false, allocated_ - end_,
                end_ - begin_};
    begin_ = end_;
  }
  scan_ = 0;
  out->nuls_before = nul_run_;
  out->consumed += nul_run_;
  nul_run_ = 0;
  mid_line_ = false;
  return Status::kLine;
}

std::size_t LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t room = std::min(kReadBytes, capacity_ - end_);
  const ssize_t n = ReadSome(buffer_.get() + end_, room);
  if (n > 0) {
    end_ += static_cast<std::size_t>(n);
    return static_cast<std::size_t>(n);
  }
  if (n < 0) error_ = errno;
  return 0;
}

ssize_t LineReader::ReadSome(char* dst, std::size_t room) {
  for (;;) {
    if (utf16_ == 0) {
      ssize_t n = ::read(fd_, dst, std::min(room, kReadBytes));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) NoteRead(dst, static_cast<std::size_t>(n));
      if (n <= 0 || !at_start_) return n;
      at_start_ = false;
      while (n == 1) {  // a pipe that gave one byte: a byte order mark has two
        const ssize_t more = ::read(fd_, dst + 1, 1);
        if (more < 0 && errno == EINTR) continue;
        if (more == 1) {
          NoteRead(dst + 1, 1);
          n = 2;
        }
        break;
      }
      const auto* u = reinterpret_cast<const unsigned char*>(dst);
      if (n < 2 || !((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) return n;
      // UTF-16 text: what was read after its byte order mark is transcoded from here on.
      utf16_ = u[0] == 0xFF ? 1 : 2;
      raw_ = std::make_unique<char[]>(kReadBytes + 4);  // a read's worth and a split unit
      raw_len_ = static_cast<std::size_t>(n) - 2;
      std::memcpy(raw_.get(), dst + 2, raw_len_);
      const std::size_t produced = Transcode(dst, room);
      if (produced > 0) return static_cast<ssize_t>(produced);
      continue;
    }
    // What was read before and did not fit goes first.
    if (const std::size_t produced = Transcode(dst, room); produced > 0) {
      return static_cast<ssize_t>(produced);
    }
    const std::size_t want = std::min(kReadBytes - raw_len_, room);
    if (want < 2 && raw_len_ >= 4) return 0;  // no room for one more code point
    const ssize_t n = ::read(fd_, raw_.get() + raw_len_, std::max<std::size_t>(want, 2));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n;  // an odd byte left at the end is dropped
    NoteRead(raw_.get() + raw_len_, static_cast<std::size_t>(n));
    raw_len_ += static_cast<std::size_t>(n);
  }
}

void LineReader::NoteRead(const char* bytes, std::size_t n) {
  if (n >= kLastReadBytes) {
    std::memcpy(last_read_, bytes + (n - kLastReadBytes), kLastReadBytes);
    last_read_len_ = kLastReadBytes;
    return;
  }
  const std::size_t keep = std::min(last_read_len_, kLastReadBytes - n);
  std::memmove(last_read_, last_read_ + (last_read_len_ - keep), keep);
  std::memcpy(last_read_ + keep, bytes, n);
  last_read_len_ = keep + n;
}

std::size_t LineReader::Transcode(char* dst, std::size_t room) {
  const auto* in = reinterpret_cast<const unsigned char*>(raw_.get());
  auto unit = [&](std::size_t i) -> uint32_t {
    return utf16_ == 1 ? (in[i] | (in[i + 1] << 8)) : ((in[i] << 8) | in[i + 1]);
  };
  std::size_t i = 0, out = 0;
  while (i + 2 <= raw_len_ && out + 4 <= room) {
    uint32_t c = unit(i);
    std::size_t used = 2;
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 4 > raw_len_) break;  // its low surrogate is not read yet
      const uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        used = 4;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) {
      dst[out++] = static_cast<char>(c);
    } else if (c < 0x800) {
      dst[out++] = static_cast<char>(0xC0 | (c >> 6));
      dst[out++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      dst[out++] = static_cast<char>(0xE0 | (c >> 12));
      dst[out++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      dst[out++] = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      dst[out++] = static_cast<char>(0xF0 | (c >> 18));
      dst[out++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      dst[out++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      dst[out++] = static_cast<char>(0x80 | (c & 0x3F));
    }
    i += used;
  }
  raw_len_ -= i;
  std::memmove(raw_.get(), raw_.get() + i, raw_len_);
  return out;
}

LineReader::Status LineReader::NextBuffered(bool take_partial, Line* out) {
  char* const buf = buffer_.get();
  for (;;) {
    if (skipping_) {
      // The cut line's first max_line + 1 bytes stay at [begin_, cut_end); the rest of it is read
      // after them and discarded until its newline.
      const std::size_t cut_end = begin_ + max_line_ + 1;
      if (end_ > cut_end) {
        if (const void* nl = std::memchr(buf + cut_end, '\n', end_ - cut_end)) {
          const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf);
          *out = Line{std::string_view(buf + begin_, max_line_ + 1), true, allocated_ - cut_end,
                      (cut_end - begin_) + skipped_ + (at - cut_end) + 1};
          // The byte before the newline: read now, discarded with the last read, or kept.
          const char before = at > cut_end   ? buf[at - 1]
                              : skipped_ > 0 ? skipped_last_
                                             : buf[cut_end - 1];
          out->whole_size = (cut_end - begin_) + skipped_ + (at - cut_end) - (before == '\r');
          skipping_ = false;
          skipped_ = 0;
          begin_ = at + 1;
          scan_ = 0;
          return Status::kLine;
        }
        skipped_ += end_ - cut_end;
        skipped_last_ = buf[end_ - 1];
        end_ = cut_end;
      }
      const ssize_t n = ReadSome(buf + end_, capacity_ - end_);
      if (n > 0) {
        end_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0) error_ = errno;
      if (!take_partial) return Status::kEnd;  // a writer mid-line: skip on at the next call
      *out = Line{std::string_view(buf + begin_, max_line_ + 1), true, allocated_ - cut_end,
                  (cut_end - begin_) + skipped_};
      out->whole_size = (cut_end - begin_) + skipped_;
      skipping_ = false;
      skipped_ = 0;
      begin_ = end_ = cut_end;
      scan_ = 0;
      return Status::kLine;
    }
    if (scan_ == 0 && !mid_line_ && begin_ < end_ && buf[begin_] == '\0') {
      // NUL bytes at a line's start: a hole a writer left (copytruncate of a file its writer
      // did not open O_APPEND: its next write lands at its old offset, behind zeros; a crash's
      // zero-filled tail). Skipped and counted, so they never make the line after them one too
      // long to read (breaker round 10: the record after a 6.8 MB hole was one oversized reject).
      const std::size_t start = begin_;
      while (begin_ < end_ && buf[begin_] == '\0') ++begin_;
      nul_run_ += begin_ - start;
      if (begin_ == end_) begin_ = end_ = 0;
    }
    const std::size_t from = begin_ + scan_;
    if (const void* nl = std::memchr(buf + from, '\n', end_ - from)) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf);
      *out = Line{std::string_view(buf + begin_, at - begin_), false, allocated_ - at,
                  at - begin_ + 1};
      begin_ = at + 1;
      scan_ = 0;
      return Status::kLine;
    }
    scan_ = end_ - begin_;
    // A line of max_line bytes may still be followed by the \r of its CRLF (stripped by the
    // source, as a line read whole would be), wherever a read ends: cut only what cannot be that.
    if (end_ - begin_ > max_line_ + 1 ||
        (end_ - begin_ == max_line_ + 1 && buf[end_ - 1] != '\r')) {
      if (chunk_long_lines_) {
        *out = Line{std::string_view(buf + begin_, end_ - begin_), false, allocated_ - end_,
                    end_ - begin_, /*partial=*/true};
        begin_ = end_;
        scan_ = 0;
        return Status::kLine;
      }
      // Too long to be a message: keep its first max_line + 1 bytes at the buffer's front and
      // skip the rest (the room after them takes the reads).
      skipped_last_ = buf[end_ - 1];
      std::memmove(buf, buf + begin_, max_line_ + 1);
      skipped_ = end_ - begin_ - (max_line_ + 1);
      begin_ = 0;
      end_ = max_line_ + 1;
      skipping_ = true;
      continue;
    }
    if (Fill() == 0) {
      if (end_ == begin_ || !take_partial) return Status::kEnd;
      *out = Line{std::string_view(buf + begin_, end_ - begin_), false, allocated_ - end_,
                  end_ - begin_};
      begin_ = end_;
      scan_ = 0;
      return Status::kLine;
    }
  }
}

}  // namespace privmon
