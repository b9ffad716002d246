// Dead-letter file: every rejected message or record, one NDJSON entry per line:
//   {"received":"<iso>","reason":"invalid_json","detail":"...","source":"zmq","size":N,"raw":"..."}
// with "tenant":"<id>" after "source" where the transport named one (a ZeroMQ frame, a framed
// line's prefix, the source's `tenant`): the raw bytes alone may name no tenant.
// with "raw_base64" instead of "raw" when the bytes are not UTF-8 or escaping would more than
// double them (mostly control bytes: a line stays within about twice the bytes kept), so
// ReadDeadLetterFile gives back the exact bytes. A message over max_entry_bytes is kept as a
// prefix of that many bytes with
// "kept":K and "hash" (64-bit hash of the whole message, hex) beside the full "size" (DESIGN.md
// section 10). The file is bounded: past max_file_bytes it is renamed to <path>.1 (replacing the
// previous one) and a new file is started; the entries a rotation deletes with the previous
// <path>.1 are counted (privmon_dead_letter_discarded_total) and said on stderr, and make the run
// exit 1 (ReportDeadLettersLost; breaker round 80: they went silently); a <path>.1 this writer did
// not make (an earlier run's, or logrotate's) has its lines counted by reading it at that
// rotation. Entries that cannot be written are counted
// (privmon_dead_letter_write_failures_total) and reported once per burst; a rotation that fails is
// reported once and the file grows on past the cap (no entry lost). A regular file deleted under
// the writer (or its directory) is noticed before an entry is written, at most once per
// path_check_interval (stat(2) of the path against the open file; fstat(2) for its link count
// when they differ: a file renamed away is written on until Reopen), and created again at its
// path; while it cannot
// be, entries are write failures (they went to the unlinked file, uncounted: breaker round 80,
// DeadLetterWriter.AFileRemovedUnderItIsCreatedAgainOrItsEntriesCountAsNotKept). Files are
// created 0640
// and never opened through a symlink. Write() is thread-safe (a mutex: rejections are off the hot
// path) and writes each entry with one write(2), so none is lost on a crash. An empty path disables
// the file; entries are still counted.
// A second destination (`dead_letter: {kafka: ...}`, AlsoTo): each entry is also pushed, keyed by
// its source name, to a SinkWorker over a KafkaOutput, which counts it written only on a delivery
// report and retries failures (PipelineStats::dead_letter_kafka); a full queue makes Write wait
// (back-pressure on the parse threads) up to 1 s, then the entry is counted lost for Kafka.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_time.h"
#include "core/reject_reason.h"
#include "core/stats.h"
#include "sinks/sink_worker.h"

namespace privmon {

// Why a file of this kind (st_mode) cannot be the dead letter, or null when it can: a regular
// file or a character device (/dev/null, a terminal). A FIFO or socket is refused: the threads
// that read the input write the dead letter themselves, so a slow or absent reader would stall
// them (and the file rotates by rename at its cap). The loader refuses an existing one at load
// (exit 2); the writer refuses one it opens.
const char* DeadLetterFileKindProblem(unsigned mode);

class DeadLetterWriter {
 public:
  // Opens `path` for appending; throws std::runtime_error if it cannot. `counter` (may be null,
  // must outlive the writer) is bumped once per entry, e.g. &PipelineStats::dead_letters.
  struct Limits {
    std::size_t max_entry_bytes = 1u << 20;  // raw bytes kept per entry
    uint64_t max_file_bytes = 1ull << 30;    // rotate to <path>.1 beyond this
    // How often the path is checked to still name the file written (tests: 0, every entry).
    std::chrono::milliseconds path_check_interval{1000};
  };
  explicit DeadLetterWriter(const std::string& path, Counter* counter = nullptr)
      : DeadLetterWriter(path, counter, Limits{}) {}
  // `write_failures`, `rotations` and `discarded` (may be null) count entries lost to a failed
  // write, the rotations, and the entries a rotation deleted with the previous <path>.1.
  DeadLetterWriter(const std::string& path, Counter* counter, Limits limits,
                   Counter* write_failures = nullptr, Counter* rotations = nullptr,
                   Counter* discarded = nullptr);
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  // `flag` (may be null, must outlive the writer) is true while the file's last write failed,
  // e.g. &PipelineStats::dead_letter_failing (GET /readyz). Call before the first Write.
  void ReportFailingTo(std::atomic<bool>* flag) { failing_flag_ = flag; }
  // Opens the path afresh (SIGHUP after logrotate); keeps the old file on failure.
  void Reopen();
  // Checks the path now (the control thread, once a second, and before the run's summary): a
  // file deleted since the last entry gets the entries written into it since the last check
  // copied into a new one, where before it waited for the next entry (breaker round 138: the
  // last entries of a run went down with the deleted file, uncounted). Takes the lock.
  void CheckPath();
  // Also sends every entry to `worker` (owned; finished when the writer is destroyed or at
  // FinishSink). Call before the first Write.
  void AlsoTo(std::unique_ptr<SinkWorker> worker);
  // Shutdown: delivers what the second destination holds (its grace), then stops it. Idempotent.
  void FinishSink();

