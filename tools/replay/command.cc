#include "tools/replay/command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "pipeline/tenant_id.h"
#include "tools/replay/input.h"
#include "tools/replay/pacer.h"
#include "tools/replay/progress.h"
#include "tools/replay/sender.h"

namespace privmon {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// The longest --linger (a day; ZeroMQ takes milliseconds in an int).
constexpr double kMaxLingerS = 86'400;

// How many SIGINT/SIGTERM came: one during the linger wait at the end ends it (ReplaySender).
std::atomic<int> g_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void OnStopSignal(int) {
  g_stop.store(true, std::memory_order_relaxed);
  g_signals.fetch_add(1, std::memory_order_relaxed);
}

// Installs SIGINT/SIGTERM handlers that set g_stop, and restores the previous ones on exit.
class ScopedStopSignals {
 public:
  ScopedStopSignals() {
    g_stop.store(false, std::memory_order_relaxed);
    g_signals.store(0, std::memory_order_relaxed);
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~ScopedStopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  ScopedStopSignals(const ScopedStopSignals&) = delete;
  ScopedStopSignals& operator=(const ScopedStopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// A command line replay cannot run: exit 2, as for every usage error. "error:" makes it one in
// JSON logs (app/json_log.h).
int UsageError(const std::string& message) {
  std::fprintf(stderr, "privmon replay: error: %s\n", message.c_str());
  return 2;
}

}  // namespace

// After the last send: waits up to --linger for the peer to take what ZeroMQ still holds and says
// what it cannot vouch for. 0, or 1 when the linger ran out with messages queued; a signal during
// the wait exits the process at once (130).
int FinishSending(ReplaySender& sender, const ReplayOptions& o, uint64_t sent) {
  const ReplaySender::Finished finished = sender.Finish(&g_signals);
  if (finished == ReplaySender::Finished::kInterrupted) {
    std::fprintf(stderr,
                 "privmon replay: interrupted while waiting for the peer at %s to take the last "
                 "messages: what ZeroMQ still held is discarded\n",
                 o.endpoint.c_str());
    std::fflush(stderr);
    std::_Exit(130);  // the sockets close on a detached thread: no destructor may run
  }
  if (finished == ReplaySender::Finished::kUnchecked && sent != 0) {
    std::fprintf(stderr,
                 "privmon replay: warning: --linger %g: what ZeroMQ still held at exit was "
                 "discarded unseen, so the peer may have received fewer than the %llu messages "
                 "sent (a linger under %g s cannot be told from the close's own time; give it a "
                 "few seconds to know)\n",
                 o.linger_s, static_cast<unsigned long long>(sent),
                 ReplaySender::kShortestCheckedLingerS);
  }
  if (finished == ReplaySender::Finished::kLingerRanOut) {
    std::fprintf(stderr,
                 "privmon replay: error: the peer at %s did not take every message within "
                 "--linger %g s: the last messages sent (up to --hwm %d per connection, and "
                 "what the sockets' buffers held) were discarded, not delivered. Is `privmon "
                 "run` stalled (a sink that stopped taking alerts holds its input) or stopped? "
                 "Raise --linger to wait longer\n",
                 o.endpoint.c_str(), o.linger_s, o.sndhwm);
    return 1;
  }
  return 0;
}

int RunReplay(const ReplayOptions& o) {
  if (o.files.empty()) return UsageError("no input FILE given (use - for stdin)");
  if (o.endpoint.empty()) return UsageError("--to ENDPOINT is required");
  if (o.rate < 0 || o.speedup < 0) return UsageError("--rate and --speedup must be positive");
  if (o.rate > 0 && o.speedup > 0) return UsageError("--rate and --speedup exclude each other");
  if (o.loop < 1) return UsageError("--loop must be at least 1");
  if (o.connections < 1) return UsageError("--connections must be at least 1");
  if (o.linger_s < 0 || o.linger_s > kMaxLingerS) {
    return UsageError("--linger must be between 0 and 86400 (seconds)");
  }
  if (!o.tenant.empty() && !IsTenantId(o.tenant)) {
    return UsageError("--tenant \"" + o.tenant +
                      "\" is not a tenant id: " + std::string(kTenantIdHint));
  }

  ScopedStopSignals signals;
  std::string error;
  std::unique_ptr<ReplayInput> input = ReplayInput::Open(o.files, o.loop, o.max_memory, &error);
  // A missing, unreadable or directory input is a usage error (exit 2, as `scan` and README say:
  // breaker round 34); a read that fails later, mid-replay, exits 1.
  if (!input) return UsageError(error);
  const bool live = !o.quiet && ::isatty(STDERR_FILENO);
  ReplayProgress progress(live, input->total_lines());
  bool interrupted = false;
  std::unique_ptr<ReplaySender> connected;
  try {
    connected = std::make_unique<ReplaySender>(o.endpoint, o.connections, o.sndhwm, o.linger_s,
                                               o.tenant, &g_stop);
  } catch (const zmq::error_t& e) {
    // ZeroMQ refuses the address itself (no such transport, no port): a usage error.
    if (e.num() != EINVAL && e.num() != EPROTONOSUPPORT && e.num() != ENOCOMPATPROTO) throw;
    return UsageError("--to " + o.endpoint + " is not an endpoint to connect to (" + e.what() +
                      "): expected tcp://host:port or ipc://path");
  }
  try {
    ReplaySender& sender = *connected;
    ReplayPacer pacer(o.rate, o.speedup, &g_stop);
    const auto wait_start = ReplayProgress::Clock::now();
    bool warned = false, gave_up = false, peer_left = false;
    auto last_sent = wait_start;
    auto on_wait = [&] {
      progress.MaybeDraw();
      if (progress.messages() > 0) {
        // A peer that took messages and then stopped (privmon stopped mid-replay): a send blocked
        // this long fails instead of hanging (breaker round 34: replay waited forever).
        const auto blocked = ReplayProgress::Clock::now() - last_sent;
        if (o.peer_wait_s > 0 && blocked > std::chrono::duration<double>(o.peer_wait_s)) {
          peer_left = true;
          g_stop.store(true, std::memory_order_relaxed);
        }
        return;
      }
      const auto waited = ReplayProgress::Clock::now() - wait_start;
      if (!warned && waited > std::chrono::seconds(5)) {
        warned = true;
        std::fprintf(stderr, "privmon replay: warning: still waiting for a peer at %s\n",
                     o.endpoint.c_str());
      }
      // Nothing listening (a typo, privmon not started): fail instead of waiting forever.
      if (o.peer_wait_s > 0 && waited > std::chrono::duration<double>(o.peer_wait_s)) {
        gave_up = true;
        g_stop.store(true, std::memory_order_relaxed);
      }
    };
    int loop = -1;
    // Messages above what a `run` with the default max_message_bytes takes from a ZeroMQ peer
    // (max(1 MiB, 4 x 4 MiB): libzmq disconnects the peer and the message is lost uncounted,
    // docs/operations.md): sent, and said at the end.
    constexpr std::size_t kDefaultRunMaxZmqMessage = 16u << 20;
    uint64_t above_default_run = 0;
    while (std::optional<std::string_view> line = input->Next()) {
      if (input->loop() != loop) {
        loop = input->loop();
        pacer.StartLoop();
      }
      if (!pacer.WaitTurn(*line) || !sender.Send(*line, on_wait, input->LastViewOutlivesNext()))
        break;
      progress.Count(line->size());
      if (line->size() > kDefaultRunMaxZmqMessage) ++above_default_run;
      last_sent = ReplayProgress::Clock::now();
    }
    if (peer_left) {
      progress.PrintSummary(true);
      std::fprintf(stderr,
                   "privmon replay: error: the peer at %s took no message for %g s after taking "
                   "%llu (did `privmon run` stop? --peer-wait 0 waits forever)\n",
                   o.endpoint.c_str(), o.peer_wait_s,
                   static_cast<unsigned long long>(progress.messages()));
      return 1;
    }
    if (gave_up) {
      std::fprintf(stderr,
                   "privmon replay: error: no peer took a message at %s within %g s (is `privmon "
                   "run` listening there? --peer-wait 0 waits forever)\n",
                   o.endpoint.c_str(), o.peer_wait_s);
      return 1;
    }
    interrupted = g_stop.load(std::memory_order_relaxed);
    if (!input->error().empty()) {
      progress.PrintSummary(interrupted);
      std::fprintf(stderr, "privmon replay: error: %s\n", input->error().c_str());
      return 1;
    }
    progress.PrintSummary(interrupted);
    if (above_default_run != 0) {
      std::fprintf(stderr,
                   "privmon replay: warning: %llu message(s) above 16 MiB sent: a `privmon run` "
                   "takes a ZeroMQ message of at most max(1 MiB, 4 x max_message_bytes) and "
                   "drops a larger one unseen (its peer disconnected); raise its "
                   "max_message_bytes to receive them\n",
                   static_cast<unsigned long long>(above_default_run));
    }
    if (input->cut_messages() != 0) {
      // Never a silent cut (breaker round 80): what `run` receives of them is not what scan reads.
      std::fprintf(stderr,
                   "privmon replay: error: %llu value(s) longer than 4 MiB (pretty-printed over "
                   "lines, an array's element, or a line of UTF-16 text) were sent cut to their "
                   "first bytes: `run` rejects each (oversized, or invalid_json beyond its "
                   "max_message_bytes); send such a file as UTF-8 NDJSON, one value per line, "
                   "to have them sent whole\n",
                   static_cast<unsigned long long>(input->cut_messages()));
      return 1;
    }
    // Waits up to --linger for the messages still queued to be taken by the peer.
    if (const int code = FinishSending(sender, o, progress.messages()); code != 0) return code;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) {  // Ctrl-C during a blocked send: stopped, as between two sends
      progress.PrintSummary(true);
      // The same wait for what is queued, and what it says (breaker round 143: the destructor
      // waited out the whole linger, deaf to a second Ctrl-C, and exited 0 over a loss).
      return FinishSending(*connected, o, progress.messages());
    }
    progress.PrintSummary(interrupted);
    std::fprintf(stderr, "privmon replay: ZeroMQ error on %s: %s\n", o.endpoint.c_str(), e.what());
    return 1;
  }
  return 0;
}

// CLI11's PositiveNumber says "Value 0 not in range 0.000000 to 1.797693e+308" for 0, a range
// that holds 0 (breaker round 59): these say what is asked.
const CLI::Validator kAboveZero(
    [](const std::string& v) {
      double d = 0;
      return CLI::detail::lexical_cast(v, d) && d > 0 ? std::string()
                                                      : "must be a number above 0, not " + v;
    },
    "NUMBER > 0");
const CLI::Validator kAtLeastOne(
    [](const std::string& v) {
      long long n = 0;
      return CLI::detail::lexical_cast(v, n) && n >= 1
                 ? std::string()
                 : "must be a whole number of at least 1, not " + v;
    },
    "INT >= 1");

void RegisterReplayCommand(CLI::App& root, int* exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* sub = root.add_subcommand(
      "replay", "Send recorded NDJSON lines to a ZeroMQ endpoint (PUSH), for load tests");
  sub->add_option("files", options->files, "NDJSON files, - for stdin")->required();
  sub->add_option("--to", options->endpoint,
                  "ZeroMQ endpoint to connect, e.g. tcp://127.0.0.1:5556")
      ->required();
  auto* rate = sub->add_option("--rate", options->rate, "Messages per second")->check(kAboveZero);
  sub->add_option("--speedup", options->speedup,
                  "Keep the recorded event-time spacing, X times faster")
      ->check(kAboveZero)
      ->excludes(rate);
  sub->add_option("--loop", options->loop, "Replay the input K times")->check(kAtLeastOne);
  sub->add_option("--connections", options->connections,
                  "PUSH sockets, used round-robin (records then arrive out of the file's order: "
                  "alerts may differ from scan's; keep 1 for scan's verdicts)")
      ->check(kAtLeastOne);
  sub->add_option("--tenant", options->tenant, "Send [tenant, payload] two-frame messages")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.empty() ? std::string("an empty tenant id names no tenant") : std::string();
          },
          "TENANT"));
  sub->add_flag("--quiet,-q", options->quiet, "No live progress line");
  sub->add_option("--linger", options->linger_s,
                  "Seconds to wait at exit for queued messages to be delivered")
      ->capture_default_str()
      ->check(CLI::Range(0.0, kMaxLingerS));
  sub->add_option("--peer-wait", options->peer_wait_s,
                  "Seconds to wait for a peer to take the first message before failing (0: "
                  "forever)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--hwm", options->sndhwm, "Send high-water mark per socket (messages)")
      ->capture_default_str()
      ->check(kAtLeastOne);
  sub->callback([options, exit_code] { *exit_code = RunReplay(*options); });
}

}  // namespace privmon
