// Where formatted alert lines go: stdout, a file, a ZeroMQ PUB socket. Each output is owned and
// used by one thread only (the AlertDispatcher's); none is thread-safe. Write() buffers and never
// blocks on a slow reader (PUB drops at its high-water mark); Flush() pushes buffered lines out.
// Construction opens/binds and throws std::runtime_error on failure (start-up only).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"

namespace privmon {

class AlertOutput {
 public:
  virtual ~AlertOutput() = default;
  // `json_line` is one alert ending in '\n'.
  virtual void Write(std::string_view json_line) = 0;
  // `line` is the alert formatted for this output; outputs that need more of the alert (the
  // Kafka sink's key is its tenant) override this.
  virtual void WriteAlert(const Alert& /*alert*/, std::string_view line) { Write(line); }
  virtual void Flush() = 0;
  // Called on the sink thread when it has nothing to write (about once a millisecond): outputs
  // with acknowledgements to collect (Kafka delivery reports) do it here.
  virtual void Idle() {}
  // The format of the lines this output wants (the sink's `format`); set once at start-up.
  AlertFormat format() const { return format_; }
  void set_format(AlertFormat format) { format_ = format; }

 private:
  AlertFormat format_ = AlertFormat::kNative;
};

// stdio-buffered writes to stdout; fflush at Flush().
class StdoutOutput final : public AlertOutput {
 public:
  void Write(std::string_view json_line) override;
  void Flush() override;
};

// Appends (or truncates, when append is false) and writes lines to a file; fflush at Flush().
class FileOutput final : public AlertOutput {
 public:
  FileOutput(const std::string& path, bool append);
  void Write(std::string_view json_line) override;
  void Flush() override;

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file_;
};

// Binds a PUB socket on `endpoint`; each alert is one single-frame message without the trailing
// '\n'. Subscribers that join late miss earlier alerts (PUB semantics).
class ZmqPubOutput final : public AlertOutput {
 public:
  ZmqPubOutput(zmq::context_t& context, const std::string& endpoint);
  void Write(std::string_view json_line) override;
  void Flush() override {}
  // The endpoint actually bound (resolves "tcp://127.0.0.1:*" to the chosen port).
  std::string last_endpoint() const;

 private:
  zmq::socket_t socket_;
};

// One output per configured sink, in order. Throws std::runtime_error naming the sink on failure.
// A Kafka sink adds its counters to `stats->kafka_sinks` (when stats is given).
std::vector<std::unique_ptr<AlertOutput>> MakeAlertOutputs(const std::vector<SinkSettings>& sinks,
                                                           zmq::context_t& context,
                                                           PipelineStats* stats = nullptr);

}  // namespace privmon
