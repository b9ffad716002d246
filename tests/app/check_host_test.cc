// `privmon check --host`: a valid config is also checked against the host `run` would start on.
// Each problem (a world-readable secret, an output directory that does not exist, an output
// through a symlink, a bind address already taken) is one line naming the setting and the path or
// address, and the exit code is 1; a host that has everything exits 0. Real files and sockets.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "app/check_command.h"
#include "sinks/fd_output.h"

namespace privmon {
namespace {

namespace fs = std::filesystem;

struct Checked {
  int code;
  std::string out, err;
};

Checked CheckHostOf(const std::string& path, CheckOptions::Format format) {
  CheckOptions o;
  o.path = path;
  o.host = true;
  o.format = format;
  std::ostringstream out, err;
  const int code = RunCheck(o, out, err);
  return {code, out.str(), err.str()};
}

// A TCP socket listening on 127.0.0.1 on a port the kernel picks; closed at the end of the test.
class TakenPort {
 public:
  TakenPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TakenPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

int FreePort() {
  TakenPort p;
  return p.port();  // closed again on return: free (SO_REUSEADDR on the check's side)
}

class CheckHost : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("privmon_check_host_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "out");
    key_ = (dir_ / "server.key").string();
    std::ofstream(key_) << "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\n";
    fs::permissions(key_, fs::perms(0600));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& alerts, const std::string& dead_letter, int bind_port,
                    int metrics_port) {
    std::string path = (dir_ / "cfg.yaml").string();
    std::ofstream(path) << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << bind_port
                        << "\", bind: true, curve: {secret_key_file: \"" << key_
                        << "\", allowed_clients: []}}}]\n"
                        << "sinks: [{file: {path: \"" << alerts << "\"}}]\n"
                        << "dead_letter: {path: \"" << dead_letter << "\"}\n"
                        << "checkpoint: {dir: \"" << (dir_ / "state/checkpoints").string()
                        << "\"}\n"
                        << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n";
    return path;
  }

