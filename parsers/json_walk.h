// Helpers over simdjson DOM elements. Every text privmon walks was parsed once by a DOM parser
// that accepted it whole (grammar, numbers, literals, escapes, UTF-8, nesting <= kMaxDepth), so
// reading a parsed element cannot fail: a field with an unexpected type simply reads as absent.
// Strings are the DOM parser's unescaped copies (valid until that parser parses again); numbers,
// which the DOM keeps as binary values, are written back as text into a NumberTexts scratch.
// No allocation. Not thread-safe (one per RecordParser).
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace privmon::parsers {

namespace dom = simdjson::dom;

// Deepest object/array nesting accepted (the DOM parsers' max_depth); deeper messages are
// rejected as kTooDeep.
inline constexpr int kMaxDepth = 64;

// Shortest text of the numbers one record reads (an integer as its decimal digits, so the token
// 50126 reads "50126"; a double as its shortest round-trip form). Reset per record; a record that
// reads more than kSlots numbers sees the extra ones as absent.
class NumberTexts {
 public:
  void Reset() { used_ = 0; }
  // Empty when `v` is not a number or every slot is taken.
  std::string_view Format(dom::element v);

 private:
  static constexpr std::size_t kSlots = 64;
  static constexpr std::size_t kSlotBytes = 32;
  std::array<std::array<char, kSlotBytes>, kSlots> slots_{};
  std::size_t used_ = 0;
};

// Compact JSON text of the decoded values one record reads whole (an export that decodes a
// modified property's oldValue / newValue into an array of objects: the text the JSON-text form
// carries, so one reader serves both). A bump arena reset per record: views stay valid until
// Reset; a value that does not fit in what is left reads as kTooLong, which its readers take for
// a value they cannot compare (not for an empty one). Strings are written back with
// '"' and '\\' escaped (other control bytes as blanks). No allocation.
class JsonTexts {
 public:
  // What Write returns for a value that does not fit: no JSON text.
  static constexpr std::string_view kTooLong = "\x01(decoded value too long)";
  void Reset() { used_ = 0; }
  // kTooLong when `v` does not fit.
  std::string_view Write(dom::element v);

 private:
  bool Append(dom::element v, int depth);
  bool Put(std::string_view text);
  bool PutString(std::string_view text);
  static constexpr std::size_t kBytes = 65536;
  std::array<char, kBytes> bytes_{};
  std::size_t used_ = 0;
};

// A JSON value read as text: strings unescaped, numbers and booleans as text ("50126", "true"),
// null as kAbsent, objects and arrays only classified.
struct Scalar {
  enum Kind : uint8_t { kAbsent, kString, kNumber, kBool, kObject, kArray };
  Kind kind = kAbsent;
  std::string_view text;
  bool boolean = false;
  bool present() const { return kind == kString || kind == kNumber || kind == kBool; }
};

Scalar ReadScalar(dom::element v, NumberTexts& numbers);

}  // namespace privmon::parsers
