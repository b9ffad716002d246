// `privmon replay`'s marker: an empty page naming this next link goes before an element of a
// streamed array that replay sends alone, unchanged (an element not valid JSON alone, a Kusto v2
// frame, an envelope), so the `run` it is sent to goes on with the listing over that element as
// `scan` goes on with the stream (ParseResult::element_follows).
#pragma once

#include <string_view>

namespace privmon {

inline constexpr std::string_view kReplayElementFollows = "privmon-replay:element-follows";

}  // namespace privmon
