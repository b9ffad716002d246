// The macro harness: how fast privmon is against the ceiling, in one run over the same generated
// bytes (BENCHMARKS.md explains each row). Measures, each 3 times (median reported):
//   1. the ceiling: simdjson DOM parse + full walk of every record, with the JSON text held in
//      string columns parsed and walked too, one thread (MB/s, records/s); 1a. the DOM parse alone;
//   2. `privmon scan` end to end, all rules on, 2 shards: records/s, MB/s, ratio to (1);
//   3. `privmon run` fed by `privmon replay` over ZeroMQ TCP loopback: records/s, ratio to (2);
//   3t. the transport alone: the same replay into a PULL socket that discards; (3) against it;
//   4. receipt-to-verdict latency p50/p99/p99.9 from /metrics at half of (3)'s rate;
//   5. resident bytes per account at 1M accounts; engine records/s at 10k vs a large count;
//   6. `privmon scan` with 1 and 2 shards.
//   2e, 3e, 3te. (2), (3) and (3t) on the same records regrouped as a feed delivers them, up to
//      --batch (default 50) records per Event Hubs body (bench/event_hubs_batches.h).
// The machine is shared and noisy, so every figure is given as a ratio to a baseline of this run.
//   4c. as 4 with `checkpoint: {dir, interval: 1s}`: what checkpointing costs detection latency.
// Usage: privmon_macro [--records N] [--accounts N] [--big-accounts N] [--reps N] [--dir DIR]
//                      [--batch N] [--only latency|engine]
//   --only engine runs rows 5a and 5b alone (no input, no privmon processes).
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/dom_walk.h"
#include "bench/event_hubs_batches.h"
#include "bench/macro_engine.h"
#include "bench/macro_metrics.h"
#include "bench/macro_process.h"
#include "bench/macro_scan.h"
#include "bench/macro_transport.h"
#include "pipeline/framed_line.h"
#include "tools/gen/command.h"

namespace privmon::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t records = 200'000;
  int gen_accounts = 10'000;
  uint64_t big_accounts = 10'000'000;
  int reps = 3;
  std::string dir = "/tmp/privmon-macro";
  std::string privmon = PRIVMON_BINARY;
  bool latency_only = false;  // --only latency: rows 3, 4 and 4c
  bool engine_only = false;   // --only engine: rows 5a and 5b
  std::size_t batch = 50;     // --batch: records per Event Hubs body in rows 2e, 3e, 3te (0: off)
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string Reps(const std::vector<double>& v, const char* fmt) {
  std::string out;
  char buf[64];
  for (double x : v) {
    std::snprintf(buf, sizeof(buf), fmt, x);
    out += (out.empty() ? "" : ", ") + std::string(buf);
  }
  return out;
}

// Lines in a file (alerts written), 0 when it cannot be read.
uint64_t CountLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

// ---- 1. the ceiling ----------------------------------------------------------------------------

struct Input {
  simdjson::padded_string bytes;  // the whole file; every line is followed by readable padding
  std::vector<std::pair<std::size_t, std::size_t>> lines;  // offset, length of each JSON payload
};

Input Load(const std::string& path) {
  Input in;
  if (simdjson::padded_string::load(path).get(in.bytes)) {
    throw std::runtime_error("cannot read " + path);
  }
  const char* p = in.bytes.data();
  // The baseline parses the JSON of each line; a framed line's tenant prefix is transport, not
  // JSON.
  auto add = [&](std::size_t start, std::size_t end) {
    if (end <= start) return;
    const std::string_view payload = SplitFramedLine({p + start, end - start}).payload;
    in.lines.emplace_back(static_cast<std::size_t>(payload.data() - p), payload.size());
  };
  std::size_t start = 0;
  for (std::size_t i = 0; i < in.bytes.size(); ++i) {
    if (p[i] != '\n') continue;
    add(start, i);
    start = i + 1;
  }
  add(start, in.bytes.size());
  return in;
}

