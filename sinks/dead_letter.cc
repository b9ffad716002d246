#include "sinks/dead_letter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "core/hash.h"
#include "core/json_writer.h"
#include "core/utf8.h"
#include "sinks/alert_output.h"
#include "sinks/base64.h"
#include "sinks/fd_output.h"

namespace privmon {
namespace {

// Text whose JSON escaping would more than double it (control bytes take 6 bytes each: a block of
// NULs, a binary record that happens to be UTF-8) goes as base64 (4/3) instead, so an entry's line
// stays within about twice its kept bytes. Quotes and backslashes double at most: a rejected JSON
// text always stays readable as "raw".
bool EscapingMoreThanDoubles(std::string_view raw) {
  std::size_t escaped = 0;
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    escaped += c < 0x20 ? 6 : (c == '"' || c == '\\') ? 2 : 1;
  }
  return escaped > 2 * raw.size();
}

}  // namespace

DeadLetterWriter::DeadLetterWriter(const std::string& path, Counter* counter, Limits limits,
                                   Counter* write_failures, Counter* rotations)
    : path_(path),
      limits_(limits),
      counter_(counter),
      write_failures_(write_failures),
      rotations_(rotations) {
  if (path.empty()) return;
  fd_ = OpenOutputFile(path, /*append=*/true);
  if (fd_ < 0) {
    throw std::runtime_error("dead letter: cannot open '" + path + "': " + std::strerror(errno) +
                             OutputOpenHint(errno));
  }
  struct stat st {};
  if (fstat(fd_, &st) == 0) file_bytes_ = static_cast<uint64_t>(st.st_size);
  if (const char* why = DeadLetterFileKindProblem(st.st_mode); why != nullptr) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("dead letter: '" + path + "' " + why);
  }
}

const char* DeadLetterFileKindProblem(unsigned mode) {
  // The threads that read the input write the dead letter themselves (under its lock): a FIFO or
  // socket whose reader is slow or gone would stall the input. It also rotates by rename at its
  // cap. A character device (/dev/null, a terminal) takes writes as they come.
  if (S_ISREG(mode) || S_ISCHR(mode)) return nullptr;
  return S_ISFIFO(mode) ? "is a FIFO: the dead letter is a regular file (or /dev/null); the "
                          "threads that read the input write it, and a slow reader would stall them"
         : S_ISDIR(mode)
             ? "is a directory: name a file in it"
             : "is not a regular file: the dead letter is a regular file (or /dev/null)";
}

DeadLetterWriter::~DeadLetterWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void DeadLetterWriter::Reopen() {
  std::lock_guard lock(mu_);
  if (path_.empty()) return;
  const int fd = OpenOutputFile(path_, /*append=*/true);
  if (fd < 0) {
    std::fprintf(stderr, "privmon: dead letter: cannot reopen '%s': %s; keeping the old file\n",
                 path_.c_str(), std::strerror(errno));
    return;
  }
  struct stat st {};
  const bool stated = fstat(fd, &st) == 0;
  if (const char* why = stated ? DeadLetterFileKindProblem(st.st_mode) : nullptr) {
    ::close(fd);
    std::fprintf(stderr, "privmon: dead letter: cannot reopen '%s': it %s; keeping the old file\n",
                 path_.c_str(), why);
    return;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  file_bytes_ = stated ? static_cast<uint64_t>(st.st_size) : 0;
}

void DeadLetterWriter::RotateLocked() {
  const std::string old = path_ + ".1";
  // A rotation that fails keeps writing to the file (the cap is soft: no entry is dropped for
  // it), said once on stderr until a rotation succeeds; it was silent, the file unbounded.
  auto failed = [&](const char* step, int error) {
    if (!rotate_failing_) {
      std::fprintf(stderr,
                   "privmon: dead letter: cannot rotate '%s' past its %llu-byte cap (%s: %s); "
                   "writing on past the cap\n",
                   path_.c_str(), static_cast<unsigned long long>(limits_.max_file_bytes), step,
                   std::strerror(error));
    }
    rotate_failing_ = true;
  };
  if (std::rename(path_.c_str(), old.c_str()) != 0) return failed("rename", errno);
  const int fd = OpenOutputFile(path_, /*append=*/true);
  if (fd < 0) {
    const int error = errno;
    // Back under its name, so the next rotation tries again instead of writing into <path>.1.
    (void)std::rename(old.c_str(), path_.c_str());
    return failed("open", error);
  }
  ::close(fd_);
  fd_ = fd;
  file_bytes_ = 0;
  rotate_failing_ = false;
  if (rotations_ != nullptr) Bump(*rotations_);
}

void DeadLetterWriter::WriteLineLocked() {
  if (file_bytes_ > 0 && file_bytes_ + line_.size() > limits_.max_file_bytes) RotateLocked();
  std::string_view rest = line_;
  PartialLine partial;  // what this entry has written so far: cut away if it cannot finish
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : 0;
      if (partial.pending()) {
        const uint64_t written = line_.size() - rest.size();
        if (partial.Discard(fd_)) file_bytes_ -= written;
      }
      errno = error;
      if (write_failures_ != nullptr) Bump(*write_failures_);
      if (!failing_) {
        std::fprintf(stderr,
                     "privmon: dead letter: write to '%s' failed: %s; entries are lost "
                     "(privmon_dead_letter_write_failures_total)\n",
                     path_.c_str(), n < 0 ? std::strerror(errno) : "no progress");
      }
      failing_ = true;
      return;
    }
    partial.Wrote(rest.substr(0, static_cast<std::size_t>(n)));
    rest.remove_prefix(static_cast<std::size_t>(n));
    file_bytes_ += static_cast<uint64_t>(n);
  }
  if (failing_)
    std::fprintf(stderr, "privmon: dead letter: writing to '%s' again\n", path_.c_str());
  failing_ = false;
}

