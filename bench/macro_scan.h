// `privmon scan` as a baseline for the process-level harnesses (privmon_macro,
// privmon_kafka_bench): a scan config with a given shard and parse-thread count, and one timed scan
// of a file with the record count read back from scan's summary line. Blocking; the time is the
// process's wall time, start-up (~10 ms) included.
#pragma once

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "bench/macro_process.h"
#include "bench/signin_stream.h"

namespace privmon::bench {

// Writes <dir>/scan-<shards>-<parse_threads>.yaml: no metrics, no dead letter; returns its path.
inline std::string ScanConfig(const std::string& dir, int shards, int parse_threads = 1) {
  const std::string path =
      dir + "/scan-" + std::to_string(shards) + "-" + std::to_string(parse_threads) + ".yaml";
  WriteText(path, "pipeline: {shards: " + std::to_string(shards) +
                      ", parse_threads: " + std::to_string(parse_threads) +
                      "}\n"
                      "metrics: {listen: off}\n"
                      "dead_letter: {path: off}\n");
  return path;
}

// Runs `privmon scan` once, alerts to `alerts` ("/dev/null" to drop); returns seconds and sets
// *records from its summary line, and *cpu_seconds (when given) to the CPU time it used.
inline double ScanSeconds(const std::string& privmon, const std::string& dir,
                          const std::string& config, const std::string& input, uint64_t* records,
                          const std::string& alerts = "/dev/null", double* cpu_seconds = nullptr) {
  const std::string err = dir + "/scan.err";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = Spawn({privmon, "scan", "--quiet", "--config", config, "--tenant",
                           std::string(kBenchTenant), input},
                          alerts, err);
  const int rc = WaitExit(pid, cpu_seconds);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string text = ReadText(err);
  unsigned long long messages = 0, accepted = 0, rejected = 0;
  // The summary line (a parse_threads warning may come before it).
  const std::size_t summary = text.find(" messages, ");
  const std::size_t at =
      summary == std::string::npos ? std::string::npos : text.rfind("privmon: ", summary);
  if (rc != 0 || at == std::string::npos ||
      std::sscanf(text.c_str() + at, "privmon: %llu messages, %llu records accepted, %llu rejected",
                  &messages, &accepted, &rejected) != 3) {
    throw std::runtime_error("scan failed (exit " + std::to_string(rc) + "): " + text);
  }
  *records = accepted + rejected;
  return s;
}

}  // namespace privmon::bench