// walk false: the DOM parse alone; true: the parse plus a full walk that also parses the JSON text
// held in string columns (the ceiling of row 1).
double DomSeconds(const Input& in, bool walk = true) {
  simdjson::dom::parser parser, inner;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (const auto& [off, len] : in.lines) {
    simdjson::dom::element root;
    if (parser.parse(in.bytes.data() + off, len, false).get(root)) {
      throw std::runtime_error("DOM parse failed");
    }
    sink += walk ? WalkWithJsonText(inner, root) : 1;
  }
  const double s = Seconds(start, Clock::now());
  if (sink == 42) std::puts("");  // keeps the walk
  return s;
}

// ---- 3, 4. run + replay over ZeroMQ ------------------------------------------------------------

class RunningService {
 public:
  // checkpoint_dir non-empty: `checkpoint: {dir, interval: 1s}`, the directory emptied first so
  // the run starts fresh.
  RunningService(const Options& o, int shards, const std::string& checkpoint_dir = "",
                 int parse_threads = 1)
      : o_(o) {
    zmq_port_ = FreePort();
    metrics_port_ = FreePort();
    const std::string config = o.dir + "/run.yaml";
    std::string checkpoint;
    if (!checkpoint_dir.empty()) {
      std::filesystem::remove_all(checkpoint_dir);
      checkpoint = "checkpoint: {dir: \"" + checkpoint_dir + "\", interval: 1s}\n";
    }
    WriteText(config, checkpoint + "pipeline: {shards: " + std::to_string(shards) +
                          ", parse_threads: " + std::to_string(parse_threads) +
                          "}\n"
                          "sources:\n  - zmq: {endpoint: \"" +
                          Endpoint() +
                          "\", bind: true, name: bench, multi_tenant: true}\n"
                          "sinks: []\n"
                          "metrics: {listen: \"127.0.0.1:" +
                          std::to_string(metrics_port_) +
                          "\"}\n"
                          "dead_letter: {path: off}\n");
    pid_ = Spawn({o.privmon, "run", "--config", config}, "/dev/null", o.dir + "/run.err");
    for (int i = 0; i < 500 && Scrape().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (Scrape().empty()) throw std::runtime_error("privmon run did not serve /metrics");
  }
  ~RunningService() {
    kill(pid_, SIGTERM);
    WaitExit(pid_);
  }
  std::string Endpoint() const { return "tcp://127.0.0.1:" + std::to_string(zmq_port_); }
  std::string Scrape() const { return HttpGet(metrics_port_, "/metrics"); }
  double CpuSeconds() const { return ProcessCpuSeconds(pid_); }
  double MetricsServerCpuSeconds() const { return ThreadsCpuSeconds(pid_, "civetweb"); }
  static double Processed(const std::string& metrics) {
    return SumSamples(metrics, "privmon_events_total") +
           SumSamples(metrics, "privmon_events_rejected_total");
  }

 private:
  const Options& o_;
  int zmq_port_ = 0;
  int metrics_port_ = 0;
  pid_t pid_ = 0;
};

struct ReplayRun {
  double records_per_s = 0;
  double cpu_us_per_record = 0;         // privmon run's CPU time (all threads, start-up included)
  double scrape_cpu_us_per_record = 0;  // of which its metrics server's (the harness's scrapes)
  std::map<double, double> latency;     // histogram buckets at the end
  double checkpoints = 0;               // checkpoints written during the run (0 without)
  std::map<double, double> pause;       // privmon_checkpoint_pause_seconds buckets at the end
};

// Replays the input into a fresh `privmon run` (at `rate` messages/s, 0 = as fast as it goes).
// Throughput is timed from the first scrape that sees progress to the one that sees every record,
// so replay's own start-up (reading the file) is not charged to privmon.
// With `checkpoint`, the run checkpoints every second into <dir>/checkpoints.
// `parse_threads` 2: the one ZeroMQ source fanned out to two parse threads.
ReplayRun Replay(const Options& o, const std::string& input, uint64_t records, double rate,
                 bool checkpoint = false, int parse_threads = 1) {
  RunningService service(o, 2, checkpoint ? o.dir + "/checkpoints" : "", parse_threads);
  std::vector<std::string> argv = {o.privmon,
                                   "replay",
                                   "--quiet",
                                   "--to",
                                   service.Endpoint(),
                                   "--tenant",
                                   std::string(kBenchTenant)};
  if (rate > 0) {
    argv.push_back("--rate");
    argv.push_back(std::to_string(static_cast<uint64_t>(rate)));
  }
  argv.push_back(input);
  const pid_t replay = Spawn(argv, "/dev/null", o.dir + "/replay.err");
  double first = 0;
  Clock::time_point first_at{};
  std::string metrics;
  bool replay_done = false;
  const auto deadline = Clock::now() + std::chrono::seconds(300);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = service.Scrape();
    const double n = RunningService::Processed(metrics);
    const auto now = Clock::now();
    if (n > 0 && first == 0) first = n, first_at = now;
    if (n >= static_cast<double>(records)) {
      // Every record must reach the detectors: a run that rejects them measures the parser's
      // refusal path instead (the tenant boundary once did this to rows 3 and 4).
      const double rejected = SumSamples(metrics, "privmon_events_rejected_total");
      if (rejected > 0) {
        throw std::runtime_error("privmon run rejected " + std::to_string(rejected) +
                                 " records (see /metrics privmon_events_rejected_total)");
      }
      ReplayRun r;
      r.records_per_s = (n - first) / Seconds(first_at, now);
      r.cpu_us_per_record = service.CpuSeconds() * 1e6 / n;
      r.scrape_cpu_us_per_record = service.MetricsServerCpuSeconds() * 1e6 / n;
      r.latency = HistogramBuckets(metrics, "privmon_event_latency_seconds");
      r.checkpoints = SumSamples(metrics, "privmon_checkpoint_duration_seconds_count");
      r.pause = HistogramBuckets(metrics, "privmon_checkpoint_pause_seconds");
      if (!replay_done) WaitExit(replay);
      return r;
    }
    int status = 0;
    if (!replay_done && waitpid(replay, &status, WNOHANG) == replay) {
      replay_done = true;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("replay failed: " + ReadText(o.dir + "/replay.err"));
      }
    }
    if (now > deadline) {
      if (!replay_done) kill(replay, SIGTERM), WaitExit(replay);
      throw std::runtime_error("replay: only " + std::to_string(n) + " records processed");
    }
  }
}

