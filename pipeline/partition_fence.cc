#include "pipeline/partition_fence.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pipeline/os_error.h"

namespace privmon {
namespace {

// Opens and flocks `dir`/lock (blocking: the holder only reads or writes a few bytes).
int LockFence(const std::string& dir, std::string* error) {
  const std::string path = dir + "/lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = ErrnoText("open " + path);
    return -1;
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    *error = ErrnoText("flock " + path);
    ::close(fd);
    return -1;
  }
  return fd;
}

// The epoch file's value; 0 when there is none. False when it exists but cannot be read.
bool ReadEpoch(const std::string& dir, uint64_t* epoch, std::string* error) {
  *epoch = 0;
  const std::string path = dir + "/epoch";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    *error = ErrnoText("open " + path);
    return false;
  }
  char text[32] = {};
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n < 0) {
    *error = ErrnoText("read " + path);
    return false;
  }
  char* end = nullptr;
  *epoch = std::strtoull(text, &end, 10);
  if (end == text) {
    *error = path + ": not a number";
    return false;
  }
  return true;
}

bool WriteEpoch(const std::string& dir, uint64_t epoch, std::string* error) {
  const std::string path = dir + "/epoch";
  const std::string tmp = dir + "/.tmp-epoch";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = ErrnoText("create " + tmp);
    return false;
  }
  char text[32];
  const int len =
      std::snprintf(text, sizeof text, "%llu\n", static_cast<unsigned long long>(epoch));
  bool ok = ::write(fd, text, static_cast<std::size_t>(len)) == len && ::fsync(fd) == 0;
  if (!ok) *error = ErrnoText("write " + tmp);
  if (::close(fd) != 0 && ok) {
    ok = false;
    *error = ErrnoText("close " + tmp);
  }
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    *error = ErrnoText("rename " + tmp);
  }
  if (ok) {
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (!ok) *error = ErrnoText("fsync " + dir);
    if (dfd >= 0) ::close(dfd);
  }
  return ok;
}

}  // namespace

bool PartitionFence::Claim(const std::string& dir, std::string* error) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    *error = ErrnoText("mkdir " + dir);
    return false;
  }
  const int fd = LockFence(dir, error);
  if (fd < 0) return false;
  uint64_t current = 0;
  const bool ok = ReadEpoch(dir, &current, error) && WriteEpoch(dir, current + 1, error);
  ::close(fd);  // drops the flock
  if (!ok) return false;
  dir_ = dir;
  epoch_ = current + 1;
  return true;
}

PartitionFence::Guard::Guard(const PartitionFence& fence) {
  if (fence.epoch_ == 0) {
    error_ = "the partition was never claimed";
    return;
  }
  fd_ = LockFence(fence.dir_, &error_);
  if (fd_ < 0) return;
  if (!ReadEpoch(fence.dir_, &found_, &error_)) return;
  ok_ = found_ <= fence.epoch_;
  if (!ok_) {
    error_ = "fenced: " + fence.dir_ + " was claimed by another process (epoch " +
             std::to_string(found_) + ", ours " + std::to_string(fence.epoch_) + ")";
  }
}

PartitionFence::Guard::~Guard() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace privmon