void DeadLetterWriter::Write(std::string_view reason, std::string_view detail, std::string_view raw,
                             std::string_view source, EventTime received, uint64_t whole_size,
                             std::string_view tenant) {
  std::lock_guard lock(mu_);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (counter_ != nullptr) Bump(*counter_);  // single writer: every bump happens under mu_
  if (fd_ < 0 && sink_ == nullptr) return;
  line_.clear();
  line_.append("{\"received\":");
  AppendJsonIsoTime(received, line_);
  line_.append(",\"reason\":");
  AppendJsonString(reason, line_);
  line_.append(",\"detail\":");
  AppendJsonString(detail, line_);
  line_.append(",\"source\":");
  AppendJsonString(source, line_);
  if (!tenant.empty()) {
    line_.append(",\"tenant\":");
    AppendJsonString(tenant, line_);
  }
  line_.append(",\"size\":");
  AppendJsonUint(std::max<uint64_t>(raw.size(), whole_size), line_);
  if (raw.size() > limits_.max_entry_bytes || whole_size > raw.size()) {
    const uint64_t hash = HashBytes(raw);
    raw = raw.substr(0, std::min(raw.size(), limits_.max_entry_bytes));
    line_.append(",\"kept\":");
    AppendJsonUint(raw.size(), line_);
    line_.append(",\"hash\":");
    AppendJsonHex64(hash, line_);
  }
  if (IsValidUtf8(raw) && !EscapingMoreThanDoubles(raw)) {
    line_.append(",\"raw\":");
    AppendJsonString(raw, line_);
  } else {
    line_.append(",\"raw_base64\":\"");
    AppendBase64(raw, line_);
    line_.push_back('"');
  }
  line_.append("}\n");
  if (fd_ >= 0) WriteLineLocked();
  if (sink_ != nullptr) PushToSinkLocked(source);
}

void DeadLetterWriter::PushToSinkLocked(std::string_view source) {
  keyed_.assign(source);
  keyed_.push_back(kTenantKeySeparator);
  keyed_.append(line_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool waited = false;
  while (!sink_->TryPush(keyed_)) {
    if (!waited) sink_->CountBackpressureWait();
    waited = true;
    if (std::chrono::steady_clock::now() >= deadline) {
      sink_->CountLost(1);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void DeadLetterWriter::AlsoTo(std::unique_ptr<SinkWorker> worker) {
  std::lock_guard lock(mu_);
  sink_ = std::move(worker);
}

void DeadLetterWriter::FinishSink() {
  std::lock_guard lock(mu_);
  if (sink_ != nullptr) sink_->Finish();
}

}  // namespace privmon
