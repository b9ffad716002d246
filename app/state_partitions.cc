#include "app/state_partitions.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "app/checkpointer.h"
#include "app/state_identity.h"
#include "detectors/detection_engine.h"
#include "pipeline/kafka_config.h"
#include "pipeline/kafka_metadata.h"
#include "pipeline/kafka_source.h"
#include "pipeline/partition_fence.h"

namespace privmon {
namespace {

// The coordinator only takes part in the group: eager (every rebalance revokes everything first,
// so a partition's final checkpoint is written before anyone is assigned it), nothing committed.
constexpr std::array<std::pair<const char*, const char*>, 4> kCoordinatorDefaults = {{
    {"client.id", "privmon-state"},
    {"enable.auto.commit", "false"},
    {"enable.partition.eof", "false"},
    {"log.connection.close", "false"},
}};

// An input partition silent this long behind the hop stops holding its tenants back: longer than
// a failover (session timeout, rebalance, restore) so that the records of a partition resuming
// after one are not late; a partition quiet for good delays absence verdicts by this much.
constexpr int64_t kQuietInputHoldNs = 120'000'000'000;

// A task's source, passed through, noting the position each durable checkpoint covers (Covered
// runs on the control thread, after the checkpoint's write): keyed_by_tenant commits it.
class CoveredPositionTap final : public MessageSource {
 public:
  CoveredPositionTap(std::unique_ptr<MessageSource> source, int64_t* covered)
      : source_(std::move(source)), covered_(covered) {}
  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) override {
    return source_->Receive(out, timeout);
  }
  const std::string& name() const override { return source_->name(); }
  const std::string& tenant() const override { return source_->tenant(); }
  bool multi_tenant() const override { return source_->multi_tenant(); }
  uint32_t clock_inputs() const override { return source_->clock_inputs(); }
  int64_t Position() const override { return source_->Position(); }
  bool Resume(int64_t position) override { return source_->Resume(position); }
  bool DrainsOnStop() const override { return source_->DrainsOnStop(); }
  void Covered(int64_t position) override {
    source_->Covered(position);
    if (position >= 0) *covered_ = position;
  }

 private:
  std::unique_ptr<MessageSource> source_;
  int64_t* covered_;
};

}  // namespace

struct StatePartitions::Task {
  uint32_t partition = 0;
  int64_t covered = -1;    // the next offset the latest durable checkpoint stored
  int64_t committed = -1;  // keyed_by_tenant: the offset last committed to the group
  PartitionFence fence;
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<Pipeline> pipeline;
};

