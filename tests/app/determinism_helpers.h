// Helpers of the determinism tests (redelivery, arrival permutations, tenant lag): run the real
// binary on real files and read its alerts as (alert_id, rule_id, final count), where the final
// count of an alert is that of its update line ("update": true) when one followed. Compiled once
// into privmon_test_support.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon_test {

namespace fs = std::filesystem;

struct ScanOutput {
  int exit_code = -1;
  std::string out, err;
};

// Whole file, "" when unreadable: the process rig's.
using privmon::testing::ReadFile;
// Non-empty lines of `text`.
std::vector<std::string> Lines(const std::string& text);
void WriteLines(const fs::path& p, const std::vector<std::string>& lines);
// A fresh, empty directory under the temp dir, unique to this process; removed when the process
// exits with no failed test (kept otherwise, or with PRIVMON_TEST_KEEP_DIRS set).
fs::path TempDir(const std::string& name);

// `privmon scan <args>` with stdout and stderr in files of `dir`.
ScanOutput Scan(const std::string& args, const fs::path& dir);

struct AlertLine {
  std::string id, rule, tenant, account;
  uint64_t count = 0;
  bool update = false;
};

std::vector<AlertLine> ParseAlerts(const std::string& out);

// The multiset the determinism property is stated on: "alert_id rule_id final_count", sorted.
std::vector<std::string> Verdicts(const std::string& out, const std::string& only_tenant = "");

// The string value of "key" in one alert line ("" when absent).
std::string StringField(const std::string& line, const std::string& key);

// Event time of a line (its first record's time field), as Unix seconds (0 when it has none).
int64_t LineSeconds(const std::string& line);

// A scan's stderr shows `parsers` parse threads that each handled records (the one file was
// fanned out to all of them). A gtest assertion.
void ExpectEveryParseThreadParsed(const std::string& err, uint32_t parsers);

}  // namespace privmon_test
