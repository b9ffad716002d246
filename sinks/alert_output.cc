#include "sinks/alert_output.h"

#include <cerrno>
#include <stdexcept>

#include "sinks/fd_output.h"
#include "sinks/kafka_output.h"
#include "sinks/zmq_pub_output.h"

namespace privmon {

bool IsPermanentWriteError(int error) {
  switch (error) {
    case EPIPE:
    case EBADF:
    case EINVAL:
    case ECONNRESET:
    case ENOTCONN:
    case ETERM:
    case ENOTSOCK:
      return true;
    default:
      return false;  // ENOSPC, EDQUOT, EIO, EFBIG...: an operator can fix it, keep retrying
  }
}

std::vector<std::unique_ptr<AlertOutput>> MakeAlertOutputs(const std::vector<SinkSettings>& sinks,
                                                           zmq::context_t& context) {
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
      case SinkType::kKafka:
        outputs.push_back(std::make_unique<KafkaOutput>(s));
        break;
    }
    outputs.back()->set_format(s.format);
    outputs.back()->set_name(s.name);
  }
  return outputs;
}

}  // namespace privmon