  // `whole_size`: the size of the whole message when `raw` is a cut prefix of it (a file line
  // above max_message_bytes, of which the source kept the first bytes), else 0: the entry's
  // "size" is then the whole message's, its "kept" the prefix's, its "hash" the prefix's.
  // `tenant`: the tenant the transport named (frame, framed line, source), written as "tenant"
  // when not empty.
  void Write(RejectReason reason, std::string_view detail, std::string_view raw,
             std::string_view source, EventTime received, uint64_t whole_size = 0,
             std::string_view tenant = {}) {
    Write(RejectReasonName(reason), detail, raw, source, received, whole_size, tenant);
  }
  // `reason` is a RejectReasonName, or "skipped" for a record kept by `dead_letter.keep_skipped`.
  void Write(std::string_view reason, std::string_view detail, std::string_view raw,
             std::string_view source, EventTime received, uint64_t whole_size = 0,
             std::string_view tenant = {});

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  bool enabled() const { return !path_.empty(); }

 private:
  void WriteLineLocked();  // line_ to the file, rotating first when it would pass the cap
  void PushToSinkLocked(std::string_view source);  // line_ to sink_, keyed by source
  void RotateLocked();
  void SetFailingLocked(bool failing);  // failing_ and the published flag
  // Regular files: true when the path still names the open file, or it was created there again;
  // false (said once per episode) when it could not be.
  bool FollowPathLocked();
  // Copies the bytes written since the last check (checked_bytes_ to file_bytes_) from the open,
  // deleted file into `to`; the bytes copied.
  uint64_t CopyUncheckedLocked(int to);
  void RememberLocked(const struct stat& st);  // the open file's identity and size

  std::mutex mu_;
  std::string path_;
  Limits limits_;
  int fd_ = -1;                                // guarded by mu_; -1 when disabled
  uint64_t file_bytes_ = 0;                    // guarded by mu_
  bool failing_ = false;                       // guarded by mu_: a write failure already reported
  std::atomic<bool>* failing_flag_ = nullptr;  // failing_, published for /readyz
  bool rotate_failing_ = false;                // guarded by mu_: a failed rotation already reported
  // Guarded by mu_: the open file's identity (regular files only: dev_/ino_ checked), when the
  // path was last checked, and whether it was found gone and not made again (said once).
  bool regular_ = false;
  uint64_t dev_ = 0, ino_ = 0;
  std::chrono::steady_clock::time_point path_checked_{};
  bool path_lost_ = false;
  // Guarded by mu_: the file's bytes and entries when its path last named it. Entries written
  // after that went to a file a deletion may have unlinked: copied into the new file (breaker
  // round 137: a cleanup job's delete lost up to a check interval of entries, uncounted).
  uint64_t checked_bytes_ = 0, checked_entries_ = 0;
  bool path_verified_ = false;  // guarded by mu_: the entry being written follows a check
  // Guarded by mu_: the entries in the file and in <path>.1, when known (this writer made them);
  // an unknown count is read from the file when a rotation deletes it.
  uint64_t file_entries_ = 0;
  bool file_entries_known_ = false;
  uint64_t old_entries_ = 0;
  bool old_entries_known_ = false;
  // <path>.1 as this writer made it (the file its count is of).
  uint64_t old_dev_ = 0, old_ino_ = 0, old_bytes_ = 0;
  Counter* counter_;
  Counter* write_failures_;
  Counter* rotations_;
  Counter* discarded_;
  std::atomic<uint64_t> count_{0};
  std::string line_;                  // guarded by mu_
  std::unique_ptr<SinkWorker> sink_;  // guarded by mu_; null without a second destination
  std::string keyed_;                 // guarded by mu_: "<source>\x1f<entry>\n" for sink_
};

struct DeadLetterEntry {
  std::string received;  // ISO 8601, as written
  std::string reason;    // RejectReasonName, or "skipped"
  std::string detail;
  std::string source;
  std::string tenant;  // the tenant its transport named, empty when none
  uint64_t size = 0;   // of the whole rejected message
  std::string raw;     // the exact rejected bytes, or their first `kept` bytes
  uint64_t kept = 0;   // raw.size(); less than size when the entry was capped
  std::string hash;    // of the whole message (hex), for capped entries only
};

// Reads a whole dead-letter file back, decoding escapes and base64 exactly. Throws
// std::runtime_error naming the line on a malformed entry or when the file cannot be opened.
std::vector<DeadLetterEntry> ReadDeadLetterFile(const std::string& path);

// One entry line (without '\n'), as the writer produced it; used by ReadDeadLetterFile and tools.
// Returns false on a malformed line.
bool ParseDeadLetterLine(std::string_view line, DeadLetterEntry& entry);

}  // namespace privmon
