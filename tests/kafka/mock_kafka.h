// MockKafka: librdkafka's mock cluster, started in the test process: real Kafka protocol on
// loopback, which a privmon child process joins through bootstrap_servers(). Topics are created
// here (Debian's 2.0.2 mock cluster serves no CreateTopics). Also a producer and a reader for the
// test's own messages. Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace privmon::testing {

struct KafkaRecord {
  std::string key;
  std::string value;
  int32_t partition = 0;
};

class MockKafka {
 public:
  explicit MockKafka(int brokers = 1) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (host_ == nullptr) ADD_FAILURE() << err;
    cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
    if (cluster_ == nullptr) ADD_FAILURE() << "no mock cluster";
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  }
  ~MockKafka() {
    if (producer_ != nullptr) rd_kafka_destroy(producer_);
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (host_ != nullptr) rd_kafka_destroy(host_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_; }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

  void CreateTopic(const std::string& topic, int partitions) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // Produces `value` to `partition` (unkeyed when `key` is empty); Flush() waits for all.
  void Produce(const std::string& topic, int32_t partition, const std::string& value,
               const std::string& key = "") {
    ASSERT_NE(Producer(), nullptr);
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  }
  // Produces an unkeyed `value` to `partition` with the given headers (name, value).
  void ProduceWithHeaders(const std::string& topic, int32_t partition, const std::string& value,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
    ASSERT_NE(Producer(), nullptr);
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [name, v] : headers) {
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(hdrs);  // else the message owns
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  }
  void Flush() {
    if (producer_ == nullptr) return;
    ASSERT_EQ(rd_kafka_flush(producer_, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // The partition's low and high watermarks (the first offset kept, the next offset written).
  std::pair<int64_t, int64_t> Watermarks(const std::string& topic, int32_t partition) {
    int64_t low = -1, high = -1;
    if (Producer() == nullptr) return {low, high};
    const rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(producer_, topic.c_str(), partition, &low, &high, 10'000);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    return {low, high};
  }

  // The offsets `group` committed for the topic's partitions [0, partitions) (-1001: none).
  std::vector<int64_t> Committed(const std::string& group, const std::string& topic,
                                 int partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    std::vector<int64_t> out;
    if (rk == nullptr) {
      ADD_FAILURE() << err;
      return out;
    }
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
    const rd_kafka_resp_err_t e = rd_kafka_committed(rk, parts, 10'000);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    for (int p = 0; p < parts->cnt; ++p) out.push_back(parts->elems[p].offset);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_destroy(rk);
    return out;
  }

  // Every message of the topic's partitions [0, partitions), read from the start to the end.
  std::vector<KafkaRecord> ReadAll(const std::string& topic, int partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "privmon-test-reader", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    std::vector<KafkaRecord> out;
    if (rk == nullptr) {
      ADD_FAILURE() << err;
      return out;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    int at_end = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (at_end < partitions && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ++at_end;
      } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.push_back({m->key != nullptr ? std::string(static_cast<char*>(m->key), m->key_len)
                                         : std::string(),
                       std::string(static_cast<char*>(m->payload), m->len), m->partition});
      }
      rd_kafka_message_destroy(m);
    }
    EXPECT_EQ(at_end, partitions) << "did not reach the end of " << topic;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
  }

 private:
  rd_kafka_t* Producer() {
    if (producer_ == nullptr) {
      char err[512];
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
      producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
      if (producer_ == nullptr) ADD_FAILURE() << err;
    }
    return producer_;
  }

  rd_kafka_t* host_ = nullptr;  // the mock cluster's bookkeeping handle
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  std::string bootstrap_;
};

}  // namespace privmon::testing
