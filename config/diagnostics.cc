#include "config/diagnostics.h"

#include <algorithm>

#include "core/hash.h"

namespace privmon::config {

void Diagnostics::Error(const YAML::Mark& mark, std::string_view path, std::string_view what) {
  ConfigError e;
  if (!mark.is_null()) {
    e.line = mark.line + 1;
    e.column = mark.column + 1;
  }
  e.message = origin_ + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": ";
  if (!path.empty()) e.message.append(path).append(": ");
  e.message.append(what);
  errors_.push_back(std::move(e));
}

void Diagnostics::Error(const YAML::Node& at, std::string_view path, std::string_view what) {
  if (at.IsDefined() && at.IsNull()) {
    for (const auto& [value, key_mark] : null_values_) {
      if (value.is(at)) return Error(key_mark, path, what);
    }
  }
  Error(at.Mark(), path, what);
}

std::string Child(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out.append(key);
  return out;
}

std::string Quoted(std::string_view path, std::string_view key) {
  std::string quoted = "\"";
  quoted.append(key).append("\"");
  return Child(path, quoted);
}

std::string Index(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = AsciiLower(a[i - 1]) == AsciiLower(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string ClosestMatch(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 2) + 1;
  for (std::string_view c : candidates) {
    const std::size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return std::string(best);
}

std::string UnknownKeyMessage(std::string_view key, std::span<const std::string_view> valid) {
  std::string msg = "unknown key \"" + std::string(key) + "\"";
  if (valid.empty()) return msg + " (this section takes no keys)";
  if (std::string guess = ClosestMatch(key, valid); !guess.empty()) {
    msg += "; did you mean \"" + guess + "\"?";
  }
  msg += " (valid keys here: ";
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (i > 0) msg += ", ";
    msg.append(valid[i]);
  }
  msg += "; all keys are documented in config/privmon.yaml)";
  return msg;
}

}  // namespace privmon::config
