#include "tests/app/determinism_helpers.h"

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/event_time.h"
#include "tests/support/process_helpers.h"

namespace privmon_test {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void WriteLines(const fs::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::binary);
  for (const auto& l : lines) out << l << '\n';
}

namespace {

// The directories TempDir made in this process, removed at its exit when no test of it failed
// (kept for post-mortems otherwise, or with PRIVMON_TEST_KEEP_DIRS set, as TempDirCleanup does).
struct MadeTempDirs {
  std::vector<fs::path> dirs;
  MadeTempDirs() = default;
  MadeTempDirs(const MadeTempDirs&) = delete;
  MadeTempDirs& operator=(const MadeTempDirs&) = delete;
  ~MadeTempDirs() {
    if (::testing::UnitTest::GetInstance()->Failed() ||
        std::getenv("PRIVMON_TEST_KEEP_DIRS") != nullptr) {
      return;
    }
    std::error_code ignored;
    for (const fs::path& d : dirs) fs::remove_all(d, ignored);
  }
};

MadeTempDirs& TempDirsOfThisProcess() {
  static MadeTempDirs made;
  return made;
}

}  // namespace

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("privmon_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  TempDirsOfThisProcess().dirs.push_back(dir);
  return dir;
}

// `privmon scan --quiet <args>` (args split at spaces), captured by the shared process rig.
ScanOutput Scan(const std::string& args, const fs::path& /*dir*/) {
  std::vector<std::string> argv = {"scan", "--quiet"};
  std::istringstream words(args);
  for (std::string w; words >> w;) argv.push_back(w);
  const privmon::testing::CommandResult r = privmon::testing::Privmon(argv);
  return {r.code, r.out, r.err};
}

std::vector<AlertLine> ParseAlerts(const std::string& out) {
  std::vector<AlertLine> alerts;
  simdjson::dom::parser parser;
  for (const std::string& line : Lines(out)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) continue;
    AlertLine a;
    std::string_view s;
    if (!doc["alert_id"].get(s)) a.id = s;
    if (!doc["rule_id"].get(s)) a.rule = s;
    if (!doc["tenant_id"].get(s)) a.tenant = s;
    if (!doc["account"]["upn"].get(s)) a.account = s;
    if (a.account.empty() && !doc["account"]["id"].get(s)) a.account = s;
    uint64_t n = 0;
    if (!doc["count"].get(n)) a.count = n;
    bool u = false;
    if (!doc["update"].get(u)) a.update = u;
    alerts.push_back(a);
  }
  return alerts;
}

// The multiset the determinism property is stated on: "alert_id rule_id final_count", sorted.
std::vector<std::string> Verdicts(const std::string& out, const std::string& only_tenant) {
  std::map<std::string, AlertLine> by_id;
  for (const AlertLine& a : ParseAlerts(out)) {
    if (!only_tenant.empty() && a.tenant != only_tenant) continue;
    auto [it, inserted] = by_id.try_emplace(a.id, a);
    if (!inserted && a.update) it->second.count = a.count;
    if (!inserted && !a.update) it->second.count = ~0ull;  // the same id raised twice: a defect
  }
  std::vector<std::string> v;
  for (const auto& [id, a] : by_id) v.push_back(id + " " + a.rule + " " + std::to_string(a.count));
  return v;
}

int64_t LineSeconds(const std::string& line) {
  static const re2::RE2 re(
      R"re("(?:time|createdDateTime|activityDateTime|TimeGenerated)"\s*:\s*"([0-9T:.\-]+))re");
  std::string t;
  if (!re2::RE2::PartialMatch(line, re, &t) || t.size() < 19) return 0;
  const auto us = privmon::ParseIsoTime(t.substr(0, 19) + "Z");  // whole seconds, UTC
  return us ? *us / privmon::kMicrosPerSecond : 0;
}

void ExpectEveryParseThreadParsed(const std::string& err, uint32_t parsers) {
  const std::string label = "records per parse thread";
  const auto at = err.find(label);
  ASSERT_NE(at, std::string::npos) << err;
  std::istringstream in(err.substr(at + label.size()));
  for (uint32_t p = 0; p < parsers; ++p) {
    uint64_t records = 0;
    in >> records;
    EXPECT_GT(records, 0u) << "parse thread " << p << "\n" << err;
  }
}

std::string StringField(const std::string& line, const std::string& key) {
  const std::string open = "\"" + key + "\":\"";
  const auto at = line.find(open);
  if (at == std::string::npos) return "";
  const auto start = at + open.size();
  return line.substr(start, line.find('"', start) - start);
}

}  // namespace privmon_test
