// Outputs over a file descriptor: stdout and an alert file. Writes go straight to write(2), no
// stdio buffer, so a short write, ENOSPC or EPIPE is seen and the caller resumes at the exact
// byte. On a pipe, socket or terminal, Write() first waits up to 100 ms for the descriptor to be
// writable and then writes at most PIPE_BUF bytes, so a reader that stops reading cannot block the
// sink thread. Files are opened O_NOFOLLOW (never through a symlink) and created 0640. A line
// left unfinished in a regular file by a short write (a full disk) is cut away when its rest is
// dropped instead of written, so the file never keeps half an alert for the next line to join.
// A regular alert file deleted under `run` (or its directory: a cleanup job) is noticed before
// each write batch (stat(2) of the path against the open file's device and inode; when they
// differ, fstat(2) for its link count) and created again at its path; while it cannot be, the
// writes fail (ENOENT...): sink errors, /readyz failing, the alerts held and dropped at shutdown,
// exit 1 (breaker round 80: they went to the unlinked inode, counted written). A file renamed
// away and still linked (logrotate) is written on until SIGHUP's Reopen, as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sinks/alert_output.h"

namespace privmon {

// Opens `path` for writing (append, or truncate when !append), refusing a symlink; creates it
// with `mode` (before the umask). Returns the descriptor, or -1 with errno set.
// Never blocks: a FIFO that no process reads fails with ENXIO (the descriptor returned is
// blocking, as before).
int OpenOutputFile(const std::string& path, bool append, unsigned mode = 0640);
// What to add to strerror(error) for a failed OpenOutputFile: the symlink refused, the FIFO no
// process reads; "" otherwise.
const char* OutputOpenHint(int error);

// What `run` does with an alert file sink's path that exists as a file of type `mode` (st_mode,
// from lstat): the one rule FileOutput (at start and at SIGHUP's reopen) and `check --host` share.
// A regular file or a character device is written to; a FIFO too, when a process reads it as
// `run` opens it (else the start fails at once, ENXIO); a symlink, a directory, a socket or a
// block device is refused. (The dead letter has its own: DeadLetterFileKindProblem.)
struct OutputFileKind {
  const char* refused = nullptr;  // why `run` refuses it; nullptr: written to
  const char* note = nullptr;     // what `run` does with it that check says (a FIFO's reader)
};
OutputFileKind AlertFileKind(unsigned mode);

// The bytes of an unfinished last line in a regular file: after a short write the rest of the line
// is still queued; when that rest is dropped instead (a disk still full at shutdown), Discard()
// truncates the file back to its last whole line. One owner thread; O(1).
class PartialLine {
 public:
  void Wrote(std::string_view written);  // the prefix that write(2) took
  bool pending() const { return bytes_ != 0; }
  // Truncates `fd` (a regular file, positioned at its end) by the unfinished bytes; false with
  // errno set when it cannot (the bytes are then forgotten all the same).
  bool Discard(int fd);

 private:
  uint64_t bytes_ = 0;
};

// Writes to file descriptor 1, which it does not own.
class StdoutOutput final : public AlertOutput {
 public:
  StdoutOutput();
  WriteResult Write(std::string_view bytes) override;
  std::string_view kind() const override { return "stdout"; }
  bool MidLine() const override { return partial_.pending(); }
  void DiscardPartialLine() override;

 private:
  bool regular_file_;  // stdout redirected to a file: no writability wait, larger writes
  PartialLine partial_;
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
  bool MidLine() const override { return partial_.pending(); }
  void DiscardPartialLine() override;

 private:
  // Regular files: true when the path still names the open file, or names none and it was
  // recreated there; false with errno set when it could not be (said once per episode).
  bool FollowPath();
  void Remember();  // the open file's device and inode
  const char* label() const { return name().empty() ? "file" : name().c_str(); }

  std::string path_;
  int fd_ = -1;
  bool regular_file_ = true;  // false for a FIFO or device at the path
  // A FIFO whose reader went away (EPIPE): closed, and opened again (never waiting) before each
  // write until a reader is back; until then writes fail with ENXIO, retried (breaker round 137:
  // EPIPE failed the sink for good, and a restarted reader never got another alert).
  bool fifo_ = false;
  bool reader_gone_said_ = false;
  PartialLine partial_;  // regular files only
  uint64_t dev_ = 0, ino_ = 0;
  bool lost_said_ = false;  // "cannot recreate" said; cleared once the file is written again
};

// write(2) of a prefix of `bytes` to `fd`, waiting for writability first unless `regular_file`.
WriteResult WriteToFd(int fd, bool regular_file, std::string_view bytes);

}  // namespace privmon
