#include "pipeline/kafka_metadata.h"

#include <chrono>
#include <thread>

namespace privmon {

int KafkaTopicPartitions(rd_kafka_t* rk, const std::string& topic, int attempts, std::string* why) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int partitions = -1;
  *why = "no answer from the brokers";
  for (int attempt = 0; attempt < attempts && partitions < 0; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 3000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *why = rd_kafka_err2str(e);
    } else if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      partitions = md->topics[0].partition_cnt;
    } else if (md->topic_cnt == 1) {
      *why = rd_kafka_err2str(md->topics[0].err);
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return partitions;
}

}  // namespace privmon
