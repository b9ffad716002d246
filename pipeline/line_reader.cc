#include "pipeline/line_reader.h"

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace privmon {

// The read-ahead: kBuffers buffers of the reader's layout, read in turn by `thread`, each one's
// read at offset max_line + 1 (room for the partial line carried over in front of it). The
// reader takes them in order and releases each when it moves on to the next (its lines are dead
// by then, as they are when Fill moves bytes in the one buffer). The thread waits while all are
// read and not released, and is woken only once half of them are free again; the reader waits
// only when the thread is behind. Allocated once, at the first read-ahead.
struct LineReader::ReadAhead {
  static constexpr uint64_t kBuffers = 8;
  std::array<std::unique_ptr<char[]>, kBuffers> buffers;
  std::array<ssize_t, kBuffers> got{};  // each read's result: bytes, 0 at the end, -1 (see err)
  int err = 0;
  uint64_t produced = 0;  // reads done (buffer produced % kBuffers is the next one read)
  uint64_t taken = 0;     // buffers handed to the reader
  uint64_t released = 0;  // buffers the reader is done with
  bool stop = false;
  bool thread_waits = false;
  bool reader_waits = false;
  std::mutex mu;
  std::condition_variable cv;
  std::thread thread;

  void Run(int fd, std::size_t at) {
    for (;;) {
      std::unique_lock<std::mutex> lock(mu);
      if (produced - released == kBuffers) {
        thread_waits = true;
        cv.wait(lock, [&] { return stop || !thread_waits; });
      }
      if (stop) return;
      const uint64_t slot = produced % kBuffers;
      lock.unlock();
      ssize_t n = 0;
      do {
        n = ::read(fd, buffers[slot].get() + at, kReadBytes);
      } while (n < 0 && errno == EINTR);
      const int e = n < 0 ? errno : 0;
      lock.lock();
      got[slot] = n;
      err = e;
      ++produced;
      const bool wake = reader_waits;
      reader_waits = false;
      lock.unlock();
      if (wake) cv.notify_all();
      if (n <= 0) return;
    }
  }

  // Ends the thread; returns the bytes it read that the reader did not take.
  std::size_t Halt() {
    if (!thread.joinable()) return 0;
    {
      const std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    thread.join();
    std::size_t unread = 0;
    for (uint64_t i = taken; i < produced; ++i) {
      if (got[i % kBuffers] > 0) unread += static_cast<std::size_t>(got[i % kBuffers]);
    }
    produced = taken;  // the next thread reads on from there
    stop = false;
    thread_waits = reader_waits = false;
    return unread;
  }
};

LineReader::LineReader(std::size_t max_line, std::size_t padding)
    : max_line_(max_line),
      capacity_(max_line + 1 + kReadBytes),
      allocated_(capacity_ + padding),
      buffer_(new char[allocated_]),  // left uninitialized: pages are touched as lines need them
      buf_(buffer_.get()) {}

LineReader::~LineReader() {
  if (ahead_) ahead_->Halt();
}

void LineReader::StopReadAhead() {
  if (!ahead_) return;
  const std::size_t unread = ahead_->Halt();
  if (unread > 0) ::lseek(fd_, -static_cast<off_t>(unread), SEEK_CUR);
}

void LineReader::Reset(int fd) {
  if (ahead_) ahead_->Halt();  // what it read ahead is dropped with the rest
  fd_ = fd;
  // At the start of the stream (a pipe cannot tell: it is read from its start).
  at_start_ = ::lseek(fd, 0, SEEK_CUR) <= 0;
  utf16_ = 0;
  raw_len_ = 0;
  begin_ = scan_ = end_ = 0;
  skipping_ = false;
  skipped_ = 0;
  error_ = 0;
}

std::size_t LineReader::Fill() {
  // From the second read of a stream that is not UTF-16 (the first one looked for a byte order
  // mark).
  if (read_ahead_ && utf16_ == 0 && !at_start_ && fd_ >= 0) return FillAhead();
  return FillHere();
}

std::size_t LineReader::FillHere() {
  if (begin_ > 0) {
    std::memmove(buf_, buf_ + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t room = std::min(kReadBytes, capacity_ - end_);
  const ssize_t n = ReadSome(buf_ + end_, room);
  if (n > 0) {
    end_ += static_cast<std::size_t>(n);
    return static_cast<std::size_t>(n);
  }
  if (n < 0) error_ = errno;
  return 0;
}

std::size_t LineReader::FillAhead() {
  ReadAhead* a = ahead_.get();
  if (a == nullptr) {
    ahead_ = std::make_unique<ReadAhead>();
    a = ahead_.get();
    for (auto& b : a->buffers) b.reset(new char[allocated_]);  // uninitialized, as buffer_
  }
  const std::size_t head = max_line_ + 1;  // Next calls Fill with at most this much unread
  if (!a->thread.joinable()) {
    a->thread = std::thread([a, fd = fd_, head] {
      pthread_setname_np(pthread_self(), "privmon-read");
      a->Run(fd, head);
    });
  }
  uint64_t slot = 0;
  ssize_t n = 0;
  {
    std::unique_lock<std::mutex> lock(a->mu);
    if (a->taken == a->produced) {
      a->reader_waits = true;
      a->cv.wait(lock, [a] { return a->taken < a->produced; });
    }
    slot = a->taken % ReadAhead::kBuffers;
    n = a->got[slot];
    if (n <= 0) {  // the end (or an error): left there, so that every later call sees it too
      if (n < 0) error_ = a->err;
      return 0;
    }
    ++a->taken;
  }
  char* const next = a->buffers[slot].get();
  const std::size_t tail = end_ - begin_;
  std::memcpy(next + head - tail, buf_ + begin_, tail);
  const bool release = buf_ != buffer_.get();  // the ring's buffers are released in turn
  buf_ = next;
  begin_ = head - tail;
  end_ = head + static_cast<std::size_t>(n);
  if (release) {
    bool wake = false;
    {
      const std::lock_guard<std::mutex> lock(a->mu);
      ++a->released;
      if (a->thread_waits && a->produced - a->released <= ReadAhead::kBuffers / 2) {
        a->thread_waits = false;
        wake = true;
      }
    }
    if (wake) a->cv.notify_all();
  }
  return static_cast<std::size_t>(n);
}

ssize_t LineReader::ReadSome(char* dst, std::size_t room) {
  for (;;) {
    if (utf16_ == 0) {
      ssize_t n = ::read(fd_, dst, std::min(room, kReadBytes));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !at_start_) return n;
      at_start_ = false;
      while (n == 1) {  // a pipe that gave one byte: a byte order mark has two
        const ssize_t more = ::read(fd_, dst + 1, 1);
        if (more < 0 && errno == EINTR) continue;
        if (more == 1) n = 2;
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
    raw_len_ += static_cast<std::size_t>(n);
  }
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

LineReader::Status LineReader::Next(bool take_partial, Line* out) {
  for (;;) {
    char* const buf = buf_;  // Fill may hand over another buffer
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
      // begin_ is 0 here (the cut line was moved to the front): the reads go after its kept bytes,
      // in this thread (a read-ahead would copy them in front of each buffer).
      StopReadAhead();
      if (FillHere() > 0) continue;
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
