// Where formatted alert lines go: stdout, a file, a ZeroMQ PUB socket. Each output is owned and
// used by one thread only (its SinkWorker's); none is thread-safe. Write() reports exactly how
// many bytes reached the destination, so an alert is counted as written only once its last byte
// is; it never blocks for long (at most ~100 ms waiting for a stuck reader), so shutdown stays
// bounded. Construction opens/binds and throws std::runtime_error on failure (start-up only).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "core/config.h"

namespace privmon {

struct WriteResult {
  std::size_t accepted = 0;  // bytes taken from the front of the input (written, or dropped)
  int error = 0;             // errno when the write failed; 0 with accepted 0 = not ready yet
  bool dropped = false;      // the accepted bytes were discarded by design (PUB: no subscriber
                             // could take them), not delivered
};

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
  // The format of the lines this output wants (the sink's `format`); set once at start-up.
  AlertFormat format() const { return format_; }
  void set_format(AlertFormat format) { format_ = format; }

 private:
  AlertFormat format_ = AlertFormat::kNative;
};

// True for errors a retry cannot cure (the reader is gone, the descriptor is unusable).
bool IsPermanentWriteError(int error);

// One output per configured sink, in order. Throws std::runtime_error naming the sink on failure.
std::vector<std::unique_ptr<AlertOutput>> MakeAlertOutputs(const std::vector<SinkSettings>& sinks,
                                                           zmq::context_t& context);

}  // namespace privmon
