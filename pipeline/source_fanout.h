// FanOutSource: lets P parse threads share one source, so one busy ZeroMQ endpoint or one big
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

// Byte budget: the reader holds at most `max_inflight_bytes` of messages read and not yet parsed
// (a lane gives a message's bytes back when its parse thread asks for the next one); beyond it the
// reader waits, so the source is not read (ZeroMQ's high-water mark then pushes back on senders).
// A message larger than the budget is read once nothing else is held. A slot whose buffer grew
// past kKeepBytes is freed after its message, so RSS comes back after large messages. Accounted
// in `stats` (inflight_bytes, inflight_bytes_peak, inflight_waits) when given.
inline constexpr std::size_t kKeepBytes = 1u << 20;

// Returns `lanes` sources fed by `source`. The reader thread stops when the source ends or when
// every lane has been destroyed.
std::vector<std::unique_ptr<MessageSource>> FanOutSource(std::unique_ptr<MessageSource> source,
                                                         uint32_t lanes,
                                                         uint32_t slots_per_lane = 256,
                                                         uint64_t max_inflight_bytes = UINT64_MAX,
                                                         PipelineStats* stats = nullptr);

}  // namespace privmon
