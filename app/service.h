// The engine assembled: sources -> Pipeline (parse threads, shards running DetectionEngines) ->
// AlertDispatcher (outputs) + dead-letter file + /metrics. RunService blocks until the input ends
// (scan) or SIGTERM/SIGINT (run), drains every queue, flushes, prints a summary and returns the
// exit code. SIGHUP reloads the config file (a bad file is refused whole; the old config stays).
// With `checkpoint:` configured (run), state is restored from the newest usable checkpoint before
// the sources start, checkpointed every interval, and on SIGTERM checkpointed instead of settled
// (docs/operations.md "Checkpoints"); exit 2 when checkpoints exist and none is usable.
// Call from the main thread before any other thread exists: it blocks the signals it handles.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"

namespace privmon {

struct ServiceOptions {
  std::shared_ptr<const CompiledConfig> config;
  std::string config_path;  // re-read on SIGHUP; empty = builtin default (reload keeps it)
  bool scan = false;        // scan: sources = scan_sources, alerts to stdout only, no /metrics
  std::vector<SourceSettings> scan_sources;
  AlertFormat scan_format = AlertFormat::kNative;  // scan's stdout
  bool quiet = false;                              // no progress line
  // scan: no alert output; at the end the state (pending verdicts kept) is written as a checkpoint
  // into this directory (`scan --checkpoint-out`, onboarding a tenant from its history).
  std::string checkpoint_out;
  bool fresh = false;  // run: ignore the checkpoint directory's contents (start empty on purpose)
};

int RunService(const ServiceOptions& options);

}  // namespace privmon
