#include "app/host_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <zmq.hpp>

#include "sinks/dead_letter.h"
#include "sinks/fd_output.h"

namespace privmon {
namespace {

namespace fs = std::filesystem;

std::string Octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

// A secret: must exist, be readable by privmon, and grant nothing to others.
void CheckSecret(const std::string& what, const std::string& path, std::vector<std::string>& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    out.push_back(what + " " + path + ": " + std::strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    out.push_back(what + " " + path + ": not a regular file");
  } else if (::access(path.c_str(), R_OK) != 0) {
    out.push_back(what + " " + path + ": not readable: " + std::strerror(errno));
  } else if ((st.st_mode & 0137) != 0) {
    out.push_back(what + " " + path + ": mode " + Octal(st.st_mode) +
                  " lets others read or change it; chmod 0600 (or 0640 for a group)");
  }
}

// What `run` does with an output file that exists, as `run` decides it: an alert file sink by
// AlertFileKind, the dead letter by DeadLetterFileKindProblem (`st_mode` from lstat).
enum class OutputUse { kAlertSink, kDeadLetter };
OutputFileKind OutputKind(OutputUse use, unsigned mode) {
  if (use == OutputUse::kAlertSink) return AlertFileKind(mode);
  if (S_ISLNK(mode)) return {"is a symlink (outputs are never opened through one)", nullptr};
  return {DeadLetterFileKindProblem(mode), nullptr};
}

// An output file privmon creates or appends to: its directory writable, the file (if present) of
// a kind `run` writes (OutputKind: what `run` will do with it is said as a note) and writable.
void CheckOutputFile(const std::string& what, const std::string& path, OutputUse use,
                     HostCheck& out) {
  if (path.empty()) return;
  const fs::path p(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    const OutputFileKind kind = OutputKind(use, st.st_mode);
    if (kind.refused != nullptr) {
      out.problems.push_back(what + " " + path + ": " + kind.refused);
    } else if (::access(path.c_str(), W_OK) != 0) {
      out.problems.push_back(what + " " + path + ": not writable: " + std::strerror(errno));
    } else if (kind.note != nullptr) {
      out.notes.push_back(what + " " + path + ": " + kind.note);
    }
    return;
  }
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    out.problems.push_back(what + " " + path + ": directory " + dir.string() + " does not exist");
  } else if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    out.problems.push_back(what + " " + path + ": cannot create it, directory " + dir.string() +
                           " not writable: " + std::strerror(errno));
  }
}

// The checkpoint directory: present and writable, or creatable under a writable ancestor.
void CheckOutputDir(const std::string& what, const std::string& path,
                    std::vector<std::string>& out) {
  if (path.empty()) return;
  fs::path p(path);
  struct stat st {};
  if (::lstat(p.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      out.push_back(what + " " + path + ": not a directory");
    } else if (::access(p.c_str(), W_OK | X_OK) != 0) {
      out.push_back(what + " " + path + ": not writable: " + std::strerror(errno));
    }
    return;
  }
  while (p.has_parent_path() && p != p.parent_path()) {  // the nearest existing ancestor
    p = p.parent_path();
    if (::stat(p.c_str(), &st) == 0) break;
  }
  if (p.empty()) p = ".";
  if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
      ::access(p.c_str(), W_OK | X_OK) != 0) {
    out.push_back(what + " " + path + ": missing, and " + p.string() +
                  " is not a writable directory to create it in");
  }
}

void CheckInputFile(const std::string& what, const std::string& path, bool follow,
                    std::vector<std::string>& out) {
  struct stat st {};
  const bool named = ::stat(path.c_str(), &st) == 0;
  if (named && S_ISDIR(st.st_mode)) {
    out.push_back(what + " " + path + ": is a directory, not a file (name a file in it)");
    return;
  }
  // A followed path that names a socket or device fails run's start (pipeline/file_source.cc:
  // a device read would never end); a FIFO is read as one (it waits for its writer).
  if (named && follow && (S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
    out.push_back(what + " " + path +
                  ": a socket or device, not opened: a followed path names a regular file");
    return;
  }
  if (::access(path.c_str(), R_OK) == 0) return;
  if (follow && errno == ENOENT) return;  // a followed file may appear later
  out.push_back(what + " " + path + ": not readable: " + std::strerror(errno));
}

// "host:port" (IPv4 literal, "*" or "localhost"); false when it is no TCP address checkable here.
bool ParseHostPort(std::string_view text, sockaddr_in& addr) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(text.substr(0, colon));
  const std::string port(text.substr(colon + 1));
  if (host == "*" || host.empty() || host == "0.0.0.0") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  char* end = nullptr;
  const long n = std::strtol(port.c_str(), &end, 10);
  if (end == port.c_str() || *end != '\0' || n <= 0 || n > 65535) return false;  // "*" ports
  addr = sockaddr_in{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(n));
  return ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1;
}

