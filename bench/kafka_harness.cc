// Kafka source throughput (issue 13): the same generated records consumed four ways in one run,
// each repeated and interleaved so background load hits all alike:
//   K0. a bare librdkafka consumer in this process (assign every partition from the start, read
//       each partition's own queue as privmon's source does, touch each payload): the most a
//       consumer gets out of this cluster, the ceiling;
//   K1. `privmon run` with a kafka source (2 shards, alerts to a file), timed from the first
//       /metrics scrape that shows processed records to the one that shows all of them (the group
//       join is not charged);
//   K2. `privmon scan` of the same records from a page-cached file (2 shards);
//   K3. K1 through privmon's own topic (`kafka: {state_topic, state_partitions}`, twice the
//       input's partitions, one process, checkpoints every 5 s): the repartition hop's cost
//       for unkeyed input (README "Running N instances"), timed the same way on the state side.
// Ratios: K1 / K2 (target >= 0.8), K3 / K2 and K1 / K0. The cluster is librdkafka's mock cluster
// (rd_kafka_mock_cluster_new) in this process, serving loopback TCP: its single-threaded brokers
// bound K0 and K1 alike, so the figures say little about a real cluster's speed. The mock keeps
// only ~5 MB per partition (older message sets are dropped, as by retention): with ~4.3 KB records
// the defaults (30,000 records on 32 partitions, ~4 MB each) stay under it; more records need more
// partitions, else every consumer stalls short of the end.
// Usage: privmon_kafka_bench [--records N] [--accounts N] [--tenants N] [--partitions N] [--brokers
// N]
//                            [--reps N] [--dir DIR] [--queued-kbytes N] [--batch N]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/event_hubs_batches.h"
#include "bench/macro_metrics.h"
#include "bench/macro_process.h"
#include "bench/macro_scan.h"
#include "bench/signin_stream.h"
#include "pipeline/framed_line.h"
#include "tools/gen/command.h"

namespace privmon::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kTopic = "entra";

struct Options {
  uint64_t records = 30'000;
  int accounts = 10'000;
  // Spread over the tenants: privmon's own topic keys by tenant, so a tenant's records share one
  // state partition, which must stay under the mock's ~5 MB per partition too.
  int tenants = 1000;
  int partitions = 32;
  int brokers = 1;
  int reps = 3;
  std::string dir = "/tmp/privmon-kafka-bench";
  std::string privmon = PRIVMON_BINARY;
  // The bare consumer's local buffer; privmon's source sets 16384 (README).
  std::string queued_kbytes = "16384";
  // --batch N: records per message, as Event Hubs bodies `{"records":[...]}` (what diagnostic
  // settings send; bench/event_hubs_batches.h); 0: one record per message.
  std::size_t batch = 0;
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string Reps(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : ", ") + std::to_string(static_cast<long long>(x));
  return out;
}

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

// The mock cluster and its topic, filled once with every line of the input: round robin over the
// partitions, unkeyed payloads as Event Hubs spreads them; the key names the tenant (the framed
// line's, else the bench tenant, as `scan --tenant` and `replay --tenant` do).
class MockCluster {
 public:
  MockCluster(int brokers, int partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    Check(host_ != nullptr, err);
    cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
    Check(cluster_ != nullptr, "no mock cluster");
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    Check(rd_kafka_mock_topic_create(cluster_, kTopic, partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR,
          "cannot create the topic");
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }

  // privmon's own topic, created by the operator in production (privmon checks its count).
  void CreateTopic(const std::string& name, int partitions) const {
    Check(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1) ==
              RD_KAFKA_RESP_ERR_NO_ERROR,
          "cannot create topic " + name);
  }

