// KafkaConfig: turns KafkaSettings into a librdkafka configuration, for the Kafka source and the
// Kafka alert sink. Secrets (sasl.password) come from a file and never appear in an error message.
// Start-up and `privmon check` only; every function may allocate. Thread-safe (no shared state).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/config.h"

namespace privmon {

struct KafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;

// Properties whose values are secrets: refused inline in the config (they belong in a file).
bool IsSecretKafkaProperty(std::string_view name);

// Empty when librdkafka accepts `name: value`, else why not (for `privmon check`).
std::string CheckKafkaProperty(const std::string& name, const std::string& value);

// bootstrap.servers, then `defaults` (privmon's choices, e.g. bounded queues), then the
// configured properties (which override the defaults), then sasl.password from its file.
// Throws std::runtime_error naming `what` and the property (never a secret's value).
using KafkaDefaults = std::span<const std::pair<const char*, const char*>>;
KafkaConf MakeKafkaConf(const KafkaSettings& settings, KafkaDefaults defaults,
                        const std::string& what);

}  // namespace privmon
