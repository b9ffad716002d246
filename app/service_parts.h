// Parts `run` shares between its two shapes (app/service.cc: sources feed the engine;
// app/state_service.cc: `state_topic`, README "Running N instances"): the dead letter (opened, and
// its reject sink) and the end-of-run summary. Control thread, except DeadLetterRejects (any parse
// thread).
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string_view>

#include "core/config.h"
#include "core/stats.h"
#include "pipeline/pipeline.h"
#include "sinks/dead_letter.h"

namespace privmon {

inline EventTime ServiceWallMicros() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count();
}

// A SIGTERM or SIGINT pending for the process, taken (consumed) without waiting; 0 when none.
// Control thread (the process blocks these signals and takes them with sigtimedwait).
inline int TakePendingStopSignal() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  timespec none{0, 0};
  const int sig = sigtimedwait(&stop_signals, nullptr, &none);
  return sig == SIGTERM || sig == SIGINT ? sig : 0;
}

// Rejections go to the dead-letter file; records of Entra categories privmon does not read only
// when the config asks (`dead_letter.keep_skipped`): they are counted either way.
class DeadLetterRejects final : public RejectSink {
 public:
  DeadLetterRejects(DeadLetterWriter& writer, bool keep_skipped)
      : writer_(writer), keep_skipped_(keep_skipped) {}
  using RejectSink::OnReject;
  void OnReject(RejectReason reason, std::string_view detail, std::string_view raw,
                std::string_view source, uint64_t whole_size, std::string_view tenant) override {
    writer_.Write(reason, detail, raw, source, ServiceWallMicros(), whole_size, tenant);
  }
  void OnSkip(SkippedCategory category, std::string_view raw, std::string_view source,
              std::string_view tenant) override {
    if (keep_skipped_) {
      writer_.Write("skipped", SkippedCategoryName(category), raw, source, ServiceWallMicros(), 0,
                    tenant);
    }
  }

 private:
  DeadLetterWriter& writer_;
  bool keep_skipped_;
};

// Messages, records (accepted, rejected by reason, skipped by category), alerts, rate.
void PrintSummary(const PipelineStats& stats, double seconds, std::FILE* out);

// The dead-letter file of `config.dead_letter_path` (its counters in `stats`, its failure on
// GET /readyz) and, when `dead_letter.kafka` is set, its Kafka copy behind a sink worker.
// Throws std::runtime_error when either cannot be opened.
std::unique_ptr<DeadLetterWriter> OpenDeadLetters(const CompiledConfig& config,
                                                  PipelineStats& stats);

// After the input stopped: finishes the dead letter's second destination, then says on stderr how
// many rejected messages it could not keep (file writes that failed, Kafka deliveries given up,
// entries a size-cap rotation discarded with the previous <path>.1)
// and returns that number (the caller exits 1 when it is not 0, as for undelivered alerts).
uint64_t ReportDeadLettersLost(DeadLetterWriter& dead_letters, const PipelineStats& stats);

// After the input stopped: names on stderr each source whose input was not read to its end (a
// read failed: SourceStats::read_errors) and returns how many reads failed (the caller exits 1).
uint64_t ReportSourceReadErrors(const PipelineStats& stats);

}  // namespace privmon
