#include "pipeline/kafka_source.h"

#include <absl/container/flat_hash_map.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/clock.h"
#include "pipeline/kafka_config.h"
#include "pipeline/kafka_metadata.h"
#include "pipeline/state_topic_format.h"
#include "pipeline/tenant_id.h"

namespace privmon {
namespace {

// privmon's defaults; any of them can be overridden under `properties`.
constexpr std::array<std::pair<const char*, const char*>, 9> kConsumerDefaults = {{
    {"client.id", "privmon"},
    // A fetch that finds no new data waits this long at the broker (default 500 ms). While it
    // waits, partitions left out of it because their local queue was full cannot be fetched
    // again, and the event-time merge waits on whichever of them empties first: catching up on
    // a backlog (a restart, a replay) ran at ~0.45 x scan with 500 ms, ~0.95 x with 100 ms
    // (privmon_kafka_bench K1, BENCHMARKS.md session 18). At the head of an idle topic a
    // consumer asks each broker at most 10 times a second.
    {"fetch.wait.max.ms", "100"},
    // Offsets are stored only for messages parsed and queued to the shards (see StoreDelivered).
    {"enable.auto.offset.store", "false"},
    // Bounded local buffering: past this, librdkafka stops fetching (back-pressure).
    {"queued.max.messages.kbytes", "16384"},
    {"queued.min.messages", "1000"},
    // A fetch response is read into one buffer of its size (librdkafka's default cap here is the
    // 16 MiB above). Kept under privmon's mmap threshold (core/heap_retention.h, 4 MiB), it comes
    // from the retained heap instead of a fresh mapping faulted in page by page and unmapped again:
    // ~0.8 us less CPU per record catching up (privmon_kafka_bench K1, BENCHMARKS.md session 19).
    // It must stay >= message.max.bytes (1000000 by default).
    {"fetch.max.bytes", "3145728"},
    // A partition at its end does not hold the round robin back.
    {"enable.partition.eof", "true"},
    // A new group reads what the topic retains rather than missing it.
    {"auto.offset.reset", "earliest"},
    {"log.connection.close", "false"},
}};

constexpr uint32_t kHeldPerPartition = 64;  // messages buffered per partition for the merge
// How long a partition with nothing fetched (and not at its end) may hold the others back: as
// long as an input may hold a tenant's watermark back (pipeline/tenant_clocks.h, 10 s), so a
// partition whose fetches come late is waited for, never overtaken (its records would be late).
constexpr int64_t kMergeWaitNs = 10'000'000'000;
// After an assignment, a partition's first fetch waits for its offset lookup: until it has
// answered (a message or its end), it may hold the others back this long.
constexpr int64_t kFirstFetchWaitNs = 10'000'000'000;
constexpr int64_t kLagEveryNs = 1'000'000'000;
// While every broker is down, a broker is asked for metadata this often (KafkaSource::Probe),
// waiting this long for its answer.
constexpr int64_t kProbeEveryNs = 5'000'000'000;
constexpr int kProbeTimeoutMs = 1000;
// While every assigned partition has a message held (or is at its end), librdkafka's queues are
// swept once per this many messages handed out (rebalances and errors are served then too).
constexpr uint32_t kDeliveriesPerSweep = 32;

// A fixed clock per (topic, partition), the same in every run and process, so a checkpoint's
// per-partition clocks come back to the same partitions: named topics split max_partitions into
// equal ranges (in their configured order); regex topics share one range.
uint32_t Stride(const std::vector<std::string>& topics, uint32_t max_partitions) {
  return std::max(1u, max_partitions / std::max<uint32_t>(1, topics.size()));
}
uint32_t ClockOf(const std::vector<std::string>& topics, uint32_t max_partitions,
                 std::string_view topic, int32_t partition) {
  uint32_t topic_index = 0;
  for (std::size_t t = 0; t < topics.size(); ++t) {
    if (topics[t] == topic) topic_index = static_cast<uint32_t>(t);
  }
  const uint32_t stride = Stride(topics, max_partitions);
  return topic_index * stride +
         std::min<uint32_t>(static_cast<uint32_t>(std::max(0, partition)), stride - 1);
}

bool LooksLikeTenant(std::string_view v) {
  return v.size() <= 128 && v.find_first_of("{[\"\n") == std::string_view::npos;
}

class KafkaSource final : public MessageSource {
 public:
  KafkaSource(const SourceSettings& s, KafkaSourceStats* stats)
      : name_(s.name.empty() ? "kafka" : s.name),
        tenant_(s.tenant),
        multi_tenant_(s.multi_tenant),
        tenant_from_key_(s.kafka.tenant_from_key),
        max_partitions_(std::max(1u, s.kafka.max_partitions)),
        input_idle_ns_(s.kafka.partition_idle_timeout_s * 1'000'000'000),
        commit_after_checkpoint_(s.kafka.commit_after_checkpoint),
        manual_partition_(s.kafka.assign_partition),
        clock_from_header_(s.kafka.clock_from_header),
        input_topics_(s.kafka.input_topics),
        topic_names_(s.kafka.topics.size() == 1 && !s.kafka.topics[0].empty() &&
                             s.kafka.topics[0][0] == '^'
                         ? std::vector<std::string>{}
                         : s.kafka.topics),
        stats_(stats) {
    const std::string what = "source " + name_;
    KafkaConf conf = MakeKafkaConf(s.kafka, kConsumerDefaults, what);
    char err[512];
    if ((commit_after_checkpoint_ || manual_partition_ >= 0) &&
        rd_kafka_conf_set(conf.get(), "enable.auto.commit", "false", err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
      throw std::runtime_error(what + ": " + err);
    }
    // A state partition's consumer resumes at its checkpoint's offset: if retention deleted
    // that offset, librdkafka reports it (ERR__AUTO_OFFSET_RESET) instead of moving on silently,
    // and Hold() counts exactly the records deleted unread (not offset gaps, which transaction
    // markers and Event Hubs' own offsets leave without any record lost).
    if (manual_partition_ >= 0 && rd_kafka_conf_set(conf.get(), "auto.offset.reset", "error", err,
                                                    sizeof err) != RD_KAFKA_CONF_OK) {
      throw std::runtime_error(what + ": " + err);
    }
    if (rd_kafka_conf_set(conf.get(), "group.id", s.kafka.group.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      throw std::runtime_error(what + ": group: " + err);
    }
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::OnRebalance);
    // Errors that belong to no message (broker connections, every broker down, fatal errors)
    // come to OnError, served by rd_kafka_consumer_poll on this thread (breaker round 93: with no
    // callback librdkafka only logged them; nothing counted them and /readyz stayed 200;
    // kafka.KafkaBrokerDown.*).
    rd_kafka_conf_set_error_cb(conf.get(), &KafkaSource::OnError);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
    if (rk_ == nullptr) throw std::runtime_error(what + ": " + err);
    (void)conf.release();  // rd_kafka_new took it
    rd_kafka_poll_set_consumer(rk_);
    // Every partition is read from its own queue (OnRebalance), so one partition's fetched batch
    // never stands in front of another's; queues signal this eventfd when they fill.
    io_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (io_fd_ < 0) {
      rd_kafka_destroy(rk_);
      throw std::runtime_error(what + ": eventfd: " + std::strerror(errno));
    }
    consumer_queue_ = rd_kafka_queue_get_consumer(rk_);
    rd_kafka_queue_io_event_enable(consumer_queue_, io_fd_, "1", 1);
    // A state partition's consumer is assigned its one partition at the first Receive (after
    // Resume gave it the checkpoint's offset); it joins no group.
    if (manual_partition_ >= 0) return;
    rd_kafka_topic_partition_list_t* topics =
        rd_kafka_topic_partition_list_new(static_cast<int>(s.kafka.topics.size()));
    for (const std::string& t : s.kafka.topics) {
      rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_queue_destroy(consumer_queue_);
      ::close(io_fd_);
      rd_kafka_destroy(rk_);
      throw std::runtime_error(what + ": cannot subscribe: " + rd_kafka_err2str(e));
    }
  }

  ~KafkaSource() override {
    StoreDelivered();              // the parse thread finished with it before letting the source go
    if (manual_partition_ >= 0) {  // a state partition given up: its slot shows no lag
      for (Partition& p : partitions_) {
        if (p.slot == nullptr) continue;
        p.slot->assigned.store(false, std::memory_order_relaxed);
        p.slot->lag.store(-1, std::memory_order_relaxed);
      }
    }
    for (Partition& p : partitions_) DropHeld(p);
    rd_kafka_consumer_close(rk_);  // commits stored offsets, leaves the group (revokes first)
    for (Partition& p : partitions_) ReleaseQueue(p);
    if (assignment_ != nullptr) rd_kafka_topic_partition_list_destroy(assignment_);
    rd_kafka_queue_io_event_enable(consumer_queue_, -1, nullptr, 0);
    rd_kafka_queue_destroy(consumer_queue_);
    rd_kafka_destroy(rk_);
    ::close(io_fd_);
  }
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    // Receive is called again only once the previous message was parsed and queued to the shards.
    StoreDelivered();
    if (manual_partition_ >= 0 && !manual_assigned_) AssignManual();
    const int64_t deadline = NowNs() + timeout.count() * 1'000'000;
    for (;;) {
      // librdkafka's queues are swept (a lock and a call per assigned partition, and the
      // consumer queue's poll) when the merge needs a message it does not hold, else once every
      // kDeliveriesPerSweep messages: not for every message.
      bool level = held_ > 0 && Level();
      if (!level || delivered_since_sweep_ >= kDeliveriesPerSweep) {
        Fill(0);
        delivered_since_sweep_ = 0;
        level = held_ > 0 && Level();
      }
      const int64_t now = NowNs();
      if (now - last_lag_ns_ > kLagEveryNs) {
        UpdateLag(now);
        if (not_reading_ == kKafkaAllBrokersDown && now - last_probe_ns_ >= kProbeEveryNs) {
          Probe(now);
        }
      }
      if (held_ > 0) {
        // A partition that has nothing yet holds the others back for kMergeWaitNs at most.
        if (level) {
          unlevel_since_ns_ = 0;
          ++delivered_since_sweep_;
          return Deliver(out);
        }
        if (unlevel_since_ns_ == 0) unlevel_since_ns_ = now;
        if (now - unlevel_since_ns_ > MergeWait()) return Deliver(out);
      }
      if (now >= deadline) return ReceiveStatus::kIdle;
      // Any queue filling wakes the wait (io_fd_): with nothing held it lasts to the deadline;
      // while the merge waits for a partition, 10 ms at a time (MergeWait is checked above).
      const int64_t left_ms = (deadline - now) / 1'000'000 + 1;
      const int64_t wait_ms = held_ > 0 ? std::min<int64_t>(10, left_ms) : left_ms;
      Fill(static_cast<int>(wait_ms));
    }
  }

  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }
  bool multi_tenant() const override { return multi_tenant_; }
  uint32_t clock_inputs() const override { return max_partitions_; }
  int64_t InputIdleNs() const override { return input_idle_ns_; }
  // A group member of named topics: every partition the metadata lists (one attempt, up to 3 s;
  // none when the brokers do not answer). Not a state partition's consumer (whose clock inputs are
  // the input topic's partitions: app/state_partitions.cc holds those), nor a topic pattern.
  std::vector<uint32_t> InputsHeldAtStart() override {
    if (manual_partition_ >= 0 || clock_from_header_ || topic_names_.empty()) return {};
    std::vector<uint32_t> inputs;
    for (const std::string& topic : topic_names_) {
      std::string why;
      const int partitions = KafkaTopicPartitions(rk_, topic, 1, &why);
      if (partitions < 0) return {};
      for (int32_t p = 0; p < partitions; ++p) {
        const uint32_t input = KafkaClockInput(topic_names_, max_partitions_, topic, p);
        if (input < max_partitions_) inputs.push_back(input);
      }
    }
    return inputs;
  }

