// Framed NDJSON lines: the file image of a two-frame ZeroMQ message [tenant, payload]. A line whose
// first non-blank byte (after a byte order mark) opens no JSON value ('{' or '[') and that holds a
// TAB is read as "<tenant>\t<payload>": the tenant of the records in the payload that carry none
// (Graph directoryAudit and userRegistrationDetails name no tenant; a collector that polls Graph
// per tenant knows it). Every other line is the payload alone. `privmon gen` writes such lines for
// those records, `scan` and the file source read them, `replay` sends them as two frames.
// Pure, O(position of the first TAB), no allocation.
#pragma once

#include <cstddef>
#include <string_view>

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
  if (first == line.size() || line[first] == '{' || line[first] == '[') return {{}, line};
  const std::size_t tab = line.find('\t', first);
  if (tab == std::string_view::npos) return {{}, line};
  std::string_view tenant = line.substr(first, tab - first);
  while (!tenant.empty() && tenant.back() == ' ') tenant.remove_suffix(1);
  return {tenant, line.substr(tab + 1)};
}

}  // namespace privmon
