// Dead-letter file: every rejected message or record, whole, one NDJSON entry per line:
//   {"received":"<iso>","reason":"invalid_json","detail":"...","source":"zmq","size":N,"raw":"..."}
// with "raw_base64" instead of "raw" when the bytes are not UTF-8, so ReadDeadLetterFile gives back
// the exact bytes. Write() is thread-safe (a mutex: rejections are off the hot path) and flushes
// each entry so none is lost on a crash. An empty path disables the file; entries are still
// counted.
#pragma once

#include <atomic>
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

namespace privmon {

class DeadLetterWriter {
 public:
  // Opens `path` for appending; throws std::runtime_error if it cannot. `counter` (may be null,
  // must outlive the writer) is bumped once per entry, e.g. &PipelineStats::dead_letters.
  explicit DeadLetterWriter(const std::string& path, Counter* counter = nullptr);

  void Write(RejectReason reason, std::string_view detail, std::string_view raw,
             std::string_view source, EventTime received) {
    Write(RejectReasonName(reason), detail, raw, source, received);
  }
  // `reason` is a RejectReasonName, or "skipped" for a record kept by `dead_letter.keep_skipped`.
  void Write(std::string_view reason, std::string_view detail, std::string_view raw,
             std::string_view source, EventTime received);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  bool enabled() const { return file_ != nullptr; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::mutex mu_;
  std::unique_ptr<std::FILE, Closer> file_;  // null when disabled
  Counter* counter_;
  std::atomic<uint64_t> count_{0};
  std::string line_;  // guarded by mu_
};

struct DeadLetterEntry {
  std::string received;  // ISO 8601, as written
  std::string reason;    // RejectReasonName, or "skipped"
  std::string detail;
  std::string source;
  uint64_t size = 0;
  std::string raw;  // the exact rejected bytes
};

// Reads a whole dead-letter file back, decoding escapes and base64 exactly. Throws
// std::runtime_error naming the line on a malformed entry or when the file cannot be opened.
std::vector<DeadLetterEntry> ReadDeadLetterFile(const std::string& path);

// One entry line (without '\n'), as the writer produced it; used by ReadDeadLetterFile and tools.
// Returns false on a malformed line.
bool ParseDeadLetterLine(std::string_view line, DeadLetterEntry& entry);

}  // namespace privmon
