#include "app/state_service.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <zmq.hpp>

#include "app/service_parts.h"
#include "app/state_partitions.h"
#include "app/tenant_silence.h"
#include "config/loader.h"
#include "config/reload.h"
#include "metrics/prometheus_exporter.h"
#include "pipeline/event_count.h"
#include "pipeline/repartitioner.h"
#include "sinks/alert_dispatcher.h"
#include "sinks/alert_output.h"

namespace privmon {

const SourceSettings* StateTopicSource(const CompiledConfig& config) {
  for (const SourceSettings& s : config.sources) {
    if (s.type == SourceType::kKafka && s.kafka.state_partitioned()) return &s;
  }
  return nullptr;
}

int RunStateTopicService(const ServiceOptions& options,
                         std::shared_ptr<const CompiledConfig> config, const sigset_t& signals) {
  const SourceSettings& source = *StateTopicSource(*config);
  const bool keyed = source.kafka.keyed_by_tenant;  // no hop: the input's partitions hold state
  if (config->checkpoint.dir.empty()) {             // `privmon check` says so too
    std::fprintf(
        stderr,
        "privmon: cannot start: %s needs checkpoint.dir (state moves with its partitions)\n",
        keyed ? "keyed_by_tenant" : "state_topic");
    return 1;
  }
  const uint32_t partitions = source.kafka.state_partitions;
  // Shard q and parse slot 1 + q count for state partition q; parse slot 0 is the repartitioner.
  auto stats = std::make_shared<PipelineStats>(partitions, partitions + 1,
                                               config->pipeline.max_tenant_series,
                                               static_cast<uint32_t>(config->tenants.size()));
  for (const auto& [hash, tenant] : config->tenants) {
    (void)stats->tenants.ClaimConfigured(hash, tenant->tenant_id);
  }
  const std::string input_name = source.name.empty() ? "kafka" : source.name;
  stats->sources.emplace_back().name = input_name;
  if (!keyed) stats->sources.emplace_back().name = "state";

  zmq::context_t zmq_context(1);
  std::unique_ptr<DeadLetterWriter> dead_letters;
  std::vector<std::unique_ptr<AlertOutput>> outputs;
  try {
    dead_letters = OpenDeadLetters(*config, *stats);
    outputs = MakeAlertOutputs(config->sinks, zmq_context);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon: cannot start: %s\n", e.what());
    return 1;
  }
  std::vector<std::unique_ptr<SpscQueue<Alert>>> alert_queues;
  std::vector<SpscQueue<Alert>*> queue_ptrs;
  for (uint32_t q = 0; q < partitions; ++q) {
    alert_queues.push_back(
        std::make_unique<SpscQueue<Alert>>(config->pipeline.alert_queue_capacity));
    queue_ptrs.push_back(alert_queues.back().get());
  }
  std::vector<SpscQueue<Alert>*> dispatched = queue_ptrs;
  SpscQueue<Alert> operations_queue(64);  // PRIV-OP-01, the control thread's
  dispatched.push_back(&operations_queue);
  TenantSilence silence(*stats, operations_queue, ServiceWallMicros());
  // The tasks' engines and PRIV-OP-01 wake the dispatcher when it parks (sinks/alert_dispatcher.h).
  EventCount alert_wake;
  silence.set_wake(&alert_wake);
  DispatcherOptions dispatch_options;
  dispatch_options.wake = &alert_wake;
  dispatch_options.drain_timeout =
      std::chrono::milliseconds(config->pipeline.sink_drain_timeout_ms);
  AlertDispatcher dispatcher(dispatched, std::move(outputs), stats.get(), dispatch_options);
  DeadLetterRejects rejects(*dead_letters, config->dead_letter_keep_skipped);
  std::unique_ptr<Repartitioner> repartitioner;
  std::unique_ptr<StatePartitions> state;
  try {
    if (!keyed) {
      repartitioner = std::make_unique<Repartitioner>(source, config->pipeline.max_message_bytes,
                                                      *stats, &rejects);
    }
    state = std::make_unique<StatePartitions>(config, source, *stats, queue_ptrs, &rejects,
                                              options.fresh);
    state->SetAlertWake(&alert_wake);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon: cannot start: %s\n", e.what());
    return 1;
  }
  // After the group members: stats->kafka_sources is complete before the first scrape.
  std::unique_ptr<MetricsServer> metrics;
  if (!config->metrics_listen.empty()) {
    try {
      metrics = std::make_unique<MetricsServer>(config->metrics_listen, stats);
      std::vector<uint64_t> tenants;
      for (const auto& [hash, tenant] : config->tenants) tenants.push_back(hash);
      metrics->SetConfiguredTenants(std::move(tenants));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "privmon: cannot start: %s\n", e.what());
      return 1;
    }
  }
  const std::string where =
      metrics ? "; metrics on http://" + config->metrics_listen + "/metrics" : std::string();
  if (keyed) {
    std::fprintf(stderr,
                 "privmon: running on keyed input %s (%u partitions, each a state partition, "
                 "group %s); source kafka %s%s\n",
                 source.kafka.topics[0].c_str(), partitions, source.kafka.group.c_str(),
                 source.kafka.brokers.c_str(), where.c_str());
  } else {
    std::fprintf(stderr,
                 "privmon: running on state topic %s (%u partitions, group %s.state); source "
                 "kafka %s (group %s)%s\n",
                 source.kafka.state_topic.c_str(), partitions, source.kafka.group.c_str(),
                 source.kafka.brokers.c_str(), source.kafka.group.c_str(), where.c_str());
  }
  const auto started = std::chrono::steady_clock::now();
  if (repartitioner) repartitioner->Start();
  stats->readiness.started_us.store(ServiceWallMicros(), std::memory_order_relaxed);
  stats->readiness.checkpoint_interval_us.store(config->checkpoint.interval_s * 1'000'000,
                                                std::memory_order_relaxed);
  stats->readiness.sources_started.store(true, std::memory_order_relaxed);

