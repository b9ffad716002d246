// SourceFanout: lets P parse threads share one source, so one busy ZeroMQ endpoint or one big
// file is parsed on several cores. A reader thread owns the source and copies each message into
// a slot of the next lane, round robin; each lane is a MessageSource read by one parse thread.
// Per lane, two SPSC queues of slot indices (filled, free) over a fixed array of slots whose
// buffers keep their capacity: no lock, and no allocation once the buffers have grown. Lanes
// interleave by at most `slots_per_lane` messages, well within any allowed lateness.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pipeline/message_source.h"

namespace privmon {

// Returns `lanes` sources fed by `source`. The reader thread stops when the source ends or when
// every lane has been destroyed.
std::vector<std::unique_ptr<MessageSource>> FanOutSource(std::unique_ptr<MessageSource> source,
                                                         uint32_t lanes,
                                                         uint32_t slots_per_lane = 256);

}  // namespace privmon
