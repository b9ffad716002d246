// What a followed file source (`follow: true`, pipeline/file_source.cc) meets besides lines: a
// rotation, a truncation, its file deleted or moved away, a replacement it cannot open. Each is
// said on stderr and counted per source (privmon_source_follow_events_total{source,event}, a
// bounded label set), so a dashboard sees what the log says. Vocabulary only; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace privmon {

enum class FollowEvent : uint8_t {
  kRotated,    // the path names another file (rotation by rename): that file is read from 0
  kTruncated,  // shorter than where privmon stood (copytruncate): read again from 0
  kRewritten,  // truncated and written past where privmon stood: read again from 0
  kDeleted,    // the open file was deleted (no link left) and the path names no file: read on
  kMovedAway,  // renamed away, the path naming no file for 5 s: read on
  // A file at the path that cannot be opened (its mode, a socket) or is not opened (a FIFO): the
  // old file is read on, the path looked at again.
  kOpenFailed,
  kMissing,  // the path names no file at start: waited for
  kCount
};

inline constexpr std::size_t kFollowEventCount = static_cast<std::size_t>(FollowEvent::kCount);

// Metric label for each event.
constexpr std::string_view FollowEventName(FollowEvent e) {
  switch (e) {
    case FollowEvent::kRotated:
      return "rotated";
    case FollowEvent::kTruncated:
      return "truncated";
    case FollowEvent::kRewritten:
      return "rewritten";
    case FollowEvent::kDeleted:
      return "deleted";
    case FollowEvent::kMovedAway:
      return "moved_away";
    case FollowEvent::kOpenFailed:
      return "open_failed";
    case FollowEvent::kMissing:
      return "missing";
    case FollowEvent::kCount:
      break;
  }
  return "unknown";
}

}  // namespace privmon