StatePartitions::StatePartitions(std::shared_ptr<const CompiledConfig> config,
                                 const SourceSettings& source, PipelineStats& stats,
                                 std::vector<SpscQueue<Alert>*> alert_queues, RejectSink* rejects,
                                 bool fresh)
    : config_(std::move(config)),
      source_(source),
      stats_(stats),
      alert_queues_(std::move(alert_queues)),
      rejects_(rejects),
      fresh_(fresh),
      keyed_(source.kafka.keyed_by_tenant),
      topic_(keyed_ ? source.kafka.topics.at(0) : source.kafka.state_topic) {
  tasks_.resize(source.kafka.state_partitions);
  // Shared by the group: each partition's own directory is made on its first claim.
  if (::mkdir(config_->checkpoint.dir.c_str(), 0750) != 0 && errno != EEXIST) {
    throw std::runtime_error("checkpoint dir " + config_->checkpoint.dir + ": " +
                             std::strerror(errno));
  }
  // The checkpoints hold offsets and state by partition number only: a directory used for another
  // topic, group or mode would restore them on the wrong partitions (app/state_identity.h).
  if (std::string error;
      !CheckStateIdentity(config_->checkpoint.dir, StateIdentityOf(source), &error)) {
    throw std::runtime_error(error);
  }
  // keyed_by_tenant: the input group itself (its offsets are committed after checkpoints).
  const std::string group = keyed_ ? source.kafka.group : source.kafka.group + ".state";
  const std::string what = "state group " + group;
  KafkaConf conf = MakeKafkaConf(source.kafka, kCoordinatorDefaults, what);
  char err[512];
  // An eager assignor: the revocation callback completes before anything is reassigned.
  if (rd_kafka_conf_set(conf.get(), "group.id", group.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf.get(), "partition.assignment.strategy", "range", err, sizeof err) !=
          RD_KAFKA_CONF_OK) {
    throw std::runtime_error(what + ": " + err);
  }
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &StatePartitions::OnRebalance);
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk_ == nullptr) throw std::runtime_error(what + ": " + err);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk_);
  if (keyed_) {
    // The partition count decides which partition holds a tenant: it must be what the config says.
    std::string why;
    const int partitions = KafkaTopicPartitions(rk_, topic_, 20, &why);
    if (static_cast<uint32_t>(partitions) != source.kafka.state_partitions) {
      rd_kafka_destroy(rk_);
      rk_ = nullptr;
      throw std::runtime_error(
          "keyed input topic " + topic_ +
          (partitions < 0 ? ": cannot read its metadata (" + why + ")"
                          : " has " + std::to_string(partitions) +
                                " partitions, the config says state_partitions: " +
                                std::to_string(source.kafka.state_partitions) +
                                " (set it to the topic's partition count; a tenant's partition, "
                                "and so its state, depends on it)"));
    }
  }
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    throw std::runtime_error(what + ": cannot subscribe: " + rd_kafka_err2str(e));
  }
  stats_.state_topic.enabled.store(true, std::memory_order_relaxed);
  stats_.state_topic.keyed.store(keyed_, std::memory_order_relaxed);
  // One metrics slot per partition, labelled now; each task's consumer counts in its own.
  const std::string input_name = source.name.empty() ? "kafka" : source.name;
  kafka_stats_ = &stats_.kafka_sources.emplace_back(keyed_ ? input_name : "state",
                                                    source.kafka.state_partitions);
  for (uint32_t q = 0; q < source.kafka.state_partitions; ++q) {
    KafkaPartitionSlot& slot = kafka_stats_->partitions[q];
    slot.topic = topic_;
    slot.partition = static_cast<int32_t>(q);
    slot.ready.store(true, std::memory_order_release);
  }
  kafka_stats_->state_partitions = true;
  kafka_stats_->used.store(source.kafka.state_partitions, std::memory_order_release);
  if (keyed_) {
    watch_ =
        std::make_unique<TenantPartitionWatch>(stats_.state_topic.tenant_split_records, topic_);
  } else {
    held_inputs_ = InputClockInputs();
  }
}

std::vector<uint32_t> StatePartitions::InputClockInputs() const {
  std::vector<uint32_t> inputs;
  for (const std::string& topic : source_.kafka.topics) {
    if (!topic.empty() && topic[0] == '^') return {};  // a pattern: the partitions are unknown
    std::string why;
    const int partitions = KafkaTopicPartitions(rk_, topic, 3, &why);
    if (partitions < 0) {
      std::fprintf(stderr,
                   "privmon: input topic %s: partition count unknown; a state partition takes an "
                   "input partition into account from its first mark only\n",
                   topic.c_str());
      return {};
    }
    for (int32_t p = 0; p < partitions; ++p) {
      inputs.push_back(
          KafkaClockInput(source_.kafka.topics, source_.kafka.max_partitions, topic, p));
    }
  }
  return inputs;
}

StatePartitions::~StatePartitions() { (void)Stop(); }

void StatePartitions::Poll() {
  if (rk_ == nullptr) return;
  // Callbacks run inside the poll; the coordinator's partitions are paused: a message here is
  // one fetched before the pause, read by the partition's own task.
  while (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 0)) rd_kafka_message_destroy(m);
  for (auto& task : tasks_) {
    if (task && task->checkpointer->Due()) {
      task->checkpointer->Periodic(*task->pipeline);
      CommitCovered(*task);
    }
  }
}

