// `privmon gen`: writes deterministic synthetic Entra traffic (same options and seed => the same
// bytes) as NDJSON, in the diagnostic, Graph and Log Analytics formats, with attack scenarios for
// privileged accounts injected at a given share and optionally listed in a truth file. RunGen runs
// on the calling thread and returns an exit code (0 ok, 1 runtime failure, 2 usage error).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace privmon {

struct GenOptions {
  std::string out;  // "-" = stdout
  int tenants = 10;
  int accounts = 1000;  // spread over the tenants; at least one per tenant
  int days = 7;
  uint64_t records = 0;  // 0 = accounts * days * 10
  uint64_t seed = 1;
  double attack_share = 0.01;
  std::string formats = "diag,graph,la";       // names, each optionally ":weight"
  std::string start = "2025-01-06T00:00:00Z";  // first day (UTC midnight of this date)
  std::string truth;                           // non-empty: one JSON line per injected scenario
  std::string config_out;                      // non-empty: the world's tenant config (config.h)
  double privileged_share = 0.05;
  bool quiet = false;  // no live progress line
};

int RunGen(const GenOptions& options);

// Adds the `gen` subcommand to root; when it runs, its exit code is stored in *exit_code.
void RegisterGenCommand(CLI::App& root, int* exit_code);

}  // namespace privmon
