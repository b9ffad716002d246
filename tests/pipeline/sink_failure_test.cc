// Sinks that fail under a real privmon process: `scan` into a full disk exits 1 and says so; a
// `run` whose stdout nobody reads keeps the file sink complete, shows the stuck queue in
// /metrics, and exits on SIGTERM within the configured drain timeout, counting what it lost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <zmq.hpp>

#include "tests/metrics/http_get.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kSinkFailureBinary = PRIVMON_BINARY;
const std::string kSinkFailureStream =
    std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/stream.ndjson";

std::size_t Lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(SinkFailure, ScanIntoAFullDiskExitsNonZeroAndSaysHowManyAlertsWereLost) {
  const std::string dir = TempDir("scanfull");
  TempDirCleanup cleanup(dir);
  const int code = RunToExit({kSinkFailureBinary, "scan", "--quiet", kSinkFailureStream},
                             "/dev/full", dir + "/err");
  EXPECT_EQ(code, 1) << ReadFile(dir + "/err");
  EXPECT_NE(ReadFile(dir + "/err").find("not delivered"), std::string::npos)
      << ReadFile(dir + "/err");
  // The same scan into a file succeeds: the failure above is the disk's.
  EXPECT_EQ(RunToExit({kSinkFailureBinary, "scan", "--quiet", kSinkFailureStream}, dir + "/out",
                      dir + "/err2"),
            0);
  EXPECT_GT(Lines(ReadFile(dir + "/out")), 0u);
}

// The dead letter is an output too: rejected messages it could not keep (a full disk) make scan
// exit 1 saying how many, as undelivered alerts do; it exited 0.
TEST(SinkFailure, ScanWithTheDeadLetterOnAFullDiskExitsNonZeroAndSaysHowManyRejectsWereLost) {
  const std::string dir = TempDir("dlfull");
  TempDirCleanup cleanup(dir);
  {
    std::ofstream(dir + "/bad.ndjson") << "not json\n{\"a\":1}\n[1]\n";
    std::ofstream(dir + "/cfg.yaml") << "dead_letter: {path: /dev/full}\n";
  }
  const int code = RunToExit(
      {kSinkFailureBinary, "scan", "--quiet", "--config", dir + "/cfg.yaml", dir + "/bad.ndjson"},
      dir + "/out", dir + "/err");
  const std::string err = ReadFile(dir + "/err");
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("3 rejected message(s) NOT kept"), std::string::npos) << err;
}

// An input is an output's twin: a source whose read fails before its end (here EIO: reading
// /proc/self/mem at address 0) was logged and the scan exited 0 as if the input had been read.
// It exits 1 naming the source (privmon_source_read_errors_total), with one parse thread and with
// the file fanned out to two (the first lane answers for the source: counted once).
TEST(SinkFailure, ScanOfASourceWhoseReadFailsExitsNonZeroNamingTheSource) {
  const std::string dir = TempDir("readfail");
  TempDirCleanup cleanup(dir);
  for (const int parse_threads : {1, 2}) {
    std::ofstream(dir + "/cfg.yaml")
        << "pipeline: {parse_threads: " << parse_threads << "}\nmetrics: {listen: off}\n";
    const int code =
        RunToExit({kSinkFailureBinary, "scan", "--quiet", "--config", dir + "/cfg.yaml", "--tenant",
                   "00000000-0000-4000-8000-00000000beef", "/proc/self/mem"},
                  dir + "/out", dir + "/err");
    const std::string err = ReadFile(dir + "/err");
    EXPECT_EQ(code, 1) << err;
    EXPECT_NE(err.find("Input/output error after byte 0"), std::string::npos) << err;
    EXPECT_NE(err.find("source file was NOT read to its end"), std::string::npos) << err;
  }
  // The same scan of a file read to its end exits 0.
  EXPECT_EQ(RunToExit({kSinkFailureBinary, "scan", "--quiet", kSinkFailureStream}, dir + "/out",
                      dir + "/err2"),
            0)
      << ReadFile(dir + "/err2");
}

