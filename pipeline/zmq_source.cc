#include <algorithm>
#include <stdexcept>
#include <string>
#include <zmq.hpp>

#include "pipeline/kafka_source.h"
#include "pipeline/message_source.h"
#include "pipeline/tenant_id.h"
#include "pipeline/zap_authenticator.h"

namespace privmon {
namespace {

class ZmqSource final : public MessageSource {
 public:
  // The largest message a peer may send: a bigger one disconnects the peer (ZMQ_MAXMSGSIZE) instead
  // of growing privmon's memory with it. Above max_message_bytes (rejected as oversized, counted,
  // dead-lettered) by a wide margin, so only an absurd message meets it.
  static int64_t MaxMessageSize(std::size_t max_message_bytes) {
    return static_cast<int64_t>(std::max<std::size_t>(std::size_t{1} << 20, 4 * max_message_bytes));
  }

  ZmqSource(const SourceSettings& s, zmq::context_t& ctx, std::size_t max_message_bytes)
      : socket_(ctx,
                s.type == SourceType::kZmqSub ? zmq::socket_type::sub : zmq::socket_type::pull),
        name_(s.name.empty() ? (s.type == SourceType::kZmqSub ? "zmq_sub" : "zmq") : s.name),
        tenant_(s.tenant),
        multi_tenant_(s.multi_tenant) {
    socket_.set(zmq::sockopt::rcvhwm, s.high_water_mark);
    socket_.set(zmq::sockopt::maxmsgsize, MaxMessageSize(max_message_bytes));
    socket_.set(zmq::sockopt::linger, 0);
    if (s.type == SourceType::kZmqSub) socket_.set(zmq::sockopt::subscribe, "");
    if (!s.curve_secret_key_file.empty()) {
      zap_ = std::make_unique<ZapAuthenticator>(ctx, s.curve_allowed_clients);
      socket_.set(zmq::sockopt::curve_server, 1);
      socket_.set(zmq::sockopt::curve_secretkey, ReadCurveKeyFile(s.curve_secret_key_file));
      socket_.set(zmq::sockopt::zap_domain, "privmon");
    }
    try {
      if (s.bind) {
        socket_.bind(s.endpoint);
      } else {
        socket_.connect(s.endpoint);
      }
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("source " + name_ + ": cannot " + (s.bind ? "bind " : "connect ") +
                               s.endpoint + ": " + e.what());
    }
  }

  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    // A message already queued is taken without a poll(2) (one system call per message saved
    // while the socket has a backlog). A non-blocking receive that finds nothing has already
    // processed the socket's pending commands (a reader activation) and looked again, so with no
    // timeout the socket is empty: no zmq_poll (it cost a getsockopt(ZMQ_EVENTS) with its own
    // poll(2) on the mailbox, a poll(2) on the socket's fd and a second receive, once per message
    // at half load, where the parse thread asks with no timeout before it waits). Only an empty
    // socket asked with a timeout is polled. (A blocking receive bounded by ZMQ_RCVTIMEO instead
    // of that poll was tried in session 13 and not kept: p99 latency 40-46 ms in every run.)
    if (!socket_.recv(first_, zmq::recv_flags::dontwait)) {
      if (timeout.count() <= 0) return ReceiveStatus::kIdle;
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, timeout) == 0) return ReceiveStatus::kIdle;
      if (!socket_.recv(first_, zmq::recv_flags::dontwait)) return ReceiveStatus::kIdle;
    }
    out.tenant_frame = {};
    out.frame_error = nullptr;
    if (!first_.more()) {
      out.payload = first_.to_string_view();  // an empty one is refused by the parser
      return ReceiveStatus::kMessage;
    }
    // [tenant, payload] is the only multipart shape (DESIGN.md section 3). Any other is read whole
    // (so the stream never desynchronizes) and rejected as bad_frames, with the frames joined by
    // newlines as its bytes for the dead letter.
    (void)socket_.recv(second_, zmq::recv_flags::none);
    if (!second_.more()) {
      out.tenant_frame = first_.to_string_view();
      out.payload = second_.to_string_view();
      // An empty tenant frame names no tenant: the record's own, or the source's, applies.
      if (out.payload.empty()) {
        out.frame_error = "empty payload frame (is the record in the tenant frame?)";
      } else if (!out.tenant_frame.empty() && !IsTenantId(out.tenant_frame)) {
        // A tenant id is a GUID (pipeline/tenant_id.h), "{GUID}" too; JSON there is a record.
        const bool json = out.tenant_frame.find_first_of("[\":") != std::string_view::npos;
        out.frame_error =
            json ? "first frame is not a tenant id (is the record in it?)" : kTenantFrameNotGuid;
      }
      if (out.frame_error != nullptr) Join(out);
      return ReceiveStatus::kMessage;
    }
    joined_.assign(first_.to_string_view());
    joined_.push_back('\n');
    joined_.append(second_.to_string_view());
    while (second_.more()) {
      (void)socket_.recv(second_, zmq::recv_flags::none);
      joined_.push_back('\n');
      joined_.append(second_.to_string_view());
    }
    out.payload = joined_;
    out.frame_error = "more than two frames";
    return ReceiveStatus::kMessage;
  }

  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return multi_tenant_; }
  bool DrainsOnStop() const override { return true; }
  bool CanFanOut() const override { return true; }

 private:
  std::unique_ptr<ZapAuthenticator> zap_;  // must outlive the socket's handshakes
  zmq::socket_t socket_;
  std::string name_;
  std::string tenant_;
  bool multi_tenant_;
  // Keeps a rejected multipart message's frames for the dead letter.
  void Join(RawMessage& out) {
    joined_.assign(first_.to_string_view());
    joined_.push_back('\n');
    joined_.append(second_.to_string_view());
    out.payload = joined_;
    out.tenant_frame = {};
  }

  zmq::message_t first_;
  zmq::message_t second_;
  std::string joined_;  // keeps its capacity: no allocation once grown
};

}  // namespace

std::unique_ptr<MessageSource> OpenSource(const SourceSettings& s, zmq::context_t& ctx,
                                          PipelineStats* stats, std::size_t max_message_bytes) {
  if (s.type == SourceType::kFile || s.type == SourceType::kStdin) {
    return OpenFileSource(s, max_message_bytes, kFollowLastLineWait);
  }
  if (s.type == SourceType::kKafka) {
    KafkaSourceStats* kstats = nullptr;
    if (stats != nullptr) {
      kstats = &stats->kafka_sources.emplace_back(s.name.empty() ? "kafka" : s.name,
                                                  std::max(1u, s.kafka.max_partitions));
    }
    return OpenKafkaSource(s, kstats);
  }
  return std::make_unique<ZmqSource>(s, ctx, max_message_bytes);
}

}  // namespace privmon
