#include "pipeline/repartitioner.h"

#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "parsers/record_parser.h"
#include "pipeline/clock.h"
#include "pipeline/kafka_config.h"
#include "pipeline/kafka_metadata.h"
#include "pipeline/kafka_source.h"
#include "pipeline/state_topic_format.h"

namespace privmon {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 5> kProducerDefaults = {{
    {"client.id", "privmon-repartitioner"},
    // Bounded: past this the reading stops (back-pressure) instead of buffering without end.
    {"queue.buffering.max.kbytes", "16384"},
    {"linger.ms", "5"},
    // Idempotent: a retried batch is written once, in order, per state partition.
    {"enable.idempotence", "true"},
    {"log.connection.close", "false"},
}};
constexpr auto kCommitEvery = std::chrono::milliseconds(500);

}  // namespace

struct Repartitioner::Producer {
  rd_kafka_t* rk = nullptr;
  StateTopicStats* stats = nullptr;
  std::atomic<uint64_t> lost{0};  // failed deliveries that could not be produced again

  ~Producer() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }

  // Delivery reports, on the thread that polls (the repartitioner's, or Stop's flush).
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->len > 0) Bump(self->stats->produced);  // a record, not a progress mark
      return;
    }
    Bump(self->stats->produce_errors);
    std::fprintf(stderr, "privmon: state topic: delivery failed (%s): producing it again\n",
                 rd_kafka_err2str(m->err));
    rd_kafka_headers_t* headers = nullptr;
    rd_kafka_headers_t* copy = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      copy = rd_kafka_headers_copy(headers);
    }
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(m->rkt), RD_KAFKA_V_PARTITION(m->partition),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (copy != nullptr) rd_kafka_headers_destroy(copy);
      self->lost.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr,
                   "privmon: state topic: a record could not be produced again (%s): input "
                   "offsets are no longer committed; a restart reads them again\n",
                   rd_kafka_err2str(e));
    }
  }
};

Repartitioner::Repartitioner(const SourceSettings& settings, std::size_t max_message_bytes,
                             PipelineStats& stats, RejectSink* rejects)
    : settings_(settings),
      max_message_bytes_(max_message_bytes),
      stats_(stats),
      rejects_(rejects),
      producer_(std::make_unique<Producer>()) {
  const KafkaSettings& k = settings.kafka;
  const std::string what = "state topic " + k.state_topic;
  KafkaConf conf = MakeKafkaConf(k, kProducerDefaults, what);
  rd_kafka_conf_set_opaque(conf.get(), producer_.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::OnDelivery);
  producer_->stats = &stats.state_topic;
  char err[512];
  producer_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (producer_->rk == nullptr) throw std::runtime_error(what + ": " + err);
  (void)conf.release();
  // The operator creates the topic with its partition count (README "Running N instances"): a
  // topic with another count would move tenants between partitions and their state.
  std::string why;
  const int partitions = KafkaTopicPartitions(producer_->rk, k.state_topic, 20, &why);
  if (partitions < 0) {
    throw std::runtime_error(what + ": cannot read its metadata (" + why +
                             "); create it first (README \"Running N instances\")");
  }
  if (static_cast<uint32_t>(partitions) != k.state_partitions) {
    throw std::runtime_error(
        what + " has " + std::to_string(partitions) +
        " partitions, the config says state_partitions: " + std::to_string(k.state_partitions) +
        " (the count decides which partition owns a tenant: it must not "
        "change under running state)");
  }
  SourceSettings input = settings;
  input.kafka.commit_after_checkpoint = true;  // commits only what the producer confirmed
  input.name = settings.name.empty() ? "kafka" : settings.name;
  for (auto& s : stats.sources) {
    if (s.name == input.name) source_stats_ = &s;
  }
  input_ = OpenKafkaSource(input, &stats.kafka_sources.emplace_back(
                                      input.name, std::max(1u, input.kafka.max_partitions)));
}

Repartitioner::~Repartitioner() { Stop(); }

