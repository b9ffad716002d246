// StatePartitions: the stateful side of `state_topic` (README "Running N instances"), in the
// manner of Kafka Streams: one task per state partition this process is assigned, each a Pipeline
// with its own consumer of that one partition (manually assigned, from the offset its checkpoint
// stored), its own DetectionEngine and its own checkpoints in <checkpoint.dir>/partition-<q>/,
// fenced by a claim epoch (pipeline/partition_fence.h). Membership comes from a coordinator
// consumer in group `<group>.state` (eager `range` assignor; it fetches nothing): an assignment
// claims, restores and starts each partition's task; a revocation stops each without settling
// and writes its final checkpoint before the callback returns (so the next owner restores it).
// Task q's engine writes alerts into alert_queues[q] and counts in stats.shards[q] and
// stats.parsers[1 + q]. Control thread only (Poll, Stop, PublishConfig).
// With `keyed_by_tenant` (input already keyed by tenant, no hop) the same machinery runs on the
// input topic itself: the coordinator is a member of the input group `<group>`, each task reads
// and parses its input partition q, and after each of its checkpoints (periodic, on revocation, on
// SIGTERM) the offset the checkpoint stored is committed to the group through the coordinator (the
// broker refuses a commit from a past generation: a member that lost the partition cannot commit
// it). A TenantPartitionWatch counts a tenant seen on two input partitions.
// Metrics: the state side's partitions are a KafkaSourceStats of their own (source "state", or the
// input's name when keyed): lag per partition, assigned partitions, rebalances, records lost.
#pragma once

#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/kafka_stats.h"
#include "core/stats.h"
#include "pipeline/event_count.h"
#include "pipeline/pipeline.h"
#include "pipeline/spsc_queue.h"
#include "pipeline/tenant_partition_watch.h"

namespace privmon {

struct Alert;

class StatePartitions {
 public:
  // `source`: the configured kafka source (state_topic, state_partitions set). Joins the state
  // group; throws std::runtime_error when the consumer cannot be created.
  StatePartitions(std::shared_ptr<const CompiledConfig> config, const SourceSettings& source,
                  PipelineStats& stats, std::vector<SpscQueue<Alert>*> alert_queues,
                  RejectSink* rejects, bool fresh);
  ~StatePartitions();
  StatePartitions(const StatePartitions&) = delete;
  StatePartitions& operator=(const StatePartitions&) = delete;

  // Serves the group's callbacks (assignments, revocations) and the tasks' periodic checkpoints.
  void Poll();
  // SIGTERM: every task stops without settling and writes its final checkpoint; leaves the group.
  // False when a final checkpoint was not written.
  [[nodiscard]] bool Stop();
  void PublishConfig(std::shared_ptr<const CompiledConfig> config);
  // The alert dispatcher's wake, given to every task's engine; set before the first Poll().
  void SetAlertWake(EventCount* wake) { alert_wake_ = wake; }
  // Every task's periodic checkpoint takes a pending one of `signals` through `on_signal` while
  // its cut waits for a shard (Checkpointer::set_signal_handler: a shard blocked behind a stalled
  // sink); set before the first Poll().
  void SetStopSignals(const sigset_t& signals, std::function<void()> on_signal) {
    stop_signals_ = signals;
    on_stop_signal_ = std::move(on_signal);
  }

 private:
  struct Task;
  void CommitCovered(Task& task);  // keyed_by_tenant: the offset its last checkpoint stored
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque);
  void StartTask(uint32_t q);
  bool StopTasks();  // every task: stop unsettled, final checkpoint; false if one was not written
  // The clock inputs of every partition of the input topics (from the brokers' metadata; empty
  // when unknown): each holds a task's tenants back until its first mark, so the records of an
  // input partition that another process starts reading late are not late.
  std::vector<uint32_t> InputClockInputs() const;

  std::shared_ptr<const CompiledConfig> config_;
  SourceSettings source_;
  PipelineStats& stats_;
  std::vector<SpscQueue<Alert>*> alert_queues_;
  RejectSink* rejects_;
  bool fresh_;
  EventCount* alert_wake_ = nullptr;  // not owned; outlives this
  std::optional<sigset_t> stop_signals_;
  std::function<void()> on_stop_signal_;
  rd_kafka_t* rk_ = nullptr;
  // A revocation's final checkpoint was not written since the last assignment.
  bool final_missing_ = false;
  std::vector<std::unique_ptr<Task>> tasks_;     // by state partition; null when not ours
  std::vector<uint32_t> held_inputs_;            // InputClockInputs(), once
  bool keyed_ = false;                           // keyed_by_tenant: the input's own partitions
  std::string topic_;                            // the topic whose partitions the tasks read
  KafkaSourceStats* kafka_stats_ = nullptr;      // in stats.kafka_sources, one slot per partition
  std::unique_ptr<TenantPartitionWatch> watch_;  // keyed_by_tenant
};

}  // namespace privmon
