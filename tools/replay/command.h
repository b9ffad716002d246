// `privmon replay`: sends recorded NDJSON lines as ZeroMQ PUSH messages, paced by rate or by the
// recorded event-time spacing, for load tests. RunReplay runs on the calling thread, installs
// SIGINT/SIGTERM handlers for its duration and returns an exit code (0 ok, 1 runtime, 2 usage).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace privmon {

struct ReplayOptions {
  std::vector<std::string> files;    // "-" = stdin
  std::string endpoint;              // e.g. tcp://127.0.0.1:5556
  double rate = 0;                   // messages/s; 0 = unpaced
  double speedup = 0;                // event-time spacing divided by this; 0 = off
  int loop = 1;                      // replay the whole input this many times
  int connections = 1;               // PUSH sockets, round-robin
  std::string tenant;                // non-empty: two frames [tenant, payload]
  bool quiet = false;                // no live progress line (summary still printed)
  double linger_s = 30;              // how long closing waits for queued messages
  int sndhwm = 10000;                // per-socket send high-water mark (messages)
  double peer_wait_s = 30;           // no peer took the first message by then: exit 1 (0: wait)
  uint64_t max_memory = 1ULL << 30;  // inputs larger than this are streamed per loop
};

int RunReplay(const ReplayOptions& options);

// Adds the `replay` subcommand to root; when it runs, its exit code is stored in *exit_code.
void RegisterReplayCommand(CLI::App& root, int* exit_code);

}  // namespace privmon
