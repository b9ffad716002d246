// JSON logs (`privmon --log-format json [--log-level info|warn|error] <command>`): every line
// written to stderr, privmon's own and its libraries' (librdkafka, libzmq), becomes one JSON
// object {"ts":"<UTC ISO 8601>","level":"info|warn|error","msg":"<the line>"} for a log shipper;
// lines below the level are dropped. The level is read from privmon's wording (docs/operations.md
// "Logs"): "FAILED", "NOT ", "cannot", "error", "failed", "refused", "lost" are errors; "warning",
// "falling back", "retrying", "dropped", "skipped:" warnings, as is a config error "<file>:<line>:
// <column>: ..."; the rest info.
// How: Install() points fd 2 at a pipe and starts a thread that turns each line read from it into
// one object written to the original stderr. The returned guard, destroyed at exit, puts fd 2
// back, forwards what is left and joins the thread (a crash loses what is still in the pipe).
// Start-up only; the thread touches nothing but the two descriptors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace privmon {

enum class LogLevel { kInfo = 0, kWarn = 1, kError = 2 };

// "info", "warn" or "error" for a line of privmon's stderr.
LogLevel LogLevelOf(std::string_view line);
// One JSON object (no newline) for `line` logged at wall time `unix_us`.
std::string JsonLogLine(std::string_view line, LogLevel level, int64_t unix_us);

class JsonStderr {
 public:
  // Null (and stderr unchanged) when the pipe cannot be made.
  static std::unique_ptr<JsonStderr> Install(LogLevel min_level);
  ~JsonStderr();
  JsonStderr(const JsonStderr&) = delete;
  JsonStderr& operator=(const JsonStderr&) = delete;

 private:
  struct Impl;
  explicit JsonStderr(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace privmon