  // Produces every line of `path`; returns how many.
  uint64_t Fill(const std::string& path, int partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "20", err, sizeof err);
    rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", "1048576", err, sizeof err);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    Check(producer != nullptr, err);
    std::ifstream in(path);
    uint64_t n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const FramedLine f = SplitFramedLine(line);
      const std::string_view key = f.tenant.empty() ? kBenchTenant : f.tenant;
      for (;;) {
        const rd_kafka_resp_err_t e = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(kTopic),
            RD_KAFKA_V_PARTITION(static_cast<int32_t>(n % static_cast<uint64_t>(partitions))),
            RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
            RD_KAFKA_V_VALUE(const_cast<char*>(f.payload.data()), f.payload.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(producer, 50);
          continue;
        }
        Check(e == RD_KAFKA_RESP_ERR_NO_ERROR, rd_kafka_err2str(e));
        break;
      }
      ++n;
      rd_kafka_poll(producer, 0);
    }
    Check(rd_kafka_flush(producer, 120'000) == RD_KAFKA_RESP_ERR_NO_ERROR, "flush timed out");
    rd_kafka_destroy(producer);
    return n;
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

// K0: a bare consumer reads every message; messages/s from its first message to its last.
double BareConsumer(const Options& o, const MockCluster& cluster, uint64_t messages, int rep) {
  const int partitions = o.partitions;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstrap().c_str(), err, sizeof err);
  const std::string group = "bare-" + std::to_string(rep);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  // The same local buffering privmon's source sets (README "Kafka and Azure Event Hubs").
  rd_kafka_conf_set(conf, "queued.max.messages.kbytes", o.queued_kbytes.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  Check(rk != nullptr, err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, kTopic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  // Each partition read from its own queue, as privmon's source reads them (KafkaSource's
  // SplitQueues): one consumer queue for all partitions stalls librdkafka 2.0's fetcher about
  // 1 s every ~16 MB (queued.max.messages.kbytes reached, the broker thread's next fetch decision
  // up to a second later), which held this consumer at a fifth of privmon's rate.
  std::vector<rd_kafka_queue_t*> queues;
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_queue_t* q = rd_kafka_queue_get_partition(rk, kTopic, p);
    if (q == nullptr) continue;  // stays forwarded to the consumer queue
    rd_kafka_queue_forward(q, nullptr);
    queues.push_back(q);
  }
  uint64_t seen = 0, checksum = 0;
  Clock::time_point first{};
  auto deadline = Clock::now() + std::chrono::seconds(30);  // 30 s without a message: stalled
  std::vector<rd_kafka_message_t*> batch(1024);
  const auto take = [&](rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (seen++ == 0) first = Clock::now();
      deadline = Clock::now() + std::chrono::seconds(30);
      const auto* p = static_cast<const unsigned char*>(m->payload);
      checksum += m->len + (m->len > 0 ? p[0] + p[m->len - 1] : 0);  // the payload is read
    }
    rd_kafka_message_destroy(m);
  };
  while (seen < messages) {
    Check(Clock::now() < deadline,
          "bare consumer: stalled after " + std::to_string(seen) + " messages");
    bool any = false;
    for (rd_kafka_queue_t* q : queues) {
      const ssize_t n = rd_kafka_consume_batch_queue(q, 0, batch.data(), batch.size());
      for (ssize_t i = 0; i < n; ++i) take(batch[static_cast<std::size_t>(i)]);
      any = any || n > 0;
    }
    // Messages fetched before the split, and the consumer's events; waits 1 ms when idle.
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, any ? 0 : 1)) take(m);
  }
  for (rd_kafka_queue_t* q : queues) rd_kafka_queue_destroy(q);
  const double s = Seconds(first, Clock::now());
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (checksum == 42) std::puts("");  // keeps the reads
  return static_cast<double>(messages - 1) / s;
}

