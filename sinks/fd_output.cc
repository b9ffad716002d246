#include "sinks/fd_output.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace privmon {
namespace {

constexpr int kWritableWaitMs = 100;
constexpr std::size_t kMaxFileWrite = 1u << 20;

bool IsRegularFile(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

bool IsFifo(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

}  // namespace

int OpenOutputFile(const std::string& path, bool append, unsigned mode) {
  // O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of blocking the open for ever
  // (breaker round 10: `run` hung there, SIGTERM blocked, only SIGKILL ended it). Cleared once
  // open: writes wait as before (WriteToFd polls a file that is not regular).
  const int flags =
      O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (append ? O_APPEND : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, static_cast<mode_t>(mode));
  if (fd < 0) return fd;
  const int now = ::fcntl(fd, F_GETFL);
  if (now >= 0) (void)::fcntl(fd, F_SETFL, now & ~O_NONBLOCK);
  return fd;
}

const char* OutputOpenHint(int error) {
  switch (error) {
    case ELOOP:
      return " (a symlink: refused)";
    case ENXIO:
      return " (a FIFO that no process reads: start its reader first; outputs never wait for one)";
    default:
      return "";
  }
}

OutputFileKind AlertFileKind(unsigned mode) {
  if (S_ISREG(mode) || S_ISCHR(mode)) return {};
  if (S_ISFIFO(mode)) {
    return {nullptr,
            "a FIFO: `run` writes to it when a process reads it as `run` starts (a slow reader "
            "stalls this sink alone: /readyz), and fails at once, exit 1, when none does: start "
            "its reader first"};
  }
  if (S_ISLNK(mode)) return {"is a symlink (outputs are never opened through one)", nullptr};
  if (S_ISDIR(mode)) return {"is a directory: name a file in it", nullptr};
  return {S_ISSOCK(mode) ? "is a socket: an alert file is a regular file, a character device or "
                           "a FIFO with its reader running"
                         : "is a block device: an alert file is a regular file, a character "
                           "device or a FIFO with its reader running",
          nullptr};
}

namespace {

// Why `run` does not write the alert file at `path` as it stands (AlertFileKind), or nullptr
// (also when it does not exist yet: it is created).
const char* RefusedAlertFile(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? AlertFileKind(st.st_mode).refused : nullptr;
}

}  // namespace

WriteResult WriteToFd(int fd, bool regular_file, std::string_view bytes) {
  if (bytes.empty()) return {};
  std::size_t n = std::min(bytes.size(), kMaxFileWrite);
  if (!regular_file) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, kWritableWaitMs);
    if (ready == 0 || (ready < 0 && errno == EINTR)) return {};  // not writable yet
    if (ready < 0) return {0, errno, false};
    if ((p.revents & POLLOUT) == 0) {
      // POLLERR/POLLHUP: let write(2) report the precise error (EPIPE, ...).
      if ((p.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0) return {};
    }
    n = std::min<std::size_t>(n, PIPE_BUF);  // fits in a writable pipe without blocking
  }
  const ssize_t w = ::write(fd, bytes.data(), n);
  if (w < 0) return {0, errno == EINTR || errno == EAGAIN ? 0 : errno, false};
  if (w == 0) return {0, EIO, false};
  return {static_cast<std::size_t>(w), 0, false};
}

void PartialLine::Wrote(std::string_view written) {
  const std::size_t nl = written.rfind('\n');
  bytes_ = nl == std::string_view::npos ? bytes_ + written.size() : written.size() - nl - 1;
}

bool PartialLine::Discard(int fd) {
  if (bytes_ == 0) return true;
  const uint64_t partial = bytes_;
  bytes_ = 0;
  const off_t end = ::lseek(fd, 0, SEEK_CUR);
  if (end < 0 || static_cast<uint64_t>(end) < partial) return false;
  const off_t cut = end - static_cast<off_t>(partial);
  return ::ftruncate(fd, cut) == 0 && ::lseek(fd, cut, SEEK_SET) == cut;
}

namespace {

void DiscardOrSay(PartialLine& partial, int fd, std::string_view what) {
  if (!partial.Discard(fd)) {
    std::fprintf(stderr, "privmon: sink %.*s: cannot cut an unfinished line: %s\n",
                 static_cast<int>(what.size()), what.data(), std::strerror(errno));
  }
}

}  // namespace

StdoutOutput::StdoutOutput() : regular_file_(IsRegularFile(STDOUT_FILENO)) {}

WriteResult StdoutOutput::Write(std::string_view bytes) {
  const WriteResult r = WriteToFd(STDOUT_FILENO, regular_file_, bytes);
  if (regular_file_ && r.accepted != 0) partial_.Wrote(bytes.substr(0, r.accepted));
  return r;
}

void StdoutOutput::DiscardPartialLine() { DiscardOrSay(partial_, STDOUT_FILENO, "stdout"); }

FileOutput::FileOutput(const std::string& path, bool append) : path_(path) {
  if (const char* why = RefusedAlertFile(path); why != nullptr) {
    throw std::runtime_error("alert sink: cannot open file '" + path + "': it " + why);
  }
  fd_ = OpenOutputFile(path, append);
  if (fd_ < 0) {
    throw std::runtime_error("alert sink: cannot open file '" + path +
                             "': " + std::strerror(errno) + OutputOpenHint(errno));
  }
  regular_file_ = IsRegularFile(fd_);
  fifo_ = IsFifo(fd_);
  Remember();
}

void FileOutput::Remember() {
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    dev_ = static_cast<uint64_t>(st.st_dev);
    ino_ = static_cast<uint64_t>(st.st_ino);
  }
}

