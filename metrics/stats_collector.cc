#include "metrics/stats_collector.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <limits>

#include "core/custom_rules.h"
#include "core/utf8.h"
#include "metrics/health.h"
#include "metrics/process_metrics.h"

namespace privmon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

uint64_t Load(const Counter& c) { return c.load(std::memory_order_relaxed); }
int64_t Load(const Gauge& g) { return g.load(std::memory_order_relaxed); }

MetricFamily& AddFamily(std::vector<MetricFamily>& out, std::string name, std::string help,
                        MetricType type) {
  MetricFamily& f = out.emplace_back();
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddSample(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric& m = f.metric.emplace_back();
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
}

void AddHistogram(MetricFamily& f, const CheckpointHistogram& hist) {
  ClientMetric& h = f.metric.emplace_back();
  uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= kCheckpointBuckets.size(); ++b) {
    cumulative += Load(hist.buckets[b]);
    h.histogram.bucket.push_back({cumulative, b < kCheckpointBuckets.size()
                                                  ? kCheckpointBuckets[b]
                                                  : std::numeric_limits<double>::infinity()});
  }
  h.histogram.sample_count = cumulative;
  h.histogram.sample_sum = hist.sum.load(std::memory_order_relaxed);
}

// docs/operations.md "Checkpoints". Age is computed at scrape time; without checkpoints it is 0.
// It counts from the later of the latest checkpoint (written, or restored at start) and privmon's
// start, as GET /readyz does (metrics/health.cc): a process that never manages a checkpoint shows
// a growing age (an `age > N` alert fires), not 0, and one restored from a file written before a
// downtime does not start at the file's age (breaker round 140: 22 s at start, /readyz ready).
void AddCheckpointFamilies(std::vector<MetricFamily>& out, const CheckpointStats& c,
                           const ReadinessStats& r) {
  int64_t last = Load(c.last_written_us);
  if (Load(r.checkpoint_interval_us) > 0) last = std::max(last, Load(r.started_us));
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  AddSample(AddFamily(out, "privmon_checkpoint_age_seconds",
                      "Wall time since the latest checkpoint was written, or since privmon "
                      "started if later (a checkpoint restored at start counts from the start; "
                      "0: checkpoints off).",
                      MetricType::Gauge),
            {}, last == 0 ? 0.0 : static_cast<double>(now_us - last) * 1e-6);
  AddSample(AddFamily(out, "privmon_checkpoint_bytes", "Size of the latest checkpoint file.",
                      MetricType::Gauge),
            {}, static_cast<double>(Load(c.bytes)));
  AddSample(AddFamily(out, "privmon_checkpoint_failures_total",
                      "Checkpoints not written (cut, acknowledgement or file I/O failed).",
                      MetricType::Counter),
            {}, static_cast<double>(Load(c.failures)));
  AddHistogram(AddFamily(out, "privmon_checkpoint_duration_seconds",
                         "From the cut to the durable checkpoint file.", MetricType::Histogram),
               c.duration);
  AddHistogram(
      AddFamily(out, "privmon_checkpoint_pause_seconds",
                "How long a checkpoint cut held events back: the longest, over the shards, from "
                "a shard blocking a queue on its cut marker to its resuming after its copy.",
                MetricType::Histogram),
      c.pause);
}

}  // namespace