// K1 (hop false) and K3 (hop true): `privmon run` with a kafka source; records/s from first
// progress to all processed. Sets *alerts to the alert lines it wrote and *cpu to its CPU
// microseconds per record over the same span, all threads and without the metrics server's
// (civetweb threads, serving this harness's scrape every 20 ms: ~128 KB of text each with
// 1,000 tenants' series, about a quarter of K1's CPU by perf).
struct CpuPerRecord {
  double all = 0, without_metrics = 0;
};
double PrivmonKafka(const Options& o, const MockCluster& cluster, uint64_t records, int rep,
                    bool hop, uint64_t* alerts, CpuPerRecord* cpu) {
  const int port = FreePort();
  const std::string name = hop ? "kafka-hop" : "kafka";
  const std::string config = o.dir + "/" + name + ".yaml",
                    out = o.dir + "/" + name + "-alerts.jsonl",
                    checkpoints = o.dir + "/" + name + "-checkpoints-" + std::to_string(rep);
  std::filesystem::remove_all(checkpoints);
  // Each run its own state topic (a fresh one, as its checkpoints are), with twice the input's
  // partitions: the repartitioner outruns the state side, and every state partition must hold
  // what it is behind under the mock's ~5 MB retention (else records are deleted unread).
  const std::string state_topic = "privmon-state-" + std::to_string(rep);
  const int state_partitions = 2 * o.partitions;
  if (hop) cluster.CreateTopic(state_topic, state_partitions);
  const std::string state = hop ? ", state_topic: " + state_topic +
                                      ", state_partitions: " + std::to_string(state_partitions)
                                : std::string();
  WriteText(config,
            "pipeline: {shards: 2, parse_threads: 1}\n"
            "sources: [{kafka: {brokers: \"" +
                cluster.bootstrap() + "\", topics: [" + kTopic + "], group: " + name + "-" +
                std::to_string(rep) + ", multi_tenant: true" + state + "}}]\n" +
                (hop ? "checkpoint: {dir: \"" + checkpoints + "\", interval: 5s}\n" : "") +
                "sinks: [{file: {path: \"" + out +
                "\"}}]\n"
                "metrics: {listen: \"127.0.0.1:" +
                std::to_string(port) +
                "\"}\n"
                "dead_letter: {path: off}\n");
  std::filesystem::remove(out);
  const pid_t pid =
      Spawn({o.privmon, "run", "--config", config}, "/dev/null", o.dir + "/" + name + ".err");
  double first = 0, done = 0, last_n = -1;
  double cpu_first = 0, metrics_first = 0, cpu_done = 0, metrics_done = 0;
  Clock::time_point first_at{}, done_at{};
  auto deadline = Clock::now() + std::chrono::seconds(120);  // 120 s without progress: stalled
  while (done == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string metrics = HttpGet(port, "/metrics");
    const double n = SumSamples(metrics, "privmon_events_total") +
                     SumSamples(metrics, "privmon_events_rejected_total");
    const auto now = Clock::now();
    if (n != last_n) last_n = n, deadline = now + std::chrono::seconds(120);
    if (n > 0 && first == 0) {
      first = n, first_at = now;
      cpu_first = ProcessCpuSeconds(pid), metrics_first = ThreadsCpuSeconds(pid, "civetweb");
    }
    if (n >= static_cast<double>(records)) {
      done = n, done_at = now;
      cpu_done = ProcessCpuSeconds(pid), metrics_done = ThreadsCpuSeconds(pid, "civetweb");
    }
    int status = 0;
    if (now > deadline || waitpid(pid, &status, WNOHANG) == pid) {
      const std::string how = now > deadline ? "stalled (120 s without progress)"
                              : WIFSIGNALED(status)
                                  ? "killed by signal " + std::to_string(WTERMSIG(status))
                                  : "exited with " + std::to_string(WEXITSTATUS(status));
      WriteText(o.dir + "/" + name + ".metrics", metrics);  // what it showed last
      kill(pid, SIGKILL);
      throw std::runtime_error("privmon " + name + " " + how + " after " + std::to_string(n) +
                               " records processed (last metrics in " + name + ".metrics); " +
                               ReadText(o.dir + "/" + name + ".err"));
    }
  }
  // Records the order of consumption made late (the tenant's watermark had passed them): a
  // verdict may then differ from scan's (docs/operations.md section 4, late records).
  const std::string last = HttpGet(port, "/metrics");
  std::printf(
      "%s rep %d: late records %.0f, beyond dedupe horizon %.0f, duplicates %.0f, messages "
      "received %.0f, rebalances %.0f\n",
      hop ? "K3" : "K1", rep, SumSamples(last, "privmon_late_events_total"),
      SumSamples(last, "privmon_events_beyond_dedupe_horizon_total"),
      SumSamples(last, "privmon_duplicates_total"),
      SumSamples(last, "privmon_messages_received_total"),
      SumSamples(last, "privmon_kafka_rebalances_total"));
  kill(pid, SIGTERM);
  Check(WaitExit(pid) == 0, "privmon run failed: " + ReadText(o.dir + "/" + name + ".err"));
  const std::string text = ReadText(out);
  *alerts = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  const double span = std::max(1.0, done - first);
  cpu->all = (cpu_done - cpu_first) * 1e6 / span;
  cpu->without_metrics = cpu->all - (metrics_done - metrics_first) * 1e6 / span;
  return (done - first) / Seconds(first_at, done_at);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--records")
      o.records = std::stoull(v);
    else if (k == "--accounts")
      o.accounts = std::stoi(v);
    else if (k == "--tenants")
      o.tenants = std::stoi(v);
    else if (k == "--partitions")
      o.partitions = std::stoi(v);
    else if (k == "--brokers")
      o.brokers = std::stoi(v);
    else if (k == "--reps")
      o.reps = std::stoi(v);
    else if (k == "--dir")
      o.dir = v;
    else if (k == "--queued-kbytes")
      o.queued_kbytes = v;
    else if (k == "--batch")
      o.batch = std::stoull(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  return o;
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  std::filesystem::create_directories(o.dir);
  const auto t0 = Clock::now();
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("privmon kafka bench: load average %.2f %.2f %.2f at start\n", load[0], load[1],
              load[2]);

  const std::string generated = o.dir + "/input.ndjson";
  GenOptions gen;
  gen.out = generated;
  gen.records = o.records;
  gen.accounts = o.accounts;
  gen.tenants = o.tenants;
  gen.seed = 7;
  gen.quiet = true;
  Check(RunGen(gen) == 0, "gen failed");
  // Every measure reads the same file: the generated lines, or their Event Hubs bodies.
  std::string input = generated;
  uint64_t n = 0, messages = 0;  // records, and the messages that carry them
  if (o.batch > 0) {
    input = o.dir + "/input-batched.ndjson";
    const Batches b = WriteEventHubsBatches(generated, input, o.batch);
    n = b.records, messages = b.messages;
  }
  const double mb = static_cast<double>(std::filesystem::file_size(input)) / 1e6;

  MockCluster cluster(o.brokers, o.partitions);
  const auto fill_start = Clock::now();
  const uint64_t produced = cluster.Fill(input, o.partitions);
  if (o.batch == 0) n = messages = produced;
  Check(produced == messages, "produced a different message count");
  std::printf(
      "input: %llu records in %llu messages (%.1f records each), %.1f MB (privmon gen --records "
      "%llu --accounts %d --tenants %d --seed 7%s), produced to %d partitions on %d mock "
      "broker(s) in %.1f s\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(messages),
      static_cast<double>(n) / static_cast<double>(messages), mb,
      static_cast<unsigned long long>(o.records), o.accounts, o.tenants,
      o.batch > 0 ? (", --batch " + std::to_string(o.batch)).c_str() : "", o.partitions, o.brokers,
      Seconds(fill_start, Clock::now()));

  const std::string scan_config = ScanConfig(o.dir, 2);
  std::vector<double> bare, kafka, hop, scan, kafka_cpu, kafka_cpu_bare, scan_cpu;
  uint64_t kafka_alerts = 0, hop_alerts = 0, scan_alerts = 0;
  for (int r = 0; r < o.reps; ++r) {
    bare.push_back(BareConsumer(o, cluster, messages, r));
    CpuPerRecord cpu, hop_cpu;
    kafka.push_back(PrivmonKafka(o, cluster, n, r, /*hop=*/false, &kafka_alerts, &cpu));
    kafka_cpu.push_back(cpu.all), kafka_cpu_bare.push_back(cpu.without_metrics);
    hop.push_back(PrivmonKafka(o, cluster, n, r, /*hop=*/true, &hop_alerts, &hop_cpu));
    uint64_t records = 0;
    const std::string scan_out = o.dir + "/scan-alerts.jsonl";
    double scan_cpu_s = 0;
    const double s =
        ScanSeconds(o.privmon, o.dir, scan_config, input, &records, scan_out, &scan_cpu_s);
    scan_cpu.push_back(scan_cpu_s * 1e6 / static_cast<double>(n));
    Check(records == n, "scan saw a different count");
    scan.push_back(static_cast<double>(n) / s);
    const std::string text = ReadText(scan_out);
    scan_alerts = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  }
  std::printf("K0 bare librdkafka consumer messages/s: %s\n", Reps(bare).c_str());
  std::printf("K1 privmon run, kafka source records/s: %s (%llu alerts)\n", Reps(kafka).c_str(),
              static_cast<unsigned long long>(kafka_alerts));
  std::printf("K1 CPU us per record, all threads: %s; without the metrics server: %s; scan: %s\n",
              Reps(kafka_cpu).c_str(), Reps(kafka_cpu_bare).c_str(), Reps(scan_cpu).c_str());
  std::printf("K2 privmon scan records/s: %s (%llu alerts)\n", Reps(scan).c_str(),
              static_cast<unsigned long long>(scan_alerts));
  std::printf("K3 privmon run, kafka source through the state topic records/s: %s (%llu alerts)\n",
              Reps(hop).c_str(), static_cast<unsigned long long>(hop_alerts));

  // K0 in records/s: the messages carry n / messages records each.
  const double k0_messages = Median(bare);
  const double k0 = k0_messages * static_cast<double>(n) / static_cast<double>(messages);
  const double k1 = Median(kafka), k2 = Median(scan), k3 = Median(hop);
  std::printf("\n| # | measure | median of %d | ratio | target |\n|---|---|---|---|---|\n", o.reps);
  std::printf(
      "| K0 | bare librdkafka consumer, mock cluster | %.0f MB/s, %.0f messages/s, %.0f "
      "records/s | 1.00 (ceiling of this cluster) | |\n",
      k0 * mb / static_cast<double>(n), k0_messages, k0);
  std::printf(
      "| K1 | `privmon run`, kafka source, 2 shards, consume to alerts | %.0f MB/s, %.0f "
      "records/s | %.2f x (K2); %.2f x (K0) | >= 0.8 x (K2): %s |\n",
      k1 * mb / static_cast<double>(n), k1, k1 / k2, k1 / k0, k1 >= 0.8 * k2 ? "met" : "missed");
  std::printf(
      "| K2 | `privmon scan`, same records, 2 shards | %.0f MB/s, %.0f records/s | "
      "%.2f x (K0) | |\n",
      k2 * mb / static_cast<double>(n), k2, k2 / k0);
  std::printf(
      "| K3 | K1 through the state topic (%d partitions, 1 process, checkpoints every 5 s) | "
      "%.0f MB/s, %.0f records/s | %.2f x (K2); %.2f x (K1) | >= 0.8 x (K2): %s |\n",
      2 * o.partitions, k3 * mb / static_cast<double>(n), k3, k3 / k2, k3 / k1,
      k3 >= 0.8 * k2 ? "met" : "missed");
  std::printf(
      "| K1/K2 cpu | CPU us per record, `run` with the kafka source (all threads; without its "
      "metrics server) vs `scan` (whole process, start-up included) | %.2f; %.2f vs %.2f | "
      "%.2f x; %.2f x | (report) |\n",
      Median(kafka_cpu), Median(kafka_cpu_bare), Median(scan_cpu),
      Median(kafka_cpu) / Median(scan_cpu), Median(kafka_cpu_bare) / Median(scan_cpu));
  std::printf(
      "\nalerts: kafka %llu, through the state topic %llu, scan %llu; harness took %.0f s\n",
      static_cast<unsigned long long>(kafka_alerts), static_cast<unsigned long long>(hop_alerts),
      static_cast<unsigned long long>(scan_alerts), Seconds(t0, Clock::now()));
  return 0;
}

}  // namespace
}  // namespace privmon::bench

int main(int argc, char** argv) {
  try {
    return privmon::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon_kafka_bench: %s\n", e.what());
    return 1;
  }
}
