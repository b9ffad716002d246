// Counters shared between the pipeline threads (single writer each) and the metrics exporter
// (reader at scrape time). Every field is a relaxed atomic: writers never wait, readers see a
// recent value. One ShardStats per shard, one ParserStats per parse thread, one SourceStats per
// source, so no counter has two writers (except TenantCounters, which uses fetch_add).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/follow_event.h"
#include "core/kafka_stats.h"
#include "core/reject_reason.h"
#include "core/rule_catalog.h"
#include "core/skipped_category.h"

namespace privmon {

using Counter = std::atomic<uint64_t>;
using Gauge = std::atomic<int64_t>;

inline void Bump(Counter& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Receipt-to-verdict latency buckets, seconds (upper bounds; +Inf implicit).
// Up to 1 min: an event the ahead hold keeps for a lagging input waits seconds to minutes.
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
    0.005,   0.01,    0.05,   0.25,    1.0,    5.0,   60.0};

struct alignas(64) ShardStats {
  std::array<Counter, static_cast<std::size_t>(EventKind::kCount)> events{};
  std::array<Counter, kMaxRules> alerts{};
  // Alerts raised with another severity than the catalogue's (a tenant override, PRIV-EL-05's
  // medium case), by rule and severity; the catalogue severity's count is alerts minus these.
  std::array<std::array<Counter, 3>, kMaxRules> alerts_other_severity{};
  std::array<Counter, kMaxRules> suppressed{};
  // Update lines (`"update": true`: a suppression bucket's final count) handed to the sinks, by
  // rule. Sinks count every line they deliver, alerts and update lines alike: raised lines are
  // alerts + updates (breaker round 140: written exceeded raised by the update lines).
  std::array<Counter, kMaxRules> updates{};
  Counter late_events{0};
  Counter duplicates{0};  // redelivered records dropped before the rules
  // Older than the tenant's watermark minus the dedupe horizon: no longer distinguishable from a
  // redelivery, so kept from the rules (counted, also in late_events).
  Counter beyond_horizon{0};
  // Records kept for a later role gain (DetectionEngine::ReplayPrivilege) overwritten while not
  // older than their tenant's watermark: a gain arriving after them could not re-judge them.
  Counter privilege_replay_lost{0};
  Counter pim_approvals{0};
  Counter accounts_evicted{0};      // idle accounts forgotten (docs/operations.md section 5)
  Counter known_values_evicted{0};  // novelty values unseen for known_value_ttl
  Counter alerts_queued{0};  // alert lines handed to the sink thread (checkpoint acknowledgement)
  Gauge queue_depth{0};
  // Events held back because they ran ahead of their tenant's clock (pipeline/ahead_hold.h), and
  // those handed on early because the hold was full.
  Gauge ahead_held{0};
  Counter ahead_overflow{0};
  Gauge accounts{0};
  Gauge state_bytes{0};
  // The shard's newest tenant watermark, microseconds since the epoch (0: none yet). Its lag
  // behind the wall clock is taken at each scrape, so a feed that stops shows a growing lag.
  Gauge watermark_us{0};
  std::array<Counter, kLatencyBuckets.size() + 1> latency_buckets{};
  Counter latency_sum_ns{0};
  Counter latency_count{0};

