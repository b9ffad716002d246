// JsonDepthScan: the bracket depth of JSON text read one byte at a time, strings and their escapes
// stepped over, so a framer can find where a value ends (or that it was cut short) without parsing
// it. Not a validator: simdjson judges the value afterwards. Used by the record parser's
// diagnosis of invalid text and its split of records written back to back, and by the file
// source's framer of values spread over lines (pipeline/json_stream_framer.h).
// Cost: a few compares per byte, no allocation. Not thread-safe: one per reader.
#pragma once

#include <cstdint>

namespace privmon::parsers {

class JsonDepthScan {
 public:
  // What a byte was to the scan.
  enum class Byte : uint8_t {
    kOther,        // outside strings: a blank, ':', ',', a scalar's byte
    kStringOpen,   // the '"' that opens a string (a key or a value)
    kInString,     // a byte inside a string (an escape included)
    kStringClose,  // the '"' that closes it
    kOpen,         // '{' or '[' outside strings: depth() is one more
    kClose,        // '}' or ']' outside strings: depth() is one less (below 0 for a stray one)
  };

  Byte Step(char c) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        return Byte::kStringClose;
      }
      return Byte::kInString;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        return Byte::kStringOpen;
      case '{':
      case '[':
        ++depth_;
        return Byte::kOpen;
      case '}':
      case ']':
        --depth_;
        return Byte::kClose;
      default:
        return Byte::kOther;
    }
  }
  // Starts again outside any string at `depth`.
  void Reset(int depth = 0) {
    depth_ = depth;
    in_string_ = escape_ = false;
  }
  int depth() const { return depth_; }
  bool in_string() const { return in_string_; }

 private:
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace privmon::parsers
