// MessageSource: where raw messages come from (ZeroMQ PULL/SUB socket, NDJSON file, stdin). Each
// source is owned and read by exactly one parse thread. Receive() reuses internal buffers, so the
// returned views stay valid until the next Receive() on the same source.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/stats.h"

namespace zmq {
class context_t;
}

namespace privmon {

struct RawMessage {
  std::string_view payload;
  std::string_view tenant_frame;  // first frame of a two-frame ZeroMQ message, else empty
  uint64_t sequence = 0;          // source order, set by a fanned-out source's lanes
  // Which of the source's clock_inputs() carried the message (a Kafka partition), < clock_inputs().
  uint32_t clock_input = 0;
  // Set (a static string) when the message's frames are not [payload] or [tenant, payload]:
  // the message is rejected as bad_frames with this reason and `payload` as its bytes.
  const char* frame_error = nullptr;
  // A Kafka message's topic and partition (the repartitioner names the input partition with them).
  std::string_view topic;
  int32_t partition = -1;
  // A state topic's progress mark (pipeline/state_topic_format.h): the input clock_input has read
  // up to this event time; no payload. INT64_MIN: not a mark.
  int64_t mark_us = INT64_MIN;
  // Bytes allocated and readable after `payload` in the source's own buffer (content unspecified):
  // at least kParsePadding (parsers/record_parser.h) lets the parser read the payload in place.
  // The parse thread resets it before every Receive; only a source that knows it sets it.
  std::size_t readable_after = 0;
  // The whole message's size when `payload` is only its first bytes (a file line longer than
  // max_message_bytes, rejected as oversized: its dead letter says the line's real size), else 0.
  // Reset by the parse thread before every Receive.
  uint64_t whole_size = 0;
  // Set by a fanned-out source's lanes: the source had nothing for a while (Receive said kIdle)
  // just before this message, where one parse thread would have flushed its marks.
  bool after_pause = false;
  // An element of an array the file source streams (pipeline/json_stream_framer.h: a pretty-printed
  // Graph page or batch): more of its document may follow, so the parse thread holds its progress
  // marks as it does for a page that names a next page (one clock step per listing). Reset by
  // the parse thread before every Receive.
  bool in_stream = false;
  // With in_stream: the "@odata.context" of the Graph page the element came from (its log, when
  // the element does not say: `auditLogs/signUps`), read by the parser as the page's
  // (ParseContext::page_context). Valid as the payload is; reset with in_stream.
  std::string_view page_context;
};

enum class ReceiveStatus { kMessage, kIdle, kEnd };

class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // Waits at most `timeout` for one message.
  virtual ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds timeout) = 0;
  virtual const std::string& name() const = 0;
  virtual const std::string& tenant() const = 0;  // configured tenant (SourceSettings::tenant)
  virtual bool multi_tenant() const = 0;          // SourceSettings::multi_tenant
  // Independent event-time inputs the source reads (DESIGN.md section 10 "Clocks"): each keeps
  // its own per-tenant clock, so one that lags makes no other's records late. Fixed at start-up.
  virtual uint32_t clock_inputs() const { return 1; }
  // The clock inputs known to exist at start (a Kafka topic's partitions, from the brokers'
  // metadata): each holds every tenant of the source back from the start until its first message
  // or until it stays quiet (TenantClocks::HoldInput), so the partitions fetched first do not run
  // ahead of one whose first fetch comes later. Called once, before the pipeline starts; may block
  // for a few seconds. Default: none.
  virtual std::vector<uint32_t> InputsHeldAtStart() { return {}; }
  // How long (wall time, ns) one of its clock inputs may send nothing before it stops holding the
  // source's tenants and the records waiting for it (`partition_idle_timeout`); 0: the pipeline's
  // default (10 s).
  virtual int64_t InputIdleNs() const { return 0; }
  // True when the whole input is there when the source opens and it ends by itself (a file not
  // followed; not stdin, which may be a live pipe in `run`): Pipeline holds its progress marks
  // from its start, as one listing's (Pipeline::EmitState::WholeHold), so a file written newest
  // first is judged as if sorted. A live source (ZeroMQ, Kafka, a followed file) must not be: its
  // verdicts would wait for its end.
  virtual bool Finite() const { return false; }
  // Checkpoints: the position just after the last message returned (a file's byte offset), or -1
  // for a source that has none (sockets, stdin). Called by the source's own parse thread.
  virtual int64_t Position() const { return -1; }
  // Continues from a stored Position() (before the first Receive). False when the source has no
  // positions or the position is past the end of what is there now.
  virtual bool Resume(int64_t /*position*/) { return false; }
  // SIGTERM: true when the source holds messages a sender already handed over (a ZeroMQ socket's
  // queue), which the parse thread then reads until the source is quiet or the drain timeout
  // passes; false (files, stdin) stops at once. A followed file: true, and its Receive hands out
  // at most its last line without newline then (Stopping).
  virtual bool DrainsOnStop() const { return false; }
  // SIGTERM, before DrainsOnStop() is asked, from the thread that calls Receive: `checkpointed`
  // when a checkpoint taken at this stop stores Position() (a restart reads on from there). A
  // followed file then hands out its last line without newline, when no checkpoint will read it
  // again, and nothing more (breaker round 80). Nothing for the others.
  virtual void Stopping(bool /*checkpointed*/) {}
  // True when a reader thread may read the source ahead of several parse threads (Pipeline's
  // fan-out of one source, pipeline/source_fanout.h): each message stands alone, with no progress
  // marks, partitions or positions a checkpoint would need. Files, stdin and ZeroMQ.
  virtual bool CanFanOut() const { return false; }
  // The caller is done with every message Receive handed out so far: their views may go. A lane of
  // a fanned-out source gives their slots and bytes back to its reader at once, instead of after
  // `block` later messages (its reader may be waiting for those bytes). Nothing for the others.
  virtual void ReleaseHandedOut() {}
  // Reads that failed so far (an I/O error; a file that shrank while read; late writes to a
  // followed file's renamed predecessor), each also said on stderr. Counted into CountInto's
  // stats as they happen; this is the source's own tally (tests, tools). The source's thread.
  virtual uint64_t read_errors() const { return 0; }
  // Where the source counts what it meets besides messages, as it meets it: failed reads, bytes
  // skipped, a followed file's events (SourceStats: read_errors, skipped_nul_bytes,
  // follow_events). Set once by the Pipeline before the first Receive (before a fan-out); the
  // stats outlive the source. Written from the thread that calls Receive (atomics: the exporter
  // reads them at each scrape). Without it (null) nothing is counted; all is still said.
  virtual void CountInto(SourceStats* /*stats*/) {}
  // A fanned-out source's lanes: true when the source, read up to its first `messages` messages,
  // has since had nothing for a while (a pause: one parse thread flushes its marks there). A lane
  // waiting for its reader is no pause: the reader may be blocked in a slow read (stdin).
  virtual bool PausedAfter(uint64_t /*messages*/) const { return false; }
  // A checkpoint holding `position` (a Position() value) is durable. Called from the control
  // thread while the parse thread may be reading: a source that acts on it (Kafka: commits the
  // offsets the position stands for) must be thread-safe here.
  virtual void Covered(int64_t /*position*/) {}
};