std::string SanitizeLabelValue(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

StatsCollector::StatsCollector(std::shared_ptr<const PipelineStats> stats, std::string version)
    : stats_(std::move(stats)), version_(std::move(version)) {}

void StatsCollector::SetConfiguredTenants(std::vector<uint64_t> tenant_hashes) {
  std::sort(tenant_hashes.begin(), tenant_hashes.end());
  std::lock_guard lock(configured_mu_);
  configured_ = std::move(tenant_hashes);
}

namespace {

// Kafka sources (lag per partition, assignment, rebalances); a Kafka alert sink is counted with
// the other sinks. Families appear only when a Kafka source is configured.
void CollectKafka(const PipelineStats& st, std::vector<MetricFamily>& out) {
  if (!st.kafka_sources.empty()) {
    auto& lag = AddFamily(out, "privmon_kafka_consumer_lag_messages",
                          "Messages between the consumer's position and the partition's high "
                          "watermark, per assigned partition.",
                          MetricType::Gauge);
    auto& assigned =
        AddFamily(out, "privmon_kafka_assigned_partitions",
                  "Partitions the consumer group assigns to this process.", MetricType::Gauge);
    auto& rebalances =
        AddFamily(out, "privmon_kafka_rebalances_total",
                  "Consumer group rebalances (assignments and revocations).", MetricType::Counter);
    auto& errors = AddFamily(out, "privmon_kafka_consumer_errors_total",
                             "Errors librdkafka reported to the consumer.", MetricType::Counter);
    MetricFamily* lost = nullptr;
    for (const KafkaSourceStats& k : st.kafka_sources) {
      if (k.state_partitions && lost == nullptr) {
        lost = &AddFamily(out, "privmon_kafka_records_lost_total",
                          "Records of a state partition deleted (retention) before this process "
                          "read them: the offset gap after its checkpoint or previous record.",
                          MetricType::Counter);
      }
    }
    for (const KafkaSourceStats& k : st.kafka_sources) {
      const std::string source = SanitizeLabelValue(k.name);
      AddSample(assigned, {{"source", source}}, static_cast<double>(Load(k.assigned)));
      AddSample(rebalances, {{"source", source}}, static_cast<double>(Load(k.rebalances)));
      AddSample(errors, {{"source", source}}, static_cast<double>(Load(k.errors)));
      const uint32_t used = k.used.load(std::memory_order_acquire);
      for (uint32_t i = 0; i < used; ++i) {
        const KafkaPartitionSlot& p = k.partitions[i];
        if (!p.ready.load(std::memory_order_acquire)) continue;
        if (k.state_partitions && lost != nullptr) {
          AddSample(*lost,
                    {{"source", source},
                     {"topic", SanitizeLabelValue(p.topic)},
                     {"partition", std::to_string(p.partition)}},
                    static_cast<double>(p.lost.load(std::memory_order_relaxed)));
        }
        const int64_t value = p.lag.load(std::memory_order_relaxed);
        if (!p.assigned.load(std::memory_order_relaxed) || value < 0) continue;
        AddSample(lag,
                  {{"source", source},
                   {"topic", SanitizeLabelValue(p.topic)},
                   {"partition", std::to_string(p.partition)}},
                  static_cast<double>(value));
      }
    }
  }
}

// `state_topic` (README "Running N instances"): families appear only in that mode.
void CollectStateTopic(const PipelineStats& st, std::vector<MetricFamily>& out) {
  const StateTopicStats& s = st.state_topic;
  if (!s.enabled.load(std::memory_order_relaxed)) return;
  AddSample(AddFamily(out, "privmon_state_partitions_assigned",
                      "State partitions this process runs (each with its own engine task).",
                      MetricType::Gauge),
            {}, static_cast<double>(Load(s.assigned)));
  AddSample(AddFamily(out, "privmon_state_partitions_unread",
                      "Partitions assigned to this process that no task reads (task not started, "
                      "or beyond state_partitions): their records wait; /readyz fails.",
                      MetricType::Gauge),
            {}, static_cast<double>(Load(s.unread)));
  AddSample(AddFamily(out, "privmon_state_rebalances_total",
                      "Rebalances of the state group (assignments and revocations).",
                      MetricType::Counter),
            {}, static_cast<double>(Load(s.rebalances)));
  AddSample(AddFamily(out, "privmon_state_topic_produced_total",
                      "Records the repartitioner produced to the state topic (delivery confirmed).",
                      MetricType::Counter),
            {}, static_cast<double>(Load(s.produced)));
  AddSample(AddFamily(out, "privmon_state_topic_produce_errors_total",
                      "Failed produce attempts and deliveries to the state topic (each retried).",
                      MetricType::Counter),
            {}, static_cast<double>(Load(s.produce_errors)));
  if (s.keyed.load(std::memory_order_relaxed)) {
    AddSample(AddFamily(out, "privmon_kafka_tenant_split_records_total",
                        "keyed_by_tenant: records of a tenant this process first saw on another "
                        "input partition (the input is not keyed by tenant).",
                        MetricType::Counter),
              {}, static_cast<double>(Load(s.tenant_split_records)));
  }
  AddSample(AddFamily(out, "privmon_checkpoint_fenced_total",
                      "Checkpoint writes refused: another process claimed the state partition.",
                      MetricType::Counter),
            {}, static_cast<double>(Load(st.checkpoints.fenced)));
}

}  // namespace

std::vector<MetricFamily> StatsCollector::Collect() const {
  const PipelineStats& st = *stats_;
  std::vector<MetricFamily> out;
  // AddFamily hands out references into `out`; reserving enough up front keeps them valid.
  // 80 + the Kafka sources' 5 + the state topic's 6.
  constexpr std::size_t kMaxFamilies = 92;
  out.reserve(kMaxFamilies);
  const auto shard_label = [](std::size_t i) {
    return std::vector<ClientMetric::Label>{{"shard", std::to_string(i)}};
  };

  auto& build = AddFamily(out, "privmon_build_info", "privmon build; the value is always 1.",
                          MetricType::Gauge);
  AddSample(build, {{"version", version_}}, 1);

  auto& messages = AddFamily(out, "privmon_messages_received_total",
                             "Messages received, by source.", MetricType::Counter);
  auto& bytes = AddFamily(out, "privmon_message_bytes_received_total",
                          "Message payload bytes received, by source.", MetricType::Counter);
  auto& read_errors = AddFamily(
      out, "privmon_source_read_errors_total",
      "Reads that failed, counted when they fail (an I/O error, a file that shrank while read, "
      "late writes to a followed file's renamed predecessor): what they held was not read. By "
      "source.",
      MetricType::Counter);
  auto& skipped_bytes = AddFamily(
      out, "privmon_source_skipped_bytes_total",
      "Bytes a source read and skipped as no part of any message, by source and reason (nul: NUL "
      "bytes before or after a line, a hole its writer left: copytruncate of a file it did not "
      "open O_APPEND, a crash's zero-filled tail).",
      MetricType::Counter);
  for (const SourceStats& s : st.sources) {
    const std::string source = SanitizeLabelValue(s.name);
    AddSample(messages, {{"source", source}}, Load(s.messages));
    AddSample(bytes, {{"source", source}}, Load(s.bytes));
    AddSample(read_errors, {{"source", source}}, Load(s.read_errors));
    AddSample(skipped_bytes, {{"source", source}, {"reason", "nul"}}, Load(s.skipped_nul_bytes));
  }
  // Only sources that follow a file have these series; the family only when one does.
  MetricFamily* follow_events = nullptr;
  for (const SourceStats& s : st.sources) {
    if (!s.followed.load(std::memory_order_relaxed)) continue;
    if (follow_events == nullptr) {
      follow_events = &AddFamily(
          out, "privmon_source_follow_events_total",
          "What a followed file source met, by source and event: rotated, truncated, rewritten "
          "(read again from its start), deleted, moved_away (read on, the path naming no file), "
          "open_failed (a file at the path that cannot be opened, or a FIFO), missing (waited "
          "for at start).",
          MetricType::Counter);
    }
    for (std::size_t e = 0; e < kFollowEventCount; ++e) {
      AddSample(*follow_events,
                {{"source", SanitizeLabelValue(s.name)},
                 {"event", std::string(FollowEventName(static_cast<FollowEvent>(e)))}},
                Load(s.follow_events[e]));
    }
  }

  auto& events = AddFamily(out, "privmon_events_total", "Events parsed and routed, by kind.",
                           MetricType::Counter);
  for (std::size_t k = 0; k < static_cast<std::size_t>(EventKind::kCount); ++k) {
    uint64_t n = 0;
    for (const ShardStats& s : st.shards) n += Load(s.events[k]);
    AddSample(events, {{"kind", std::string(EventKindName(static_cast<EventKind>(k)))}}, n);
  }

  auto& rejected = AddFamily(out, "privmon_events_rejected_total",
                             "Messages or records rejected, by reason.", MetricType::Counter);
  for (std::size_t r = 0; r < static_cast<std::size_t>(RejectReason::kCount); ++r) {
    uint64_t n = 0;
    for (const ParserStats& p : st.parsers) n += Load(p.rejected[r]);
    AddSample(rejected, {{"reason", std::string(RejectReasonName(static_cast<RejectReason>(r)))}},
              n);
  }

  auto& skipped = AddFamily(out, "privmon_records_skipped_total",
                            "Records of Entra log categories privmon does not read, by category.",
                            MetricType::Counter);
  for (std::size_t c = 0; c < kSkippedCategoryCount; ++c) {
    uint64_t n = 0;
    for (const ParserStats& p : st.parsers) n += Load(p.skipped[c]);
    AddSample(skipped,
              {{"category", std::string(SkippedCategoryName(static_cast<SkippedCategory>(c)))}}, n);
  }

  auto& alerts =
      AddFamily(out, "privmon_alerts_total",
                "Alerts raised (after suppression), by rule and severity.", MetricType::Counter);
  auto& suppressed = AddFamily(out, "privmon_alerts_suppressed_total",
                               "Repeat alerts counted but not sent, by rule.", MetricType::Counter);
  auto& updates = AddFamily(out, "privmon_alert_updates_total",
                            "Update lines (\"update\": true, a suppression bucket's final count) "
                            "sent, by rule; sinks count them in privmon_alerts_written_total too.",
                            MetricType::Counter);
  std::vector<const ShardStats*> shard_and_operations;
  for (const ShardStats& s : st.shards) shard_and_operations.push_back(&s);
  shard_and_operations.push_back(&st.operations);  // PRIV-OP-01, raised by the control thread
  for (std::size_t i = 0; i < RulesInUse(); ++i) {
    const RuleInfo& rule = GetRuleInfo(static_cast<RuleId>(i));
    uint64_t raised = 0, quiet = 0, update_lines = 0;
    std::array<uint64_t, 3> other{};
    for (const ShardStats* s : shard_and_operations) {
      raised += Load(s->alerts[i]);
      quiet += Load(s->suppressed[i]);
      update_lines += Load(s->updates[i]);
      for (std::size_t sev = 0; sev < other.size(); ++sev) {
        other[sev] += Load(s->alerts_other_severity[i][sev]);
      }
    }
    // The catalogue severity is always present (zeros included); others once they occurred.
    uint64_t at_catalogue = raised;
    for (std::size_t sev = 0; sev < other.size(); ++sev) {
      at_catalogue -= std::min(at_catalogue, other[sev]);
    }
    for (std::size_t sev = 0; sev < other.size(); ++sev) {
      const auto severity = static_cast<Severity>(sev);
      const bool catalogue = severity == rule.severity;
      if (!catalogue && other[sev] == 0) continue;
      AddSample(
          alerts,
          {{"rule_id", std::string(rule.code)}, {"severity", std::string(SeverityName(severity))}},
          catalogue ? at_catalogue : other[sev]);
    }
    AddSample(suppressed, {{"rule_id", std::string(rule.code)}}, quiet);
    AddSample(updates, {{"rule_id", std::string(rule.code)}}, update_lines);
  }

  auto& depth = AddFamily(out, "privmon_queue_depth", "Events waiting in the shard's input queues.",
                          MetricType::Gauge);
  auto& ahead = AddFamily(out, "privmon_events_held_ahead",
                          "Events the shard holds back because they ran ahead of their tenant's "
                          "clock (a lagging input holds the watermark).",
                          MetricType::Gauge);
  auto& waits = AddFamily(out, "privmon_backpressure_waits_total",
                          "Times a parser found the shard's queue full and waited, by shard.",
                          MetricType::Counter);
  auto& accounts =
      AddFamily(out, "privmon_accounts", "Accounts with state in the shard.", MetricType::Gauge);
  auto& state_bytes = AddFamily(out, "privmon_state_bytes", "Bytes of account state in the shard.",
                                MetricType::Gauge);
  auto& lag =
      AddFamily(out, "privmon_watermark_lag_seconds",
                "Wall-clock time minus the shard's event-time watermark.", MetricType::Gauge);
  const int64_t lag_now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  uint64_t late = 0, pim = 0, duplicates = 0, beyond_horizon = 0, evicted = 0, values_evicted = 0;
  uint64_t replay_lost = 0, ahead_overflow = 0;
  for (std::size_t i = 0; i < st.shards.size(); ++i) {
    const ShardStats& s = st.shards[i];
    uint64_t w = 0;
    for (const ParserStats& p : st.parsers) {
      if (i < p.backpressure_waits.size()) w += Load(p.backpressure_waits[i]);
    }
    AddSample(depth, shard_label(i), static_cast<double>(Load(s.queue_depth)));
    AddSample(waits, shard_label(i), w);
    AddSample(ahead, shard_label(i), static_cast<double>(Load(s.ahead_held)));
    ahead_overflow += Load(s.ahead_overflow);
    AddSample(accounts, shard_label(i), static_cast<double>(Load(s.accounts)));
    AddSample(state_bytes, shard_label(i), static_cast<double>(Load(s.state_bytes)));
    // Taken now, not when the shard last moved: a stopped feed's lag grows (breaker round 140).
    const int64_t watermark = Load(s.watermark_us);
    AddSample(lag, shard_label(i),
              watermark == 0 ? 0.0 : static_cast<double>(lag_now_us - watermark) * 1e-6);
    late += Load(s.late_events);
    duplicates += Load(s.duplicates);
    beyond_horizon += Load(s.beyond_horizon);
    replay_lost += Load(s.privilege_replay_lost);
    pim += Load(s.pim_approvals);
    evicted += Load(s.accounts_evicted);
    values_evicted += Load(s.known_values_evicted);
  }
  AddSample(AddFamily(out, "privmon_events_held_ahead_overflow_total",
                      "Events handed to the rules before their tenant's clock reached them because "
                      "the shard's hold of events running ahead was full.",
                      MetricType::Counter),
            {}, ahead_overflow);
  AddSample(
      AddFamily(out, "privmon_late_events_total",
                "Events older than the watermark minus the allowed lateness.", MetricType::Counter),
      {}, late);
  AddSample(AddFamily(out, "privmon_duplicates_total",
                      "Redelivered records (same tenant, kind and record id within the dedupe "
                      "horizon) dropped before the rules.",
                      MetricType::Counter),
            {}, duplicates);
  AddSample(AddFamily(out, "privmon_events_beyond_dedupe_horizon_total",
                      "Records older than their tenant's watermark minus the dedupe horizon: they "
                      "can no longer be told from a redelivery, so they are counted as late and "
                      "kept from the rules.",
                      MetricType::Counter),
            {}, beyond_horizon);
  AddSample(AddFamily(out, "privmon_privilege_replay_lost_total",
                      "Records of unprivileged accounts a shard kept for a role gain arriving "
                      "after them (an older gain makes them judged as a privileged account's), "
                      "overwritten before their tenant's watermark passed them (and a third "
                      "replay request of one record: never expected).",
                      MetricType::Counter),
            {}, replay_lost);
  AddSample(AddFamily(out, "privmon_accounts_evicted_total",
                      "Non-privileged accounts idle beyond every window and the learning period, "
                      "forgotten to keep state bounded.",
                      MetricType::Counter),
            {}, evicted);
  AddSample(AddFamily(out, "privmon_known_values_evicted_total",
                      "Novelty baseline values not seen for known_value_ttl, forgotten.",
                      MetricType::Counter),
            {}, values_evicted);
  AddSample(AddFamily(out, "privmon_pim_approvals_total", "PIM elevation approvals seen.",
                      MetricType::Counter),
            {}, pim);

  auto& latency =
      AddFamily(out, "privmon_event_latency_seconds",
                "Time from receipt of an event to the verdict on it.", MetricType::Histogram);
  ClientMetric& h = latency.metric.emplace_back();
  uint64_t cumulative = 0;
  double sum_ns = 0;
  for (std::size_t b = 0; b <= kLatencyBuckets.size(); ++b) {
    for (const ShardStats& s : st.shards) cumulative += Load(s.latency_buckets[b]);
    h.histogram.bucket.push_back({cumulative, b < kLatencyBuckets.size()
                                                  ? kLatencyBuckets[b]
                                                  : std::numeric_limits<double>::infinity()});
  }
  for (const ShardStats& s : st.shards) sum_ns += static_cast<double>(Load(s.latency_sum_ns));
  h.histogram.sample_count = cumulative;  // = the +Inf bucket, so the series stay consistent
  h.histogram.sample_sum = sum_ns * 1e-9;

  auto& tenant_events = AddFamily(out, "privmon_tenant_events_total",
                                  "Events per tenant, for the busiest tenants by recent volume "
                                  "(pipeline.max_tenant_series; the rest count as \"other\").",
                                  MetricType::Counter);
  auto& tenant_alerts = AddFamily(
      out, "privmon_tenant_alerts_total",
      "Alerts per tenant and severity (capped; the rest count as \"other\").", MetricType::Counter);
  auto& tenant_late = AddFamily(
      out, "privmon_tenant_late_events_total",
      "Events per tenant older than the tenant's watermark (capped like the other tenant series).",
      MetricType::Counter);
  auto& tenant_newest = AddFamily(
      out, "privmon_tenant_last_event_timestamp_seconds",
      "Event time of the newest record per tenant, Unix seconds: the busiest tenants (like the "
      "other tenant series) and every configured tenant; \"other\" is the newest among the rest.",
      MetricType::Gauge);
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::vector<TenantCounters::Snapshot> all = st.tenants.Read();
  std::vector<uint64_t> unnamed_configured;  // configured tenants left out of the named series
  {
    std::lock_guard lock(configured_mu_);
    unnamed_configured = configured_;
  }
  const std::vector<TenantCounters::Snapshot> selected =
      ranking_.Select(all, st.tenants.series(), now_us);
  for (const TenantCounters::Snapshot& t : selected) {
    const auto it = std::lower_bound(unnamed_configured.begin(), unnamed_configured.end(), t.hash);
    if (t.hash != 0 && it != unnamed_configured.end() && *it == t.hash) {
      unnamed_configured.erase(it);
    }
  }
  for (const TenantCounters::Snapshot& t : all) {
    if (t.hash == 0 || t.last_event_us == 0 ||
        !std::binary_search(unnamed_configured.begin(), unnamed_configured.end(), t.hash)) {
      continue;
    }
    AddSample(tenant_newest, {{"tenant", SanitizeLabelValue(t.tenant)}},
              static_cast<double>(t.last_event_us) / 1e6);
  }
  for (const TenantCounters::Snapshot& t : selected) {
    const std::string tenant = SanitizeLabelValue(t.tenant);
    AddSample(tenant_events, {{"tenant", tenant}}, t.events);
    AddSample(tenant_late, {{"tenant", tenant}}, t.late);
    if (t.last_event_us != 0) {
      AddSample(tenant_newest, {{"tenant", tenant}}, static_cast<double>(t.last_event_us) / 1e6);
    }
    for (std::size_t s = 0; s < t.alerts.size(); ++s) {
      AddSample(
          tenant_alerts,
          {{"tenant", tenant}, {"severity", std::string(SeverityName(static_cast<Severity>(s)))}},
          t.alerts[s]);
    }
  }

  AddSample(AddFamily(out, "privmon_inflight_bytes",
                      "Bytes read from a fanned-out source and not yet parsed "
                      "(bounded by pipeline.max_inflight_bytes).",
                      MetricType::Gauge),
            {}, static_cast<double>(st.inflight_bytes.load(std::memory_order_relaxed)));
  AddSample(AddFamily(out, "privmon_inflight_bytes_peak",
                      "Highest privmon_inflight_bytes since start.", MetricType::Gauge),
            {}, static_cast<double>(st.inflight_bytes_peak.load(std::memory_order_relaxed)));
  AddSample(AddFamily(out, "privmon_inflight_waits_total",
                      "Times the source reader waited for the byte budget (back-pressure).",
                      MetricType::Counter),
            {}, Load(st.inflight_waits));
  AddSample(AddFamily(out, "privmon_dead_letters_kafka_written_total",
                      "Dead-letter entries acknowledged by the Kafka dead-letter topic.",
                      MetricType::Counter),
            {}, Load(st.dead_letter_kafka.written));
  AddSample(AddFamily(out, "privmon_dead_letters_kafka_dropped_total",
                      "Dead-letter entries the Kafka dead-letter topic never acknowledged.",
                      MetricType::Counter),
            {}, Load(st.dead_letter_kafka.dropped));
  AddSample(AddFamily(out, "privmon_dead_letters_kafka_errors_total",
                      "Failed deliveries to the Kafka dead-letter topic (each retried).",
                      MetricType::Counter),
            {}, Load(st.dead_letter_kafka.errors));
  AddSample(AddFamily(out, "privmon_dead_letters_total", "Entries written to the dead-letter file.",
                      MetricType::Counter),
            {}, Load(st.dead_letters));
  AddSample(
      AddFamily(out, "privmon_dead_letter_write_failures_total",
                "Dead-letter entries lost to a failed write (full disk...).", MetricType::Counter),
      {}, Load(st.dead_letter_write_failures));
  AddSample(AddFamily(out, "privmon_dead_letter_rotations_total",
                      "Times the dead-letter file reached its size cap and was rotated to "
                      "<path>.1 (the previous <path>.1 is discarded).",
                      MetricType::Counter),
            {}, Load(st.dead_letter_rotations));
  AddSample(AddFamily(out, "privmon_dead_letter_discarded_total",
                      "Dead-letter entries a rotation deleted with the previous <path>.1 (rejected "
                      "messages not kept: exit 1 at the end).",
                      MetricType::Counter),
            {}, Load(st.dead_letter_discarded));
  auto& written = AddFamily(
      out, "privmon_alerts_written_total",
      "Alerts whose whole line reached the sink (Kafka: acknowledged by a delivery report), "
      "by sink.",
      MetricType::Counter);
  auto& dropped = AddFamily(
      out, "privmon_alerts_dropped_total",
      "Alerts a sink did not deliver (PUB without a subscriber able to take them, a failed sink, "
      "the shutdown deadline), by sink.",
      MetricType::Counter);
  auto& sink_errors = AddFamily(out, "privmon_sink_errors_total",
                                "Failed write attempts (each is retried with backoff), by sink.",
                                MetricType::Counter);
  auto& sink_waits = AddFamily(
      out, "privmon_sink_backpressure_waits_total",
      "Times the sink's queue was full and the dispatcher waited, by sink.", MetricType::Counter);
  auto& sink_queue =
      AddFamily(out, "privmon_sink_queue_bytes",
                "Bytes of alert lines waiting in the sink's queue.", MetricType::Gauge);
  auto& sink_stalled =
      AddFamily(out, "privmon_sink_stalled_seconds",
                "Seconds the sink has held alerts without delivering one (0 while it holds none or "
                "delivers); /readyz fails from 30 s.",
                MetricType::Gauge);
  static_assert(kSinkStallSeconds == 30, "the help text above names it");
  const int64_t sink_now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (const SinkStats& s : st.sinks) {
    const std::vector<ClientMetric::Label> label{{"sink", SanitizeLabelValue(s.name)}};
    const int64_t waiting_since = s.waiting_since_us.load(std::memory_order_relaxed);
    AddSample(sink_stalled, label,
              waiting_since == 0
                  ? 0.0
                  : static_cast<double>(std::max<int64_t>(0, sink_now_us - waiting_since)) * 1e-6);
    AddSample(written, label, Load(s.written));
    AddSample(dropped, label, Load(s.dropped));
    AddSample(sink_errors, label, Load(s.errors));
    AddSample(sink_waits, label, Load(s.backpressure_waits));
    AddSample(sink_queue, label, static_cast<double>(Load(s.queue_bytes)));
  }
  AddSample(AddFamily(out, "privmon_config_reloads_total", "Successful configuration reloads.",
                      MetricType::Counter),
            {}, Load(st.config_reloads));
  AddSample(AddFamily(out, "privmon_config_reload_failures_total",
                      "Configuration reloads refused (the previous configuration stays).",
                      MetricType::Counter),
            {}, Load(st.config_reload_failures));
  AddCheckpointFamilies(out, st.checkpoints, st.readiness);
  CollectKafka(st, out);
  CollectStateTopic(st, out);
  assert(out.size() <= kMaxFamilies);
  AppendProcessMetrics(out);  // appends after the references above are done with
  return out;
}

}  // namespace privmon
