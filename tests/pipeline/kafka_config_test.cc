// MakeKafkaConf: privmon's defaults, then the configured properties, then the SASL password read
// from its file (trailing newline dropped); an unreadable file is a start-up error.
#include "pipeline/kafka_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace privmon {
namespace {

std::string Get(rd_kafka_conf_t* conf, const char* name) {
  char value[512];
  std::size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value;
}

TEST(KafkaConfig, PropertiesOverrideDefaultsAndThePasswordComesFromItsFile) {
  const std::string secret =
      std::filesystem::temp_directory_path() / ("privmon_kafka_secret_" + std::to_string(getpid()));
  std::ofstream(secret) << "Endpoint=sb://ns/;SharedAccessKey=abc\n";
  KafkaSettings s;
  s.brokers = "ns.servicebus.windows.net:9093";
  s.properties = {{"queued.max.messages.kbytes", "2048"}, {"sasl.mechanism", "PLAIN"}};
  s.sasl_password_file = secret;
  const std::array<std::pair<const char*, const char*>, 2> defaults = {
      {{"queued.max.messages.kbytes", "16384"}, {"client.id", "privmon"}}};
  KafkaConf conf = MakeKafkaConf(s, defaults, "test");
  std::filesystem::remove(secret);
  EXPECT_EQ(Get(conf.get(), "bootstrap.servers"), "ns.servicebus.windows.net:9093");
  EXPECT_EQ(Get(conf.get(), "queued.max.messages.kbytes"), "2048");
  EXPECT_EQ(Get(conf.get(), "client.id"), "privmon");
  EXPECT_EQ(Get(conf.get(), "sasl.password"), "Endpoint=sb://ns/;SharedAccessKey=abc");
}

TEST(KafkaConfig, UnreadablePasswordFileIsAStartUpError) {
  KafkaSettings s;
  s.brokers = "b:9092";
  s.sasl_password_file = "/nonexistent/privmon.secret";
  EXPECT_THROW(MakeKafkaConf(s, {}, "test"), std::runtime_error);
}

TEST(KafkaConfig, CheckNamesWhatLibrdkafkaRefuses) {
  EXPECT_EQ(CheckKafkaProperty("security.protocol", "SASL_SSL"), "");
  EXPECT_NE(CheckKafkaProperty("security.protocol", "TLS"), "");
  EXPECT_NE(CheckKafkaProperty("no.such.property", "1"), "");
  EXPECT_TRUE(IsSecretKafkaProperty("sasl.password"));
  EXPECT_FALSE(IsSecretKafkaProperty("sasl.username"));
}

}  // namespace
}  // namespace privmon