// Binds (then closes) a TCP socket as ZeroMQ and the metrics server would; a name or an IPv6
// address is left to `run`.
void CheckBind(const std::string& what, std::string_view address, std::vector<std::string>& out) {
  sockaddr_in addr{};
  if (!ParseHostPort(address, addr)) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    out.push_back(what + " " + std::string(address) + ": cannot bind: " + std::strerror(errno));
  }
  ::close(fd);
}

std::string_view TcpAddress(std::string_view endpoint) {
  constexpr std::string_view kTcp = "tcp://";
  return endpoint.starts_with(kTcp) ? endpoint.substr(kTcp.size()) : std::string_view();
}

// A ZeroMQ endpoint as `run` binds or connects it. TCP: the port a number (or "*" to bind), an
// IPv4 literal bound here as ZeroMQ would (CheckBind), another host or an interface name bound by
// ZeroMQ itself (then closed). ipc://: its directory present and writable (the socket file is
// not bound here: ZeroMQ would unlink one a running privmon serves). inproc, pgm: nothing on
// the host to check.
void CheckZmqEndpoint(const std::string& what, const std::string& endpoint, bool bind,
                      zmq::context_t& ctx, std::vector<std::string>& out) {
  constexpr std::string_view kIpc = "ipc://";
  if (std::string_view(endpoint).starts_with(kIpc)) {
    if (!bind) return;
    const fs::path p(endpoint.substr(kIpc.size()));
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      out.push_back(what + " " + endpoint + ": cannot bind: directory " + dir.string() +
                    " does not exist");
    } else if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      out.push_back(what + " " + endpoint + ": cannot bind: directory " + dir.string() +
                    " not writable: " + std::strerror(errno));
    }
    return;
  }
  const std::string_view address = TcpAddress(endpoint);
  if (address.empty()) return;
  const std::size_t colon = address.rfind(':');
  const std::string_view port = colon == std::string_view::npos ? "" : address.substr(colon + 1);
  int number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (!(bind && port == "*") &&
      (ec != std::errc() || end != port.data() + port.size() || number <= 0 || number > 65535)) {
    out.push_back(what + " " + endpoint + ": port \"" + std::string(port) +
                  "\" is not a number from 1 to 65535" + (bind ? " (or * to bind any)" : ""));
    return;
  }
  if (!bind) return;  // a peer's name is resolved when it connects, and retried
  sockaddr_in addr{};
  if (ParseHostPort(address, addr)) {
    CheckBind(what, address, out);
    return;
  }
  try {
    zmq::socket_t socket(ctx, zmq::socket_type::pull);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    out.push_back(what + " " + endpoint + ": cannot bind: " + e.what());
  }
}

}  // namespace

HostCheck CheckHost(const CompiledConfig& config) {
  HostCheck check;
  std::vector<std::string>& out = check.problems;
  zmq::context_t ctx(1);
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const SourceSettings& s = config.sources[i];
    const std::string at = "sources[" + std::to_string(i) + "]";
    if (!s.curve_secret_key_file.empty()) {
      CheckSecret(at + " CURVE secret key file", s.curve_secret_key_file, out);
    }
    if (!s.kafka.sasl_password_file.empty()) {
      CheckSecret(at + " sasl_password_file", s.kafka.sasl_password_file, out);
    }
    if (s.type == SourceType::kFile) CheckInputFile(at + " file", s.path, s.follow, out);
    if (s.type == SourceType::kZmqPull || s.type == SourceType::kZmqSub) {
      CheckZmqEndpoint(at + (s.bind ? " bind" : " connect"), s.endpoint, s.bind, ctx, out);
    }
  }
  for (std::size_t i = 0; i < config.sinks.size(); ++i) {
    const SinkSettings& s = config.sinks[i];
    const std::string at = "sinks[" + std::to_string(i) + "]";
    if (s.type == SinkType::kFile)
      CheckOutputFile(at + " file", s.path, OutputUse::kAlertSink, check);
    if (s.type == SinkType::kZmqPub)
      CheckZmqEndpoint(at + " zmq_pub bind", s.endpoint, true, ctx, out);
    if (s.type == SinkType::kKafka && !s.kafka.sasl_password_file.empty()) {
      CheckSecret(at + " sasl_password_file", s.kafka.sasl_password_file, out);
    }
  }
  CheckOutputFile("dead_letter path", config.dead_letter_path, OutputUse::kDeadLetter, check);
  CheckOutputDir("checkpoint dir", config.checkpoint.dir, out);
  if (!config.metrics_listen.empty()) CheckBind("metrics listen", config.metrics_listen, out);
  return check;
}

}  // namespace privmon