// ---- 4, 4c. latency at half load, without and with checkpoints ----------------------------------

struct Quantiles {
  std::vector<double> p50, p99, p999;  // us, one per repetition
  std::map<double, double> last;       // the last repetition's buckets (for the resolution)
  void Add(const std::map<double, double>& buckets) {
    last = buckets;
    p50.push_back(HistogramQuantile(buckets, 0.5) * 1e6);
    p99.push_back(HistogramQuantile(buckets, 0.99) * 1e6);
    p999.push_back(HistogramQuantile(buckets, 0.999) * 1e6);
  }
};

struct Latency {
  double rate = 0;
  Quantiles off, on, pause;  // pause: the checkpoint cut's pause of the sources
  std::vector<double> checkpoints;
};

// Each repetition runs without then with checkpoints, so background load hits both alike.
Latency MeasureLatency(const Options& o, const std::string& input, uint64_t records, double rate) {
  Latency l;
  l.rate = rate;
  for (int r = 0; r < o.reps; ++r) {
    l.off.Add(Replay(o, input, records, rate).latency);
    const ReplayRun with = Replay(o, input, records, rate, true);
    if (with.checkpoints < 1) throw std::runtime_error("the checkpointing run wrote none");
    l.on.Add(with.latency);
    l.pause.Add(with.pause);
    l.checkpoints.push_back(with.checkpoints);
  }
  std::printf("4 latency us p50: %s; p99: %s; p99.9: %s\n", Reps(l.off.p50, "%.0f").c_str(),
              Reps(l.off.p99, "%.0f").c_str(), Reps(l.off.p999, "%.0f").c_str());
  std::printf(
      "4c latency with checkpoints every 1s us p50: %s; p99: %s; p99.9: %s; checkpoints: %s; "
      "pause p99 us: %s\n",
      Reps(l.on.p50, "%.0f").c_str(), Reps(l.on.p99, "%.0f").c_str(),
      Reps(l.on.p999, "%.0f").c_str(), Reps(l.checkpoints, "%.0f").c_str(),
      Reps(l.pause.p99, "%.0f").c_str());
  return l;
}

