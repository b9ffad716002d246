#include "sinks/kafka_output.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "pipeline/kafka_config.h"

namespace privmon {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 4> kProducerDefaults = {{
    {"client.id", "privmon"},
    // librdkafka's retries never duplicate or reorder an alert.
    {"enable.idempotence", "true"},
    {"linger.ms", "5"},
    {"queue.buffering.max.messages", "100000"},
}};

}  // namespace

KafkaOutput::KafkaOutput(const SinkSettings& s)
    : name_(s.name.empty() ? "kafka" : s.name),
      topic_(s.kafka.topics.empty() ? std::string() : s.kafka.topics.front()) {
  const std::string what = "alert sink " + name_;
  if (topic_.empty()) throw std::runtime_error(what + ": no topic");
  KafkaConf conf = MakeKafkaConf(s.kafka, kProducerDefaults, what);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaOutput::OnDelivery);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (rk_ == nullptr) throw std::runtime_error(what + ": " + err);
  (void)conf.release();  // rd_kafka_new took it
}

KafkaOutput::~KafkaOutput() {
  (void)rd_kafka_flush(rk_, 5'000);
  rd_kafka_destroy(rk_);
}

WriteResult KafkaOutput::Write(std::string_view bytes) {
  std::string_view key, value = bytes;
  if (const std::size_t sep = bytes.find(kTenantKeySeparator); sep != std::string_view::npos) {
    key = bytes.substr(0, sep);
    value = bytes.substr(sep + 1);
  }
  if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
  if (!Produce(key, value, 0)) return {};  // the local queue is full: not ready
  rd_kafka_poll(rk_, 0);
  return {.accepted = bytes.size(), .deferred = true};
}

Acknowledgements KafkaOutput::Poll(std::chrono::milliseconds wait) {
  rd_kafka_poll(rk_, static_cast<int>(wait.count()));
  const Acknowledgements out = acks_;
  acks_ = {};
  return out;
}

void KafkaOutput::Abandon() {
  abandoned_ = true;
  (void)rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);  // purged messages get their (failed) reports here
}

bool KafkaOutput::Produce(std::string_view key, std::string_view value, int attempt) {
  for (int tries = 0;; ++tries) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_.c_str()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        // The attempt number rides in the opaque pointer (never dereferenced).
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(attempt))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (attempt == 0) ++in_flight_;
      return true;
    }
    // The first attempt may wait for room (serving reports makes it); a redelivery is produced
    // from inside a delivery report, where polling is not allowed.
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt == 0) {
      if (tries != 0) return false;
      rd_kafka_poll(rk_, 100);
      continue;
    }
    // Refused for good (too large, unknown topic...), or a redelivery found no room.
    ++acks_.errors;
    ++acks_.lost;
    acks_.last_failed = true;
    if (attempt != 0) --in_flight_;
    std::fprintf(stderr, "privmon: %s sink %s: %s NOT written to Kafka topic %s: %s\n",
                 item_.c_str(), name_.c_str(), item_.c_str(), topic_.c_str(),
                 rd_kafka_err2str(err));
    return true;
  }
}

void KafkaOutput::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaOutput*>(opaque);
  Acknowledgements& acks = self->acks_;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    --self->in_flight_;
    ++acks.written;
    acks.last_failed = false;
    return;
  }
  ++acks.errors;
  acks.last_failed = true;
  const int attempt = static_cast<int>(reinterpret_cast<intptr_t>(m->_private));
  if (attempt < kRedeliveries && !self->abandoned_) {
    std::fprintf(stderr, "privmon: %s sink %s: delivery failed (%s); producing again (%d/%d)\n",
                 self->item_.c_str(), self->name_.c_str(), rd_kafka_err2str(m->err), attempt + 1,
                 kRedeliveries);
    const std::string_view key(static_cast<const char*>(m->key),
                               m->key != nullptr ? m->key_len : 0);
    const std::string_view value(static_cast<const char*>(m->payload), m->len);
    self->Produce(key, value, attempt + 1);  // stays in flight (or is counted lost)
    return;
  }
  --self->in_flight_;
  ++acks.lost;
  std::fprintf(stderr, "privmon: %s sink %s: %s NOT delivered to Kafka topic %s%s: %s\n",
               self->item_.c_str(), self->name_.c_str(), self->item_.c_str(), self->topic_.c_str(),
               self->abandoned_ ? " (shutdown)" : " after the last redelivery",
               rd_kafka_err2str(m->err));
}

}  // namespace privmon
