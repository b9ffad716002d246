// CompiledConfig: the whole configuration after loading and validation, in the form the hot path
// reads directly: names hashed, regexes compiled, per-tenant settings resolved into one struct per
// tenant (defaults already merged). Immutable once built; shared read-only between threads through
// std::shared_ptr<const CompiledConfig>. ForTenant() is one integer hash lookup.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/time/time.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/rule_catalog.h"
#include "core/user_regex.h"

namespace privmon {

struct RuleSettings {
  bool enabled = true;
  Severity severity = Severity::kHigh;
  uint32_t threshold = 1;
  int64_t window_s = 0;
  int64_t suppress_s = kHour;  // repeats of (rule, account) within this time are counted, not sent
  // Set by the rule's own `suppress` (at any level): a `suppression: {period}` below it then
  // leaves this rule alone (config/privmon.yaml: "a rule's own suppress wins").
  bool suppress_given = false;
};

struct CidrRange {
  std::array<uint8_t, 16> addr{};  // IPv4 stored as ::ffff:a.b.c.d
  uint8_t prefix_bits = 0;         // of the 128-bit form
  bool Contains(const std::array<uint8_t, 16>& ip) const;
};

// Whether local `minute` (after midnight) of `weekday` (0 = Monday ... 6 = Sunday) falls in a
// shift of [start_minute, end_minute) on the days of `day_mask`. A shift past midnight
// ("22:00-06:00", start > end) belongs to the day it starts: Friday's night shift runs into
// Saturday 06:00, and Monday 02:00 is the end of Sunday's night (breaker round 32).
constexpr bool InShift(uint8_t day_mask, int weekday, int minute, int start_minute,
                       int end_minute) {
  auto works = [day_mask](int d) { return (day_mask >> d & 1u) != 0; };
  if (start_minute <= end_minute) {
    return works(weekday) && minute >= start_minute && minute < end_minute;
  }
  if (minute >= start_minute) return works(weekday);
  return minute < end_minute && works((weekday + 6) % 7);
}

struct WorkingHours {
  bool configured = false;
  absl::TimeZone zone;
  uint8_t day_mask = 0;  // bit d set = weekday d is a working day (0 = Monday ... 6 = Sunday)
  int start_minute = 0;  // minutes after local midnight, inclusive
  int end_minute = 0;    // exclusive
  bool Contains(int64_t unix_seconds) const;
};

struct TenantSettings {
  std::string tenant_id;  // empty for the defaults
  std::string name;
  std::array<RuleSettings, kMaxRules> rules{};  // builtin, then custom (core/custom_rules.h)
  int64_t learning_period_s = 14 * kDay;
  absl::flat_hash_set<uint64_t> privileged_roles;     // HashLower(role display name)
  absl::flat_hash_set<uint64_t> break_glass;          // HashLower(UPN or object id)
  absl::flat_hash_set<uint64_t> privileged_accounts;  // HashLower(UPN or object id)
  // The account names ("sam" of "sam@domain" or "DOMAIN\\sam") of the two lists above, as Domain
  // Services' Windows events name accounts: matched by security events only (a group or an app
  // named "BreakGlass" is not the account breakglass@...).
  absl::flat_hash_set<uint64_t> break_glass_names;
  absl::flat_hash_set<uint64_t> privileged_account_names;
  absl::flat_hash_set<uint64_t> paw_devices;         // HashLower(device id)
  absl::flat_hash_set<uint16_t> approved_countries;  // two upper-case letters packed
  std::vector<CidrRange> approved_ip_ranges;
  bool require_managed_device = false;
  absl::flat_hash_set<uint64_t> approved_inviters;  // HashLower(UPN or object id)
  std::optional<UserRegex> naming_policy;           // RE2: linear time, safe on the shard thread
  std::string naming_policy_text;
  WorkingHours working_hours;
  absl::flat_hash_set<uint64_t> high_value_apps;  // HashLower(app id, object id or name)
  // PRIV-OP-01 (app/tenant_silence.h): logs stopped this long (wall time) raise it; 0 = the
  // process-wide pipeline.tenant_silence_alert. With silence_learn = k > 0 the limit is the larger
  // of that and k x the p99 of the tenant's own recent gaps (a small tenant's quiet nights).
  int64_t silence_after_s = 0;
  uint32_t silence_learn = 0;
  // Process-wide `alerts: {incident_span}`, copied into every tenant so the emitter reads it here.
  int64_t incident_span_s = kHour;