void StatePartitions::CommitCovered(Task& task) {
  if (!keyed_ || task.covered < 0 || task.covered == task.committed) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), static_cast<int32_t>(task.partition))
      ->offset = task.covered;
  const rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, /*async=*/0);
  rd_kafka_topic_partition_list_destroy(list);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
    task.committed = task.covered;
  } else {
    // Harmless for state (the checkpoint holds the offset); the group's lag looks higher.
    std::fprintf(stderr, "privmon: keyed input %s[%u]: offset %lld not committed: %s\n",
                 topic_.c_str(), task.partition, static_cast<long long>(task.covered),
                 rd_kafka_err2str(e));
  }
}

void StatePartitions::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<StatePartitions*>(opaque);
  Bump(self->stats_.state_topic.rebalances);
  self->kafka_stats_->rebalances.fetch_add(1, std::memory_order_relaxed);
  int64_t unread = 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // A final checkpoint refused at an earlier revocation was logged then (its next owner resumed
    // from the previous one); the exit code is decided by those of the partitions owned from now.
    self->final_missing_ = false;
    for (int i = 0; i < parts->cnt; ++i) {
      const int32_t q = parts->elems[i].partition;
      const bool known = q >= 0 && static_cast<std::size_t>(q) < self->tasks_.size();
      if (known && !self->tasks_[q]) self->StartTask(static_cast<uint32_t>(q));
      if (known && self->tasks_[q]) continue;
      // Assigned to this process, so no other member reads it either: say so loudly.
      ++unread;
      if (known) {
        std::fprintf(stderr,
                     "privmon: ERROR: partition %s[%d] is assigned to this process but NOT read "
                     "(its task did not start, see above): its records wait unread and /readyz "
                     "fails; fix the cause and restart this process\n",
                     self->topic_.c_str(), q);
      } else {
        std::fprintf(stderr,
                     "privmon: ERROR: partition %s[%d] is assigned to this process but NOT read: "
                     "the topic has more partitions than state_partitions: %zu (it grew after "
                     "start); its records wait unread and /readyz fails. A tenant's partition "
                     "depends on the count: set state_partitions to the topic's partition count "
                     "and start with a new checkpoint.dir\n",
                     self->topic_.c_str(), q, self->tasks_.size());
      }
    }
    (void)rd_kafka_assign(rk, parts);
    (void)rd_kafka_pause_partitions(rk, parts);
  } else {
    // Revoked (eager: all of them), or lost: the final checkpoints are written before returning.
    if (!self->StopTasks()) self->final_missing_ = true;
    (void)rd_kafka_assign(rk, nullptr);
  }
  self->stats_.state_topic.unread.store(unread, std::memory_order_relaxed);
  int64_t assigned = 0;
  for (const auto& t : self->tasks_) assigned += t ? 1 : 0;
  self->stats_.state_topic.assigned.store(assigned, std::memory_order_relaxed);
  self->kafka_stats_->assigned.store(assigned, std::memory_order_relaxed);
}

