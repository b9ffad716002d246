// UserRegex: a regular expression from the config (naming_policy), compiled once at load on RE2,
// a linear-time engine: matching costs O(pattern x text) whatever the pattern, so a pattern like
// ^(a+)+$ cannot stall a shard thread (std::regex backtracks exponentially on it). RE2 syntax is
// ECMAScript's without backreferences and lookaround; Compile reports those as errors. Matching
// ignores case (the texts are UPNs, which compare case-insensitively). Immutable after Compile;
// Search is thread-safe and does not allocate for these patterns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace privmon {

class UserRegex {
 public:
  // The compiled pattern, or nullopt with `error` set.
  static std::optional<UserRegex> Compile(const std::string& pattern, std::string* error);

  // True when the pattern matches somewhere in `text` (like std::regex_search).
  bool Search(std::string_view text) const;
  const std::string& pattern() const;

 private:
  explicit UserRegex(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;  // shared: TenantSettings copies share one compiled form
};

}  // namespace privmon
