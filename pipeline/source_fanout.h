// FanOutSource: lets P parse threads share one source, so one busy ZeroMQ endpoint or one big
// file is parsed on several cores. A reader thread owns the source and copies each message into
// a slot of a lane, dealing `block` messages in a row to each lane in turn (round robin by
// block); each lane is a MessageSource read by one parse thread, whose last `block` messages stay
// valid (a lane parses a block ahead before it hands the results on).
// Per lane, two SPSC queues of slot indices (filled, free) over a fixed array of slots whose
// buffers keep their capacity: no lock, and no allocation once the buffers have grown. Lanes
// interleave by at most `slots_per_lane` messages; each message carries its source-order
// `sequence` (0, 1, 2, ...; lane = (sequence / block) % lanes), by which Pipeline puts them back
// in order.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "pipeline/message_source.h"

namespace privmon {

// Byte budget: the reader holds at most `max_inflight_bytes` of messages read and not yet parsed
// (a lane gives a message's bytes back when its parse thread asks for the `block`th next one, or
// at once with ReleaseHandedOut, which Pipeline's lanes call after each block); beyond it the
// reader waits, so the source is not read (ZeroMQ's high-water mark then pushes back on senders).
// A message larger than the budget is read once nothing else is held. A slot whose buffer grew
// past kKeepBytes, or past its share of the budget (budget / (lanes x slots_per_lane)) when that
// is less, is freed after its message, so what the slots keep stays within the budget and RSS
// comes back after large messages. Accounted
// in `stats` (inflight_bytes, inflight_bytes_peak, inflight_waits) when given.
inline constexpr std::size_t kKeepBytes = 1u << 20;

// Stopping (SIGTERM): once `*requested` is set the reader ends the input: at once, or, for a
// source that DrainsOnStop() (ZeroMQ), once it has had nothing for `drain_quiet` or after
// `drain_timeout`. The lanes then end (kEnd) once they have handed out what was read. `requested`
// (null: never) must outlive the lanes.
struct FanOutStop {
  const std::atomic<bool>* requested = nullptr;
  std::chrono::milliseconds drain_timeout{0};
  std::chrono::milliseconds drain_quiet{100};
};

// Returns `lanes` sources fed by `source`. The reader thread stops when the source ends, when
// `stop` says so, or when every lane has been destroyed (the last one joins it).
std::vector<std::unique_ptr<MessageSource>> FanOutSource(std::unique_ptr<MessageSource> source,
                                                         uint32_t lanes,
                                                         uint32_t slots_per_lane = 256,
                                                         uint64_t max_inflight_bytes = UINT64_MAX,
                                                         PipelineStats* stats = nullptr,
                                                         FanOutStop stop = {}, uint32_t block = 1);

}  // namespace privmon