TEST(SinkFailure, AStuckStdoutDoesNotCostTheFileSinkAnAlertNorHangSigterm) {
  const std::string dir = TempDir("stuck");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(RunToExit({kSinkFailureBinary, "scan", "--quiet", kSinkFailureStream},
                      dir + "/scan.jsonl", dir + "/scan.err"),
            0);
  const std::size_t expected = Lines(ReadFile(dir + "/scan.jsonl"));
  ASSERT_GT(expected, 0u);

  const std::string fifo = dir + "/stdout.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // held open, never read
  ASSERT_GE(reader, 0);
  fcntl(reader, F_SETPIPE_SZ, 4096);
  const int ingest = FreeTcpPort(), metrics = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2, sink_drain_timeout: 1s}\n"
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest << "\", bind: true}}]\n"
      << "sinks: [{stdout: {}}, {file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child run(
      Spawn({kSinkFailureBinary, "run", "--config", dir + "/config.yaml"}, fifo, dir + "/stderr"));
  for (int i = 0; i < 250 && !HttpGetBody(metrics, "/metrics"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(RunToExit({kSinkFailureBinary, "replay", kSinkFailureStream, "--to",
                       "tcp://127.0.0.1:" + std::to_string(ingest), "--quiet"},
                      dir + "/replay.out", dir + "/replay.err"),
            0);
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text = HttpGetBody(metrics, "/metrics").value_or("");
    if (MetricSum(text, "privmon_alerts_written_total", "sink=\"file\"") >=
        static_cast<double>(expected)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(MetricSum(text, "privmon_alerts_written_total", "sink=\"file\""), expected);
  EXPECT_GT(MetricSum(text, "privmon_sink_queue_bytes", "sink=\"stdout\""), 0) << text;
  EXPECT_LT(MetricSum(text, "privmon_alerts_written_total", "sink=\"stdout\""), expected);

  const auto start = std::chrono::steady_clock::now();
  const auto code = run.Stop(SIGTERM, std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "SIGTERM hung on the stuck stdout";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_EQ(*code, 1);  // alerts were lost: the exit code says so
  const std::string err = ReadFile(dir + "/stderr");
  EXPECT_NE(err.find("sink stdout: "), std::string::npos) << err;
  EXPECT_NE(err.find("NOT delivered"), std::string::npos) << err;
  EXPECT_EQ(Lines(ReadFile(dir + "/alerts.jsonl")), expected);
  close(reader);
}

// Breaker round 137: with checkpoints on, a periodic checkpoint waits (up to 30 s) for the sinks
// to flush the alerts before its cut; a SIGTERM sent meanwhile waited too, and a second one did
// not exit at once. Now the wait gives way to the signal, and a second signal during the drain
// of a stuck sink exits 130 at once. (Bounds only catch the old 30 s waits.)
TEST(SinkFailure, SigtermIsHandledAtOnceWhileACheckpointWaitsForAStuckSink) {
  const std::string dir = TempDir("stuck-ck");
  TempDirCleanup cleanup(dir);
  const std::string fifo = dir + "/stdout.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // held open, never read
  ASSERT_GE(reader, 0);
  fcntl(reader, F_SETPIPE_SZ, 4096);
  const int ingest = FreeTcpPort(), metrics = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2, sink_drain_timeout: 60s}\n"
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest << "\", bind: true}}]\n"
      << "sinks: [{stdout: {}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "checkpoint: {dir: \"" << dir << "/ck\", interval: 1s}\n";
  Child run(
      Spawn({kSinkFailureBinary, "run", "--config", dir + "/config.yaml"}, fifo, dir + "/stderr"));
  for (int i = 0; i < 250 && !HttpGetBody(metrics, "/metrics"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(RunToExit({kSinkFailureBinary, "replay", kSinkFailureStream, "--to",
                       "tcp://127.0.0.1:" + std::to_string(ingest), "--quiet"},
                      dir + "/replay.out", dir + "/replay.err"),
            0);
  // The stdout sink is stuck with alerts queued: the next periodic checkpoint waits for it.
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text = HttpGetBody(metrics, "/metrics").value_or("");
    if (MetricSum(text, "privmon_sink_queue_bytes", "sink=\"stdout\"") > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(MetricSum(text, "privmon_sink_queue_bytes", "sink=\"stdout\""), 0) << text;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a checkpoint is due, waiting
  ASSERT_EQ(kill(run.pid(), SIGTERM), 0);
  std::string err;
  for (int i = 0; i < 500 && err.find("SIGTERM received") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    err = ReadFile(dir + "/stderr");
  }
  EXPECT_NE(err.find("SIGTERM received"), std::string::npos) << "not handled within 10 s\n" << err;
  // The second signal, past the 500 ms in which a repeat counts as the first's echo (`timeout`
  // signals the process and then its group).
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const auto code = run.Stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value()) << "a second SIGTERM did not exit at once\n"
                                << ReadFile(dir + "/stderr");
  EXPECT_EQ(*code, 130);
  close(reader);
}

// Breaker round 141: a sink stalled long enough for its queue and the shard's alert queue to fill
// blocks the shard inside a record (waiting for room for its alert), so a periodic checkpoint's
// cut, which waits for every shard to save, waited for ever on the control thread: a SIGTERM went
// unread until SIGKILL. The cut's wait now takes the signal, and the stop it starts (the stuck
// sink dropped after sink_drain_timeout) ends it. (Bounds only catch the hang.)
TEST(SinkFailure, SigtermIsHandledWhileACheckpointCutWaitsForAShardBlockedOnAStalledSink) {
  const std::string dir = TempDir("cut-stall");
  TempDirCleanup cleanup(dir);
  const std::string fifo = dir + "/alerts.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // held open, never read
  ASSERT_GE(reader, 0);
  fcntl(reader, F_SETPIPE_SZ, 4096);
  // Every sign-in of the break-glass account is an alert (no suppression): 6,000 alerts, more than
  // the sink's 4 MiB queue and the shard's alert queue of 64 hold.
  std::string input;
  for (int n = 0; n < 6000; ++n) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-11-03T%02d:%02d:%02dZ", n / 3600, n / 60 % 60, n % 60);
    input += std::string(R"({"time":")") + time +
             R"(","category":"SignInLogs","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",)" +
             R"("resultType":"0","properties":{"id":"cut-stall-)" + std::to_string(n) +
             R"(","createdDateTime":")" + time +
             R"(","userPrincipalName":"bg@northwind.example","userId":"id-bg",)" +
             R"("status":{"errorCode":0},"clientAppUsed":"Browser"}})" + "\n";
  }
  std::ofstream(dir + "/input.ndjson") << input;
  const int ingest = FreeTcpPort(), metrics = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 1, alert_queue_capacity: 64, sink_drain_timeout: 2s, "
         "tenant_silence_alert: \"off\"}\n"
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest << "\", bind: true}}]\n"
      << "sinks: [{file: {path: \"" << fifo << "\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n"
      << "checkpoint: {dir: \"" << dir << "/ck\", interval: 1s}\n"
      << "tenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n"
      << "    break_glass: [bg@northwind.example]\n"
      << "    rules: {PRIV-BG-01: {suppress: 0}}\n";
  Child run(Spawn({kSinkFailureBinary, "run", "--config", dir + "/config.yaml"}, dir + "/stdout",
                  dir + "/stderr"));
  for (int i = 0; i < 250 && !HttpGetBody(metrics, "/metrics"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Replay runs on: `run` stops taking messages once the shard is blocked (replay then fails).
  Child replay(Spawn({kSinkFailureBinary, "replay", dir + "/input.ndjson", "--to",
                      "tcp://127.0.0.1:" + std::to_string(ingest), "--quiet"},
                     dir + "/replay.out", dir + "/replay.err"));
  // The sink is stuck with its queue full; the shard waits for room; a checkpoint is due.
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text = HttpGetBody(metrics, "/metrics").value_or("");
    if (MetricSum(text, "privmon_sink_queue_bytes", "sink=\"file\"") > 3'000'000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(MetricSum(text, "privmon_sink_queue_bytes", "sink=\"file\""), 3'000'000) << text;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(kill(run.pid(), SIGTERM), 0);
  std::string err;
  for (int i = 0; i < 500 && err.find("SIGTERM received") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    err = ReadFile(dir + "/stderr");
  }
  EXPECT_NE(err.find("SIGTERM received"), std::string::npos) << "not handled within 10 s\n" << err;
  // One signal is a whole stop: the stuck sink's alerts are dropped after sink_drain_timeout and
  // counted, the final checkpoint refused after them, exit 1.
  const auto code = run.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "the stop did not end\n" << ReadFile(dir + "/stderr");
  EXPECT_EQ(*code, 1) << ReadFile(dir + "/stderr");
  EXPECT_NE(ReadFile(dir + "/stderr").find("NOT delivered"), std::string::npos);
  (void)replay.Stop(SIGKILL, std::chrono::seconds(10));
  close(reader);
}

// Breaker round 137: `timeout` sends its SIGTERM to privmon and then to its process group: two
// signals at once. The second was taken for an operator's second signal (exit 130 without
// draining). A repeat within 500 ms is the first's echo: the stop drains, exit 0.
TEST(SinkFailure, TwoSigtermsAtOnceAreOneStop) {
  const std::string dir = TempDir("echo");
  TempDirCleanup cleanup(dir);
  const int ingest = FreeTcpPort(), metrics = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest << "\", bind: true}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child run(Spawn({kSinkFailureBinary, "run", "--config", dir + "/config.yaml"}, dir + "/stdout",
                  dir + "/stderr"));
  for (int i = 0; i < 250 && !HttpGetBody(metrics, "/metrics"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(kill(run.pid(), SIGTERM), 0);
  const auto code = run.Stop(SIGTERM, std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << ReadFile(dir + "/stderr");
  EXPECT_EQ(ReadFile(dir + "/stderr").find("second signal"), std::string::npos);
}

// Breaker round 80: the directory of the alert file and of the dead letter is removed while `run`
// runs. The next alerts went into the unlinked inode and were counted written, the rejects
// counted kept, /readyz stayed 200 and run exited 0. Now the sink's writes fail (the path cannot
// be recreated): sink errors, /readyz 503 naming the sink, the alert NOT delivered at the end,
// the rejects counted as NOT kept, exit 1.
TEST(SinkFailure, AnAlertFileAndDeadLetterRemovedUnderRunFailLoudlyAndExitNonZero) {
  const std::string dir = TempDir("filegone");
  TempDirCleanup cleanup(dir);
  const std::string out = dir + "/out";
  ASSERT_TRUE(std::filesystem::create_directory(out));
  const std::string data = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/";
  const int ingest = FreeTcpPort(), metrics = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(ingest);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {allowed_lateness: 5m, tenant_silence_alert: off, sink_drain_timeout: 1s}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true, tenant: "
      << "\"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\"}}]\n"
      << "sinks: [{file: {path: \"" << out << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics << "\"}\n"
      << "dead_letter: {path: \"" << out << "/rejected.ndjson\"}\n"
      << "tenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n    name: Northwind\n"
      << "    break_glass: [bg-03@northwind.example, bg-05@northwind.example]\n";
  std::ofstream(dir + "/bad.ndjson") << "not json 1\nnot json 2\n";
  Child run(Spawn({kSinkFailureBinary, "run", "--config", dir + "/config.yaml"}, dir + "/stdout",
                  dir + "/stderr"));
  ASSERT_TRUE(WaitReady(run, metrics, 30s)) << ReadFile(dir + "/stderr");
  auto replay = [&](const std::string& file) {
    return RunToExit({kSinkFailureBinary, "replay", file, "--to", endpoint, "--quiet"},
                     dir + "/replay.out", dir + "/replay.err");
  };
  auto metric = [&](const char* name, const char* labels) {
    return MetricSum(HttpGetBody(metrics, "/metrics").value_or(""), name, labels);
  };
  ASSERT_EQ(replay(data + "breakglass_signin_a.ndjson"), 0);
  ASSERT_TRUE(PollUntil(
      [&] { return metric("privmon_alerts_written_total", "sink=\"file\"") == 1; }, 30s, 20ms))
      << ReadFile(dir + "/stderr");
  EXPECT_EQ(Lines(ReadFile(out + "/alerts.jsonl")), 1u);

  std::filesystem::remove_all(out);
  // The dead letter looks at its path at most once a second: the rejects come after that.
  std::this_thread::sleep_for(1100ms);
  ASSERT_EQ(replay(data + "breakglass_signin_b.ndjson"), 0);
  ASSERT_EQ(replay(dir + "/bad.ndjson"), 0);
  ASSERT_TRUE(PollUntil(
      [&] {
        return metric("privmon_sink_errors_total", "sink=\"file\"") >= 1 &&
               metric("privmon_dead_letter_write_failures_total", "") >= 2;
      },
      30s, 20ms))
      << HttpGetBody(metrics, "/metrics").value_or("") << ReadFile(dir + "/stderr");
  EXPECT_EQ(metric("privmon_alerts_written_total", "sink=\"file\""), 1);
  const HttpResponse ready = HttpGet(metrics, "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("sink file: last write failed"), std::string::npos) << ready.body;
  // Session 44: rejected messages not kept fail readiness too (before, only the alert sinks did).
  EXPECT_NE(ready.body.find("dead letter: last write failed"), std::string::npos) << ready.body;

  const auto code = run.Stop(SIGTERM, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  const std::string err = ReadFile(dir + "/stderr");
  EXPECT_NE(err.find("sink file: '" + out + "/alerts.jsonl' was deleted under it"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("NOT delivered"), std::string::npos) << err;
  EXPECT_NE(err.find("dead letter: '" + out + "/rejected.ndjson' was deleted under it"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("2 rejected message(s) NOT kept"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace privmon::testing
