// The one rig for tests that run the real privmon binary or other real processes: spawn and reap
// them, capture their output, find free loopback ports, scrape /metrics with a plain socket and
// wait (bounded) for a process to reach a state. Compiled once into privmon_test_support; test
// threads only; every wait has a deadline so a broken process fails a test instead of hanging it.
#pragma once

#include <signal.h>  // the signals Child::Stop sends
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace privmon::testing {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

// --- files -------------------------------------------------------------------------------------
std::string ReadFile(const std::string& path);  // whole file, "" when unreadable
// Writes `text` as the whole file at `path` (created or truncated); false when it cannot.
bool WriteFile(const std::string& path, const std::string& text);
// A fresh directory /tmp/privmon-<tag>-XXXXXX.
std::string TempDir(const std::string& tag);

// Removes a test's temporary directory when the test passed (unless PRIVMON_TEST_KEEP_DIRS is
// set); keeps it for post-mortems otherwise.
// Declared before the processes that write into it, so it is destroyed after they are reaped.
class TempDirCleanup {
 public:
  explicit TempDirCleanup(std::string dir) : dir_(std::move(dir)) {}
  ~TempDirCleanup();
  TempDirCleanup(const TempDirCleanup&) = delete;
  TempDirCleanup& operator=(const TempDirCleanup&) = delete;

 private:
  std::string dir_;
};

// --- processes ---------------------------------------------------------------------------------
// Spawns args[0] with the arguments; stdout/stderr to the given files (empty = inherit).
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path = "",
            const std::string& err_path = "");
// Waits for the process; its exit code, -signal when killed, nullopt on timeout.
std::optional<int> WaitExit(pid_t pid, std::chrono::seconds timeout);
// Spawn + WaitExit(120 s); a process still running then is killed and -999 returned.
int RunToExit(const std::vector<std::string>& args, const std::string& out = "",
              const std::string& err = "");

struct CommandResult {
  int code = -1;  // exit code, -signal when killed
  std::string out, err;
};
// Runs argv to its end with stdout and stderr captured (drained together: neither pipe can fill).
CommandResult RunCapture(const std::vector<std::string>& argv);
// `privmon <args>` (the binary under test), captured.
CommandResult Privmon(std::vector<std::string> args);

// A spawned process that is killed and reaped when the test ends, pass or fail.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool Alive();
  // Sends `sig` and waits: exit code (-signal when killed), nullopt on timeout.
  std::optional<int> Stop(int sig, std::chrono::seconds timeout);
  std::optional<int> Wait(std::chrono::seconds timeout);

 private:
  pid_t pid_;
};

// --- network and metrics -----------------------------------------------------------------------
int FreeTcpPort();
// HTTP/1.0 GET on 127.0.0.1:port; the body of a 200 answer, or nullopt.
std::optional<std::string> HttpGetBody(int port, const std::string& path);
// Sum of every sample of `name` whose label set contains `label_filter` (may be empty).
double MetricSum(const std::string& text, const std::string& name,
                 const std::string& label_filter = "");

// A Kafka-fed privmon has caught up: `partitions` partitions assigned, a lag series reported and
// every lag 0, at least `received` Kafka messages read.
bool KafkaCaughtUp(const std::string& metrics, int partitions, double received);

// --- alerts ------------------------------------------------------------------------------------
// (alert_id, is an update line) of every alert line of privmon's native output (a sink file or
// scan's stdout); other lines are ignored.
using AlertIdSet = std::set<std::pair<std::string, bool>>;
AlertIdSet AlertIds(const std::string& text);

// --- privmon runs over a file, with checkpoints -----------------------------------------------
// Writes <dir>/<name>.yaml: one file source <dir>/in.ndjson (followed or read to its end), a file
// sink `alerts`, checkpoints in <dir>/cp every second, 2 shards, dead letters off, metrics on
// `metrics_listen` ("off" or "127.0.0.1:PORT"), then `extra` YAML. Returns the config's path.
std::string WriteFileRunConfig(const std::string& dir, const std::string& name, bool follow,
                               const std::string& alerts, const std::string& metrics_listen = "off",
                               const std::string& extra = "");
// The first file source's byte offset in the newest checkpoint of `cp_dir` (-1: none yet).
int64_t CheckpointFileOffset(const std::string& cp_dir);

// `privmon gen -q -o <out> <gen_args>` (the test binary's privmon): its exit status.
int GenInput(const std::string& out, const std::vector<std::string>& gen_args);

struct GeneratedRun {
  std::string tenants;  // the `tenants:` section `privmon gen --config-out` wrote, after `defaults`
  std::string scan_text;  // what `privmon scan` printed over the whole file: the reference alerts
};
// `privmon gen <gen_args>` into <dir>/all.ndjson with its tenants' config, then `privmon scan` of
// that file under `defaults` + those tenants: the reference every run with restarts must match.
// Adds a test failure and returns nullopt when either command fails.
std::optional<GeneratedRun> GenerateAndScan(const std::string& dir,
                                            const std::vector<std::string>& gen_args,
                                            const std::string& defaults = "");

// --- waiting -----------------------------------------------------------------------------------
// Calls done() every `every` until it holds (true) or `timeout` passes (done()'s last answer).
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every = 100ms);
// Scrapes `child`'s /metrics on `port` every `every` until done(text) holds: that text, or nullopt
// when the child exits or `timeout` passes first.
std::optional<std::string> WaitForMetrics(Child& child, int port,
                                          const std::function<bool(const std::string&)>& done,
                                          std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds every = 200ms);
// Waits until `child` answers /readyz on `port` (false when it exits or `timeout` passes).
bool WaitReady(Child& child, int port, std::chrono::milliseconds timeout = 30s);

}  // namespace privmon::testing