void StatePartitions::StartTask(uint32_t q) {
  auto task = std::make_unique<Task>();
  task->partition = q;
  const std::string dir = config_->checkpoint.dir + "/partition-" + std::to_string(q);
  std::string error;
  if (!task->fence.Claim(dir, &error)) {
    std::fprintf(stderr, "privmon: state partition %u NOT started: cannot claim %s: %s\n", q,
                 dir.c_str(), error.c_str());
    return;
  }
  SourceSettings s = source_;
  s.name = kafka_stats_->name;
  s.kafka.topics = {topic_};
  s.kafka.assign_partition = static_cast<int32_t>(q);
  s.kafka.commit_after_checkpoint = false;
  if (keyed_) {  // the input partition itself: parsed as without state partitions
    s.kafka.group = source_.kafka.group + ".keyed-reader";  // never joined: assign() only
  } else {
    s.kafka.input_topics = source_.kafka.topics;
    s.kafka.group = source_.kafka.group + ".state-reader";  // never joined: assign() only
    s.kafka.clock_from_header = true;
    s.kafka.tenant_from_key = true;
  }
  // A restore that fails part way leaves the engine half loaded: --fresh starts from a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::unique_ptr<MessageSource>> sources;
    std::vector<std::unique_ptr<EventConsumer>> engines;
    try {
      task->checkpointer = std::make_unique<Checkpointer>(
          CheckpointSettings{dir, config_->checkpoint.interval_s}, stats_, 1, &task->fence);
      if (stop_signals_) task->checkpointer->set_interrupt(*stop_signals_);
      if (on_stop_signal_) task->checkpointer->set_signal_handler(on_stop_signal_);
      sources.push_back(
          std::make_unique<CoveredPositionTap>(OpenKafkaSource(s, kafka_stats_), &task->covered));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "privmon: state partition %u NOT started: %s\n", q, e.what());
      return;
    }
    auto engine = std::make_unique<DetectionEngine>(config_, *alert_queues_[q], stats_.shards[q],
                                                    stats_.tenants);
    if (alert_wake_ != nullptr) engine->SetAlertWake(alert_wake_);
    engine->PrewarmReplay();
    engines.push_back(std::move(engine));
    std::vector<EventConsumer*> consumers{engines[0].get()};
    if (const int code = task->checkpointer->Restore(attempt > 0, consumers, sources); code != 0) {
      if (fresh_ && attempt == 0) {
        std::fprintf(stderr, "privmon: state partition %u: --fresh: starting it with empty state\n",
                     q);
        continue;
      }
      std::fprintf(stderr,
                   "privmon: state partition %u NOT started: its checkpoints in %s are unusable "
                   "(restart with --fresh to start such partitions empty on purpose)\n",
                   q, dir.c_str());
      return;
    }
    task->pipeline =
        std::make_unique<Pipeline>(config_, std::move(sources), std::move(engines), stats_,
                                   rejects_, /*checkpoints=*/true, StatsSlots{q, 1 + q});
    task->pipeline->RestoreClockInputs(task->checkpointer->TakeRestoredClocks());
    task->pipeline->RestoreHeldMarks(task->checkpointer->TakeRestoredHeldMarks());
    task->pipeline->RestoreAheadEvents(task->checkpointer->TakeRestoredAhead());
    if (keyed_) {
      task->pipeline->WatchTenantPartitions(watch_.get());
    } else {  // behind the hop: the input partitions' clocks come through marks
      task->pipeline->HoldQuietInputsFor(
          std::max(kQuietInputHoldNs, source_.kafka.partition_idle_timeout_s * 1'000'000'000));
      task->pipeline->HoldInputsUntilMarked(held_inputs_);
    }
    break;
  }
  task->pipeline->Start();
  std::fprintf(stderr, "privmon: state partition %u (%s[%u]) assigned (claim epoch %llu)\n", q,
               topic_.c_str(), q, static_cast<unsigned long long>(task->fence.epoch()));
  tasks_[q] = std::move(task);
}

bool StatePartitions::StopTasks() {
  for (auto& t : tasks_) {
    if (t) t->pipeline->RequestStopUnsettled();
  }
  bool ok = true;
  for (auto& t : tasks_) {
    if (!t) continue;
    t->pipeline->Wait();
    if (!t->checkpointer->Final(*t->pipeline)) {
      ok = false;
      std::fprintf(stderr,
                   "privmon: state partition %u: final checkpoint NOT written: its next owner "
                   "resumes from the previous one\n",
                   t->partition);
    } else {
      CommitCovered(*t);  // keyed_by_tenant: before the group hands the partition on
      std::fprintf(stderr, "privmon: state partition %u given up (checkpointed)\n", t->partition);
    }
    t.reset();
  }
  stats_.state_topic.assigned.store(0, std::memory_order_relaxed);
  kafka_stats_->assigned.store(0, std::memory_order_relaxed);
  return ok;
}

bool StatePartitions::Stop() {
  if (rk_ == nullptr) return !final_missing_;
  const bool ok = StopTasks();
  rd_kafka_consumer_close(rk_);  // leaves the group (its revocation finds no task left)
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  return ok && !final_missing_;
}

void StatePartitions::PublishConfig(std::shared_ptr<const CompiledConfig> config) {
  config_ = config;
  for (auto& t : tasks_) {
    if (t) t->pipeline->PublishConfig(config);
  }
}

}  // namespace privmon