  std::shared_ptr<const CompiledConfig> live_config = config;
  auto last_silence_poll = started;
  bool stopping = false;
  auto on_stop_signal = [&](int sig) {
    stopping = true;
    stats->readiness.stopping.store(true, std::memory_order_relaxed);
    std::fprintf(stderr, "privmon: %s received, checkpointing the state partitions\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
  };
  // A task's periodic cut that waits for a shard blocked behind a stalled sink takes the signal
  // here: a stuck sink then drops its queue after sink_drain_timeout, the shard saves, the cut
  // ends and the loop below stops (breaker round 141: the signal went unread until SIGKILL).
  sigset_t operator_signals;
  sigemptyset(&operator_signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&operator_signals, sig);
  state->SetStopSignals(operator_signals, [&] {
    if (const int sig = TakePendingStopSignal(); sig != 0 && !stopping) {
      on_stop_signal(sig);
      dispatcher.BeginShutdown();
    }
  });
  for (;;) {
    timespec wait{0, 20'000'000};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      on_stop_signal(sig);
      break;
    }
    if (sig == SIGHUP && !options.config_path.empty()) {
      ConfigLoadResult loaded = LoadConfigFile(options.config_path);
      if (!loaded.errors.empty()) {
        Bump(stats->config_reload_failures);
        std::fprintf(stderr, "privmon: SIGHUP: %s refused, keeping the running config\n",
                     options.config_path.c_str());
      } else {
        Bump(stats->config_reloads);
        std::string restart;
        for (const std::string& section : SectionsNeedingRestart(*config, *loaded.config)) {
          restart += (restart.empty() ? "" : ", ") + section;
        }
        live_config = KeepStartupSections(*config, *loaded.config);
        state->PublishConfig(live_config);
        std::fprintf(stderr,
                     "privmon: SIGHUP: reloaded %s (tenants, defaults, rules applied; sources, "
                     "sinks and the state topic only at restart)\n",
                     options.config_path.c_str());
        if (!restart.empty()) {
          std::fprintf(stderr,
                       "privmon: SIGHUP: changed section(s) %s take effect only at restart; "
                       "still running with the previous ones\n",
                       restart.c_str());
        }
      }
      dispatcher.ReopenOutputs();
      dead_letters->Reopen();
    }
    state->Poll();
    if (stopping) break;  // a signal taken during a task's checkpoint
    const auto now = std::chrono::steady_clock::now();
    if (now - last_silence_poll >= std::chrono::seconds(1)) {
      last_silence_poll = now;
      silence.Poll(*live_config, ServiceWallMicros());
      dead_letters->CheckPath();  // a deleted dead-letter file noticed within a second
    }
  }
  if (repartitioner) repartitioner->Stop();  // commits what the state topic confirmed
  const bool checkpointed = state->Stop();
  dispatcher.BeginShutdown();
  dispatcher.Stop();
  PrintSummary(*stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               stderr);
  // Each reason for exit 1 is said, not only the first (breaker round 80: alerts lost hid the
  // rejects the dead letter did not keep; SinkFailure.AnAlertFileAndDeadLetterRemovedUnderRun...).
  bool failed = false;
  if (const uint64_t lost = dispatcher.lost(); lost != 0) {
    std::fprintf(
        stderr,
        "privmon: exit 1: %llu alert(s) not delivered (the sum of the sinks' NOT delivered "
        "lines: an alert two sinks lost counts twice)\n",
        static_cast<unsigned long long>(lost));
    failed = true;
  }
  dead_letters->CheckPath();  // the last entries, if the file was deleted since its last check
  if (ReportDeadLettersLost(*dead_letters, *stats) != 0) failed = true;
  if (failed) return 1;
  if (!checkpointed) {
    std::fprintf(stderr,
                 "privmon: exit 1: a state partition's final checkpoint was NOT written: its "
                 "next owner resumes from the previous one\n");
    return 1;
  }
  return 0;
}

}  // namespace privmon
