// ZmqPubOutput: alerts published on a ZeroMQ socket that PUB/SUB subscribers connect to, one
// single-frame message per alert without the trailing '\n'. PUB loses messages by design (no
// subscriber yet, or one that stopped reading); this output makes each loss visible: it is an
// XPUB socket with ZMQ_XPUB_NODROP, so a send that would exceed a subscriber's high-water mark
// fails with EAGAIN instead of vanishing, and it tracks subscriptions (ZMQ_XPUB_VERBOSER), so an
// alert published to nobody is reported as dropped, not written. The cost of exact accounting:
// while one subscriber is at its high-water mark, the alerts it cannot take are dropped for every
// subscriber (counted in privmon_alerts_dropped_total{sink}). A run of drops is also said on
// stderr once, when it starts (no subscriber, or one at its high-water mark) and when alerts are
// delivered again (with how many were dropped), at most once a minute (a slow subscriber at its
// mark flips between the two at every alert). Connections are counted too, through the socket's
// monitor (accepted minus disconnected, events the I/O thread sends as the TCP connection opens and
// closes): a subscriber's unsubscribe on disconnect reaches an idle XPUB only after a pipe-teardown
// round trip, and the first alert after the last subscriber left went to nobody, counted written
// (breaker round 137). What a subscriber holds unread when it disconnects is lost with it (PUB:
// "written" is handed to a connected subscriber). Owned by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <zmq.hpp>

#include "sinks/alert_output.h"

namespace privmon {

class ZmqPubOutput final : public AlertOutput {
 public:
  // Binds on `endpoint`; `send_high_water_mark` messages may queue per subscriber.
  ZmqPubOutput(zmq::context_t& context, const std::string& endpoint,
               int send_high_water_mark = 10000);
  ~ZmqPubOutput() override;
  ZmqPubOutput(const ZmqPubOutput&) = delete;
  ZmqPubOutput& operator=(const ZmqPubOutput&) = delete;
  WriteResult Write(std::string_view line) override;
  bool OneLinePerWrite() const override { return true; }
  std::string_view kind() const override { return "zmq_pub"; }
  // The endpoint actually bound (resolves "tcp://127.0.0.1:*" to the chosen port).
  std::string last_endpoint() const;
  int subscriptions() const { return subscriptions_; }

 private:
  void ReadSubscriptions();
  void ReadConnections();
  WriteResult Dropped(std::size_t taken, const char* why);
  bool NoticeDue() const;
  static constexpr std::chrono::seconds kNoticeEvery{60};

  zmq::socket_t socket_;
  std::string endpoint_;
  int subscriptions_ = 0;  // subscribe minus unsubscribe messages seen (every peer's)
  zmq::socket_t monitor_;  // PAIR on the socket's monitor; unconnected when it could not start
  bool monitored_ = false;
  int connections_ = 0;       // accepted minus disconnected (while monitored_)
  uint64_t dropped_run_ = 0;  // alerts dropped since the last recovery line
  bool announced_ = false;    // the current run of drops was said
  bool noticed_ = false;      // a line was written (last_notice_ holds when)
  std::chrono::steady_clock::time_point last_notice_{};
};

}  // namespace privmon
