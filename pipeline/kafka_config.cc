#include "pipeline/kafka_config.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace privmon {
namespace {

constexpr std::array<std::string_view, 5> kSecretProperties = {
    "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
    "ssl.key.pem"};

std::string ReadSecretFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(what + ": cannot read sasl_password_file " + path + ": " +
                             std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) throw std::runtime_error(what + ": sasl_password_file " + path + " is empty");
  return secret;
}

void Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
         const std::string& what) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK) {
    return;
  }
  const std::string why = IsSecretKafkaProperty(name) ? "refused (value not shown)" : err;
  throw std::runtime_error(what + ": Kafka property " + name + ": " + why);
}

}  // namespace

bool IsSecretKafkaProperty(std::string_view name) {
  for (std::string_view s : kSecretProperties) {
    if (name == s) return true;
  }
  return false;
}

std::string CheckKafkaProperty(const std::string& name, const std::string& value) {
  KafkaConf conf(rd_kafka_conf_new());
  char err[512];
  if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) ==
      RD_KAFKA_CONF_OK) {
    return {};
  }
  return err;
}

KafkaConf MakeKafkaConf(const KafkaSettings& settings, KafkaDefaults defaults,
                        const std::string& what) {
  KafkaConf conf(rd_kafka_conf_new());
  Set(conf.get(), "bootstrap.servers", settings.brokers, what);
  for (const auto& [name, value] : defaults) Set(conf.get(), name, value, what);
  for (const auto& [name, value] : settings.properties) Set(conf.get(), name, value, what);
  if (!settings.sasl_password_file.empty()) {
    Set(conf.get(), "sasl.password", ReadSecretFile(settings.sasl_password_file, what), what);
  }
  return conf;
}

}  // namespace privmon
