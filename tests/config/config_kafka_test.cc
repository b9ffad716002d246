// Kafka sources and sinks in the config: what `privmon check` accepts, and the errors it gives
// for a misspelt librdkafka property, a secret written inline, or a missing group or topic.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"

namespace privmon {
namespace {

std::string Errors(const ConfigLoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.message + "\n";
  return out;
}

TEST(ConfigKafka, SourceAndSinkCompileWithTheirProperties) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "ns.servicebus.windows.net:9093", topics: [insights-logs-signinlogs, insights-logs-auditlogs],
            group: privmon, tenant: 0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b, sasl_password_file: /etc/privmon/eventhubs.secret,
            properties: {security.protocol: SASL_SSL, sasl.mechanism: PLAIN, sasl.username: $ConnectionString}}
  - kafka: {brokers: "k1:9092", topic_regex: "entra-.*", group: g2, tenant_from_key: false, max_partitions: 32,
              partition_idle_timeout: 5m}
sinks:
  - kafka: {brokers: "k1:9092", topic: privmon-alerts, format: ocsf, properties: {acks: all}}
)");
  ASSERT_NE(r.config, nullptr) << Errors(r);
  ASSERT_EQ(r.config->sources.size(), 2u);
  const SourceSettings& eh = r.config->sources[0];
  EXPECT_EQ(eh.type, SourceType::kKafka);
  EXPECT_EQ(eh.name, "kafka");
  EXPECT_EQ(eh.kafka.brokers, "ns.servicebus.windows.net:9093");
  EXPECT_EQ(eh.kafka.topics.size(), 2u);
  EXPECT_EQ(eh.kafka.group, "privmon");
  EXPECT_EQ(eh.tenant, "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b");
  EXPECT_EQ(eh.kafka.sasl_password_file, "/etc/privmon/eventhubs.secret");
  ASSERT_EQ(eh.kafka.properties.size(), 3u);
  EXPECT_EQ(eh.kafka.properties[2].second, "$ConnectionString");
  const SourceSettings& regex = r.config->sources[1];
  EXPECT_EQ(regex.name, "kafka-2");
  ASSERT_EQ(regex.kafka.topics.size(), 1u);
  EXPECT_EQ(regex.kafka.topics[0], "^entra-.*");  // librdkafka's marker for a pattern
  EXPECT_FALSE(regex.kafka.tenant_from_key);
  EXPECT_EQ(regex.kafka.max_partitions, 32u);
  EXPECT_EQ(eh.kafka.partition_idle_timeout_s, 10);  // the default
  EXPECT_EQ(regex.kafka.partition_idle_timeout_s, 300);
  ASSERT_EQ(r.config->sinks.size(), 1u);
  EXPECT_EQ(r.config->sinks[0].type, SinkType::kKafka);
  EXPECT_EQ(r.config->sinks[0].format, AlertFormat::kOcsf);
  ASSERT_EQ(r.config->sinks[0].kafka.topics.size(), 1u);
  EXPECT_EQ(r.config->sinks[0].kafka.topics[0], "privmon-alerts");
}

// A partition that never stopped holding would stall its source's tenants for good once silent.
TEST(ConfigKafka, APartitionIdleTimeoutUnderOneSecondOrNoDurationIsRefused) {
  for (const char* value : {"0s", "-5s", "ten", "[1]"}) {
    const ConfigLoadResult r = LoadConfigText(
        std::string("sources:\n  - kafka: {brokers: \"k1:9092\", topics: [t], group: g, "
                    "partition_idle_timeout: ") +
        value + "}\n");
    EXPECT_EQ(r.config, nullptr) << value;
    EXPECT_NE(Errors(r).find("sources[0].kafka.partition_idle_timeout"), std::string::npos)
        << value << ": " << Errors(r);
  }
}

TEST(ConfigKafka, ShippedEventHubsExampleIsValid) {
  const ConfigLoadResult r =
      LoadConfigFile(std::string(PRIVMON_SOURCE_DIR) + "/config/eventhubs.example.yaml");
  ASSERT_NE(r.config, nullptr) << Errors(r);
  ASSERT_EQ(r.config->sources.size(), 1u);
  EXPECT_EQ(r.config->sources[0].kafka.topics.size(), 3u);
  EXPECT_EQ(r.config->sources[0].kafka.sasl_password_file, "/etc/privmon/eventhubs.secret");
}

TEST(ConfigKafka, InlineSecretIsRefusedWithoutShowingIt) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9093", topics: [t], group: g, properties: {sasl.password: "Endpoint=sb://x;SharedAccessKey=hunter2"}}
)");
  EXPECT_EQ(r.config, nullptr);
  const std::string errors = Errors(r);
  EXPECT_NE(errors.find("sasl_password_file"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("hunter2"), std::string::npos) << errors;
}

TEST(ConfigKafka, LibrdkafkaRefusesAMisspeltOrBadProperty) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", topics: [t], group: g, properties: {sasl.mechanismz: PLAIN, security.protocol: TLS}}
)");
  EXPECT_EQ(r.config, nullptr);
  const std::string errors = Errors(r);
  EXPECT_NE(errors.find("sasl.mechanismz"), std::string::npos) << errors;
  EXPECT_NE(errors.find("security.protocol"), std::string::npos) << errors;
  EXPECT_EQ(r.errors.size(), 2u) << errors;
}

