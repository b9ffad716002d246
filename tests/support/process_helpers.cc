#include "tests/support/process_helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace privmon::testing {
namespace {

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return static_cast<bool>(out.flush());
}

std::string TempDir(const std::string& tag) {
  std::string pattern = "/tmp/privmon-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
    return "/tmp";
  }
  return pattern;
}

TempDirCleanup::~TempDirCleanup() {
  // PRIVMON_TEST_KEEP_DIRS set: kept after a pass too (to compare a passing run's files).
  if (!::testing::Test::HasFailure() && std::getenv("PRIVMON_TEST_KEEP_DIRS") == nullptr)
    std::filesystem::remove_all(dir_);
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!out_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  }
  if (!err_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  }
  std::vector<char*> argv = Argv(args);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::optional<int> WaitExit(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return ExitCode(status);
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

int RunToExit(const std::vector<std::string>& args, const std::string& out,
              const std::string& err) {
  const pid_t pid = Spawn(args, out, err);
  if (pid <= 0) return -999;
  auto code = WaitExit(pid, std::chrono::seconds(120));
  if (!code) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -999;
  }
  return *code;
}

CommandResult RunCapture(const std::vector<std::string>& argv) {
  CommandResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0) return r;
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]), close(out_pipe[1]);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  std::vector<char*> args = Argv(argv);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]), close(err_pipe[1]);
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  if (spawned != 0) return r;
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = ExitCode(status);
  return r;
}

CommandResult Privmon(std::vector<std::string> args) {
  args.insert(args.begin(), PRIVMON_BINARY);
  return RunCapture(args);
}

Child::~Child() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

bool Child::Alive() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

std::optional<int> Child::Stop(int sig, std::chrono::seconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, sig);
  return Wait(timeout);
}

std::optional<int> Child::Wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  auto code = WaitExit(pid_, timeout);
  if (code) pid_ = -1;
  return code;
}

int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::optional<std::string> HttpGetBody(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval timeout{10, 0};  // a process that accepts and never answers fails the test, not hangs it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return std::nullopt;
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string resp;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  close(fd);
  if (resp.compare(0, 12, "HTTP/1.1 200") != 0 && resp.compare(0, 12, "HTTP/1.0 200") != 0) {
    return std::nullopt;
  }
  const auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : resp.substr(body + 4);
}

double MetricSum(const std::string& text, const std::string& name,
                 const std::string& label_filter) {
  std::istringstream in(text);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : ' ';
    if (next != '{' && next != ' ') continue;
    if (!label_filter.empty() && line.find(label_filter) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

std::string WriteFileRunConfig(const std::string& dir, const std::string& name, bool follow,
                               const std::string& alerts, const std::string& metrics_listen,
                               const std::string& extra) {
  const std::string path = dir + "/" + name + ".yaml";
  std::ofstream(path) << "sources:\n  - file: {path: \"" << dir
                      << "/in.ndjson\", follow: " << (follow ? "true" : "false")
                      << "}\nsinks:\n  - file: {path: \"" << alerts << "\"}\nmetrics: {listen: \""
                      << metrics_listen << "\"}\ndead_letter: {path: off}\npipeline: {shards: 2}\n"
                      << "checkpoint: {dir: \"" << dir << "/cp\", interval: 1s}\n"
                      << extra;
  return path;
}

int64_t CheckpointFileOffset(const std::string& cp_dir) {
  std::string newest;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(cp_dir, ec)) {
    const std::string name = f.path().filename().string();
    // ".tmp-checkpoint-*.pmck" is one being written: it may never be renamed into place.
    if (name.starts_with("checkpoint-") && name.ends_with(".pmck") && name > newest) newest = name;
  }
  if (newest.empty()) return -1;
  const std::string bytes = ReadFile(cp_dir + "/" + newest);
  // magic 8, format, layout, partitions, shards (4 each), sequence, written (8 each), sources 4,
  // then the first source {u32 name length, name, i64 offset} (docs/operations.md section 5).
  constexpr std::size_t kSources = 8 + 4 * 4 + 8 + 8;
  if (bytes.size() < kSources + 8) return -1;
  uint32_t count = 0, len = 0;
  std::memcpy(&count, bytes.data() + kSources, 4);
  std::memcpy(&len, bytes.data() + kSources + 4, 4);
  if (count == 0 || bytes.size() < kSources + 8 + len + 8) return -1;
  int64_t offset = 0;
  std::memcpy(&offset, bytes.data() + kSources + 8 + len, 8);
  return offset;
}

int GenInput(const std::string& out, const std::vector<std::string>& gen_args) {
  std::vector<std::string> gen = {PRIVMON_BINARY, "gen", "-q", "-o", out};
  gen.insert(gen.end(), gen_args.begin(), gen_args.end());
  return RunToExit(gen);
}

std::optional<GeneratedRun> GenerateAndScan(const std::string& dir,
                                            const std::vector<std::string>& gen_args,
                                            const std::string& defaults) {
  std::vector<std::string> gen = {"--config-out", dir + "/tenants.yaml"};
  gen.insert(gen.end(), gen_args.begin(), gen_args.end());
  if (const int code = GenInput(dir + "/all.ndjson", gen); code != 0) {
    ADD_FAILURE() << "privmon gen exited " << code;
    return std::nullopt;
  }
  GeneratedRun run;
  const std::string tenants_text = ReadFile(dir + "/tenants.yaml");
  const std::size_t at = tenants_text.find("tenants:");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no tenants: section in " << dir << "/tenants.yaml";
    return std::nullopt;
  }
  run.tenants = defaults + tenants_text.substr(at);
  std::ofstream(dir + "/scan.yaml") << run.tenants;
  const int code =
      RunToExit({PRIVMON_BINARY, "scan", "-q", "-c", dir + "/scan.yaml", dir + "/all.ndjson"},
                dir + "/scan.out", dir + "/scan.err");
  if (code != 0) {
    ADD_FAILURE() << "privmon scan exited " << code << ": " << ReadFile(dir + "/scan.err");
    return std::nullopt;
  }
  run.scan_text = ReadFile(dir + "/scan.out");
  return run;
}

bool KafkaCaughtUp(const std::string& metrics, int partitions, double received) {
  return MetricSum(metrics, "privmon_kafka_assigned_partitions") == partitions &&
         metrics.find("privmon_kafka_consumer_lag_messages{") != std::string::npos &&
         MetricSum(metrics, "privmon_kafka_consumer_lag_messages") == 0 &&
         MetricSum(metrics, "privmon_messages_received_total", "source=\"kafka\"") >= received;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

std::optional<std::string> WaitForMetrics(Child& child, int port,
                                          const std::function<bool(const std::string&)>& done,
                                          std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && child.Alive()) {
    std::this_thread::sleep_for(every);
    const std::optional<std::string> text = HttpGetBody(port, "/metrics");
    if (text && done(*text)) return text;
  }
  return std::nullopt;
}

bool WaitReady(Child& child, int port, std::chrono::milliseconds timeout) {
  return PollUntil([&] { return !child.Alive() || HttpGetBody(port, "/readyz").has_value(); },
                   timeout, 20ms) &&
         child.Alive();
}

AlertIdSet AlertIds(const std::string& text) {
  AlertIdSet ids;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("\"alert_id\":\"");
    if (at == std::string::npos) continue;
    const auto start = at + 12;
    ids.emplace(line.substr(start, line.find('"', start) - start),
                line.find("\"update\":true") != std::string::npos);
  }
  return ids;
}

}  // namespace privmon::testing
