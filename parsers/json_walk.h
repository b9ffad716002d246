// Helpers over simdjson on-demand values of a text that JsonValidator already accepted as a whole
// (record_parser.cc and JsonTextFields validate before walking). On-demand skips every value the
// walkers do not read when iteration moves past it; that native skip only counts brackets, which
// is enough because the bytes are known to be well-formed. Errors are simdjson error codes (no
// exceptions); nesting beyond kMaxDepth yields DEPTH_ERROR. No allocation (strings land in the
// on-demand parser's own buffer).
#pragma once

#include <simdjson.h>

#include <string_view>

namespace privmon::parsers {

namespace od = simdjson::ondemand;

// Deepest object/array nesting accepted; deeper messages are rejected as kTooDeep.
inline constexpr int kMaxDepth = 64;

// A JSON value read as text: strings unescaped, numbers and booleans as their JSON token
// ("50126", "true"), null as kAbsent. Objects and arrays are reported as kObject / kArray with no
// text (and left for on-demand to skip), so a field with an unexpected type reads as absent.
struct Scalar {
  enum Kind : uint8_t { kAbsent, kString, kNumber, kBool, kObject, kArray };
  Kind kind = kAbsent;
  std::string_view text;
  bool boolean = false;
  bool present() const { return kind == kString || kind == kNumber || kind == kBool; }
};

// Marks `v` as not read: on-demand skips it when the enclosing iteration advances. The text was
// validated up front, so nothing is checked here.
inline simdjson::error_code SkipValue(od::value /*v*/, int /*depth*/) { return simdjson::SUCCESS; }

// Reads a scalar (objects and arrays are only classified).
simdjson::error_code ReadScalar(od::value v, int depth, Scalar& out);

// Ensures nothing but whitespace follows the root value of `doc`.
simdjson::error_code CheckAtEnd(od::document& doc);

}  // namespace privmon::parsers
