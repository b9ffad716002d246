#include "app/state_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace privmon {
namespace {

std::string IdentityErrno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string OneLine(const std::map<std::string, std::string>& identity) {
  std::string out;
  for (const auto& [key, value] : identity) {
    if (!out.empty()) out += ' ';
    out += key + '=' + value;
  }
  return out;
}

bool ReadIdentityFile(const std::string& path, std::string* text, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = IdentityErrno("open " + path);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = "read " + path + ": failed";
    return false;
  }
  *text = buffer.str();
  return true;
}

// Creates `path` holding `text` unless it exists: a fsynced temporary file hard-linked into place
// (link never replaces). `*existed` when another file was there first.
bool CreateIdentityFile(const std::string& dir, const std::string& path, const std::string& text,
                        bool* existed, std::string* error) {
  const std::string tmp = dir + "/.tmp-identity-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = IdentityErrno("create " + tmp);
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (!ok) *error = IdentityErrno("write " + tmp);
  if (::close(fd) != 0 && ok) {
    ok = false;
    *error = IdentityErrno("close " + tmp);
  }
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) {
      *existed = true;
    } else {
      ok = false;
      *error = IdentityErrno("link " + path);
    }
  }
  ::unlink(tmp.c_str());
  if (ok && !*existed) {
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (!ok) *error = IdentityErrno("fsync " + dir);
    if (dfd >= 0) ::close(dfd);
  }
  return ok;
}

}  // namespace

std::map<std::string, std::string> StateIdentityOf(const SourceSettings& source) {
  const KafkaSettings& k = source.kafka;
  std::string topics;
  for (const std::string& topic : k.topics) topics += (topics.empty() ? "" : ",") + topic;
  std::map<std::string, std::string> identity{
      {"mode", k.keyed_by_tenant ? "keyed_by_tenant" : "state_topic"},
      {"input_topics", topics},
      {"group", k.group},
      {"partitions", std::to_string(k.state_partitions)},
  };
  if (!k.keyed_by_tenant) identity["state_topic"] = k.state_topic;
  return identity;
}

std::string FormatStateIdentity(const std::map<std::string, std::string>& identity) {
  std::string out =
      "# privmon: the state partitions whose checkpoints this directory holds (do not edit)\n";
  for (const auto& [key, value] : identity) out += key + '=' + value + '\n';
  return out;
}

bool ParseStateIdentity(const std::string& text, std::map<std::string, std::string>* identity) {
  identity->clear();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    (*identity)[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return true;
}

bool CheckStateIdentity(const std::string& dir, const std::map<std::string, std::string>& identity,
                        std::string* error) {
  const std::string path = dir + "/" + kStateIdentityFile;
  std::string text;
  if (::access(path.c_str(), F_OK) != 0) {
    if (errno != ENOENT) {
      *error = IdentityErrno("access " + path);
      return false;
    }
    bool existed = false;
    if (!CreateIdentityFile(dir, path, FormatStateIdentity(identity), &existed, error)) {
      return false;
    }
    if (!existed) return true;  // ours: the first start with this directory
  }
  if (!ReadIdentityFile(path, &text, error)) return false;
  std::map<std::string, std::string> stored;
  if (!ParseStateIdentity(text, &stored) || stored.empty()) {
    *error = path +
             ": not a state-partitions identity (key=value lines); use a new checkpoint.dir, "
             "or remove the directory to start all state partitions fresh";
    return false;
  }
  if (stored == identity) return true;
  *error = "checkpoint.dir " + dir + " holds the state partitions of [" + OneLine(stored) + "] (" +
           path + "), this config runs [" + OneLine(identity) +
           "]: their offsets and state would be restored on the wrong partitions. Use a new "
           "checkpoint.dir for this config, or, to start all state partitions fresh, remove " +
           dir;
  return false;
}

}  // namespace privmon
