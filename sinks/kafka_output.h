// KafkaOutput: writes each alert as one Kafka message (key = tenant id, value = the alert line in
// the sink's format, no trailing newline) on librdkafka's producer. Writes are deferred: an alert
// counts as written only on a successful delivery report (Poll()); a failed report is counted as
// an error and the alert produced again, up to kRedeliveries times (librdkafka itself retries each
// produce until message.timeout.ms), then reported as lost. Abandon() purges what is in flight;
// those alerts come back from the next Poll() as lost. Owned and used by its SinkWorker's thread
// only; delivery reports are served on that thread (in Write and Poll). A full local queue makes
// Write wait up to 100 ms, then report "not ready" (back-pressure on the worker's ring).
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "core/config.h"
#include "sinks/alert_output.h"

namespace privmon {

class KafkaOutput final : public AlertOutput {
 public:
  static constexpr int kRedeliveries = 3;

  // Throws std::runtime_error on a refused property or an unreadable secret file.
  explicit KafkaOutput(const SinkSettings& settings);
  // Waits up to 5 s for outstanding delivery reports (they are no longer counted).
  ~KafkaOutput() override;
  KafkaOutput(const KafkaOutput&) = delete;
  KafkaOutput& operator=(const KafkaOutput&) = delete;

  // `bytes` is one line, "<key>\x1f<value>\n" (or "<value>\n", unkeyed).
  WriteResult Write(std::string_view bytes) override;
  bool OneLinePerWrite() const override { return true; }
  std::string_view kind() const override { return "kafka"; }
  bool KeyedByTenant() const override { return true; }
  uint64_t Unacknowledged() const override { return static_cast<uint64_t>(in_flight_); }
  Acknowledgements Poll(std::chrono::milliseconds wait) override;
  void Abandon() override;
  // Its stderr lines name what it carries: "alert" (default) or, for the dead letter's Kafka
  // copy, "dead-letter entry".
  void set_item(std::string item) { item_ = std::move(item); }

 private:
  // False when the local queue stayed full (nothing produced); a refused message is counted lost.
  bool Produce(std::string_view key, std::string_view value, int attempt);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  std::string name_;
  std::string topic_;
  std::string item_ = "alert";
  rd_kafka_t* rk_ = nullptr;
  int64_t in_flight_ = 0;  // produced, no final report yet (a redelivery stays in flight)
  bool abandoned_ = false;
  Acknowledgements acks_;  // since the last Poll()
};

}  // namespace privmon