  const RuleSettings& rule(RuleId id) const { return rules[static_cast<std::size_t>(id)]; }
  static uint16_t PackCountry(char a, char b) {
    return static_cast<uint16_t>((static_cast<uint8_t>(a) << 8) | static_cast<uint8_t>(b));
  }
};

enum class SourceType : uint8_t { kZmqPull, kZmqSub, kFile, kStdin, kKafka };

// A Kafka (or Event Hubs Kafka endpoint) connection, for a source or the alert sink.
struct KafkaSettings {
  std::string brokers;              // bootstrap.servers
  std::vector<std::string> topics;  // source: names, or one "^regex"; sink: the one topic
  std::string group;                // source: group.id
  // Any librdkafka property, passed through as given (validated by `privmon check`).
  std::vector<std::pair<std::string, std::string>> properties;
  std::string sasl_password_file;  // read at start-up into sasl.password; never printed
  bool tenant_from_key = true;    // source: a message key names the tenant (a `tenant` header wins)
  uint32_t max_partitions = 256;  // source: partitions that get their own event-time clock
  // Source (`run`): a partition that sent nothing for this long (wall time) stops holding its
  // source's watermarks and the records waiting for it (Kafka Streams' max.task.idle.ms); raise it
  // above a partition's longest expected stall (a failover, a slow producer). Behind the state hop
  // at least 120 s.
  int64_t partition_idle_timeout_s = 10;
  // Source, set by `run` when checkpoints are on (not a config key): no auto commit; offsets are
  // committed once a durable checkpoint covers them (MessageSource::Covered).
  bool commit_after_checkpoint = false;
  // Source: the topic privmon owns, keyed by tenant, whose partitions are the units of state
  // (README "Running N instances"); empty: the input feeds the engine directly.
  std::string state_topic;
  uint32_t state_partitions = 0;  // the partitions state_topic must have (checked at start)
  // Source: the input topic (exactly one, named) is keyed by tenant, so its own partitions are the
  // units of state and the hop through state_topic is skipped (README "Running N instances");
  // state_partitions is then the input topic's partition count (checked at start).
  bool keyed_by_tenant = false;
  // Set by `run` for a state partition's own consumer (not config keys): read only this partition
  // of topics[0] (no group membership), and take each message's clock input from its
  // `privmon-input` header (the input partition it came from) rather than its own partition.
  int32_t assign_partition = -1;
  bool clock_from_header = false;
  std::vector<std::string> input_topics;  // clock_from_header: the input topics, in config order
  // State partitions run per partition of state_topic, or of the keyed input itself.
  bool state_partitioned() const { return !state_topic.empty() || keyed_by_tenant; }
  bool operator==(const KafkaSettings&) const = default;
};

struct SourceSettings {
  SourceType type = SourceType::kZmqPull;
  std::string endpoint = "tcp://127.0.0.1:5556";
  bool bind = true;
  std::string path;     // file sources
  bool follow = false;  // file: keep reading as it grows, across rotation (tail -F)
  // The tenant this source carries (DESIGN.md section 10 "Tenancy"): a record naming another, or a
  // frame / Kafka key naming another, is rejected as tenant_mismatch unless `multi_tenant`, where
  // it only fills in for records that name none.
  std::string tenant;
  bool multi_tenant = false;
  std::string name;  // metric label; defaults to the type
  int high_water_mark = 10000;
  // ZeroMQ CURVE (server side): secret key file (z85, 40 chars) and allowed client public keys.
  std::string curve_secret_key_file;
  std::vector<std::string> curve_allowed_clients;
  KafkaSettings kafka;  // kafka sources
  bool operator==(const SourceSettings&) const = default;
};

enum class SinkType : uint8_t { kStdout, kFile, kZmqPub, kKafka };

// The name (metric label) of an unnamed sink: its kind ("file"), numbered from the second sink of
// that kind on ("file_2"); `earlier_of_kind` counts the sinks of that kind before it.
inline std::string DefaultSinkName(std::string_view kind, std::size_t earlier_of_kind) {
  std::string name(kind);
  if (earlier_of_kind > 0) name += "_" + std::to_string(earlier_of_kind + 1);
  return name;
}

// How a sink writes each alert: the native JSON line of DESIGN.md section 5, or an OCSF
// Detection Finding (sinks/alert_ocsf.h).
enum class AlertFormat : uint8_t { kNative, kOcsf };

struct SinkSettings {
  SinkType type = SinkType::kStdout;
  std::string path;
  std::string endpoint;
  AlertFormat format = AlertFormat::kNative;
  KafkaSettings kafka;  // kafka sink
  // The metric label `sink="..."` and the name in stderr messages: the sink's `name`, else its
  // kind, numbered from the second sink of a kind on ("file", "file_2"); unique
  // (config/sources.cc).
  std::string name;
  bool operator==(const SinkSettings&) const = default;
};

struct PipelineSettings {
  uint32_t shards = 0;  // 0 = one per core
  uint32_t parse_threads = 1;
  // One source fanned out to the parse threads: messages dealt to each in a row (1..64). Each
  // takes its block, parses it (one parser per message held), then emits it in source order, so
  // the turn passes between parse threads once a block.
  uint32_t fanout_block = 8;
  uint32_t queue_capacity = 16384;  // events per (parser, shard) queue
  int64_t allowed_lateness_s = 5 * kMinute;
  uint32_t max_message_bytes = 4u << 20;
  // Bytes a fanned-out source (one source, parse_threads > 1) may hold read but not yet parsed;
  // its reader waits (back-pressuring the source) beyond it. A message larger than the budget
  // goes alone.
  uint64_t max_inflight_bytes = 256ull << 20;
  uint32_t max_tenant_series = 200;  // per-tenant metric series cap
  uint32_t alert_queue_capacity = 4096;
  // Event time (DESIGN.md sections 4 and 10; docs/operations.md "Event time").
  int64_t dedupe_horizon_s = 15 * kMinute;       // a record seen again this long after is new
  int64_t tenant_idle_timeout_s = 10 * kMinute;  // wall time; `run` only
  int64_t tenant_silence_alert_s = kHour;        // PRIV-OP-01 after this; wall time, run; 0 = off
  int64_t max_future_skew_s = 90 * kDay;         // ahead of the tenant's newest event: rejected
  // Bounded state (docs/operations.md section 5): idle non-privileged accounts are evicted; a
  // novelty value unseen this long is forgotten (0 = kept forever).
  bool idle_eviction = true;
  int64_t known_value_ttl_s = 180 * kDay;
  // Wall-clock rules (idle sources and tenants) apply; false for `scan`, which never reads the
  // wall clock so that its verdicts depend on the events alone.
  bool wall_clock = true;
  // Every input is finite (scan; run of files it does not follow): each shard's dedupe memory
  // keeps what it read, up to DetectionEngine::kWholeInputRecords records, instead of forgetting
  // past `dedupe_horizon`, so a record older than the horizon is told from a redelivery exactly
  // and reaches the rules as a late record (docs/operations.md "Late records").
  bool whole_inputs = false;
  // Shutdown: a sink that makes no progress this long has what it holds counted as dropped.
  int64_t sink_drain_timeout_ms = 5000;
  // SIGTERM: how long ZeroMQ sources are read for what senders already handed over.
  int64_t source_drain_timeout_ms = 5000;
};

// `checkpoint:` (docs/operations.md "Checkpoints"); an empty dir means no checkpoints.
struct CheckpointSettings {
  std::string dir;
  int64_t interval_s = 60;
};

struct CompiledRuleSet;  // rules/rule_language.h

// The metrics endpoint's address when `metrics.listen` is not written (config/lint.cc checks
// other binds against it).
inline constexpr std::string_view kDefaultMetricsListen = "127.0.0.1:9464";

struct CompiledConfig {
  PipelineSettings pipeline;
  CheckpointSettings checkpoint;
  std::vector<SourceSettings> sources;
  std::vector<SinkSettings> sinks;
  std::string metrics_listen{kDefaultMetricsListen};  // empty = no metrics endpoint
  std::string dead_letter_path = "rejected.ndjson";
  // Records of Entra categories privmon does not read are counted; copied only when this is set.
  bool dead_letter_keep_skipped = false;
  // `dead_letter: {kafka: {brokers, topic, ...}}`: every entry also goes to this Kafka topic
  // (keyed by source name), through a SinkWorker like the Kafka alert sink (sinks/dead_letter.h).
  std::optional<SinkSettings> dead_letter_kafka;
  std::shared_ptr<const TenantSettings> defaults;
  absl::flat_hash_map<uint64_t, std::shared_ptr<const TenantSettings>> tenants;  // HashLower(id)
  // The builtin catalogue plus `rule_files`; null = the builtin catalogue only (BuiltinRuleSet).
  std::shared_ptr<const CompiledRuleSet> rules;

  const TenantSettings& ForTenant(uint64_t tenant_hash) const {
    auto it = tenants.find(tenant_hash);
    return it == tenants.end() ? *defaults : *it->second;
  }
};

// Rule settings as RULES.md sets them, the default privileged roles, and a config with every rule
// on and no tenant lists. Defined in core/config.cc.
RuleSettings DefaultRuleSettings(RuleId id);
const std::vector<std::string>& DefaultPrivilegedRoles();
std::shared_ptr<const CompiledConfig> BuiltinDefaultConfig();

}  // namespace privmon
