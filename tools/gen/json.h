// Append-only JSON writing for `privmon gen`, into a reused std::string (no iostreams, no
// allocation once the buffer has grown). Key helpers insert the separating comma themselves
// (none right after '{', '[' or ':'). Values passed as raw text must not need escaping; Esc()
// escapes text for a JSON string (used for JSON-inside-a-string columns). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_time.h"

namespace privmon::genjson {

inline void Sep(std::string& o) {
  const char c = o.empty() ? '{' : o.back();
  if (c != '{' && c != '[' && c != ':') o += ',';
}
inline void Key(std::string& o, std::string_view k) {
  Sep(o);
  o += '"';
  o += k;
  o += "\":";
}
inline void Str(std::string& o, std::string_view k, std::string_view v) {
  Key(o, k);
  o += '"';
  o += v;
  o += '"';
}
void Int(std::string& o, std::string_view k, int64_t v);
inline void Bool(std::string& o, std::string_view k, bool v) {
  Key(o, k);
  o += v ? "true" : "false";
}
inline void Null(std::string& o, std::string_view k) {
  Key(o, k);
  o += "null";
}
// Opens an object/array as a value of key k (or as an array element when k is empty).
inline void Open(std::string& o, std::string_view k, char bracket) {
  if (k.empty()) {
    Sep(o);
  } else {
    Key(o, k);
  }
  o += bracket;
}
// A bare string element of an array.
inline void Elem(std::string& o, std::string_view v) {
  Sep(o);
  o += '"';
  o += v;
  o += '"';
}

void AppendInt(std::string& o, int64_t v);
void AppendDouble(std::string& o, double v);  // up to 6 decimals, trailing zeros dropped

// Appends text escaped for the inside of a JSON string: core/json_escape.h's AppendJsonEscaped.
void Esc(std::string& o, std::string_view text);
// A string value holding JSON text: "k":"<escaped json>".
void JsonTextStr(std::string& o, std::string_view k, std::string_view json);

// Lower-case GUID text from two 64-bit values.
void AppendGuid(std::string& o, uint64_t hi, uint64_t lo);
// Upper-case hex of the low `digits` nibbles.
void AppendHex(std::string& o, uint64_t v, int digits);

enum class TimeStyle { kZ7, kOffset7, kZ3 };  // ...ss.fffffffZ, ...ss.fffffff+00:00, ...ss.fffZ
// Seven fractional digits: the microseconds and one extra digit (0-9) for realism.
void AppendTime(std::string& o, EventTime t, TimeStyle style, int extra_digit = 0);

}  // namespace privmon::genjson
