// A Kafka source whose only broker goes down (breaker round 93, /tmp/breaker93 k3): the real
// `privmon run` binary on librdkafka's mock cluster. While the broker is down the consumer reads
// nothing: librdkafka's errors are counted in privmon_kafka_consumer_errors_total and GET /readyz
// fails naming the source; once the broker is back it is ready again, on an idle topic too (no
// message, no partition end comes then: a broker answering the source's probe shows it).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "tests/kafka/mock_kafka.h"
#include "tests/metrics/http_get.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kBrokerDownScenario = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed";

HttpResponse ReadyzOf(int port) {
  try {
    return HttpGet(port, "/readyz");
  } catch (const std::exception&) {
    return {};
  }
}

// Breaker round 93: the only broker down for 20 s left the errors counter at 0 and /readyz 200.
TEST(KafkaBrokerDown, EveryBrokerDownIsCountedAndFailsReadinessUntilABrokerAnswers) {
  const std::string dir = TempDir("kafka-broker-down");
  TempDirCleanup cleanup(dir);
  MockKafka kafka;
  kafka.CreateTopic("entra", 1);
  const std::string line = "{\"not\": \"a record privmon reads\"}";
  for (int i = 0; i < 3; ++i) kafka.Produce("entra", 0, line);
  kafka.Flush();

  const int port = FreeTcpPort();
  const std::string config = dir + "/config.yaml";
  std::ofstream(config) << ReadFile(kBrokerDownScenario + "/config.yaml")
                        << "sources: [{kafka: {brokers: \"" << kafka.bootstrap_servers()
                        << "\", topics: [entra], group: privmon-broker-down, multi_tenant: "
                           "true}}]\nsinks: [{file: {path: \""
                        << dir << "/alerts.jsonl\"}}]\nmetrics: {listen: \"127.0.0.1:" << port
                        << "\"}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "-c", config}, "", dir + "/privmon.err"));
  std::string last;
  auto caught_up = [&](double messages) {
    return WaitForMetrics(
        privmon, port,
        [&](const std::string& m) {
          last = m;
          return KafkaCaughtUp(m, 1, messages);
        },
        60s);
  };
  ASSERT_TRUE(caught_up(3)) << last << ReadFile(dir + "/privmon.err");
  ASSERT_TRUE(PollUntil([&] { return ReadyzOf(port).status == 200; }, 30s))
      << ReadyzOf(port).body << ReadFile(dir + "/privmon.err");
  const double errors_before = MetricSum(HttpGetBody(port, "/metrics").value_or(""),
                                         "privmon_kafka_consumer_errors_total", "source=\"kafka\"");

  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  HttpResponse down;
  EXPECT_TRUE(PollUntil(
      [&] {
        down = ReadyzOf(port);
        return down.status == 503;
      },
      60s))
      << down.status << " " << down.body << ReadFile(dir + "/privmon.err");
  EXPECT_NE(down.body.find("source kafka: all brokers down"), std::string::npos) << down.body;
  EXPECT_GT(MetricSum(HttpGetBody(port, "/metrics").value_or(""),
                      "privmon_kafka_consumer_errors_total", "source=\"kafka\""),
            errors_before);

  // Back up, the topic idle: ready again with no new message.
  ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka.cluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  HttpResponse up;
  EXPECT_TRUE(PollUntil(
      [&] {
        up = ReadyzOf(port);
        return up.status == 200;
      },
      90s))
      << up.status << " " << up.body << ReadFile(dir + "/privmon.err");
  // And it reads again. (A producer of its own: the mock's down left MockKafka's producer's
  // connection open and unanswered.)
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstrap_servers().c_str(), err, sizeof err);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(producer, nullptr) << err;
  EXPECT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("entra"), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(const_cast<char*>(line.data()), line.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_flush(producer, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  EXPECT_TRUE(caught_up(4)) << last << ReadFile(dir + "/privmon.err");
  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/privmon.err");
}

}  // namespace
}  // namespace privmon::testing
