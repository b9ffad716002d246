// KafkaOutput: writes each alert as one Kafka message (key = tenant id, value = the alert line in
// the sink's format, no trailing newline) on librdkafka's producer. An alert counts as delivered
// only on a successful delivery report; a failed report is counted (privmon_sink_errors_total)
// and the alert produced again, up to kRedeliveries times, then counted as dropped and reported
// on stderr (librdkafka itself retries each produce until message.timeout.ms).
// Owned and used by the AlertDispatcher's thread only; delivery reports are served on that
// thread too (in Write, Flush and Idle). A full local queue makes Write wait (back-pressure).
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "sinks/alert_output.h"

namespace privmon {

class KafkaOutput final : public AlertOutput {
 public:
  static constexpr int kRedeliveries = 3;

  // Throws std::runtime_error on a refused property or an unreadable secret file. `stats` may be
  // null.
  KafkaOutput(const SinkSettings& settings, KafkaSinkStats* stats);
  // Waits up to 30 s for outstanding delivery reports; alerts still undelivered are counted as
  // dropped, loudly.
  ~KafkaOutput() override;
  KafkaOutput(const KafkaOutput&) = delete;
  KafkaOutput& operator=(const KafkaOutput&) = delete;

  void Write(std::string_view json_line) override { Produce({}, json_line, 0); }
  void WriteAlert(const Alert& alert, std::string_view line) override {
    Produce(alert.tenant_id.view(), line, 0);
  }
  void Flush() override { rd_kafka_poll(rk_, 0); }
  void Idle() override { rd_kafka_poll(rk_, 0); }

 private:
  void Produce(std::string_view key, std::string_view value, int attempt);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  std::string name_;
  std::string topic_;
  KafkaSinkStats* stats_;
  KafkaSinkStats own_stats_{"kafka"};  // when no stats are given
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace privmon
