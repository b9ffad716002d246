// privmon's one JSON string writer (alert formats, dead letters, `check --format json`, `privmon
// gen`): AppendJsonString writes a quoted, escaped JSON string. Quotes, backslashes and control
// bytes are escaped (every control byte as \u00XX, for one simple rule); well-formed UTF-8 passes
// through; each byte that starts no well-formed sequence becomes \ufffd. Appends into the
// caller's string, so a reused buffer allocates nothing once its capacity suffices. Pure,
// thread-safe, O(len).
#pragma once

#include <string>
#include <string_view>

namespace privmon {

void AppendJsonString(std::string_view text, std::string& out);
// The same escaping without the quotes, to build one string from several pieces.
void AppendJsonEscaped(std::string_view text, std::string& out);

}  // namespace privmon
