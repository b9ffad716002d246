// Full-validation helpers over simdjson on-demand values. On-demand only checks what it visits, so
// every value the parsers do not need is walked by SkipValue (keys unescaped, strings unescaped,
// numbers and atoms parsed) to make sure a message is entirely well-formed JSON. Errors are
// simdjson error codes (no exceptions); nesting beyond kMaxDepth yields DEPTH_ERROR. No allocation
// (strings land in the on-demand parser's own buffer). O(size of the value).
#pragma once

#include <simdjson.h>

#include <string_view>

namespace privmon::parsers {

namespace od = simdjson::ondemand;

// Deepest object/array nesting accepted; deeper messages are rejected as kTooDeep.
inline constexpr int kMaxDepth = 64;

// A JSON value read as text: strings unescaped, numbers and booleans as their JSON token
// ("50126", "true"), null as kAbsent. Objects and arrays are validated and reported as kObject /
// kArray with no text, so a field with an unexpected type reads as absent.
struct Scalar {
  enum Kind : uint8_t { kAbsent, kString, kNumber, kBool, kObject, kArray };
  Kind kind = kAbsent;
  std::string_view text;
  bool boolean = false;
  bool present() const { return kind == kString || kind == kNumber || kind == kBool; }
};

// Walks and validates `v` entirely. depth = nesting level of v (root = 1).
simdjson::error_code SkipValue(od::value v, int depth);

// Reads a scalar (validating containers it meets instead).
simdjson::error_code ReadScalar(od::value v, int depth, Scalar& out);

// Ensures nothing but whitespace follows the root value of `doc`.
simdjson::error_code CheckAtEnd(od::document& doc);

}  // namespace privmon::parsers
