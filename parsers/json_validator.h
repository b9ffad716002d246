// JsonValidator: decides whether a whole JSON text is well-formed before anything walks it, so the
// on-demand walkers can read only the fields they need and let on-demand skip the rest natively
// (on-demand's skip only counts brackets and validates nothing).
// Fast path: simdjson's DOM parser (stage 1 + stage 2: grammar, numbers, literals, escapes, UTF-8,
// nesting <= kMaxDepth). Only when it refuses a text does a full on-demand walk decide, so the
// verdict and error code are exactly those of walking every value with on-demand (which, e.g.,
// accepts integers beyond 64 bits as doubles where the DOM parser does not).
// Errors are simdjson codes (DEPTH_ERROR when nested too deep). The DOM tape is scratch. Buffers
// only grow: steady state allocates nothing. Not thread-safe.
#pragma once

#include <simdjson.h>

#include <cstddef>

namespace privmon::parsers {

class JsonValidator {
 public:
  JsonValidator();

  // `padded` holds `length` bytes followed by simdjson::SIMDJSON_PADDING readable bytes, inside a
  // buffer of `capacity` bytes. `fallback` is the on-demand parser the caller walks the text with
  // afterwards (used here only on the slow path; the caller iterates again).
  simdjson::error_code Validate(simdjson::ondemand::parser& fallback, const char* padded,
                                std::size_t length, std::size_t capacity);

 private:
  simdjson::dom::parser parser_;
  simdjson::error_code init_error_;
};

}  // namespace privmon::parsers
