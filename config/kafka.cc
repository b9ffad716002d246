// ReadKafkaSource, ReadKafkaSink: `- kafka: {...}` items of `sources:` and `sinks:`. Every
// librdkafka property is checked by librdkafka itself, so `privmon check` reports a misspelt or
// out-of-range property with its line; secrets are refused inline (they belong in a file).
#include <array>

#include "config/reader.h"
#include "config/sections.h"
#include "pipeline/kafka_config.h"

namespace privmon::config {
namespace {

void ReadProperties(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                    KafkaSettings* out) {
  ForEachKeyedEntry(node, path, diag, [&](const YAML::Node& key, const YAML::Node& value) {
    const std::string& name = key.Scalar();
    const std::string key_path = Child(path, name);
    if (name == "bootstrap.servers" || name == "group.id") {
      diag.Error(key, key_path,
                 "set " + std::string(name == "group.id" ? "`group`" : "`brokers`") +
                     " instead of the property " + name);
      return;
    }
    if (IsSecretKafkaProperty(name)) {
      diag.Error(key, key_path,
                 name +
                     " is a secret: put it in a file readable only by privmon and name the "
                     "file with " +
                     (name == "sasl.password" ? "sasl_password_file"
                                              : "a property of librdkafka that reads a file") +
                     " (the value is not shown here)");
      return;
    }
    if (!value.IsScalar()) {
      diag.Error(value, key_path, "expected a scalar value, got " + Describe(value));
      return;
    }
    if (const std::string why = CheckKafkaProperty(name, value.Scalar()); !why.empty()) {
      diag.Error(key, key_path, "librdkafka refuses it: " + why);
      return;
    }
    out->properties.emplace_back(name, value.Scalar());
  });
}

void RequireKey(bool present, const YAML::Node& at, const std::string& path, std::string_view key,
                Diagnostics& diag) {
  if (!present) diag.Error(at, path, "missing required key \"" + std::string(key) + "\"");
}

}  // namespace

void ReadKafkaSource(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                     SourceSettings* out) {
  static constexpr std::array<std::string_view, 15> kKeys = {"brokers",
                                                             "topics",
                                                             "topic_regex",
                                                             "group",
                                                             "tenant",
                                                             "multi_tenant",
                                                             "name",
                                                             "properties",
                                                             "sasl_password_file",
                                                             "tenant_from_key",
                                                             "max_partitions",
                                                             "partition_idle_timeout",
                                                             "state_topic",
                                                             "state_partitions",
                                                             "keyed_by_tenant"};
  out->type = SourceType::kKafka;
  KafkaSettings& k = out->kafka;
  bool has_topics = false, has_regex = false;
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "brokers") {
      ReadString(value, key_path, diag, &k.brokers);
    } else if (key == "topics") {
      ForEachScalarItem(
          value, key_path, diag,
          [&](const std::string& text, const YAML::Node& item, const std::string& item_path) {
            if (text.empty() || text[0] == '^') {
              diag.Error(item, item_path, "expected a topic name (a pattern goes in topic_regex)");
              return;
            }
            k.topics.push_back(text);
            has_topics = true;
          });
    } else if (key == "topic_regex") {
      std::string regex;
      if (ReadString(value, key_path, diag, &regex) && !regex.empty()) {
        k.topics.push_back(regex[0] == '^' ? regex : "^" + regex);  // librdkafka's regex marker
        has_regex = true;
      }
    } else if (key == "group") {
      ReadString(value, key_path, diag, &k.group);
    } else if (key == "tenant") {
      ReadTenantId(value, key_path, diag, &out->tenant);
    } else if (key == "multi_tenant") {
      ReadBool(value, key_path, diag, &out->multi_tenant);
    } else if (key == "name") {
      ReadString(value, key_path, diag, &out->name);
    } else if (key == "properties") {
      ReadProperties(value, key_path, diag, &k);
    } else if (key == "sasl_password_file") {
      ReadString(value, key_path, diag, &k.sasl_password_file);
    } else if (key == "tenant_from_key") {
      ReadBool(value, key_path, diag, &k.tenant_from_key);
    } else if (key == "max_partitions") {
      ReadUint32(value, key_path, diag, 1, 100'000, &k.max_partitions);
    } else if (key == "partition_idle_timeout") {
      if (ReadDuration(value, key_path, diag, &k.partition_idle_timeout_s) &&
          k.partition_idle_timeout_s < 1) {
        diag.Error(value, key_path,
                   "expected at least 1s: a partition that never stops holding would stall every "
                   "tenant of its source for good once it falls silent");
      }
    } else if (key == "state_topic") {
      ReadString(value, key_path, diag, &k.state_topic);
    } else if (key == "state_partitions") {
      ReadUint32(value, key_path, diag, 1, 100'000, &k.state_partitions);
    } else if (key == "keyed_by_tenant") {
      ReadBool(value, key_path, diag, &k.keyed_by_tenant);
    }
  });
  if (!node.IsMap()) return;
  RequireKey(!k.brokers.empty(), node, path, "brokers", diag);
  RequireKey(!k.group.empty(), node, path, "group", diag);
  if (k.keyed_by_tenant && !k.state_topic.empty()) {
    diag.Error(node, path,
               "keyed_by_tenant and state_topic exclude each other: keyed_by_tenant: true when the "
               "producer keys the input by tenant (its partitions hold the state, no hop); "
               "state_topic when it does not (Event Hubs: privmon repartitions by tenant)");
  } else if (k.keyed_by_tenant && k.state_partitions == 0) {
    diag.Error(node, path,
               "keyed_by_tenant needs state_partitions: the partition count of the input topic "
               "(checked at start; it decides which partition holds a tenant and must not change)");
  } else if (!k.state_topic.empty() && k.state_partitions == 0) {
    diag.Error(node, path,
               "state_topic needs state_partitions (the partition count the topic was created "
               "with)");
  } else if (!k.state_partitioned() && k.state_partitions != 0) {
    diag.Error(node, path,
               "state_partitions without state_topic (or keyed_by_tenant: true): it is the "
               "partition count of the topic whose partitions hold the state");
  }
  if (k.keyed_by_tenant && (has_regex || k.topics.size() != 1)) {
    diag.Error(node, path,
               "keyed_by_tenant needs exactly one topic, by name (its partitions are the state "
               "partitions); give topics: [<one topic>]");
  }
  if (!k.state_topic.empty() && has_regex) {
    diag.Error(node, path, "state_topic needs named topics (input clocks are per named topic)");
  }
  if (has_topics == has_regex) {
    diag.Error(node, path,
               has_topics ? "give topics or topic_regex, not both"
                          : "missing required key \"topics\" (or \"topic_regex\")");
  }
}

void ReadKafkaSink(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                   SinkSettings* out) {
  static constexpr std::array<std::string_view, 6> kKeys = {
      "brokers", "topic", "properties", "sasl_password_file", "format", "name"};
  out->type = SinkType::kKafka;
  KafkaSettings& k = out->kafka;
  std::string topic;
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "brokers") {
      ReadString(value, key_path, diag, &k.brokers);
    } else if (key == "topic") {
      ReadString(value, key_path, diag, &topic);
    } else if (key == "properties") {
      ReadProperties(value, key_path, diag, &k);
    } else if (key == "sasl_password_file") {
      ReadString(value, key_path, diag, &k.sasl_password_file);
    } else if (key == "format") {
      ReadSinkFormat(value, key_path, diag, &out->format);
    } else if (key == "name") {
      ReadString(value, key_path, diag, &out->name);
    }
  });
  if (!topic.empty()) k.topics.push_back(topic);
  if (!node.IsMap()) return;
  RequireKey(!k.brokers.empty(), node, path, "brokers", diag);
  RequireKey(!topic.empty(), node, path, "topic", diag);
}

}  // namespace privmon::config
