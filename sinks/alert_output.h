// Where formatted alert lines go: stdout, a file, a ZeroMQ PUB socket, a Kafka topic. Each output
// is owned and used by one thread only (its SinkWorker's); none is thread-safe. Write() reports
// exactly how many bytes reached the destination, so an alert is counted as written only once its
// last byte is (or, for a deferred write, once Poll() reports it delivered); it never blocks for
// long (at most ~100 ms waiting for a stuck reader), so shutdown stays bounded. Construction
// opens/binds and throws std::runtime_error on failure (start-up only).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"

namespace privmon {

struct WriteResult {
  std::size_t accepted = 0;  // bytes taken from the front of the input (written, or dropped)
  int error = 0;             // errno when the write failed; 0 with accepted 0 = not ready yet
  bool dropped = false;      // the accepted bytes were discarded by design (PUB: no subscriber
                             // could take them), not delivered
  bool deferred = false;     // accepted; whether delivered is learnt later, through Poll()
};

// The fates of deferred lines (Kafka delivery reports) an output learnt since its last Poll().
struct Acknowledgements {
  uint64_t written = 0;  // delivered (the broker acknowledged them)
  uint64_t lost = 0;     // given up on after the last retry: dropped, not delivered
  uint64_t errors = 0;   // failed attempts (each retry counts)
  // Whether the last report learnt (of any line) was a failure: it keeps the sink's readiness
  // failing until a later delivery succeeds (breaker round 80). Meaningless when none was learnt.
  bool last_failed = false;
};

// Separates the tenant key from the line for outputs keyed by tenant (JSON lines hold no raw
// control characters).
inline constexpr char kTenantKeySeparator = '\x1f';

class AlertOutput {
 public:
  virtual ~AlertOutput() = default;
  // Writes a prefix of `bytes`: whole or partial '\n'-terminated lines, or exactly one whole line
  // when OneLinePerWrite().
  virtual WriteResult Write(std::string_view bytes) = 0;
  virtual bool OneLinePerWrite() const { return false; }
  // The metric label's stem: "stdout", "file", "zmq_pub".
  virtual std::string_view kind() const = 0;
  // Reopens a file output at its path (after logrotate renamed it); empty string on success,
  // else the reason. Outputs without a file succeed without doing anything.
  virtual std::string Reopen() { return {}; }
  // File outputs: a short write left the last line unfinished (its rest still to write), and
  // cutting that unfinished line away when its rest is dropped instead (fd_output.h).
  virtual bool MidLine() const { return false; }
  virtual void DiscardPartialLine() {}
  // Outputs whose writes are acknowledged later (WriteResult::deferred): lines whose fate is not
  // known yet, serving reports for up to `wait`; and giving up on what is unacknowledged (shutdown
  // past its grace: the next Poll() reports those lines as lost).
  virtual uint64_t Unacknowledged() const { return 0; }
  virtual Acknowledgements Poll(std::chrono::milliseconds /*wait*/) { return {}; }
  virtual void Abandon() {}
  // True when each line must be pushed as "<tenant>\x1f<line>" (the Kafka sink's message key).
  virtual bool KeyedByTenant() const { return false; }
  // The format of the lines this output wants (the sink's `format`); set once at start-up.
  AlertFormat format() const { return format_; }
  void set_format(AlertFormat format) { format_ = format; }
  // The sink's metric label (`sink="..."`), its `name` in the config or the label the config gave
  // it ("file", "file_2"); empty for an output made without a config (the dispatcher labels it by
  // kind). Set once at start-up.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  AlertFormat format_ = AlertFormat::kNative;
  std::string name_;
};

// True for errors a retry cannot cure (the reader is gone, the descriptor is unusable).
bool IsPermanentWriteError(int error);

// One output per configured sink, in order. Throws std::runtime_error naming the sink on failure.
std::vector<std::unique_ptr<AlertOutput>> MakeAlertOutputs(const std::vector<SinkSettings>& sinks,
                                                           zmq::context_t& context);

}  // namespace privmon