void PrintLatencyRows(const Options& o, const Latency& l) {
  const auto row = [&](const char* id, const char* what, const Quantiles& q) {
    const auto [lo, hi] = BucketAround(q.last, Median(q.p99) / 1e6);
    std::printf(
        "| %s | receipt-to-verdict latency at %.0f records/s (1/2 of (3))%s | p50 %.0f us, p99 "
        "%.0f us, p99.9 %.0f us (p99 inside bucket %.0f-%.0f us) | p99 = %.2f x 1 ms | p99 <= 1 "
        "ms: %s |\n",
        id, l.rate, what, Median(q.p50), Median(q.p99), Median(q.p999), lo * 1e6, hi * 1e6,
        Median(q.p99) / 1000, Median(q.p99) <= 1000 ? "met" : "missed");
  };
  if (o.latency_only) {
    std::printf("\n| # | measure | median of %d | ratio | target |\n|---|---|---|---|---|\n",
                o.reps);
  }
  row("4", "", l.off);
  row("4c", ", checkpoint every 1s", l.on);
  std::printf(
      "| 4c/4 | p99 with checkpoints / without | %.0f checkpoints a run, pause p99 %.0f us | %.2f "
      "x | (report) |\n",
      Median(l.checkpoints), Median(l.pause.p99), Median(l.on.p99) / Median(l.off.p99));
}

// ---- 5: the engine alone
// -------------------------------------------------------------------------

struct EngineRows {
  AccountMemory mem;
  std::vector<double> small, big;              // records/s as a shard feeds it (look-ahead)
  std::vector<double> small_plain, big_plain;  // one event at a time, no Prefetch hint
};

