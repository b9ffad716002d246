// Kafka consume to alerts, as a ratio to `privmon scan` of the same records (issue 13: target
// >= 0.8x). librdkafka's mock cluster runs in this process; the generated records are produced
// unkeyed, round robin over 4 partitions; then, per repetition, `privmon scan` reads the file and
// `privmon run` a Kafka source in a fresh consumer group (so it reads from the start), until it
// has received every message and drained at SIGTERM. Both times include process start-up.
// Run by scripts/bench.sh only:  privmon_kafka_macro [--records N] [--reps R]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/gen_command.h"
#include "bench/macro_process.h"

namespace privmon::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kTenant = "00000000-0000-4000-8000-00000000beef";

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Sample(const std::string& text, const std::string& name) {
  double sum = 0;
  std::size_t at = 0;
  while ((at = text.find("\n" + name, at)) != std::string::npos) {
    at += 1 + name.size();
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    sum += std::atof(line.substr(line.rfind(' ') + 1).c_str());
  }
  return sum;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

int Main(int argc, char** argv) {
  uint64_t records = 200'000;
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--records") records = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--reps") reps = std::max(1, std::atoi(argv[i + 1]));
  }
  const std::string privmon = PRIVMON_BINARY;
  const std::string dir = "/tmp/privmon-kafka-bench-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  GenOptions gen;
  gen.out = dir + "/input.ndjson";
  gen.records = records;
  gen.seed = 7;
  gen.quiet = true;
  if (RunGen(gen) != 0) throw std::runtime_error("gen failed");
  const std::vector<std::string> lines = ReadLines(gen.out);

  char err[512];
  rd_kafka_conf_t* host_conf = rd_kafka_conf_new();
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, host_conf, err, sizeof err);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host, 1);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(cluster);
  rd_kafka_mock_topic_create(cluster, "entra", 4, 1);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "20", err, sizeof err);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("entra"),
                             RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % 4)),
                             RD_KAFKA_V_VALUE(const_cast<char*>(lines[i].data()), lines[i].size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 50);
    }
  }
  if (rd_kafka_flush(producer, 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("could not produce the input to the mock cluster");
  }
  std::printf("input: %zu records (privmon gen --records %llu --seed 7), 4 partitions, unkeyed\n",
              lines.size(), static_cast<unsigned long long>(records));

  const std::string scan_cfg = dir + "/scan.yaml";
  WriteText(scan_cfg, "pipeline: {shards: 2}\nmetrics: {listen: off}\ndead_letter: {path: off}\n");
  std::vector<double> scan, kafka;
  for (int r = 0; r < reps; ++r) {
    auto start = Clock::now();
    const int rc = WaitExit(
        Spawn({privmon, "scan", "--quiet", "--config", scan_cfg, "--tenant", kTenant, gen.out},
              "/dev/null", dir + "/scan.err"));
    if (rc != 0) throw std::runtime_error("scan failed: " + ReadText(dir + "/scan.err"));
    scan.push_back(static_cast<double>(lines.size()) / Seconds(start, Clock::now()));

    const int port = FreePort();
    const std::string run_cfg = dir + "/run.yaml";
    WriteText(run_cfg,
              "pipeline: {shards: 2}\ndead_letter: {path: off}\nsinks: []\n"
              "metrics: {listen: \"127.0.0.1:" +
                  std::to_string(port) + "\"}\nsources: [{kafka: {brokers: \"" + brokers +
                  "\", topics: [entra], group: bench-" + std::to_string(r) +
                  ", tenant: " + kTenant + "}}]\n");
    start = Clock::now();
    const pid_t pid = Spawn({privmon, "run", "--config", run_cfg}, "/dev/null", dir + "/run.err");
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::string metrics = HttpGet(port, "/metrics");
      if (Sample(metrics, "privmon_messages_received_total") >= static_cast<double>(lines.size())) {
        break;
      }
      if (Seconds(start, Clock::now()) > 600) throw std::runtime_error("run did not catch up");
    }
    kill(pid, SIGTERM);
    if (WaitExit(pid) != 0) throw std::runtime_error("run failed: " + ReadText(dir + "/run.err"));
    kafka.push_back(static_cast<double>(lines.size()) / Seconds(start, Clock::now()));
  }
  const double ratio = Median(kafka) / Median(scan);
  std::printf("\n| measure | median of %d | ratio | target |\n|---|---|---|---|\n", reps);
  std::printf("| scan, 2 shards, records/s | %.0f | 1.00 | |\n", Median(scan));
  std::printf(
      "| run, Kafka source (4 partitions, mock cluster), records/s | %.0f | %.2f | >= 0.8 "
      "(%s) |\n",
      Median(kafka), ratio, ratio >= 0.8 ? "met" : "missed");
  rd_kafka_destroy(producer);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(host);
  std::system(("rm -rf " + dir).c_str());
  return 0;
}

}  // namespace
}  // namespace privmon::bench

int main(int argc, char** argv) {
  try {
    return privmon::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon_kafka_macro: %s\n", e.what());
    return 1;
  }
}