TEST(ConfigKafka, MissingGroupTopicsOrBrokersAreErrors) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092"}
  - kafka: {brokers: "b:9092", group: g, topics: [a], topic_regex: "b.*"}
sinks:
  - kafka: {topic: alerts}
)");
  EXPECT_EQ(r.config, nullptr);
  const std::string errors = Errors(r);
  EXPECT_NE(errors.find("\"group\""), std::string::npos) << errors;
  EXPECT_NE(errors.find("\"topics\" (or \"topic_regex\")"), std::string::npos) << errors;
  EXPECT_NE(errors.find("not both"), std::string::npos) << errors;
  EXPECT_NE(errors.find("\"brokers\""), std::string::npos) << errors;
}

TEST(ConfigKafka, StateTopicCompilesWithItsPartitionsAndACheckpointDir) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", group: g, topics: [entra], state_topic: privmon-events,
            state_partitions: 8}
checkpoint: {dir: /shared/privmon/cp, interval: 30s}
)");
  ASSERT_NE(r.config, nullptr) << Errors(r);
  EXPECT_EQ(r.config->sources[0].kafka.state_topic, "privmon-events");
  EXPECT_EQ(r.config->sources[0].kafka.state_partitions, 8u);
}

TEST(ConfigKafka, StateTopicNeedsPartitionsACheckpointDirAndToBeTheOnlySource) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", group: g, topics: [entra], state_topic: privmon-events}
  - kafka: {brokers: "b:9092", group: h, topics: [other], state_partitions: 4}
)");
  EXPECT_EQ(r.config, nullptr);
  const std::string errors = Errors(r);
  EXPECT_NE(errors.find("state_topic needs state_partitions"), std::string::npos) << errors;
  EXPECT_NE(errors.find("state_partitions without state_topic"), std::string::npos) << errors;
  EXPECT_NE(errors.find("state_topic needs checkpoint.dir"), std::string::npos) << errors;
  EXPECT_NE(errors.find("must be the only source"), std::string::npos) << errors;
  // Both point at the sources list, not at line 0.
  for (const ConfigError& e : r.errors) {
    if (e.message.find("checkpoint.dir") != std::string::npos ||
        e.message.find("only source") != std::string::npos) {
      EXPECT_EQ(e.line, 3) << e.message;
    }
  }
}

TEST(ConfigKafka, KeyedByTenantCompilesWithTheInputsPartitionCount) {
  const ConfigLoadResult r = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", group: g, topics: [entra-by-tenant], keyed_by_tenant: true,
            state_partitions: 12}
checkpoint: {dir: /shared/privmon/cp, interval: 30s}
)");
  ASSERT_NE(r.config, nullptr) << Errors(r);
  const KafkaSettings& k = r.config->sources[0].kafka;
  EXPECT_TRUE(k.keyed_by_tenant);
  EXPECT_TRUE(k.state_partitioned());
  EXPECT_TRUE(k.state_topic.empty());
  EXPECT_EQ(k.state_partitions, 12u);
}

TEST(ConfigKafka, KeyedByTenantNeedsPartitionsOneNamedTopicACheckpointDirAndNoStateTopic) {
  const auto errors_of = [](const std::string& source, const std::string& rest) {
    const ConfigLoadResult r = LoadConfigText(
        "sources:\n  - kafka: {brokers: \"b:9092\", "
        "group: g, keyed_by_tenant: true, " +
        source + "}\n" + rest);
    EXPECT_EQ(r.config, nullptr) << source;
    return Errors(r);
  };
  const std::string cp = "checkpoint: {dir: /tmp/cp}\n";
  std::string e = errors_of("topics: [entra]", cp);
  EXPECT_NE(e.find("keyed_by_tenant needs state_partitions: the partition count of the input "
                   "topic"),
            std::string::npos)
      << e;
  e = errors_of("topics: [a, b], state_partitions: 4", cp);
  EXPECT_NE(e.find("keyed_by_tenant needs exactly one topic, by name"), std::string::npos) << e;
  e = errors_of("topic_regex: \"entra-.*\", state_partitions: 4", cp);
  EXPECT_NE(e.find("keyed_by_tenant needs exactly one topic, by name"), std::string::npos) << e;
  e = errors_of("topics: [entra], state_partitions: 4, state_topic: privmon-events", cp);
  EXPECT_NE(e.find("keyed_by_tenant and state_topic exclude each other"), std::string::npos) << e;
  e = errors_of("topics: [entra], state_partitions: 4", "");
  EXPECT_NE(e.find("kafka keyed_by_tenant needs checkpoint.dir"), std::string::npos) << e;
  const ConfigLoadResult two = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", group: g, topics: [entra], keyed_by_tenant: true, state_partitions: 4}
  - file: {path: /tmp/x.ndjson}
checkpoint: {dir: /tmp/cp}
)");
  EXPECT_EQ(two.config, nullptr);
  EXPECT_NE(Errors(two).find("a kafka source with keyed_by_tenant must be the only source"),
            std::string::npos)
      << Errors(two);
  // keyed_by_tenant: false leaves state_partitions without a use.
  const ConfigLoadResult off = LoadConfigText(R"(
sources:
  - kafka: {brokers: "b:9092", group: g, topics: [entra], keyed_by_tenant: false, state_partitions: 4}
)");
  EXPECT_NE(Errors(off).find("state_partitions without state_topic (or keyed_by_tenant: true)"),
            std::string::npos)
      << Errors(off);
}

}  // namespace
}  // namespace privmon
