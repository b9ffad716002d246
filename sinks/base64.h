// Standard base64 (RFC 4648, with '=' padding) for dead-letter payloads that are not UTF-8.
// Pure, thread-safe, O(len); Append* writes into the caller's buffer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace privmon {

void AppendBase64(std::string_view bytes, std::string& out);
// nullopt when `text` is not well-formed padded base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace privmon
