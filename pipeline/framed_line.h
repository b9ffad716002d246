// Framed NDJSON lines: the file image of a two-frame ZeroMQ message [tenant, payload]. A line whose
// first non-blank byte (after a byte order mark) opens no JSON value ('{' or '[') and that holds a
// TAB is read as "<tenant>\t<payload>", as is one whose tenant is a GUID in the braces of the
// registry form ("{GUID}\t<payload>": no JSON value starts so): the tenant of the records in the
// payload that carry none (Graph directoryAudit and userRegistrationDetails name no tenant; a
// collector that polls Graph per tenant knows it). Every other line is the payload alone. `privmon
// gen` writes such lines for those records, `scan` and the file source read them, `replay` sends
// them as two frames. Pure, O(position of the first TAB), no allocation.
#pragma once

#include <cstddef>
#include <string_view>

#include "parsers/text_util.h"

namespace privmon {

// Bytes a file source allows a line beyond pipeline.max_message_bytes for its tenant frame (the
// limit is the payload's, as for a two-frame message): a tenant id is 36 bytes, a domain at most
// 253. A longer line is cut (pipeline/file_source.cc).
inline constexpr std::size_t kTenantFrameRoom = 256;

struct FramedLine {
  std::string_view tenant;  // empty when the line is not framed
  std::string_view payload;
};

inline FramedLine SplitFramedLine(std::string_view line) {
  // A byte order mark that Windows tools put before a file's first line is no part of a tenant
  // (the record parser skips it before plain JSON).
  std::size_t first = line.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (first < line.size() && (line[first] == ' ' || line[first] == '\t')) ++first;
  if (first == line.size() || line[first] == '[') return {{}, line};
  if (line[first] == '{') {
    // "{GUID}" (36 or 32 hex digits in braces, as .NET's Guid.ToString("B") and registry-minded
    // exports write ids) right before the TAB: a tenant as `tenants:` accepts it, not JSON.
    for (const std::size_t digits : {std::size_t{36}, std::size_t{32}}) {
      const std::size_t close = first + digits + 1;
      if (close + 1 < line.size() && line[close] == '}' && line[close + 1] == '\t' &&
          (parsers::IsGuidText(line.substr(first + 1, digits)) ||
           parsers::IsDashlessGuidText(line.substr(first + 1, digits)))) {
        return {line.substr(first, close + 1 - first), line.substr(close + 2)};
      }
    }
    return {{}, line};
  }
  const std::size_t tab = line.find('\t', first);
  if (tab == std::string_view::npos) return {{}, line};
  std::string_view tenant = line.substr(first, tab - first);
  while (!tenant.empty() && tenant.back() == ' ') tenant.remove_suffix(1);
  return {tenant, line.substr(tab + 1)};
}

}  // namespace privmon