  void ObserveLatency(int64_t ns) {
    const double s = static_cast<double>(ns) * 1e-9;
    std::size_t i = 0;
    while (i < kLatencyBuckets.size() && s > kLatencyBuckets[i]) ++i;
    Bump(latency_buckets[i]);
    Bump(latency_sum_ns, ns > 0 ? static_cast<uint64_t>(ns) : 0);
    Bump(latency_count);
  }
};

struct alignas(64) ParserStats {
  std::array<Counter, static_cast<std::size_t>(RejectReason::kCount)> rejected{};
  std::array<Counter, kSkippedCategoryCount> skipped{};  // records of categories not read
  Counter records{0};
  std::deque<Counter> backpressure_waits;  // one per shard, sized once at start-up
};

struct alignas(64) SourceStats {
  std::string name;
  Counter messages{0};
  Counter bytes{0};
  // Reads that failed (an I/O error, a file that shrank while read, late writes to a followed
  // file's renamed predecessor): what they held was not read. Written by the source as it meets
  // them (MessageSource::CountInto), so a followed file that never ends shows them while it runs.
  Counter read_errors{0};
  // NUL bytes a file source skipped (a hole its writer left: copytruncate of a file it did not
  // open O_APPEND, a crash's zero-filled tail): privmon_source_skipped_bytes_total{reason="nul"}.
  Counter skipped_nul_bytes{0};
  // A followed file's rotations and conditions (core/follow_event.h), by FollowEvent; exported
  // for sources that follow a file (`followed`, set before the source's first Receive).
  std::array<Counter, kFollowEventCount> follow_events{};
  std::atomic<bool> followed{false};
};

// A sink that holds alerts this long (seconds) without delivering one is stalled: said once on
// stderr (sinks/sink_worker.h) and failing GET /readyz (metrics/health.h).
inline constexpr int64_t kSinkStallSeconds = 30;

// One alert sink's delivery accounting. `written` and `errors` have one writer (the sink's
// worker thread); `dropped` and `lost` two (the worker, and the dispatcher at shutdown), so they
// use fetch_add. Every alert handed to a sink ends up in exactly one of written or dropped, or is
// still queued (queue_bytes > 0).
struct alignas(64) SinkStats {
  std::string name;  // metric label: "stdout", "file", "zmq_pub", "file_2", ...
  // What it carries, for its stderr lines: alerts, or the dead letter's entries (dead_letter's
  // Kafka copy: its losses are privmon_dead_letters_kafka_dropped_total, not an alert series).
  bool dead_letter = false;
  Counter written{0};  // alerts whose last byte reached the destination
  Counter dropped{0};  // alerts not delivered (PUB without taker, failed sink, shutdown)
  Counter lost{0};     // the part of dropped due to a failure or timeout, not to PUB design
  Counter errors{0};   // failed write attempts
  Counter backpressure_waits{0};  // times the dispatcher found the sink's queue full and waited
  Gauge queue_bytes{0};
  std::atomic<bool> failing{false};  // the last write attempt failed
  // Wall-clock microseconds since which the sink has held alerts (queued, or handed to Kafka and
  // not acknowledged) without delivering one; 0 while it holds none. Set by the producer on a
  // push into an idle sink (so a worker blocked in a write still shows), moved on by the worker
  // at each delivery and cleared when it holds nothing (GET /readyz, privmon_sink_stalled_seconds).
  Gauge waiting_since_us{0};
};

// Per-tenant event and alert counts. `series` (pipeline.max_tenant_series) is how many tenants
// /metrics shows, the busiest by recent volume (metrics/tenant_ranking.h); counts are kept for
// TrackedTenants(series) tenants, so a tenant that grows busy later can take a series, and tenants
// beyond that count under "other". A configured tenant (config `tenants:`) is counted apart
// whatever came before it (ClaimConfigured: room for `configured` of them plus kConfiguredHeadroom
// added by reloads): PRIV-OP-01 reads its count, and under "other" a configured tenant sending
// records looked silent (breaker round 133: a false PRIV-OP-01 past 4,096 other tenants, or with
// max_tenant_series 0). Lock-free: a slot is claimed by CAS on its tenant hash; counters use
// fetch_add because every shard writes. Lookup is O(1) expected (open addressing).
class TenantCounters {
 public:
  static constexpr uint32_t kConfiguredHeadroom = 4096;
  explicit TenantCounters(uint32_t series, uint32_t configured = 0);
  // Tenants counted apart: 8 x the series, at least 4096 (about 250 B each); 0 when series is 0.
  static uint32_t TrackedTenants(uint32_t series) {
    return series == 0 ? 0 : std::max<uint32_t>(series * 8, 4096);
  }
  uint32_t series() const { return series_; }
  // Returns the slot for the tenant, or the overflow slot when full. Thread-safe.
  uint32_t SlotFor(uint64_t tenant_hash, std::string_view tenant_id);
  // A configured tenant's slot, claimed beside the TrackedTenants ones (idempotent; the overflow
  // slot only past `configured` + kConfiguredHeadroom of them). Thread-safe; called by the
  // control thread at start and at each PRIV-OP-01 poll (a reload's new tenants).
  uint32_t ClaimConfigured(uint64_t tenant_hash, std::string_view tenant_id);
  // The tenant's slot if one was claimed for it, else the overflow slot; claims nothing.
  // Thread-safe; O(1) expected.
  uint32_t Find(uint64_t tenant_hash) const;
  // The slot of every tenant not counted apart ("other").
  uint32_t overflow_slot() const { return table_size_; }
  // True while a tenant not seen yet would get a slot of its own (the counted tenants are not all
  // taken): a tenant without one then sent nothing since the start.
  bool NewTenantsCountedApart() const {
    return claimed_.load(std::memory_order_relaxed) < capacity_;
  }
  // How many configured tenants were claimed: a caller that cached the overflow slot for a
  // tenant looks it up again when this moved (a reload configured it). One acquire load.
  uint32_t configured_claims() const { return configured_claimed_.load(std::memory_order_acquire); }
  void CountEvent(uint32_t slot) { slots_[slot].events.fetch_add(1, std::memory_order_relaxed); }
  void CountLate(uint32_t slot) { slots_[slot].late.fetch_add(1, std::memory_order_relaxed); }
  // The tenant's newest event time (a CAS loop only when `time` is newer).
  void SeeEventTime(uint32_t slot, int64_t time_us) {
    std::atomic<int64_t>& newest = slots_[slot].last_event_us;
    int64_t seen = newest.load(std::memory_order_relaxed);
    while (time_us > seen &&
           !newest.compare_exchange_weak(seen, time_us, std::memory_order_relaxed)) {
    }
  }
  void CountAlert(uint32_t slot, Severity s) {
    slots_[slot].alerts[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  }
  struct Snapshot {
    std::string tenant;  // "other" for the overflow slot
    uint64_t events;
    std::array<uint64_t, 3> alerts;
    uint64_t late;
    uint64_t hash;          // the tenant's hash; 0 for "other"
    int64_t last_event_us;  // newest event time; 0 before the first
  };
  std::vector<Snapshot> Read() const;

 private:
  struct Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<bool> ready{false};
    char id[48] = {};
    std::atomic<uint64_t> events{0};
    std::array<std::atomic<uint64_t>, 3> alerts{};
    std::atomic<uint64_t> late{0};
    std::atomic<int64_t> last_event_us{0};
  };
  // Claims the tenant's slot while `claimed` < `limit` (or finds it claimed).
  uint32_t Claim(uint64_t tenant_hash, std::string_view tenant_id, std::atomic<uint32_t>& claimed,
                 uint32_t limit);
  uint32_t series_;
  uint32_t capacity_;
  uint32_t configured_capacity_;
  uint32_t table_size_;
  std::atomic<uint32_t> claimed_{0};
  std::atomic<uint32_t> configured_claimed_{0};
  std::unique_ptr<Slot[]> slots_;  // table_size_ + 1; the last is "other"
};

// Checkpoints (docs/operations.md "Checkpoints"); written by the control thread only.
inline constexpr std::array<double, 10> kCheckpointBuckets = {0.0001, 0.0005, 0.001, 0.005, 0.01,
                                                              0.05,   0.1,    0.5,   1.0,   5.0};
struct CheckpointHistogram {
  std::array<Counter, kCheckpointBuckets.size() + 1> buckets{};
  std::atomic<double> sum{0};
  Counter count{0};
  void Observe(double s) {
    std::size_t i = 0;
    while (i < kCheckpointBuckets.size() && s > kCheckpointBuckets[i]) ++i;
    Bump(buckets[i]);
    sum.store(sum.load(std::memory_order_relaxed) + s, std::memory_order_relaxed);
    Bump(count);
  }
};
struct CheckpointStats {
  Gauge last_written_us{0};  // wall time of the latest checkpoint written or restored; 0 = none
  Gauge bytes{0};            // size of the latest checkpoint file
  Counter failures{0};
  // Writes refused because another process claimed the state partition since (fencing).
  Counter fenced{0};
  CheckpointHistogram duration;  // cut to durable file
  CheckpointHistogram pause;     // sources stopped to sources resumed
};

// The repartitioner (input -> state topic) and the state partitions this process runs.
struct StateTopicStats {
  std::atomic<bool> enabled{false};
  Gauge assigned{0};  // state partitions this process runs
  // Partitions the group assigned to this process that no task reads (the task did not start:
  // claim refused, checkpoints unusable; or a partition >= state_partitions, the topic grew):
  // their records wait unread. /readyz fails while it is > 0 (metrics/health.h).
  Gauge unread{0};
  Counter rebalances{0};      // assignments and revocations of the state group
  Counter produced{0};        // events produced to the state topic (delivery confirmed)
  Counter produce_errors{0};  // failed produce attempts and deliveries (each retried)
  // keyed_by_tenant: records of a tenant this process first saw on another input partition
  // (pipeline/tenant_partition_watch.h): the input is not keyed by tenant after all.
  Counter tenant_split_records{0};
  std::atomic<bool> keyed{false};  // keyed_by_tenant (no hop): the produce counters stay 0
};

// What GET /readyz reads (metrics/health.h); written by the control thread of `run`.
struct ReadinessStats {
  std::atomic<bool> sources_started{false};  // set once the pipeline reads its bound sources
  std::atomic<bool> stopping{false};         // SIGTERM/SIGINT received: draining
  Gauge started_us{0};                       // wall time the sources started
  Gauge checkpoint_interval_us{0};           // 0: checkpoints off
};

struct PipelineStats {
  // `configured`: the config's tenants (TenantCounters::ClaimConfigured).
  PipelineStats(uint32_t shards, uint32_t parsers, uint32_t tenant_cap, uint32_t configured = 0);
  std::deque<ShardStats> shards;
  // Alerts of privmon's own rules, raised by the control thread (PRIV-OP-01, app/tenant_silence.h):
  // only alerts, alerts_other_severity and alerts_queued are used.
  ShardStats operations;
  std::deque<ParserStats> parsers;
  std::deque<SourceStats> sources;
  TenantCounters tenants;
  std::deque<SinkStats> sinks;  // filled by the AlertDispatcher before the first scrape
  // Ingest byte budget (pipeline.max_inflight_bytes, pipeline/source_fanout.h): bytes read from
  // the source and not yet parsed, their highest value, and the reader's waits for room.
  Gauge inflight_bytes{0};
  Gauge inflight_bytes_peak{0};
  Counter inflight_waits{0};
  Counter dead_letters{0};
  // `dead_letter: {kafka: ...}`: entries acknowledged by the broker (written), given up (dropped),
  // failed attempts (errors); kept apart from the alert sinks (checkpoints do not wait for them).
  SinkStats dead_letter_kafka;
  Counter dead_letter_write_failures{0};
  // The dead-letter file's last write failed (rejected messages are not kept): GET /readyz fails
  // until an entry is written again (sinks/dead_letter.h ReportFailingTo).
  std::atomic<bool> dead_letter_failing{false};
  Counter dead_letter_rotations{0};
  // Entries a dead-letter rotation deleted with the previous <path>.1 (sinks/dead_letter.h).
  Counter dead_letter_discarded{0};
  Counter config_reloads{0};
  Counter config_reload_failures{0};
  // Alert lines the sink thread wrote and flushed to every output (checkpoints cover only these).
  std::atomic<uint64_t> alerts_flushed{0};
  CheckpointStats checkpoints;
  ReadinessStats readiness;
  std::deque<KafkaSourceStats> kafka_sources;  // one per Kafka source, added as each is opened
  // `state_topic` (README "Running N instances"): the repartition hop and the state partitions.
  StateTopicStats state_topic;
};

}  // namespace privmon
