// Error collection for the config loader: every problem becomes a ConfigError whose message names
// "<origin>:<line>:<column>: <key path>: ...". Key paths read like the YAML they point at
// (tenants."contoso".rules.PRIV-SI-01.window, sources[0].zmq.endpoint). Single-threaded, owned by
// one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.h"

namespace privmon::config {

class Diagnostics {
 public:
  explicit Diagnostics(std::string origin) : origin_(std::move(origin)) {}

  // Reports `what` at `mark` (0-based as yaml-cpp gives it; a null mark prints as line 0).
  void Error(const YAML::Mark& mark, std::string_view path, std::string_view what);
  // A null value (`key:` with nothing after it) reports at its key, not at the next token.
  void Error(const YAML::Node& at, std::string_view path, std::string_view what);
  void RememberKeyOfNull(const YAML::Node& value, const YAML::Mark& key_mark) {
    null_values_.emplace_back(value, key_mark);
  }
  void Note(std::string text) { notes_.push_back({{}, std::move(text)}); }

  const std::string& origin() const { return origin_; }
  std::vector<ConfigError> TakeErrors() { return std::move(errors_); }
  std::vector<ConfigNote> TakeNotes() { return std::move(notes_); }

 private:
  std::string origin_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigNote> notes_;
  std::vector<std::pair<YAML::Node, YAML::Mark>> null_values_;
};

// Key path builders: Child("tenants", "x") = "tenants.x", Quoted(..) wraps the key in quotes
// (tenant ids), Index("sources", 2) = "sources[2]".
std::string Child(std::string_view path, std::string_view key);
std::string Quoted(std::string_view path, std::string_view key);
std::string Index(std::string_view path, std::size_t i);

// The candidate closest to `word` (case-insensitive edit distance), if it is close enough to be a
// plausible misspelling; empty otherwise.
std::string ClosestMatch(std::string_view word, std::span<const std::string_view> candidates);

// "unknown key "shard"; did you mean "shards"? (valid keys here: shards, parse_threads, ...)"
std::string UnknownKeyMessage(std::string_view key, std::span<const std::string_view> valid);

}  // namespace privmon::config
