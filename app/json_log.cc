#include "app/json_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/json_writer.h"

namespace privmon {
namespace {

bool Contains(std::string_view line, std::string_view word) {
  return line.find(word) != std::string_view::npos;
}

constexpr std::string_view LevelName(LogLevel l) {
  return l == LogLevel::kError ? "error" : l == LogLevel::kWarn ? "warn" : "info";
}

void WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;  // nowhere left to report it
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<file>:<line>:<column>: ..." (a config error as `check` and SIGHUP print them).
bool IsConfigError(std::string_view line) {
  for (std::size_t at = line.find(':'); at != std::string_view::npos; at = line.find(':', at + 1)) {
    std::size_t i = at + 1, digits = 0, colons = 0;
    while (i < line.size() && colons < 2) {
      if (line[i] >= '0' && line[i] <= '9') {
        ++digits;
      } else if (line[i] == ':' && digits > 0) {
        ++colons;
        digits = 0;
      } else {
        break;
      }
      ++i;
    }
    if (colons == 2) return true;
  }
  return false;
}

}  // namespace

LogLevel LogLevelOf(std::string_view line) {
  if (IsConfigError(line)) return LogLevel::kError;
  for (std::string_view w : {"FAILED", "NOT ", "cannot", "error", "failed", "refused", "refusing",
                             "lost", "LOST", "could not", "not read", "not written", "exit 1:",
                             "exit 2:", "ERROR", ": host: ", "host problem", "brokers are down"}) {
    if (Contains(line, w)) return LogLevel::kError;
  }
  for (std::string_view w : {"warning", "falling back", "retrying", "dropped", "skipped:",
                             "not committed", "timeout", "beyond", "unknown;", "does not exist"}) {
    if (Contains(line, w)) return LogLevel::kWarn;
  }
  return LogLevel::kInfo;
}

std::string JsonLogLine(std::string_view line, LogLevel level, int64_t unix_us) {
  std::string out = "{\"ts\":";
  AppendJsonIsoTime(unix_us, out);
  out += ",\"level\":\"";
  out += LevelName(level);
  out += "\",\"msg\":";
  AppendJsonString(line, out);
  out += '}';
  return out;
}

struct JsonStderr::Impl {
  int original = -1;  // the real stderr
  int read_end = -1;
  LogLevel min_level = LogLevel::kInfo;
  std::thread reader;

  void Forward(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.empty()) return;
    const LogLevel level = LogLevelOf(line);
    if (level < min_level) return;
    WriteAll(original, JsonLogLine(line, level, NowMicros()) + "\n");
  }
  void Read() {
    std::string pending;
    std::array<char, 4096> buf{};
    for (;;) {
      const ssize_t n = ::read(read_end, buf.data(), buf.size());
      if (n <= 0) break;  // every writer closed: privmon is exiting
      pending.append(buf.data(), static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        Forward(std::string_view(pending).substr(start, nl - start));
      }
      pending.erase(0, start);
    }
    Forward(pending);
  }
};

std::unique_ptr<JsonStderr> JsonStderr::Install(LogLevel min_level) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  auto impl = std::make_unique<Impl>();
  impl->original = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  if (impl->original < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return nullptr;
  }
  std::fflush(stderr);
  ::dup2(fds[1], STDERR_FILENO);  // fd 2 (without O_CLOEXEC) is now the pipe's only write end
  ::close(fds[1]);
  std::setvbuf(stderr, nullptr, _IOLBF, 0);  // one write per line
  impl->read_end = fds[0];
  impl->min_level = min_level;
  impl->reader = std::thread([i = impl.get()] { i->Read(); });
  return std::unique_ptr<JsonStderr>(new JsonStderr(std::move(impl)));
}

JsonStderr::JsonStderr(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JsonStderr::~JsonStderr() {
  std::fflush(stderr);
  ::dup2(impl_->original, STDERR_FILENO);  // closes the pipe's write end: the reader sees EOF
  if (impl_->reader.joinable()) impl_->reader.join();
  ::close(impl_->read_end);
  ::close(impl_->original);
}

}  // namespace privmon
