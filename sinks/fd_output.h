// Outputs over a file descriptor: stdout and an alert file. Writes go straight to write(2), no
// stdio buffer, so a short write, ENOSPC or EPIPE is seen and the caller resumes at the exact
// byte. On a pipe, socket or terminal, Write() first waits up to 100 ms for the descriptor to be
// writable and then writes at most PIPE_BUF bytes, so a reader that stops reading cannot block the
// sink thread. Files are opened O_NOFOLLOW (never through a symlink) and created 0640.
#pragma once

#include <string>

#include "sinks/alert_output.h"

namespace privmon {

// Opens `path` for writing (append, or truncate when !append), refusing a symlink; creates it
// with `mode` (before the umask). Returns the descriptor, or -1 with errno set.
int OpenOutputFile(const std::string& path, bool append, unsigned mode = 0640);

// Writes to file descriptor 1, which it does not own.
class StdoutOutput final : public AlertOutput {
 public:
  StdoutOutput();
  WriteResult Write(std::string_view bytes) override;
  std::string_view kind() const override { return "stdout"; }

 private:
  bool regular_file_;  // stdout redirected to a file: no writability wait, larger writes
};

// Appends (or truncates, when append is false) lines to a file it owns.
class FileOutput final : public AlertOutput {
 public:
  FileOutput(const std::string& path, bool append);
  ~FileOutput() override;
  FileOutput(const FileOutput&) = delete;
  FileOutput& operator=(const FileOutput&) = delete;

  WriteResult Write(std::string_view bytes) override;
  std::string_view kind() const override { return "file"; }
  // Opens the path afresh (appending) and closes the old descriptor.
  std::string Reopen() override;

 private:
  std::string path_;
  int fd_ = -1;
  bool regular_file_ = true;  // false for a FIFO or device at the path
};

// write(2) of a prefix of `bytes` to `fd`, waiting for writability first unless `regular_file`.
WriteResult WriteToFd(int fd, bool regular_file, std::string_view bytes);

}  // namespace privmon
