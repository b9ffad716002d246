// Helpers for the parser tests: read test data files, format event times, find rejections.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "parsers/record_parser.h"

namespace privmon::testing {

inline std::string DataPath(const std::string& relative) {
  return std::string(PRIVMON_SOURCE_DIR) + "/tests/data/parsers/" + relative;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Non-empty lines of an NDJSON file.
inline std::vector<std::string> ReadLines(const std::string& relative) {
  std::ifstream in(DataPath(relative), std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

inline std::string Iso(EventTime t) {
  char out[32];
  return std::string(out, FormatIsoTime(t, out));
}

inline EventTime At(std::string_view iso) { return ParseIsoTime(iso).value_or(-1); }

}  // namespace privmon::testing
