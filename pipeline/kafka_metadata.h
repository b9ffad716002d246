// The partition count of a Kafka topic, from the brokers' metadata: the state topic's and the
// keyed input's counts are checked at start (README "Running N instances"), and the state side
// holds tenants back by every input partition. Start-up only: blocks up to `attempts` x 3 s.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

namespace privmon {

// -1 with *why set when the brokers did not answer or refused (e.g. an unknown topic).
int KafkaTopicPartitions(rd_kafka_t* rk, const std::string& topic, int attempts, std::string* why);

}  // namespace privmon
