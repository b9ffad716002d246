// ReadPipeline, ReadMetrics, ReadDeadLetter, ReadAlerts: the single-valued process-wide sections.
#include <array>
#include <bit>

#include "config/reader.h"
#include "config/scalars.h"
#include "config/sections.h"

namespace privmon::config {
namespace {

constexpr uint32_t kMaxShards = 1024;
constexpr uint32_t kMaxParseThreads = 256;

bool IsOff(const YAML::Node& n) {
  if (n.IsNull()) return true;
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  return s.empty() || s == "off" || s == "false" || s == "none";
}

void ReadQueueCapacity(const YAML::Node& value, const std::string& path, Diagnostics& diag,
                       uint32_t* out) {
  uint32_t capacity = 0;
  if (!ReadUint32(value, path, diag, 0, 1u << 30, &capacity)) return;
  if (capacity < 2 || !std::has_single_bit(capacity)) {
    diag.Error(value, path,
               "must be a power of two of at least 2 (e.g. 16384, 65536), got " + value.Scalar());
    return;
  }
  *out = capacity;
}

}  // namespace

void ReadPipeline(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                  PipelineSettings* out) {
  static constexpr std::array<std::string_view, 17> kKeys = {"shards",
                                                             "parse_threads",
                                                             "fanout_block",
                                                             "queue_capacity",
                                                             "allowed_lateness",
                                                             "max_message_bytes",
                                                             "max_inflight_bytes",
                                                             "max_tenant_series",
                                                             "alert_queue_capacity",
                                                             "dedupe_horizon",
                                                             "tenant_idle_timeout",
                                                             "tenant_silence_alert",
                                                             "max_future_skew",
                                                             "sink_drain_timeout",
                                                             "source_drain_timeout",

                                                             "idle_eviction",
                                                             "known_value_ttl"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "shards") {
      ReadUint32(value, key_path, diag, 0, kMaxShards, &out->shards);
    } else if (key == "parse_threads") {
      ReadUint32(value, key_path, diag, 1, kMaxParseThreads, &out->parse_threads);
    } else if (key == "fanout_block") {
      ReadUint32(value, key_path, diag, 1, 64, &out->fanout_block);
    } else if (key == "queue_capacity") {
      ReadQueueCapacity(value, key_path, diag, &out->queue_capacity);
    } else if (key == "alert_queue_capacity") {
      ReadQueueCapacity(value, key_path, diag, &out->alert_queue_capacity);
    } else if (key == "allowed_lateness") {
      ReadDuration(value, key_path, diag, &out->allowed_lateness_s);
    } else if (key == "max_message_bytes") {
      ReadUint32(value, key_path, diag, 1024, 1u << 30, &out->max_message_bytes);
    } else if (key == "max_inflight_bytes") {
      uint32_t mib = 0;  // given in bytes; at least 1 MiB, at most 4 GiB - 1
      if (ReadUint32(value, key_path, diag, 1u << 20, UINT32_MAX, &mib)) {
        out->max_inflight_bytes = mib;
      }
    } else if (key == "dedupe_horizon") {  // 0 / off: no redelivery dedupe
      if (IsOff(value)) {
        out->dedupe_horizon_s = 0;
      } else {
        ReadDuration(value, key_path, diag, &out->dedupe_horizon_s);
      }
    } else if (key == "idle_eviction") {
      ReadBool(value, key_path, diag, &out->idle_eviction);
    } else if (key == "known_value_ttl") {  // 0 / off: novelty values are kept forever
      if (IsOff(value)) {
        out->known_value_ttl_s = 0;
      } else {
        ReadDuration(value, key_path, diag, &out->known_value_ttl_s);
      }
    } else if (key == "tenant_idle_timeout") {
      ReadDuration(value, key_path, diag, &out->tenant_idle_timeout_s);
    } else if (key == "tenant_silence_alert") {  // 0 / off: PRIV-OP-01 never fires
      if (IsOff(value)) {
        out->tenant_silence_alert_s = 0;
      } else {
        ReadDuration(value, key_path, diag, &out->tenant_silence_alert_s);
      }
    } else if (key == "max_future_skew") {  // 0 / off: no record is too far ahead
      if (IsOff(value)) {
        out->max_future_skew_s = 0;
      } else {
        ReadDuration(value, key_path, diag, &out->max_future_skew_s);
      }
    } else if (key == "sink_drain_timeout") {
      int64_t seconds = 0;
      if (ReadDuration(value, key_path, diag, &seconds))
        out->sink_drain_timeout_ms = seconds * 1000;
    } else if (key == "source_drain_timeout") {
      int64_t seconds = 0;
      if (ReadDuration(value, key_path, diag, &seconds))
        out->source_drain_timeout_ms = seconds * 1000;
    } else if (key == "max_tenant_series") {
      ReadUint32(value, key_path, diag, 0, 1'000'000, &out->max_tenant_series);
    }
  });
}

void ReadMetrics(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                 std::string* listen) {
  static constexpr std::array<std::string_view, 1> kKeys = {"listen"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    if (IsOff(value)) {
      listen->clear();
      return;
    }
    std::string address;
    if (!ReadString(value, Child(path, key), diag, &address)) return;
    const std::size_t colon = address.rfind(':');
    uint64_t port = 0;
    if (colon == std::string::npos || !ParseUnsigned(address.substr(colon + 1), &port) ||
        port == 0 || port > 65535) {
      diag.Error(value, Child(path, key),
                 R"(expected host:port like "127.0.0.1:9464" (or off), got ")" + address + "\"");
      return;
    }
    *listen = address;
  });
}

void ReadDeadLetter(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                    std::string* file, bool* keep_skipped, std::optional<SinkSettings>* kafka) {
  static constexpr std::array<std::string_view, 3> kKeys = {"path", "keep_skipped", "kafka"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    if (key == "keep_skipped") {
      ReadBool(value, Child(path, key), diag, keep_skipped);
      return;
    }
    if (key == "kafka") {  // the Kafka sink's keys (brokers, topic, properties, ...)
      SinkSettings sink;
      ReadKafkaSink(value, Child(path, key), diag, &sink);
      if (sink.name.empty()) sink.name = "dead_letter";
      if (kafka != nullptr) *kafka = std::move(sink);
      return;
    }
    if (IsOff(value)) {
      file->clear();
      return;
    }
    ReadString(value, Child(path, key), diag, file);
  });
}

void ReadAlerts(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                int64_t* incident_span_s) {
  static constexpr std::array<std::string_view, 1> kKeys = {"incident_span"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    ReadDuration(value, Child(path, key), diag, incident_span_s);
  });
}

}  // namespace privmon::config
