#include "pipeline/line_reader.h"

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
  begin_ = scan_ = end_ = 0;
  skipping_ = false;
  skipped_ = 0;
  error_ = 0;
}

std::size_t LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t room = std::min(kReadBytes, capacity_ - end_);
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.get() + end_, room);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      return static_cast<std::size_t>(n);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = errno;
    return 0;
  }
}

LineReader::Status LineReader::Next(bool take_partial, Line* out) {
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
          skipping_ = false;
          skipped_ = 0;
          begin_ = at + 1;
          scan_ = 0;
          return Status::kLine;
        }
        skipped_ += end_ - cut_end;
        end_ = cut_end;
      }
      ssize_t n = 0;
      do {
        n = ::read(fd_, buf + end_, capacity_ - end_);
      } while (n < 0 && errno == EINTR);
      if (n > 0) {
        end_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0) error_ = errno;
      if (!take_partial) return Status::kEnd;  // a writer mid-line: skip on at the next call
      *out = Line{std::string_view(buf + begin_, max_line_ + 1), true, allocated_ - cut_end,
                  (cut_end - begin_) + skipped_};
      skipping_ = false;
      skipped_ = 0;
      begin_ = end_ = cut_end;
      scan_ = 0;
      return Status::kLine;
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