bool FileOutput::FollowPath() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_dev) == dev_ &&
      static_cast<uint64_t>(st.st_ino) == ino_) {
    return true;
  }
  // Renamed away and still linked (logrotate's rename, before its SIGHUP): the lines stay
  // readable there, and SIGHUP reopens; recreating the path now would race logrotate's `create`.
  if (struct stat own{}; ::fstat(fd_, &own) == 0 && own.st_nlink > 0) return true;
  // Deleted (or its directory): writing on would feed a file nobody can read.
  errno = 0;
  if (const std::string why = Reopen(); !why.empty()) {
    const int error = errno;
    if (!lost_said_) {
      std::fprintf(stderr,
                   "privmon: sink %s: '%s' was deleted under it and cannot be created "
                   "again: %s; its alerts are held and retried, "
                   "NOT delivered if it never can be\n",
                   label(), path_.c_str(), why.c_str());
    }
    lost_said_ = true;
    errno = error;
    // Retried with backoff whatever the cause (the directory may come back): never an error
    // that fails the sink for good (IsPermanentWriteError).
    if (errno == 0 || IsPermanentWriteError(errno)) errno = ENOENT;
    return false;
  }
  std::fprintf(stderr, "privmon: sink %s: '%s' was deleted under it; writing a new file there\n",
               label(), path_.c_str());
  lost_said_ = false;
  return true;
}

FileOutput::~FileOutput() {
  if (fd_ >= 0) ::close(fd_);
}

WriteResult FileOutput::Write(std::string_view bytes) {
  // Once per write batch (a Write takes all the queued lines at hand), never inside a line a
  // short write cut: its rest belongs to the file that holds its start.
  if (regular_file_ && !partial_.pending() && !bytes.empty() && !FollowPath()) {
    return {0, errno, false};
  }
  if (fifo_ && fd_ < 0) {  // its reader went away: one that came back opens it again
    fd_ = OpenOutputFile(path_, /*append=*/true);
    if (fd_ < 0) return {0, ENXIO, false};
    std::fprintf(stderr, "privmon: sink %s: a reader opened FIFO '%s' again; writing to it\n",
                 label(), path_.c_str());
    reader_gone_said_ = false;
  }
  if (fifo_) {
    // Whole lines of at most PIPE_BUF bytes per write, which a pipe takes whole or not at all: a
    // reader that goes away never leaves half a line for the next one (breaker round 138: the
    // restarted reader's first line was the tail of an alert). A line longer than PIPE_BUF goes
    // alone, as before.
    const std::size_t end = bytes.substr(0, PIPE_BUF).rfind('\n');
    if (end != std::string_view::npos) {
      bytes = bytes.substr(0, end + 1);
    } else if (const std::size_t line = bytes.find('\n'); line != std::string_view::npos) {
      bytes = bytes.substr(0, line + 1);
    }
  }
  WriteResult r = WriteToFd(fd_, regular_file_, bytes);
  if (regular_file_ && r.accepted != 0) partial_.Wrote(bytes.substr(0, r.accepted));
  if (fifo_ && r.error == EPIPE) {
    ::close(fd_);
    fd_ = -1;
    if (!reader_gone_said_) {
      std::fprintf(stderr,
                   "privmon: sink %s: the reader of FIFO '%s' went away; its alerts are held "
                   "and retried until a reader opens it again\n",
                   label(), path_.c_str());
    }
    reader_gone_said_ = true;
    r.error = ENXIO;  // retried, not a failure for good (IsPermanentWriteError)
  }
  return r;
}

void FileOutput::DiscardPartialLine() { DiscardOrSay(partial_, fd_, path_); }

std::string FileOutput::Reopen() {
  if (const char* why = RefusedAlertFile(path_); why != nullptr) return std::string("it ") + why;
  const int fd = OpenOutputFile(path_, /*append=*/true);
  if (fd < 0 && fifo_ && errno == ENXIO) {
    // Its reader went away (said then): the next write opens it once one is back.
    std::fprintf(stderr,
                 "privmon: sink %s: FIFO '%s' still has no reader; its alerts stay held and "
                 "retried until one opens it\n",
                 label(), path_.c_str());
    return {};
  }
  if (fd < 0) return std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  regular_file_ = IsRegularFile(fd_);
  fifo_ = IsFifo(fd_);
  Remember();
  return {};
}

}  // namespace privmon
