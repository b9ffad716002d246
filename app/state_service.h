// `run` with `state_topic` (README "Running N instances"): a Repartitioner (input topic -> state
// topic, keyed by tenant) and StatePartitions (one engine task per assigned state partition,
// checkpointed per partition and fenced) feeding the process's sinks, dead letters and /metrics.
// Blocks until SIGTERM/SIGINT; then stops the repartitioner (committing what was delivered), gives
// up every state partition with its final checkpoint, drains the sinks. Main thread only.
// With `keyed_by_tenant` there is no repartitioner: the StatePartitions tasks read the input
// topic's own partitions (README "Running N instances", "Input already keyed by tenant").
#pragma once

#include <signal.h>

#include <memory>

#include "app/service.h"
#include "core/config.h"

namespace privmon {

// The kafka source with `state_topic` or `keyed_by_tenant` set, or null.
const SourceSettings* StateTopicSource(const CompiledConfig& config);

// `signals` (SIGTERM, SIGINT, SIGHUP) are blocked in every thread already.
int RunStateTopicService(const ServiceOptions& options,
                         std::shared_ptr<const CompiledConfig> config, const sigset_t& signals);

}  // namespace privmon