EngineRows MeasureEngine(const Options& o) {
  EngineRows rows;
  // 5. memory per account and scaling with the account count
  rows.mem = MeasureAccountMemory(1'000'000);
  std::printf("5 bytes/account at 1M: RSS %.1f, engine %.1f, account table %.1f\n",
              rows.mem.rss_bytes_per_account, rows.mem.engine_bytes_per_account,
              rows.mem.table_bytes_per_account);
  const uint64_t steady = 3'000'000;
  // Both ways of feeding one warm engine, interleaved: as a shard drains its queue (windows of
  // events, Prefetch kPrefetchDistance ahead) and one event at a time.
  auto scale = [&](uint64_t accounts, std::vector<double>& batched, std::vector<double>& plain) {
    EngineRig rig(accounts);
    rig.Feed(accounts);  // every account created; what follows is steady state
    for (int r = 0; r < o.reps; ++r) {
      batched.push_back(static_cast<double>(steady) / rig.FeedBatched(steady));
      plain.push_back(static_cast<double>(steady) / rig.Feed(steady));
    }
  };
  scale(10'000, rows.small, rows.small_plain);
  scale(o.big_accounts, rows.big, rows.big_plain);
  std::printf(
      "5 engine records/s at 10k: %s (one at a time: %s); at %llu: %s (one at a time: %s)\n",
      Reps(rows.small, "%.0f").c_str(), Reps(rows.small_plain, "%.0f").c_str(),
      static_cast<unsigned long long>(o.big_accounts), Reps(rows.big, "%.0f").c_str(),
      Reps(rows.big_plain, "%.0f").c_str());
  return rows;
}

void PrintEngineRows(const Options& o, const EngineRows& e) {
  std::printf(
      "| 5a | bytes per tracked account at 1M accounts | %.0f B resident (engine's own count "
      "%.0f B) | %.2f x 256 B | <= 256 B: %s |\n",
      e.mem.rss_bytes_per_account, e.mem.engine_bytes_per_account,
      e.mem.rss_bytes_per_account / 256, e.mem.rss_bytes_per_account <= 256 ? "met" : "missed");
  const double ratio = Median(e.small) / Median(e.big);
  std::printf(
      "| 5b | engine alone records/s, 10k vs %llu accounts (1 shard, in-process, as a shard feeds "
      "it) | %.0f vs %.0f | cost %.2f x | <= 2 x: %s |\n",
      static_cast<unsigned long long>(o.big_accounts), Median(e.small), Median(e.big), ratio,
      ratio <= 2 ? "met" : "missed");
  const double plain = Median(e.small_plain) / Median(e.big_plain);
  std::printf(
      "| 5b' | the same, one event at a time (no Prefetch hint) | %.0f vs %.0f | cost %.2f x | "
      "(report) |\n",
      Median(e.small_plain), Median(e.big_plain), plain);
}

// ---- the run -----------------------------------------------------------------------------------

std::string Machine() {
  std::string model = "unknown";
  const std::string cpuinfo = ReadText("/proc/cpuinfo");
  if (const std::size_t at = cpuinfo.find("model name"); at != std::string::npos) {
    const std::size_t colon = cpuinfo.find(':', at);
    model = cpuinfo.substr(colon + 2, cpuinfo.find('\n', colon) - colon - 2);
  }
  const double gib = static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                     static_cast<double>(sysconf(_SC_PAGESIZE)) / (1u << 30);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char buf[256];
  std::snprintf(buf, sizeof(buf), "nproc %u, CPU %s, memory %.1f GiB, load average %.2f at start",
                std::thread::hardware_concurrency(), model.c_str(), gib, load[0]);
  return buf;
}

constexpr const char* kMacroUsage =
    "usage: privmon_macro [--records N] [--accounts N] [--big-accounts N] [--reps N] [--dir DIR]\n"
    "                     [--privmon BIN] [--batch N] [--only latency|engine]\n";

Options ParseArgs(int argc, char** argv) {
  Options o;
  // Every option takes a value: a lone one (--help, a typo) would otherwise start a full run.
  if (argc % 2 == 0) {
    const std::string lone = argv[argc - 1];
    if (lone == "--help" || lone == "-h") {
      std::fputs(kMacroUsage, stdout);
      std::exit(0);
    }
    throw std::runtime_error("option " + lone + " needs a value\n" + kMacroUsage);
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--records")
      o.records = std::stoull(v);
    else if (k == "--accounts")
      o.gen_accounts = std::stoi(v);
    else if (k == "--big-accounts")
      o.big_accounts = std::stoull(v);
    else if (k == "--reps")
      o.reps = std::stoi(v);
    else if (k == "--dir")
      o.dir = v;
    else if (k == "--privmon")
      o.privmon = v;
    else if (k == "--batch")
      o.batch = std::stoull(v);
    else if (k == "--only" && v == "latency")
      o.latency_only = true;
    else if (k == "--only" && v == "engine")
      o.engine_only = true;
    else
      throw std::runtime_error("unknown option " + k);
  }
  return o;
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  std::filesystem::create_directories(o.dir);
  const auto t0 = Clock::now();
  std::printf("privmon macro harness: %s\n", Machine().c_str());
  if (o.engine_only) {
    const EngineRows engine = MeasureEngine(o);
    std::printf("\n| # | measure | median of %d | ratio | target |\n|---|---|---|---|---|\n",
                o.reps);
    PrintEngineRows(o, engine);
    std::printf("\nharness took %.0f s\n", Seconds(t0, Clock::now()));
    return 0;
  }

  // Input: deterministic, all three formats; Graph records carry no tenant, so scan and replay pass
  // --tenant (records that name their tenant keep it).
  const std::string input = o.dir + "/input.ndjson";
  GenOptions gen;
  gen.out = input;
  gen.records = o.records;
  gen.accounts = o.gen_accounts;
  gen.seed = 7;
  gen.quiet = true;
  if (RunGen(gen) != 0) throw std::runtime_error("gen failed");
  const Input in = Load(input);
  const double mb = static_cast<double>(in.bytes.size()) / 1e6;
  const auto n = static_cast<double>(in.lines.size());
  std::printf(
      "input: %zu records, %.1f MB (privmon gen --records %llu --accounts %d --seed 7, "
      "formats diag,graph,la; --tenant %s for Graph records)\n\n",
      in.lines.size(), mb, static_cast<unsigned long long>(o.records), o.gen_accounts,
      std::string(kBenchTenant).c_str());

  // 1. ceiling
  std::vector<double> dom, dom_alone;
  for (int r = 0; r < o.reps && !o.latency_only; ++r) {
    dom.push_back(n / DomSeconds(in));
    dom_alone.push_back(n / DomSeconds(in, /*walk=*/false));
  }
  const double ceiling = Median(dom), parse_alone = Median(dom_alone);
  std::printf("1 ceiling DOM + walk + JSON text records/s: %s\n", Reps(dom, "%.0f").c_str());
  std::printf("1a DOM parse alone records/s: %s\n", Reps(dom_alone, "%.0f").c_str());

  // 2 + 6. scan, 2 and 1 shards, interleaved so that background load hits both alike.
  const std::string cfg1 = ScanConfig(o.dir, 1), cfg2 = ScanConfig(o.dir, 2),
                    cfg2p = ScanConfig(o.dir, 2, 2);
  std::vector<double> scan1, scan2, scan2p, scan_cpu;
  for (int r = 0; r < o.reps && !o.latency_only; ++r) {
    uint64_t records = 0;
    double cpu = 0;
    scan2.push_back(n / ScanSeconds(o.privmon, o.dir, cfg2, input, &records, "/dev/null", &cpu));
    scan_cpu.push_back(cpu * 1e6 / n);
    if (records != in.lines.size()) throw std::runtime_error("scan saw a different count");
    scan1.push_back(n / ScanSeconds(o.privmon, o.dir, cfg1, input, &records));
    scan2p.push_back(n / ScanSeconds(o.privmon, o.dir, cfg2p, input, &records));
  }
  const double scan = Median(scan2), scan_one = Median(scan1), scan_par = Median(scan2p);
  std::printf("2b scan 2 shards parse_threads 2 (the file fanned out) records/s: %s\n",
              Reps(scan2p, "%.0f").c_str());
  std::printf("2 scan 2 shards records/s: %s\n", Reps(scan2, "%.0f").c_str());
  std::printf("6 scan 1 shard records/s: %s\n", Reps(scan1, "%.0f").c_str());

  // 3 + 3t. replay over ZeroMQ, unpaced, into privmon run and into a discarding PULL socket
  // (interleaved).
  std::vector<double> zmq, transport, zmq_cpu, zmq_cpu_unscraped;
  for (int r = 0; r < o.reps; ++r) {
    const ReplayRun run = Replay(o, input, in.lines.size(), 0);
    zmq.push_back(run.records_per_s);
    zmq_cpu.push_back(run.cpu_us_per_record);
    zmq_cpu_unscraped.push_back(run.cpu_us_per_record - run.scrape_cpu_us_per_record);
    transport.push_back(
        TransportAloneRate(o.privmon, o.dir, input, in.lines.size(), std::string(kBenchTenant)));
  }
  // 6c. the same replay into `run` with two parse threads (the source fanned out).
  std::vector<double> zmq_par;
  for (int r = 0; r < o.reps && !o.latency_only; ++r) {
    zmq_par.push_back(Replay(o, input, in.lines.size(), 0, false, 2).records_per_s);
  }
  const double zmq_par_rate = zmq_par.empty() ? 0 : Median(zmq_par);
  const double zmq_rate = Median(zmq), transport_rate = Median(transport);
  std::printf("3 run+replay records/s: %s\n", Reps(zmq, "%.0f").c_str());
  std::printf("2, 3 CPU us per record, scan: %s; run: %s; run without its metrics server: %s\n",
              Reps(scan_cpu, "%.2f").c_str(), Reps(zmq_cpu, "%.2f").c_str(),
              Reps(zmq_cpu_unscraped, "%.2f").c_str());
  std::printf("3t replay into a discarding PULL records/s: %s\n", Reps(transport, "%.0f").c_str());
  std::printf("6c run+replay parse_threads 2 records/s: %s\n", Reps(zmq_par, "%.0f").c_str());

  // 2e, 3e, 3te: the same records as a feed delivers them, up to --batch records per Event Hubs
  // body (bench/event_hubs_batches.h): scan, run + replay and the transport alone.
  std::vector<double> scan_b, zmq_b, transport_b, scan_b_cpu, zmq_b_cpu;
  Batches batches;
  std::string batched_alerts;
  if (o.batch > 0 && !o.latency_only) {
    const std::string batched = o.dir + "/input-batched.ndjson";
    batches = WriteEventHubsBatches(input, batched, o.batch);
    if (batches.records != in.lines.size()) throw std::runtime_error("batching lost records");
    const double per_message =
        static_cast<double>(batches.records) / static_cast<double>(batches.messages);
    for (int r = 0; r < o.reps; ++r) {
      uint64_t records = 0;
      // The first repetition keeps both scans' alerts: the batched order must not change them.
      const bool keep = r == 0;
      double cpu = 0;
      scan_b.push_back(n / ScanSeconds(o.privmon, o.dir, cfg2, batched, &records,
                                       keep ? o.dir + "/alerts-batched.ndjson" : "/dev/null",
                                       &cpu));
      scan_b_cpu.push_back(cpu * 1e6 / n);
      if (records != in.lines.size()) throw std::runtime_error("batched scan saw another count");
      if (keep) ScanSeconds(o.privmon, o.dir, cfg2, input, &records, o.dir + "/alerts.ndjson");
      const ReplayRun run = Replay(o, batched, in.lines.size(), 0);
      zmq_b.push_back(run.records_per_s);
      zmq_b_cpu.push_back(run.cpu_us_per_record);
      transport_b.push_back(per_message * TransportAloneRate(o.privmon, o.dir, batched,
                                                             batches.messages,
                                                             std::string(kBenchTenant)));
    }
    batched_alerts = std::to_string(CountLines(o.dir + "/alerts-batched.ndjson")) + " alerts vs " +
                     std::to_string(CountLines(o.dir + "/alerts.ndjson")) + " one record a line";
    std::printf("2e scan of %llu batches (%.1f records each) records/s: %s (%s)\n",
                static_cast<unsigned long long>(batches.messages), per_message,
                Reps(scan_b, "%.0f").c_str(), batched_alerts.c_str());
    std::printf("3e run+replay of the batches records/s: %s\n", Reps(zmq_b, "%.0f").c_str());
    std::printf("3te the batches into a discarding PULL records/s: %s\n",
                Reps(transport_b, "%.0f").c_str());
    std::printf("2e, 3e CPU us per record, scan: %s; run: %s\n", Reps(scan_b_cpu, "%.2f").c_str(),
                Reps(zmq_b_cpu, "%.2f").c_str());
  }

  // 4. latency at half of (3)'s rate, without and with checkpoints (interleaved)
  const Latency lat = MeasureLatency(o, input, in.lines.size(), zmq_rate / 2);
  if (o.latency_only) {
    PrintLatencyRows(o, lat);
    std::printf("\nharness took %.0f s\n", Seconds(t0, Clock::now()));
    return 0;
  }

  const EngineRows engine = MeasureEngine(o);
  const std::vector<double>& small = engine.small;
  const std::vector<double>& big = engine.big;

  // The table.
  std::printf("\n| # | measure | median of %d | ratio | target |\n|---|---|---|---|---|\n", o.reps);
  std::printf(
      "| 1 | ceiling: simdjson DOM parse + full walk + the JSON text of string columns, 1 thread "
      "| %.0f MB/s, %.0f records/s | 1.00 (baseline) | |\n",
      ceiling * mb / n, ceiling);
  std::printf(
      "| 1a | simdjson DOM parse alone, 1 thread | %.0f MB/s, %.0f records/s | %.2f x (1) | |\n",
      parse_alone * mb / n, parse_alone, parse_alone / ceiling);
  std::printf(
      "| 2 | `privmon scan`, all rules, 2 shards | %.0f MB/s, %.0f records/s | %.2f x (1) "
      "| >= 1.0 x (1): %s; %.2f x (1a) |\n",
      scan * mb / n, scan, scan / ceiling, scan >= ceiling ? "met" : "missed", scan / parse_alone);
  std::printf(
      "| 3 | `privmon run` fed by `privmon replay`, ZeroMQ TCP loopback | %.0f MB/s, %.0f "
      "records/s | %.2f x (2); %.2f x (3t) | >= 0.9 x (2): %s |\n",
      zmq_rate * mb / n, zmq_rate, zmq_rate / scan, zmq_rate / transport_rate,
      zmq_rate >= 0.9 * scan ? "met" : "missed");
  std::printf(
      "| 3t | the transport alone: the same replay into a ZeroMQ PULL socket that discards | %.0f "
      "MB/s, %.0f records/s | %.2f x (2) | (report) |\n",
      transport_rate * mb / n, transport_rate, transport_rate / scan);
  if (!scan_cpu.empty()) {
    std::printf(
        "| 3/2 cpu | CPU time per record (all threads), `run` (3) vs `scan` (2) | %.2f vs %.2f us "
        "| %.2f x | (report) |\n",
        Median(zmq_cpu), Median(scan_cpu), Median(zmq_cpu) / Median(scan_cpu));
    // The harness asks /metrics every 20 ms while a run goes on: that CPU is the metrics server's
    // (threads civetweb-*), not the record path's.
    std::printf(
        "| 3/2 cpu' | the same without `run`'s metrics server (serving the harness's scrapes every "
        "20 ms) | %.2f vs %.2f us | %.2f x | (report) |\n",
        Median(zmq_cpu_unscraped), Median(scan_cpu), Median(zmq_cpu_unscraped) / Median(scan_cpu));
  }
  if (!scan_b.empty()) {
    const double sb = Median(scan_b), zb = Median(zmq_b), tb = Median(transport_b);
    std::printf(
        "| 2e | `privmon scan` of the same records in Event Hubs bodies of up to %zu "
        "(%s) | %.0f records/s | %.2f x (1); %.2f x (2) | (report) |\n",
        o.batch, batched_alerts.c_str(), sb, sb / ceiling, sb / scan);
    std::printf(
        "| 3e | `privmon run` + `replay` of those batches, ZeroMQ TCP loopback | %.0f records/s | "
        "%.2f x (2e); %.2f x (3te) | >= 0.9 x (2e): %s |\n",
        zb, zb / sb, zb / tb, zb >= 0.9 * sb ? "met" : "missed");
    std::printf(
        "| 3e/2e cpu | CPU time per record (all threads), `run` of the batches vs their `scan` | "
        "%.2f vs %.2f us | %.2f x | (report) |\n",
        Median(zmq_b_cpu), Median(scan_b_cpu), Median(zmq_b_cpu) / Median(scan_b_cpu));
    std::printf(
        "| 3te | the transport alone: the batches into a discarding PULL socket | %.0f records/s | "
        "%.2f x (2e) | (report) |\n",
        tb, tb / sb);
  }
  PrintLatencyRows(o, lat);
  PrintEngineRows(o, engine);
  // The engine is one part of a record's cost: add its extra cost at the large count to the
  // measured end-to-end cost of (2) (whose input has --accounts accounts).
  const double e2e = (1 / scan + 1 / Median(big) - 1 / Median(small)) / (1 / scan);
  std::printf(
      "| 5c | end-to-end cost per record at %llu vs %d accounts (estimate: (2) + engine "
      "difference of 5b) | | %.2f x | <= 1.3 x: %s |\n",
      static_cast<unsigned long long>(o.big_accounts), o.gen_accounts, e2e,
      e2e <= 1.3 ? "met" : "missed");
  std::printf(
      "| 6 | `privmon scan`, 1 vs 2 shards | %.0f vs %.0f records/s | 2 shards = %.2f x 1 shard | "
      "(report) |\n",
      scan_one, scan, scan / scan_one);
  std::printf(
      "| 6b | `privmon scan`, 2 shards, `parse_threads: 2` (the one file fanned out to two parse "
      "threads) | %.0f MB/s, %.0f "
      "records/s | %.2f x (1); %.2f x 1 parse thread | (report) |\n",
      scan_par * mb / n, scan_par, scan_par / ceiling, scan_par / scan);
  if (!zmq_par.empty()) {
    std::printf(
        "| 6c | `privmon run` + `replay`, `parse_threads: 2` (the ZeroMQ source fanned out) | "
        "%.0f MB/s, %.0f records/s | %.2f x (2); %.2f x 1 parse thread (3); %.2f x (3t) | "
        "(report) |\n",
        zmq_par_rate * mb / n, zmq_par_rate, zmq_par_rate / scan, zmq_par_rate / zmq_rate,
        zmq_par_rate / transport_rate);
  }
  std::printf("\nharness took %.0f s\n", Seconds(t0, Clock::now()));
  return 0;
}

}  // namespace
}  // namespace privmon::bench

int main(int argc, char** argv) {
  try {
    return privmon::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon_macro: %s\n", e.what());
    return 1;
  }
}
