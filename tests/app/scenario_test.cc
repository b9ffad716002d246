// End-to-end rule scenarios: for every folder of tests/scenarios/, run the real binary
// (`privmon scan --quiet --config <folder>/config.yaml <args> <folder>/*.ndjson`) and compare the
// alerts it prints, as the sorted multiset of "RULE_ID account" (account = upn, else id), exactly
// with <folder>/expected.txt: a missing alert and an extra alert both fail, with a diff. Every
// record of a scenario must be accepted (the scan summary reports no rejected record), so a typo in
// a record cannot turn a positive case into a silent pass. See tests/scenarios/README.md.
#include <gtest/gtest.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios";

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv with stdout and stderr captured (both drained together, so neither pipe can fill).
RunResult RunCommand(const std::vector<std::string>& argv) {
  RunResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return r;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(out_pipe[0]), close(out_pipe[1]), close(err_pipe[0]), close(err_pipe[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
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
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// "RULE_ID account" for every alert line; a line that is not an alert is reported in `bad`.
std::vector<std::string> AlertKeys(const std::string& out, std::string* bad) {
  simdjson::dom::parser parser;
  std::vector<std::string> keys;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    simdjson::dom::element alert;
    std::string_view rule, upn, id;
    if (parser.parse(line).get(alert) || alert["rule_id"].get(rule) ||
        alert["account"]["upn"].get(upn) || alert["account"]["id"].get(id)) {
      *bad += line + "\n";
      continue;
    }
    // The update line of an alert already raised (its suppressed repeats) is not a new alert.
    if (bool update = false; !alert["update"].get(update) && update) continue;
    keys.push_back(std::string(rule) + " " + std::string(upn.empty() ? id : upn));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Lines only in `expected` ("- missing") and only in `actual` ("+ unexpected"), as multisets.
std::string Diff(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  std::map<std::string, int> count;
  for (const auto& e : expected) ++count[e];
  for (const auto& a : actual) --count[a];
  std::string diff;
  for (const auto& [key, n] : count) {
    for (int i = 0; i < n; ++i) diff += "  - missing:    " + key + "\n";
    for (int i = 0; i < -n; ++i) diff += "  + unexpected: " + key + "\n";
  }
  return diff;
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kScenarios)) {
    if (entry.is_directory() && fs::exists(entry.path() / "expected.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ScenarioTest : public testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, RaisesExactlyTheExpectedAlerts) {
  const fs::path dir = kScenarios / GetParam();
  std::vector<std::string> argv = {PRIVMON_BINARY, "scan", "--quiet", "--config",
                                   (dir / "config.yaml").string()};
  if (fs::exists(dir / "args")) {
    for (const auto& line : ReadLines(dir / "args")) {
      for (auto& w : Words(line)) argv.push_back(w);
    }
  }
  std::vector<std::string> inputs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".ndjson") inputs.push_back(entry.path().string());
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_FALSE(inputs.empty()) << "no .ndjson input in " << dir;
  argv.insert(argv.end(), inputs.begin(), inputs.end());

  const RunResult r = RunCommand(argv);
  ASSERT_EQ(r.exit_code, 0) << "privmon scan failed:\n" << r.err;
  std::string bad;
  const std::vector<std::string> actual = AlertKeys(r.out, &bad);
  EXPECT_TRUE(bad.empty()) << "lines on stdout that are not alerts:\n" << bad;
  std::vector<std::string> expected = ReadLines(dir / "expected.txt");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(actual, expected) << "scenario " << GetParam() << " (" << inputs.size() << " files):\n"
                              << Diff(expected, actual) << "stderr:\n"
                              << r.err;
  // Every record must have been read: a rejected record would hide a positive case.
  EXPECT_NE(r.err.find(" 0 rejected"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Scenario, ScenarioTest, testing::ValuesIn(ScenarioNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
