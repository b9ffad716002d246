// `privmon gen`'s record writing, into a reused std::string (no iostreams, no allocation once
// the buffer has grown): the comma-placing helpers below over core/json_writer.h, privmon's one
// JSON writer. Key helpers insert the separating comma themselves (none right after '{', '[' or
// ':'). Values passed as raw text must not need escaping; JsonTextStr escapes JSON text held in a
// string column. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_time.h"
#include "core/json_writer.h"

namespace privmon::genjson {

// Whether the next member or element is the first of its object or array (no comma before it).
inline bool First(const std::string& o) {
  const char c = o.empty() ? '{' : o.back();
  return c == '{' || c == '[' || c == ':';
}
inline void Sep(std::string& o) {
  if (!First(o)) o += ',';
}
inline void Key(std::string& o, std::string_view k) { AppendJsonKey(k, First(o), o); }
inline void Str(std::string& o, std::string_view k, std::string_view v) {
  Key(o, k);
  o += '"';
  o += v;
  o += '"';
}
inline void Int(std::string& o, std::string_view k, int64_t v) {
  Key(o, k);
  AppendJsonInt(v, o);
}
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

void AppendDouble(std::string& o, double v);  // up to 6 decimals, trailing zeros dropped

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
