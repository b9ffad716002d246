// MessageSource: where raw messages come from (ZeroMQ PULL/SUB socket, NDJSON file, stdin). Each
// source is owned and read by exactly one parse thread. Receive() reuses internal buffers, so the
// returned views stay valid until the next Receive() on the same source.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"

namespace zmq {
class context_t;
}

namespace privmon {

struct RawMessage {
  std::string_view payload;
  std::string_view tenant_frame;  // first frame of a two-frame ZeroMQ message, else empty
  uint64_t sequence = 0;          // source order, set by a fanned-out source's lanes
  // Set (a static string) when the message's frames are not [payload] or [tenant, payload]:
  // the message is rejected as bad_frames with this reason and `payload` as its bytes.
  const char* frame_error = nullptr;
};

enum class ReceiveStatus { kMessage, kIdle, kEnd };

class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // Waits at most `timeout` for one message.
  virtual ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) = 0;
  virtual const std::string& name() const = 0;
  virtual const std::string& tenant() const = 0;  // configured tenant for records without one
  // Checkpoints: the position just after the last message returned (a file's byte offset), or -1
  // for a source that has none (sockets, stdin). Called by the source's own parse thread.
  virtual int64_t Position() const { return -1; }
  // Continues from a stored Position() (before the first Receive). False when the source has no
  // positions or the position is past the end of what is there now.
  virtual bool Resume(int64_t /*position*/) { return false; }
  // SIGTERM: true when the source holds messages a sender already handed over (a ZeroMQ socket's
  // queue), which the parse thread then reads until the source is quiet or the drain timeout
  // passes; false (files, stdin) stops at once.
  virtual bool DrainsOnStop() const { return false; }
};

// Opens a source (binds/connects sockets, opens files). Throws std::runtime_error with a clear
// message when it cannot (start-up only).
std::unique_ptr<MessageSource> OpenSource(const SourceSettings& settings, zmq::context_t& zmq);

}  // namespace privmon