void Repartitioner::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void Repartitioner::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Repartitioner::Loop(std::stop_token stop) {
  auto last_commit = std::chrono::steady_clock::now();
  RawMessage raw;
  RecordParser parser(max_message_bytes_);
  while (!stop.stop_requested() && !incomplete_) {
    const ReceiveStatus status = input_->Receive(raw, std::chrono::milliseconds(50));
    rd_kafka_poll(producer_->rk, 0);  // delivery reports
    if (status == ReceiveStatus::kMessage) Handle(parser, raw, stop);
    if (std::chrono::steady_clock::now() - last_commit >= kCommitEvery) {
      Commit(30'000);
      last_commit = std::chrono::steady_clock::now();
    }
  }
  Commit(30'000);
  input_.reset();  // leaves the group (the parse of the last message is done)
}

void Repartitioner::Commit(int timeout_ms) {
  // Offsets of the messages handed out so far; every record produced from them is in the queue.
  const int64_t cut = input_->Position();
  if (rd_kafka_flush(producer_->rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (incomplete_ || producer_->lost.load(std::memory_order_relaxed) != 0) return;
  input_->Covered(cut);
  SendMarks();
}

void Repartitioner::SendMarks() {
  char value[32];
  for (auto& [input, clock] : inputs_) {
    if (clock.newest == clock.marked) continue;
    clock.marked = clock.newest;
    const int len =
        std::snprintf(value, sizeof value, "%lld", static_cast<long long>(clock.newest));
    for (uint32_t q = 0; q < settings_.kafka.state_partitions; ++q) {
      const rd_kafka_resp_err_t e = rd_kafka_producev(
          producer_->rk, RD_KAFKA_V_TOPIC(settings_.kafka.state_topic.c_str()),
          RD_KAFKA_V_PARTITION(static_cast<int32_t>(q)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADER(kStateFormatHeader, kStateFormatValue, -1),
          RD_KAFKA_V_HEADER(kStateInputHeader, input.data(), static_cast<ssize_t>(input.size())),
          RD_KAFKA_V_HEADER(kStateMarkHeader, value, len), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        clock.marked = INT64_MIN;  // sent again after the next commit
        break;
      }
    }
  }
}

void Repartitioner::Handle(RecordParser& parser, const RawMessage& raw, std::stop_token stop) {
  ParserStats& pstats = stats_.parsers[0];
  const std::string& source = input_->name();
  if (source_stats_ != nullptr) {
    Bump(source_stats_->messages);
    source_stats_->bytes.fetch_add(raw.payload.size(), std::memory_order_relaxed);
  }
  if (raw.frame_error != nullptr) {
    Bump(pstats.rejected[static_cast<std::size_t>(RejectReason::kBadFrames)]);
    if (rejects_ != nullptr) {
      // No tenant: the frame naming one was refused (its text is in the entry's raw bytes).
      rejects_->OnReject(RejectReason::kBadFrames, raw.frame_error, raw.payload, source);
    }
    return;
  }
  const ParseContext ctx{raw.tenant_frame, input_->tenant(), 0,
                         NowNs(),          sequence_++,      input_->multi_tenant()};
  const ParseResult& result = parser.Parse(raw.payload, ctx);
  for (const Rejection& r : result.rejections) {
    Bump(pstats.rejected[static_cast<std::size_t>(r.reason)]);
    if (rejects_ != nullptr) {
      rejects_->OnReject(r.reason, r.detail, r.raw, source, 0, TransportTenant(raw, *input_));
    }
  }
  for (const Skipped& s : result.skipped) {
    Bump(pstats.skipped[static_cast<std::size_t>(s.category)]);
    if (rejects_ != nullptr) {
      rejects_->OnSkip(s.category, s.raw, source, TransportTenant(raw, *input_));
    }
  }
  char input[320];
  const int len = std::snprintf(input, sizeof input, "%.*s:%d", static_cast<int>(raw.topic.size()),
                                raw.topic.data(), raw.partition);
  const std::string_view input_name(input, static_cast<std::size_t>(std::max(0, len)));
  int64_t newest = INT64_MIN;
  for (const Event& e : result.events) {
    // A registration's time (when it last changed) moves no clock (ProgressMarks::Admit).
    if (e.kind != EventKind::kMfaRegistration) newest = std::max<int64_t>(newest, e.time);
  }
  for (std::size_t i = 0; i < result.events.size(); ++i) {
    const Event& e = result.events[i];
    const int32_t partition = StatePartitionOf(e.tenant_hash, settings_.kafka.state_partitions);
    if (!Produce(result.event_raw[i], e.tenant_id.view(), partition, input_name, stop)) {
      incomplete_ = true;
      return;
    }
  }
  if (newest != INT64_MIN) {
    input_key_.assign(input_name);  // reused: no allocation per message
    InputClock& clock = inputs_[input_key_];
    clock.newest = std::max(clock.newest, newest);
  }
}

bool Repartitioner::Produce(std::string_view record, std::string_view tenant, int32_t partition,
                            std::string_view input, std::stop_token stop) {
  for (;;) {
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        producer_->rk, RD_KAFKA_V_TOPIC(settings_.kafka.state_topic.c_str()),
        RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char*>(tenant.data()), tenant.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.data()), record.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADER(kStateFormatHeader, kStateFormatValue, -1),
        RD_KAFKA_V_HEADER(kStateInputHeader, input.data(), static_cast<ssize_t>(input.size())),
        RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      Bump(stats_.state_topic.produce_errors);
      if (++produce_failures_ <= 10 || produce_failures_ % 1000 == 0) {
        std::fprintf(stderr, "privmon: state topic: cannot produce (%s); retrying\n",
                     rd_kafka_err2str(e));
      }
    }
    // Back-pressure: the input waits while the producer's bounded queue drains.
    if (stop.stop_requested()) return false;
    rd_kafka_poll(producer_->rk, 100);
  }
}

}  // namespace privmon
