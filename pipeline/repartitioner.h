// Repartitioner: the stateless input side of `state_topic` (README "Running N instances"). Reads
// the input Kafka topic as a member of the configured group, parses each message (RecordParser)
// and produces every accepted record's own bytes to privmon's state topic, keyed and partitioned by
// tenant, with the headers of pipeline/state_topic_format.h. Rejected records go to the reject
// sink (dead letters) and are counted in stats.parsers[0], as the pipeline does. Input offsets are
// committed only once the producer's delivery reports confirmed every record produced from the
// messages before them (at least once across the hop); a failed delivery is counted and produced
// again, never committed past. Back-pressure: a full producer queue stops the reading.
// Owns one thread (Start .. Stop); the constructor and Stop run on the control thread. Allocates
// per message only inside librdkafka (the produced copy).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "core/config.h"
#include "core/stats.h"
#include "pipeline/message_source.h"
#include "pipeline/pipeline.h"

namespace privmon {

class RecordParser;

class Repartitioner {
 public:
  // Opens the producer, checks that `settings.kafka.state_topic` exists with exactly
  // `state_partitions` partitions, then joins the input group. Throws std::runtime_error with a
  // message for the operator when it cannot.
  Repartitioner(const SourceSettings& settings, std::size_t max_message_bytes, PipelineStats& stats,
                RejectSink* rejects);
  ~Repartitioner();
  Repartitioner(const Repartitioner&) = delete;
  Repartitioner& operator=(const Repartitioner&) = delete;

  void Start();
  // Stops reading, waits for the outstanding deliveries (up to 30 s), commits what they cover.
  void Stop();

 private:
  struct Producer;
  void Loop(std::stop_token stop);
  void Handle(RecordParser& parser, const RawMessage& raw, std::stop_token stop);
  // Produces one record; false when stopping while the producer queue stayed full.
  bool Produce(std::string_view record, std::string_view tenant, int32_t partition,
               std::string_view input, std::stop_token stop);
  void Commit(int timeout_ms);
  // After a commit: every input partition whose newest event time moved sends a progress mark to
  // every state partition (behind the records it covers, which are delivered).
  void SendMarks();

  SourceSettings settings_;
  std::size_t max_message_bytes_;
  PipelineStats& stats_;
  RejectSink* rejects_;
  SourceStats* source_stats_ = nullptr;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<MessageSource> input_;
  struct InputClock {
    int64_t newest = INT64_MIN;
    int64_t marked = INT64_MIN;
  };
  absl::flat_hash_map<std::string, InputClock> inputs_;  // by "<topic>:<partition>"
  std::string input_key_;
  uint64_t sequence_ = 0;
  uint64_t produce_failures_ = 0;
  bool incomplete_ = false;  // a message's records not all produced: commit nothing more
  std::jthread thread_;
};

}  // namespace privmon
