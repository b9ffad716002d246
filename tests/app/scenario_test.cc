// End-to-end rule scenarios: for every folder of tests/scenarios/, run the real binary
// (`privmon scan --quiet --config <folder>/config.yaml <args> <folder>/*.ndjson`) and compare the
// alerts it prints, as the sorted multiset of "RULE_ID account" (account = upn, else id), exactly
// with <folder>/expected.txt: a missing alert and an extra alert both fail, with a diff. Every
// record of a scenario must be accepted (the scan summary reports no rejected record), so a typo in
// a record cannot turn a positive case into a silent pass. See tests/scenarios/README.md.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process_helpers.h"

namespace {

namespace fs = std::filesystem;

const fs::path kScenarioScenarios = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios";

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
  for (const auto& entry : fs::directory_iterator(kScenarioScenarios)) {
    if (entry.is_directory() && fs::exists(entry.path() / "expected.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ScenarioTest : public testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, RaisesExactlyTheExpectedAlerts) {
  const fs::path dir = kScenarioScenarios / GetParam();
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

  const privmon::testing::CommandResult r = privmon::testing::RunCapture(argv);
  ASSERT_EQ(r.code, 0) << "privmon scan failed:\n" << r.err;
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
