#include "sinks/alert_output.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sinks/kafka_output.h"

namespace privmon {

void StdoutOutput::Write(std::string_view json_line) {
  std::fwrite(json_line.data(), 1, json_line.size(), stdout);
}

void StdoutOutput::Flush() { std::fflush(stdout); }

FileOutput::FileOutput(const std::string& path, bool append)
    : file_(std::fopen(path.c_str(), append ? "ab" : "wb")) {
  if (!file_) {
    throw std::runtime_error("alert sink: cannot open file '" + path +
                             "': " + std::strerror(errno));
  }
}

void FileOutput::Write(std::string_view json_line) {
  std::fwrite(json_line.data(), 1, json_line.size(), file_.get());
}

void FileOutput::Flush() { std::fflush(file_.get()); }

ZmqPubOutput::ZmqPubOutput(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::pub) {
  socket_.set(zmq::sockopt::linger, 1000);
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("alert sink: cannot bind ZeroMQ PUB on '" + endpoint +
                             "': " + e.what());
  }
}

void ZmqPubOutput::Write(std::string_view json_line) {
  if (!json_line.empty() && json_line.back() == '\n') json_line.remove_suffix(1);
  // PUB never blocks: at the high-water mark the message is dropped for slow subscribers.
  (void)socket_.send(zmq::const_buffer(json_line.data(), json_line.size()),
                     zmq::send_flags::dontwait);
}

std::string ZmqPubOutput::last_endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

std::vector<std::unique_ptr<AlertOutput>> MakeAlertOutputs(const std::vector<SinkSettings>& sinks,
                                                           zmq::context_t& context,
                                                           PipelineStats* stats) {
  std::vector<std::unique_ptr<AlertOutput>> outputs;
  for (const SinkSettings& s : sinks) {
    switch (s.type) {
      case SinkType::kStdout:
        outputs.push_back(std::make_unique<StdoutOutput>());
        break;
      case SinkType::kFile:
        if (s.path.empty()) throw std::runtime_error("alert sink: file sink without a path");
        outputs.push_back(std::make_unique<FileOutput>(s.path, /*append=*/true));
        break;
      case SinkType::kZmqPub:
        if (s.endpoint.empty()) {
          throw std::runtime_error("alert sink: zmq_pub sink without an endpoint");
        }
        outputs.push_back(std::make_unique<ZmqPubOutput>(context, s.endpoint));
        break;
      case SinkType::kKafka: {
        KafkaSinkStats* kstats = nullptr;
        if (stats != nullptr) {
          kstats = &stats->kafka_sinks.emplace_back(s.name.empty() ? "kafka" : s.name);
        }
        outputs.push_back(std::make_unique<KafkaOutput>(s, kstats));
        break;
      }
    }
    outputs.back()->set_format(s.format);
  }
  return outputs;
}

}  // namespace privmon
