#include "app/state_partitions.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "app/checkpointer.h"
#include "detectors/detection_engine.h"
#include "pipeline/kafka_config.h"
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

}  // namespace

struct StatePartitions::Task {
  uint32_t partition = 0;
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
      fresh_(fresh) {
  tasks_.resize(source.kafka.state_partitions);
  // Shared by the group: each partition's own directory is made on its first claim.
  if (::mkdir(config_->checkpoint.dir.c_str(), 0750) != 0 && errno != EEXIST) {
    throw std::runtime_error("checkpoint dir " + config_->checkpoint.dir + ": " +
                             std::strerror(errno));
  }
  const std::string what = "state group " + source.kafka.group + ".state";
  KafkaConf conf = MakeKafkaConf(source.kafka, kCoordinatorDefaults, what);
  char err[512];
  const std::string group = source.kafka.group + ".state";
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
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, source.kafka.state_topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    throw std::runtime_error(what + ": cannot subscribe: " + rd_kafka_err2str(e));
  }
  stats_.state_topic.enabled.store(true, std::memory_order_relaxed);
  held_inputs_ = InputClockInputs();
}

std::vector<uint32_t> StatePartitions::InputClockInputs() const {
  std::vector<uint32_t> inputs;
  for (const std::string& topic : source_.kafka.topics) {
    if (!topic.empty() && topic[0] == '^') return {};  // a pattern: the partitions are unknown
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    int partitions = -1;
    for (int attempt = 0; attempt < 3 && partitions < 0; ++attempt) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk_, 0, rkt, &md, 3000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions = md->topics[0].partition_cnt;
      }
      if (md != nullptr) rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
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
    if (task && task->checkpointer->Due()) task->checkpointer->Periodic(*task->pipeline);
  }
}

void StatePartitions::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<StatePartitions*>(opaque);
  Bump(self->stats_.state_topic.rebalances);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) {
      const int32_t q = parts->elems[i].partition;
      if (q >= 0 && static_cast<std::size_t>(q) < self->tasks_.size() && !self->tasks_[q]) {
        self->StartTask(static_cast<uint32_t>(q));
      }
    }
    (void)rd_kafka_assign(rk, parts);
    (void)rd_kafka_pause_partitions(rk, parts);
  } else {
    // Revoked (eager: all of them), or lost: the final checkpoints are written before returning.
    if (!self->StopTasks()) self->final_missing_ = true;
    (void)rd_kafka_assign(rk, nullptr);
  }
  int64_t assigned = 0;
  for (const auto& t : self->tasks_) assigned += t ? 1 : 0;
  self->stats_.state_topic.assigned.store(assigned, std::memory_order_relaxed);
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
  s.name = "state";
  s.kafka.input_topics = source_.kafka.topics;
  s.kafka.topics = {source_.kafka.state_topic};
  s.kafka.group = source_.kafka.group + ".state-reader";  // never joined: assign() only
  s.kafka.assign_partition = static_cast<int32_t>(q);
  s.kafka.clock_from_header = true;
  s.kafka.tenant_from_key = true;
  s.kafka.commit_after_checkpoint = false;
  // A restore that fails part way leaves the engine half loaded: --fresh starts from a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::unique_ptr<MessageSource>> sources;
    std::vector<std::unique_ptr<EventConsumer>> engines;
    try {
      task->checkpointer = std::make_unique<Checkpointer>(
          CheckpointSettings{dir, config_->checkpoint.interval_s}, stats_, 1, &task->fence);
      sources.push_back(OpenKafkaSource(s, nullptr));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "privmon: state partition %u NOT started: %s\n", q, e.what());
      return;
    }
    auto engine = std::make_unique<DetectionEngine>(config_, *alert_queues_[q], stats_.shards[q],
                                                    stats_.tenants);
    if (alert_wake_ != nullptr) engine->SetAlertWake(alert_wake_);
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
    task->pipeline->HoldQuietInputsFor(kQuietInputHoldNs);
    task->pipeline->HoldInputsUntilMarked(held_inputs_);
    break;
  }
  task->pipeline->Start();
  std::fprintf(stderr, "privmon: state partition %u assigned (claim epoch %llu)\n", q,
               static_cast<unsigned long long>(task->fence.epoch()));
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
      std::fprintf(stderr, "privmon: state partition %u given up (checkpointed)\n", t->partition);
    }
    t.reset();
  }
  stats_.state_topic.assigned.store(0, std::memory_order_relaxed);
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