  fs::path dir_;
  std::string key_;
};

TEST_F(CheckHost, AHostWithEverythingRunNeedsPasses) {
  const std::string cfg = Write((dir_ / "out/alerts.jsonl").string(),
                                (dir_ / "out/rejected.ndjson").string(), FreePort(), FreePort());
  const Checked c = CheckHostOf(cfg, CheckOptions::Format::kText);
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.err.find("host:"), std::string::npos) << c.err;
}

TEST_F(CheckHost, EachProblemIsOneLineAndTheExitCodeIsOne) {
  fs::permissions(key_, fs::perms(0644));
  fs::create_symlink(dir_ / "elsewhere.ndjson", dir_ / "out/rejected.ndjson");
  TakenPort ingest, metrics;
  const std::string alerts = (dir_ / "missing/alerts.jsonl").string();
  const std::string cfg =
      Write(alerts, (dir_ / "out/rejected.ndjson").string(), ingest.port(), metrics.port());
  const Checked c = CheckHostOf(cfg, CheckOptions::Format::kText);
  EXPECT_EQ(c.code, 1) << c.err;
  const auto has = [&](const std::string& line) {
    return c.err.find(cfg + ": host: " + line) != std::string::npos;
  };
  EXPECT_TRUE(has("sources[0] CURVE secret key file " + key_ + ": mode 0644")) << c.err;
  EXPECT_TRUE(has("sinks[0] file " + alerts + ": directory " + (dir_ / "missing").string() +
                  " does not exist"))
      << c.err;
  EXPECT_TRUE(has("dead_letter path " + (dir_ / "out/rejected.ndjson").string() + ": is a symlink"))
      << c.err;
  EXPECT_TRUE(has("sources[0] bind 127.0.0.1:" + std::to_string(ingest.port()) +
                  ": cannot bind: Address already in use"))
      << c.err;
  EXPECT_TRUE(has("metrics listen 127.0.0.1:" + std::to_string(metrics.port()) +
                  ": cannot bind: Address already in use"))
      << c.err;
  EXPECT_NE(c.err.find("5 host problems"), std::string::npos) << c.err;

  // The same in JSON, for CI: the config is valid, the host is not.
  const Checked j = CheckHostOf(cfg, CheckOptions::Format::kJson);
  EXPECT_EQ(j.code, 1);
  EXPECT_NE(j.out.find("\"valid\":true"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"host_errors\":[\"sources[0] CURVE secret key file"), std::string::npos)
      << j.out;
}

// What `run` refuses with exit 1, `check --host` catches first (breaker round 9): a host name
// that does not resolve, an ipc:// socket in a directory that does not exist, a file source that
// is a directory, a followed file source that is a device. (A port that is no number, or beyond
// 65535, is a config error since breaker round 10: refused by run and scan at load too, exit 2 with
// its line.)
TEST_F(CheckHost, WhatRunRefusesAtStartIsCaught) {
  const std::string ipc = "ipc://" + (dir_ / "missing/alerts.sock").string();
  const std::string path = (dir_ / "cfg.yaml").string();
  const std::string device = (dir_ / "zero.ndjson").string();  // run's start refuses it too
  fs::create_symlink("/dev/zero", device);
  std::ofstream(path) << "sources:\n"
                      << "  - file: {path: \"" << dir_.string() << "\", name: d}\n"
                      << "  - file: {path: \"" << device << "\", name: z, follow: true}\n"
                      << "sinks: [{zmq_pub: {endpoint: \"" << ipc << "\"}}]\n"
                      << "metrics: {listen: off}\n";
  const Checked c = CheckHostOf(path, CheckOptions::Format::kText);
  EXPECT_EQ(c.code, 1) << c.err;
  const auto has = [&](const std::string& line) {
    return c.err.find(path + ": host: " + line) != std::string::npos;
  };
  EXPECT_TRUE(has("sources[0] file " + dir_.string() + ": is a directory")) << c.err;
  EXPECT_TRUE(has("sinks[0] zmq_pub bind " + ipc + ": cannot bind: directory " +
                  (dir_ / "missing").string() + " does not exist"))
      << c.err;
  EXPECT_TRUE(has("sources[1] file " + device + ": a socket or device, not opened")) << c.err;
  EXPECT_NE(c.err.find("3 host problems"), std::string::npos) << c.err;
  const std::string ports = (dir_ / "ports.yaml").string();
  std::ofstream(ports) << "sources:\n"
                       << "  - zmq: {endpoint: \"tcp://nohost:abc\"}\n"
                       << "  - zmq_sub: {endpoint: \"tcp://127.0.0.1:99999\"}\n"
                       << "metrics: {listen: off}\n";
  const Checked p = CheckHostOf(ports, CheckOptions::Format::kText);
  EXPECT_EQ(p.code, 2) << p.err;
  EXPECT_NE(p.err.find(ports + ":2:21: sources[0].zmq.endpoint: unknown endpoint"),
            std::string::npos)
      << p.err;
  EXPECT_NE(p.err.find(ports + ":3:25: sources[1].zmq_sub.endpoint: unknown endpoint"),
            std::string::npos)
      << p.err;
}

// check --host says what `run` will do with an alert file sink that exists, by `run`'s own rule
// (sinks/fd_output.h AlertFileKind): a FIFO is written to while its reader runs, a note, exit 0
// (it was "not a regular file", a host problem, though `run` wrote to it); a socket is refused by
// both, in one text.
TEST_F(CheckHost, AFifoSinkIsANoteOfWhatRunDoesAndASocketIsRefusedByBoth) {
  const std::string fifo = (dir_ / "out/alerts.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string cfg =
      Write(fifo, (dir_ / "out/rejected.ndjson").string(), FreePort(), FreePort());
  const Checked c = CheckHostOf(cfg, CheckOptions::Format::kText);
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find(cfg + ": host: note: sinks[0] file " + fifo +
                       ": a FIFO: `run` writes to it when a process reads it as `run` starts"),
            std::string::npos)
      << c.err;
  EXPECT_EQ(c.err.find("not a regular file"), std::string::npos) << c.err;
  const Checked j = CheckHostOf(cfg, CheckOptions::Format::kJson);
  EXPECT_EQ(j.code, 0);
  EXPECT_NE(j.out.find("\"host_errors\":[],\"host_notes\":[\"sinks[0] file " + fifo + ": a FIFO"),
            std::string::npos)
      << j.out;
  {  // run agrees: written to while a process reads it; refused at once when none does
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    EXPECT_NO_THROW(FileOutput(fifo, /*append=*/true));
    ::close(reader);
    EXPECT_THROW(FileOutput(fifo, /*append=*/true), std::runtime_error);
  }

  const std::string sock_path = (dir_ / "out/alerts.sock").string();
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  const std::string refused = "is a socket: an alert file is a regular file";
  const std::string cfg2 =
      Write(sock_path, (dir_ / "out/rejected.ndjson").string(), FreePort(), FreePort());
  const Checked s = CheckHostOf(cfg2, CheckOptions::Format::kText);
  EXPECT_EQ(s.code, 1) << s.err;
  EXPECT_NE(s.err.find(cfg2 + ": host: sinks[0] file " + sock_path + ": " + refused),
            std::string::npos)
      << s.err;
  std::string run_says;
  try {
    FileOutput out(sock_path, /*append=*/true);
  } catch (const std::runtime_error& e) {
    run_says = e.what();
  }
  ::close(sock);
  EXPECT_NE(run_says.find(refused), std::string::npos) << run_says;
}

TEST_F(CheckHost, WithoutHostTheSameConfigIsOnlyValidated) {
  TakenPort ingest;
  const std::string cfg = Write((dir_ / "missing/alerts.jsonl").string(),
                                (dir_ / "out/rejected.ndjson").string(), ingest.port(), FreePort());
  std::ostringstream out, err;
  EXPECT_EQ(RunCheck(cfg, out, err), 0) << err.str();
}

}  // namespace
}  // namespace privmon