  // Checkpoints (commit_after_checkpoint): a position is a cut number; the source notes, for it,
  // the next offset of every partition it has handed messages of (all parsed and queued: the parse
  // thread pauses between messages). Covered() commits the noted offsets, unless the group was
  // rebalanced since the cut (the partitions may have a new owner: its next checkpoint commits).
  int64_t Position() const override {
    if (manual_partition_ >= 0) {  // the next offset of the one partition
      for (const Partition& p : partitions_) {
        if (p.next_offset >= 0) return p.next_offset;
      }
      return manual_start_;
    }
    if (!commit_after_checkpoint_) return -1;
    std::lock_guard<std::mutex> lock(cuts_mutex_);
    Cut& cut = cuts_[next_cut_ % cuts_.size()];
    cut.number = static_cast<int64_t>(next_cut_++);
    cut.rebalances = rebalances_.load(std::memory_order_relaxed);
    cut.offsets.clear();
    for (const Partition& p : partitions_) {
      if (p.assigned && p.next_offset >= 0) {
        cut.offsets.push_back({p.topic, p.partition, p.next_offset});
      }
    }
    return cut.number;
  }
  // Kafka resumes from the group's committed offsets, which a checkpoint always covers.
  // A state partition's consumer resumes at the offset its checkpoint stored.
  bool Resume(int64_t position) override {
    if (manual_partition_ >= 0) {
      manual_start_ = position;
      return true;
    }
    return commit_after_checkpoint_;
  }
  void Covered(int64_t position) override {
    if (manual_partition_ >= 0) return;  // the checkpoint holds the offset; no group commits
    if (!commit_after_checkpoint_ || position < 0) return;
    std::lock_guard<std::mutex> lock(cuts_mutex_);
    const Cut& cut = cuts_[static_cast<uint64_t>(position) % cuts_.size()];
    if (cut.number != position || cut.offsets.empty()) return;
    if (cut.rebalances != rebalances_.load(std::memory_order_relaxed)) return;
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(cut.offsets.size()));
    for (const CutOffset& o : cut.offsets) {
      rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.offset;
    }
    const rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, /*async=*/0);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "privmon: source %s: offsets of checkpoint %lld not committed: %s\n",
                   name_.c_str(), static_cast<long long>(position), rd_kafka_err2str(e));
    }
  }

 private:
  struct Partition {
    std::string topic;
    int32_t partition = 0;
    uint32_t clock = 0;
    bool assigned = false;
    bool at_end = false;       // fetched up to the high watermark, nothing held
    bool heard = false;        // a message or its end arrived since the partition was assigned
    int64_t next_offset = -1;  // after the last message handed out (commit_after_checkpoint)
    int64_t end_offset = -1;   // where the partition's latest end (EOF) was reached
    std::array<rd_kafka_message_t*, kHeldPerPartition> ring{};
    uint32_t head = 0, count = 0;
    KafkaPartitionSlot* slot = nullptr;
    rd_kafka_queue_t* queue = nullptr;  // its own queue while assigned (not forwarded)
  };

  // Takes what is ready (waiting at most `wait_ms` when nothing is): the consumer queue
  // (rebalances, errors, messages fetched before a partition's queue was split off), then each
  // assigned partition's own queue up to its free buffer.
  void Fill(int wait_ms) {
    if (Sweep() || wait_ms <= 0) return;
    pollfd pfd{io_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, wait_ms) > 0) {
      uint64_t signals = 0;
      (void)!::read(io_fd_, &signals, sizeof signals);  // re-armed: queues signal when they fill
    }
    Sweep();
  }
  bool Sweep() {
    bool any = false;
    // The consumer queue serves the rebalance callback; a message on it may belong to a full
    // partition buffer, so it is read only while none is full.
    while (!any_full_) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 0);
      if (m == nullptr) break;
      any = true;
      Hold(m);
    }
    std::array<rd_kafka_message_t*, kHeldPerPartition> batch{};
    for (Partition& p : partitions_) {
      if (p.queue == nullptr || p.count == kHeldPerPartition) continue;
      const ssize_t n =
          rd_kafka_consume_batch_queue(p.queue, 0, batch.data(), kHeldPerPartition - p.count);
      for (ssize_t i = 0; i < n; ++i) Hold(batch[static_cast<std::size_t>(i)]);
      any = any || n > 0;
    }
    return any;
  }

  void Hold(rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (not_reading_ == kKafkaAllBrokersDown) Reading("a partition's end was fetched");
      if (m->rkt != nullptr) {
        Partition& p = Find(rd_kafka_topic_name(m->rkt), m->partition);
        p.at_end = true;
        p.heard = true;
        p.end_offset = m->offset;
      }
      rd_kafka_message_destroy(m);
      return;
    }
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET && manual_partition_ >= 0 &&
        m->rkt != nullptr) {
      OffsetOutOfRange(Find(rd_kafka_topic_name(m->rkt), m->partition));
      rd_kafka_message_destroy(m);
      return;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (stats_ != nullptr) stats_->errors.fetch_add(1, std::memory_order_relaxed);
      if (++errors_ <= 10 || errors_ % 1000 == 0) {
        std::fprintf(stderr, "privmon: source %s: Kafka error (%llu so far): %s\n", name_.c_str(),
                     static_cast<unsigned long long>(errors_), rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      return;
    }
    if (not_reading_ == kKafkaAllBrokersDown) Reading("a message was fetched");
    Partition& p = Find(rd_kafka_topic_name(m->rkt), m->partition);
    p.at_end = false;
    p.heard = true;
    p.ring[(p.head + p.count) % kHeldPerPartition] = m;
    if (++p.count == kHeldPerPartition) any_full_ = true;
    ++held_;
  }

  // True when the round robin may go on: every assigned partition has a message held or is at
  // its end (a full buffer does not count: the others fill from their own queues meanwhile).
  bool Level() const {
    for (const Partition& p : partitions_) {
      if (p.assigned && p.count == 0 && !p.at_end) return false;
    }
    return true;
  }

  int64_t MergeWait() const {
    for (const Partition& p : partitions_) {
      if (p.assigned && p.count == 0 && !p.at_end && !p.heard) return kFirstFetchWaitNs;
    }
    return kMergeWaitNs;
  }

  ReceiveStatus Deliver(RawMessage& out) {
    Partition* p = nullptr;
    for (std::size_t i = 0; i < partitions_.size() && p == nullptr; ++i) {
      Partition& c = partitions_[(next_ + i) % partitions_.size()];
      if (c.count > 0) {
        p = &c;
        next_ = (next_ + i + 1) % partitions_.size();
      }
    }
    current_ = p->ring[p->head];
    p->head = (p->head + 1) % kHeldPerPartition;
    if (p->count-- == kHeldPerPartition) any_full_ = AnyFull();
    --held_;
    if (p->slot != nullptr) p->slot->messages.fetch_add(1, std::memory_order_relaxed);

    const rd_kafka_message_t* m = current_;
    p->next_offset = m->offset + 1;
    out.payload = m->payload != nullptr
                      ? std::string_view(static_cast<const char*>(m->payload), m->len)
                      : std::string_view();
    out.tenant_frame = {};
    out.frame_error = nullptr;
    out.sequence = 0;
    out.clock_input = p->clock;
    out.topic = p->topic;
    out.partition = p->partition;
    out.mark_us = INT64_MIN;
    if (clock_from_header_ && !StateHeaders(m, out)) return ReceiveStatus::kMessage;
    // A `tenant` header names the tenant; else the key, when the source says keys are tenants.
    rd_kafka_headers_t* headers = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(headers, "tenant", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        value != nullptr) {
      out.tenant_frame = std::string_view(static_cast<const char*>(value), size);
    } else if (tenant_from_key_ && m->key != nullptr) {
      out.tenant_frame = std::string_view(static_cast<const char*>(m->key), m->key_len);
    }
    // A state topic's key is privmon's own (the record's tenant as it read it); an input's names
    // a tenant as a ZeroMQ frame does: a GUID (pipeline/tenant_id.h).
    if (!out.tenant_frame.empty() &&
        !(clock_from_header_ ? LooksLikeTenant(out.tenant_frame) : IsTenantId(out.tenant_frame))) {
      out.frame_error =
          "message key or tenant header is not a tenant id, a GUID (tenant_from_key: false?)";
      out.tenant_frame = {};
    }
    return ReceiveStatus::kMessage;
  }

  // A state-topic message (pipeline/repartitioner.h): its `privmon-format` major must be one this
  // build reads, and its clock input is the input partition it came from (`privmon-input`), so
  // tenant clocks stay per (input partition, tenant) through the hop. False: refused (frame_error).
  bool StateHeaders(const rd_kafka_message_t* m, RawMessage& out) {
    rd_kafka_headers_t* headers = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
    auto get = [&](const char* name) -> std::string_view {
      if (headers == nullptr ||
          rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          value == nullptr) {
        return {};
      }
      return std::string_view(static_cast<const char*>(value), size);
    };
    const std::string_view format = get("privmon-format");
    // The leading digits (before any '.'); digits past a uint32 are no major this build reads.
    const std::string_view major_text = format.substr(0, format.find('.'));
    uint32_t major = 0;
    if (std::from_chars(major_text.data(), major_text.data() + major_text.size(), major).ec !=
        std::errc()) {
      major = 0;
    }
    if (major != kStateFormatMajor) {
      if (++refused_ <= 10 || refused_ % 1000 == 0) {
        std::fprintf(stderr,
                     "privmon: source %s: state-topic message of privmon-format \"%.*s\" refused "
                     "(this privmon reads format %u; upgrade it) (%llu so far)\n",
                     name_.c_str(), static_cast<int>(format.size()), format.data(),
                     kStateFormatMajor, static_cast<unsigned long long>(refused_));
      }
      out.frame_error = "privmon-format header missing or of a format this privmon cannot read";
      return false;
    }
    // A privmon-input that is not "<topic>:<int32>" leaves the partition's own clock input.
    std::string_view input_topic;
    int32_t partition = 0;
    if (ParseStateInput(get("privmon-input"), &input_topic, &partition)) {
      out.clock_input = ClockOf(input_topics_, max_partitions_, input_topic, partition);
    }
    if (const std::string_view mark = get(kStateMarkHeader); !mark.empty()) {
      int64_t us = 0;
      if (!ParseStateMark(mark, &us) || us == INT64_MIN) {
        out.frame_error = "privmon-mark header is not a number of microseconds";
        return false;
      }
      out.mark_us = us;
    }
    return true;
  }

  // The offset a state partition was to resume at is no longer in the log (retention deleted
  // it): the records from there up to the partition's earliest kept offset were never read.
  // Count them, then go on from the earliest kept record. One broker round trip, only here.
  void OffsetOutOfRange(Partition& p) {
    int64_t low = -1, high = -1;
    const rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
        rk_, p.topic.c_str(), p.partition, &low, &high, /*timeout_ms=*/10'000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR || low < 0) {
      std::fprintf(stderr,
                   "privmon: source %s: %s[%d]: offset %lld is no longer in the log and its "
                   "earliest offset is unknown (%s): RECORDS MAY BE LOST; reading on from the "
                   "partition's beginning\n",
                   name_.c_str(), p.topic.c_str(), p.partition,
                   static_cast<long long>(p.next_offset), rd_kafka_err2str(e));
      low = RD_KAFKA_OFFSET_BEGINNING;
    } else if (p.next_offset >= 0 && low > p.next_offset) {
      Lost(p, low - p.next_offset);
    }
    if (low >= 0) p.next_offset = low;
    // The partition stopped fetching at the error; assigning it again at `low` restarts it (a
    // seek is refused on a partition that is not fetching). Its queue is split off again.
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, p.topic.c_str(), p.partition)->offset = low;
    if (const rd_kafka_resp_err_t a = rd_kafka_assign(rk_, parts);
        a != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "privmon: source %s: %s[%d]: cannot resume at offset %lld: %s\n",
                   name_.c_str(), p.topic.c_str(), p.partition, static_cast<long long>(low),
                   rd_kafka_err2str(a));
    }
    ReleaseQueue(p);
    SplitQueues(rk_, parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }

  void Lost(Partition& p, int64_t records) {
    lost_ += static_cast<uint64_t>(records);
    if (p.slot != nullptr) {
      p.slot->lost.fetch_add(static_cast<uint64_t>(records), std::memory_order_relaxed);
    }
    if (++lost_reports_ <= 10 || lost_reports_ % 1000 == 0) {
      std::fprintf(stderr,
                   "privmon: source %s: %s[%d]: RECORDS LOST: %lld record(s) before offset %lld "
                   "were deleted before they were read (retention shorter than the lag; %llu "
                   "lost so far, privmon_kafka_records_lost_total)\n",
                   name_.c_str(), p.topic.c_str(), p.partition, static_cast<long long>(records),
                   static_cast<long long>(p.next_offset) + static_cast<long long>(records),
                   static_cast<unsigned long long>(lost_));
    }
  }

  void AssignManual() {
    manual_assigned_ = true;
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic_names_.at(0).c_str(), manual_partition_)
        ->offset = manual_start_ >= 0 ? manual_start_ : RD_KAFKA_OFFSET_BEGINNING;
    Partition& p = Find(topic_names_[0].c_str(), manual_partition_);
    p.assigned = true;
    p.next_offset = manual_start_;  // -1 (from the beginning): nothing is known to precede it
    if (p.slot != nullptr) p.slot->assigned.store(true, std::memory_order_relaxed);
    if (const rd_kafka_resp_err_t e = rd_kafka_assign(rk_, parts);
        e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "privmon: source %s: cannot assign partition %d: %s\n", name_.c_str(),
                   manual_partition_, rd_kafka_err2str(e));
    }
    SplitQueues(rk_, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    RefreshAssignment();
  }

  // The message handed out last is parsed and queued: its offset may be committed (auto commit).
  // With checkpoints (issue 12) this moves to "offsets covered by a checkpoint".
  void StoreDelivered() {
    if (current_ == nullptr) return;
    (void)rd_kafka_offset_store(current_->rkt, current_->partition, current_->offset);
    ReleaseCurrent();
  }
  void ReleaseCurrent() {
    if (current_ != nullptr) rd_kafka_message_destroy(current_);
    current_ = nullptr;
  }

  Partition& Find(const char* topic, int32_t partition) {
    const auto key = std::make_pair(std::string_view(topic), partition);
    if (auto it = index_.find(key); it != index_.end()) return partitions_[it->second];
    Partition& p = partitions_.emplace_back();
    p.topic = topic;
    p.partition = partition;
    p.clock = ClockOf(topic_names_, max_partitions_, topic, partition);
    const uint32_t stride = Stride(topic_names_, max_partitions_);
    if (static_cast<uint32_t>(partition) >= stride) {
      // Shares a clock: still correct for tenants' verdicts, but a lag on one of the sharing
      // partitions can make the other's records late.
      std::fprintf(stderr,
                   "privmon: source %s: partition %s[%d] beyond max_partitions (%u) per topic "
                   "shares an event-time clock (raise max_partitions)\n",
                   name_.c_str(), topic, partition, stride);
    }
    if (stats_ != nullptr) p.slot = LabelledSlot(topic, partition);
    if (stats_ != nullptr && p.slot == nullptr && p.clock < stats_->capacity) {
      const uint32_t i = stats_->used.load(std::memory_order_relaxed);
      if (i < stats_->capacity) {
        p.slot = &stats_->partitions[i];
        p.slot->topic = topic;
        p.slot->partition = partition;
        p.slot->ready.store(true, std::memory_order_release);
        stats_->used.store(i + 1, std::memory_order_release);
      }
    }
    // The index's key views a string of its own (Partition's may move with the vector).
    keys_.push_back(std::make_unique<std::string>(topic));
    index_.emplace(std::make_pair(std::string_view(*keys_.back()), partition),
                   static_cast<uint32_t>(partitions_.size() - 1));
    return p;
  }

  // A slot labelled (topic, partition) already: the state partitions' slots are labelled by their
  // coordinator up front, one per partition, and each task's consumer counts in its own.
  KafkaPartitionSlot* LabelledSlot(const char* topic, int32_t partition) const {
    const uint32_t used = stats_->used.load(std::memory_order_acquire);
    for (uint32_t i = 0; i < used; ++i) {
      KafkaPartitionSlot& slot = stats_->partitions[i];
      if (slot.ready.load(std::memory_order_acquire) && slot.partition == partition &&
          slot.topic == topic) {
        return &slot;
      }
    }
    return nullptr;
  }

  void DropHeld(Partition& p) {
    for (; p.count > 0; --p.count) {
      rd_kafka_message_destroy(p.ring[p.head]);
      p.head = (p.head + 1) % kHeldPerPartition;
      --held_;
    }
    any_full_ = AnyFull();
  }
  bool AnyFull() const {
    for (const Partition& p : partitions_) {
      if (p.count == kHeldPerPartition) return true;
    }
    return false;
  }

  // Group membership changed (called from rd_kafka_consumer_poll, on this thread).
  // Issue 12 hooks in here: restore a state partition on assignment, checkpoint and give it up on
  // revocation, before the offsets are committed.
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    self->rebalances_.fetch_add(1, std::memory_order_relaxed);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    if (self->stats_ != nullptr) self->stats_->rebalances.fetch_add(1, std::memory_order_relaxed);
    for (int i = 0; i < parts->cnt; ++i) {
      Partition& p = self->Find(parts->elems[i].topic, parts->elems[i].partition);
      p.assigned = assign;
      p.at_end = false;
      p.heard = false;
      p.next_offset = -1;
      p.end_offset = -1;
      // A revoked partition's undelivered messages go to its next owner (their offsets were
      // never stored).
      if (!assign) {
        self->DropHeld(p);
        self->ReleaseQueue(p);
      }
      if (p.slot != nullptr) {
        p.slot->assigned.store(assign, std::memory_order_relaxed);
        if (!assign) p.slot->lag.store(-1, std::memory_order_relaxed);
      }
    }
    if (cooperative) {
      rd_kafka_error_t* e = assign ? rd_kafka_incremental_assign(rk, parts)
                                   : rd_kafka_incremental_unassign(rk, parts);
      if (e != nullptr) {
        std::fprintf(stderr, "privmon: source %s: rebalance: %s\n", self->name_.c_str(),
                     rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      (void)rd_kafka_assign(rk, assign ? parts : nullptr);
    }
    if (assign) self->SplitQueues(rk, parts);
    self->RefreshAssignment();
    // An assignment is the group coordinator's answer: a broker is reachable. (A revocation is
    // not: a session timed out while every broker was down revokes locally.)
    if (assign && self->not_reading_ == kKafkaAllBrokersDown) self->Reading("partitions assigned");
  }

  // Errors of the client, not of a message (called from rd_kafka_consumer_poll, on this thread):
  // counted, reported on stderr (each "all brokers down" and fatal error, others rate-limited),
  // and every broker down or a fatal error marks the source not reading (GET /readyz fails).
  // Relaxed atomics and a bounded stderr line only.
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    if (self->stats_ != nullptr) self->stats_->errors.fetch_add(1, std::memory_order_relaxed);
    ++self->errors_;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512] = "";
      (void)rd_kafka_fatal_error(rk, fatal, sizeof fatal);
      std::fprintf(stderr,
                   "privmon: source %s: FATAL Kafka error: %s (%s): the consumer reads nothing "
                   "more; /readyz fails; restart privmon\n",
                   self->name_.c_str(), fatal, reason);
      self->SetNotReading(kKafkaFatal);
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      std::fprintf(stderr,
                   "privmon: source %s: all brokers down (%s): it reads nothing until one "
                   "answers; /readyz fails meanwhile (librdkafka retries)\n",
                   self->name_.c_str(), reason);
      if (self->not_reading_ != kKafkaFatal) self->SetNotReading(kKafkaAllBrokersDown);
      self->last_probe_ns_ = NowNs();
      return;
    }
    if (self->errors_ <= 10 || self->errors_ % 1000 == 0) {
      std::fprintf(stderr, "privmon: source %s: Kafka error (%llu so far): %s\n",
                   self->name_.c_str(), static_cast<unsigned long long>(self->errors_), reason);
    }
  }

  void SetNotReading(uint8_t why) {
    not_reading_ = why;
    if (stats_ != nullptr) stats_->not_reading.store(why, std::memory_order_relaxed);
  }
  // Every broker was down and one answered since: the source reads again.
  void Reading(const char* how) {
    SetNotReading(kKafkaReading);
    std::fprintf(stderr, "privmon: source %s: a broker is reachable again (%s); reading\n",
                 name_.c_str(), how);
  }
  // While every broker is down (and the topic may stay idle once one is back: no message, no
  // partition end comes then), asks any broker for metadata every kProbeEveryNs: an answer means
  // one is reachable. Blocks this thread kProbeTimeoutMs at most, only while nothing is read.
  void Probe(int64_t now) {
    last_probe_ns_ = now;
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t e =
        rd_kafka_metadata(rk_, /*all_topics=*/0, /*only_rkt=*/nullptr, &md, kProbeTimeoutMs);
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) Reading("a broker answered a metadata request");
  }

  // Once assigned (librdkafka's own order, tests/0056-balanced_group_mt.c), each partition's
  // queue stops forwarding to the consumer queue and is read on its own.
  void SplitQueues(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* parts) {
    for (int i = 0; i < parts->cnt; ++i) {
      Partition& p = Find(parts->elems[i].topic, parts->elems[i].partition);
      if (p.queue != nullptr) continue;
      p.queue = rd_kafka_queue_get_partition(rk, p.topic.c_str(), p.partition);
      if (p.queue == nullptr) continue;  // stays forwarded: read through the consumer queue
      rd_kafka_queue_forward(p.queue, nullptr);
      rd_kafka_queue_io_event_enable(p.queue, io_fd_, "1", 1);
    }
  }

  void ReleaseQueue(Partition& p) {
    if (p.queue == nullptr) return;
    rd_kafka_queue_io_event_enable(p.queue, -1, nullptr, 0);
    rd_kafka_queue_destroy(p.queue);
    p.queue = nullptr;
  }

  void RefreshAssignment() {
    if (assignment_ != nullptr) rd_kafka_topic_partition_list_destroy(assignment_);
    assignment_ = nullptr;
    (void)rd_kafka_assignment(rk_, &assignment_);
    // A state partition's consumer shares its stats with the other tasks: the coordinator counts.
    if (stats_ != nullptr && assignment_ != nullptr && manual_partition_ < 0) {
      stats_->assigned.store(assignment_->cnt, std::memory_order_relaxed);
    }
    last_lag_ns_ = 0;
  }

  // Consumer lag per assigned partition: the high watermark librdkafka last fetched (cached, no
  // broker round trip) minus the position.
  void UpdateLag(int64_t now) {
    last_lag_ns_ = now;
    if (stats_ == nullptr || assignment_ == nullptr || assignment_->cnt == 0) return;
    if (rd_kafka_position(rk_, assignment_) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    for (int i = 0; i < assignment_->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = assignment_->elems[i];
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(rk_, tp.topic, tp.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      Partition& p = Find(tp.topic, tp.partition);
      // Nothing consumed yet since the assignment: the end it reached (from a committed offset
      // at the end), else the start.
      const int64_t position = tp.offset >= 0 ? tp.offset : p.end_offset >= 0 ? p.end_offset : low;
      if (p.slot != nullptr) {
        p.slot->lag.store(std::max<int64_t>(0, high - position), std::memory_order_relaxed);
      }
    }
  }

  std::string name_;
  std::string tenant_;
  bool multi_tenant_;
  bool tenant_from_key_;
  uint32_t max_partitions_;
  int64_t input_idle_ns_;  // partition_idle_timeout
  bool commit_after_checkpoint_;
  int32_t manual_partition_;  // >= 0: a state partition's consumer (no group)
  bool clock_from_header_;
  std::vector<std::string> input_topics_;  // clock_from_header_: the input's topics, in order
  bool manual_assigned_ = false;
  int64_t manual_start_ = -1;  // Resume()d offset; -1: the partition's beginning
  uint64_t refused_ = 0;
  std::vector<std::string> topic_names_;  // configured names (empty for a regex)
  KafkaSourceStats* stats_;
  struct CutOffset {
    std::string topic;
    int32_t partition;
    int64_t offset;
  };
  struct Cut {
    int64_t number = -1;
    uint64_t rebalances = 0;
    std::vector<CutOffset> offsets;
  };
  // The latest cuts' offsets (a checkpoint is written after its cut, before the next one or two).
  // Position() runs on the parse thread (which owns partitions_), Covered() on the control
  // thread: cuts_ is guarded by cuts_mutex_ (taken once per cut, never per message).
  mutable std::mutex cuts_mutex_;
  mutable std::array<Cut, 4> cuts_;
  mutable uint64_t next_cut_ = 0;
  std::atomic<uint64_t> rebalances_{0};
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* consumer_queue_ = nullptr;  // signals io_fd_ (rebalances, errors)
  int io_fd_ = -1;                              // eventfd the queues write to when they fill
  rd_kafka_topic_partition_list_t* assignment_ = nullptr;
  std::vector<Partition> partitions_;               // every partition seen, in order; never shrinks
  std::vector<std::unique_ptr<std::string>> keys_;  // topic names the index keys view
  absl::flat_hash_map<std::pair<std::string_view, int32_t>, uint32_t> index_;
  std::size_t next_ = 0;  // round-robin cursor into partitions_
  uint64_t held_ = 0;
  uint32_t delivered_since_sweep_ = 0;
  bool any_full_ = false;
  int64_t unlevel_since_ns_ = 0;  // when the round robin first found a partition behind
  int64_t last_lag_ns_ = 0;
  uint64_t errors_ = 0;
  // A KafkaReading value: kKafkaReading unless librdkafka reported every broker down or a fatal
  // error (mirrored in stats_->not_reading for GET /readyz).
  uint8_t not_reading_ = kKafkaReading;
  int64_t last_probe_ns_ = 0;
  uint64_t lost_ = 0;  // records deleted before they were read (Lost)
  uint64_t lost_reports_ = 0;
  rd_kafka_message_t* current_ = nullptr;  // handed out by the last Receive
};

}  // namespace

std::unique_ptr<MessageSource> OpenKafkaSource(const SourceSettings& settings,
                                               KafkaSourceStats* stats) {
  return std::make_unique<KafkaSource>(settings, stats);
}

uint32_t KafkaClockInput(const std::vector<std::string>& topics, uint32_t max_partitions,
                         std::string_view topic, int32_t partition) {
  return ClockOf(topics, max_partitions, topic, partition);
}

}  // namespace privmon