// Opens a source (binds/connects sockets, opens files, joins a Kafka group). Throws
// std::runtime_error with a clear message when it cannot (start-up only). A Kafka source adds its
// counters to `stats->kafka_sources` (when stats is given). A file source hands out lines longer
// than `max_message_bytes` (pipeline.max_message_bytes) + kTenantFrameRoom (framed_line.h) cut to
// that + 1 bytes; a ZeroMQ source disconnects a peer that sends a message above max(1 MiB, 4 x
// max_message_bytes).
std::unique_ptr<MessageSource> OpenSource(const SourceSettings& settings, zmq::context_t& zmq,
                                          PipelineStats* stats = nullptr,
                                          std::size_t max_message_bytes = 4u << 20);

// A followed file's last line without newline is read as a record once the file has stayed
// unchanged this long (an export that ends its file so, k17b), if no rotation, truncation or stop
// reads it first. Long: a block-buffered writer on a slow feed leaves a line half written for
// seconds or minutes, and a line read early is lost (breaker round 80: 1 s split a sign-in).
inline constexpr std::chrono::seconds kFollowLastLineWait{300};

// The file source OpenSource opens for a file or stdin, with a followed file's last-line wait
// (kFollowLastLineWait) given: tests.
std::unique_ptr<MessageSource> OpenFileSource(const SourceSettings& settings,
                                              std::size_t max_message_bytes,
                                              std::chrono::milliseconds last_line_wait);

// The tenant a message's transport named (its ZeroMQ frame or framed line's prefix, else its
// source's `tenant`), kept in a rejected message's dead-letter entry: the bytes alone may name
// none (a Graph signIn or registration), and an MSSP must know which customer sent it (breaker
// round 33). A view into `raw` or `src`.
inline std::string_view TransportTenant(const RawMessage& raw, const MessageSource& src) {
  return raw.tenant_frame.empty() ? std::string_view(src.tenant()) : raw.tenant_frame;
}

}  // namespace privmon
