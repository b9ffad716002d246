#include "core/user_regex.h"

#include <re2/re2.h>

namespace privmon {

std::optional<UserRegex> UserRegex::Compile(const std::string& pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);       // bounds the compiled program and the DFA cache
  options.set_case_sensitive(false);  // UPNs compare case-insensitively (DESIGN.md section 6)
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    if (error != nullptr) *error = re->error();
    return std::nullopt;
  }
  return UserRegex(std::move(re));
}

bool UserRegex::Search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

const std::string& UserRegex::pattern() const { return re_->pattern(); }

}  // namespace privmon
