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

KafkaOutput::KafkaOutput(const SinkSettings& s, KafkaSinkStats* stats)
    : name_(s.name.empty() ? "kafka" : s.name),
      topic_(s.kafka.topics.empty() ? std::string() : s.kafka.topics.front()),
      stats_(stats != nullptr ? stats : &own_stats_) {
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
  (void)rd_kafka_flush(rk_, 30'000);
  const int64_t left = stats_->in_flight.load(std::memory_order_relaxed);
  if (left > 0) {
    stats_->dropped.fetch_add(static_cast<uint64_t>(left), std::memory_order_relaxed);
    std::fprintf(stderr,
                 "privmon: alert sink %s: %lld alert(s) NOT delivered to Kafka topic %s at "
                 "shutdown (no delivery report within 30 s)\n",
                 name_.c_str(), static_cast<long long>(left), topic_.c_str());
  }
  rd_kafka_destroy(rk_);
}

void KafkaOutput::Produce(std::string_view key, std::string_view value, int attempt) {
  if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(attempt))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      stats_->in_flight.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      stats_->errors.fetch_add(1, std::memory_order_relaxed);
      stats_->dropped.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "privmon: alert sink %s: alert NOT written to Kafka topic %s: %s\n",
                   name_.c_str(), topic_.c_str(), rd_kafka_err2str(err));
      break;
    }
    rd_kafka_poll(rk_, 100);  // the local queue is full: serve reports until there is room
  }
  rd_kafka_poll(rk_, 0);
}

void KafkaOutput::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaOutput*>(opaque);
  KafkaSinkStats& st = *self->stats_;
  st.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    st.delivered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  st.errors.fetch_add(1, std::memory_order_relaxed);
  const int attempt = static_cast<int>(reinterpret_cast<intptr_t>(m->_private));
  const std::string_view key(static_cast<const char*>(m->key), m->key != nullptr ? m->key_len : 0);
  const std::string_view value(static_cast<const char*>(m->payload), m->len);
  if (attempt < kRedeliveries) {
    std::fprintf(stderr, "privmon: alert sink %s: delivery failed (%s); producing again (%d/%d)\n",
                 self->name_.c_str(), rd_kafka_err2str(m->err), attempt + 1, kRedeliveries);
    self->Produce(key, value, attempt + 1);
    return;
  }
  st.dropped.fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr,
               "privmon: alert sink %s: alert NOT delivered to Kafka topic %s after %d "
               "redeliveries: %s\n",
               self->name_.c_str(), self->topic_.c_str(), kRedeliveries, rd_kafka_err2str(m->err));
}

}  // namespace privmon
