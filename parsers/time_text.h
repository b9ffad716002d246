// Event-time text of real exports -> EventTime. ISO 8601 goes to core ParseIsoTime; the US-locale
// forms seen in diagnostic `time` fields ("12/12/2025 3:03:58 PM", "1/9/2007 09:41:00",
// "9/19/2023, 1:45:17.287 PM", optional "+01:00") and ISO with an unpadded month, day or hour
// ("2022-09-09T8:48:50.361Z") are read here, zone-less as UTC; so are Unix times (seconds to
// nanoseconds, as numbers or digits) and .NET's "/Date(ms)/".
// Pure function, no allocation, O(len).
#pragma once

#include <optional>
#include <string_view>

#include "core/event_time.h"

namespace privmon::parsers {

std::optional<EventTime> ParseEventTimeText(std::string_view text);

}  // namespace privmon::parsers
