// RAII for tests that start real processes: a Child is killed and reaped when the test ends,
// pass or fail; a TempDirCleanup removes the test's directory only when the test passed.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "tests/pipeline/process_helpers.h"

namespace privmon::testing {

// Removes a test's temporary directory when the test passed; keeps it for post-mortems otherwise.
// Declared before the processes that write into it, so it is destroyed after they are reaped.
class TempDirCleanup {
 public:
  explicit TempDirCleanup(std::string dir) : dir_(std::move(dir)) {}
  ~TempDirCleanup() {
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir_);
  }
  TempDirCleanup(const TempDirCleanup&) = delete;
  TempDirCleanup& operator=(const TempDirCleanup&) = delete;

 private:
  std::string dir_;
};

// A spawned process that is killed and reaped when the test ends, pass or fail.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool Alive() {
    if (pid_ <= 0) return false;
    if (waitpid(pid_, nullptr, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }
  std::optional<int> Stop(int sig, std::chrono::seconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    kill(pid_, sig);
    return Wait(timeout);
  }
  // Exit code (-signal when killed), nullopt on timeout.
  std::optional<int> Wait(std::chrono::seconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    auto code = WaitExit(pid_, timeout);
    if (code) pid_ = -1;
    return code;
  }

 private:
  pid_t pid_;
};

}  // namespace privmon::testing
