// RecordParser: bytes of one message -> Events, with one simdjson DOM parse per message (which also
// validates it whole; JSON text inside Log Analytics string columns gets one parse of its own; the
// fields are read from the DOM, never re-parsed). A message holds one record
// in any format of DESIGN.md section 3, an Event Hubs batch {"records":[...]} or a Graph page
// {"value":[...]}. Each record becomes an Event, a Rejection (reason + the record's raw bytes) or,
// for an Entra category privmon does not read, a Skipped.
// Ownership: the parser owns its simdjson parser, padded buffer and result vectors and reuses them,
// so steady-state parsing allocates nothing. Not thread-safe: one RecordParser per parse thread.
// The returned ParseResult (and the string_views inside it) stay valid until the next Parse().
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/hash.h"
#include "core/reject_reason.h"
#include "core/replay_marker.h"
#include "core/skipped_category.h"

namespace privmon {

// Bytes simdjson may read past a message's end (simdjson::SIMDJSON_PADDING, checked where simdjson
// is included): a source whose buffer has this many allocated bytes after a message lets the
// parser read it in place.
inline constexpr std::size_t kParsePadding = 64;

struct ParseContext {
  std::string_view frame_tenant;   // tenant from a two-frame ZeroMQ message, may be empty
  std::string_view source_tenant;  // the source's configured tenant, may be empty
  uint8_t source_index = 0;
  int64_t received_ns = 0;
  uint64_t sequence = 0;  // sequence of the message; records get sequence*1024 + index
  // Tenancy as a security boundary (DESIGN.md section 10): when false, a frame or source tenant
  // pins the message's tenant and a record naming another is rejected as tenant_mismatch.
  bool multi_tenant = false;
  // Bytes the caller guarantees allocated and readable right after the message (any content).
  // At least kParsePadding: the message is parsed where it lies, not copied.
  std::size_t readable_after = 0;
  // The "@odata.context" of the Graph page an element the file source streams on its own came from
  // (RawMessage::page_context: a pretty-printed page, or a compact one longer than a message), so
  // the element is read as its page's, as it is in the page whole. Empty otherwise.
  std::string_view page_context;
};

struct Rejection {
  RejectReason reason;
  std::string_view raw;  // the refused record's bytes (or the whole message)
  std::string_view
      detail;  // human-readable, e.g. "records[3]: missing userId and userPrincipalName"
};

// A record of an Entra category privmon does not read (core/skipped_category.h): not an error.
struct Skipped {
  SkippedCategory category;
  std::string_view raw;  // the record's bytes
};

struct ParseResult {
  std::vector<Event> events;
  std::vector<std::string_view> event_raw;  // the bytes of events[i] (for dead letters)
  std::vector<Rejection> rejections;
  std::vector<Skipped> skipped;
  // The message is a Graph page whose envelope names a non-empty "@odata.nextLink": more pages of
  // the same listing follow (older ones: Graph lists sign-ins and audits newest first).
  bool more_pages = false;
  // The message is `privmon replay`'s marker ({"value":[],"@odata.nextLink":
  // kReplayElementFollows}): the next message of its source is an element of the same streamed
  // array or listing that replay sent alone, unchanged (an element that is not valid JSON alone, a
  // Kusto v2 frame, an envelope): it goes on with the listing as in `scan`, whatever it names.
  bool element_follows = false;
  std::size_t records() const { return events.size() + rejections.size() + skipped.size(); }
};

// The redelivery key of a record: (tenant, kind, own id), or (tenant, kind, bytes) when the record
// has no id of its own. The id compares case-insensitively and without the braces of the registry
// form "{GUID}" (neither is part of a GUID: one export may write it in upper case, another in
// braces); for a lower-case id without braces the value is the same as before.
// Exact 64-bit, never 0.
inline uint64_t RecordFingerprint(uint64_t tenant_hash, EventKind kind,
                                  std::string_view id_or_bytes, bool is_id) {
  if (is_id && id_or_bytes.size() >= 2 && id_or_bytes.front() == '{' && id_or_bytes.back() == '}') {
    id_or_bytes = id_or_bytes.substr(1, id_or_bytes.size() - 2);
  }
  const uint64_t h =
      HashCombine(HashCombine(tenant_hash, static_cast<uint64_t>(kind) + 1),
                  is_id ? HashLower(id_or_bytes, kHashSeed) : HashBytes(id_or_bytes, ~kHashSeed));
  return h == 0 ? 1 : h;
}

// The redelivery key of a sign-in with an id: its id's (RecordFingerprint) with its outcome (error
// code) and its event time in whole seconds. Azure Monitor writes one MFA sign-in as several line
// items of one `id` (and correlation id): 50074 "strong authentication required", then 0 or 500121
// (a fraud report among its steps); each is a record of its own, and a redelivery is the same row
// again (same id, outcome and time). Whole seconds: a copy in another shape or precision (Graph
// v1.0 writes createdDateTime in whole seconds, Log Analytics in 7 digits) is the same row.
// Exact 64-bit, never 0.
inline uint64_t SignInRowFingerprint(uint64_t id_fingerprint, const Event& e) {
  const EventTime seconds = e.time >= 0 ? e.time / kMicrosPerSecond
                                        : -((kMicrosPerSecond - 1 - e.time) / kMicrosPerSecond);
  const uint64_t h =
      HashCombine(HashCombine(id_fingerprint,
                              static_cast<uint64_t>(static_cast<uint32_t>(e.signin.error_code))),
                  static_cast<uint64_t>(seconds));
  return h == 0 ? 1 : h;
}

// The redelivery key of a record without an id of its own (a Log Analytics projection without
// `Id`, an Azure Activity record): what it says, not its bytes. A forwarder that re-serializes the
// record (other white space, key order, escapes, number forms) or an export of the same rows in
// another shape (rows, a query API response, a Graph object) leaves the key alone: its event time
// to the microsecond, account, initiator, correlation id and what happened (error code; activity;
// event id), which every shape carries alike, not the fields one shape drops (the envelope
// country, a device, a place). Two records that differ in any of these do not share it.
// Registrations keep the key of their bytes (RecordFingerprint): their `id` is their user's.
// Exact 64-bit, never 0.
// `correlation_id`: the record's correlation id (a record without an id of its own keeps it as its
// record_id; one with an id names it beside), so a copy with its id and one without share the key.
inline uint64_t ContentHash(const Event& e, EventTime time, std::string_view correlation_id) {
  uint64_t h = HashCombine(HashCombine(e.tenant_hash, static_cast<uint64_t>(e.kind) + 1),
                           HashCombine(static_cast<uint64_t>(time), 0x636f6e74656e74ULL));
  h = HashCombine(h, HashCombine(e.account.key, e.actor.key));
  h = HashCombine(h, HashLower(correlation_id, ~kHashSeed));
  switch (e.kind) {
    case EventKind::kSignIn:
      h = HashCombine(h, static_cast<uint64_t>(static_cast<uint32_t>(e.signin.error_code)));
      break;
    case EventKind::kAudit:
      h = HashCombine(h, e.audit.activity_hash);
      break;
    case EventKind::kSecurityEvent:
      h = HashCombine(h, e.security.event_id);
      break;
    default:
      h = HashCombine(h, e.elevate_access ? 1 : 0);
      break;
  }
  return h == 0 ? 1 : h;
}
inline uint64_t ContentFingerprint(const Event& e, std::string_view correlation_id) {
  return ContentHash(e, e.time, correlation_id);
}
// A record without an id of its own: its record_id is its correlation id, if any.
inline uint64_t ContentFingerprint(const Event& e) {
  return ContentFingerprint(e, e.record_id.view());
}

// Event time floored to whole units of `unit` microseconds.
inline EventTime FloorTime(EventTime t, EventTime unit) {
  return t >= 0 ? t / unit : -((unit - 1 - t) / unit);
}

// The key of one record across its copies with and without an id of its own (Event::content_key;
// DetectionEngine::Duplicate). A copy keeps what its shape keeps: a sign-in, what
// ContentFingerprint reads but its event time in whole seconds and no correlation id (Graph v1.0
// writes a sign-in's createdDateTime in whole seconds, a Log Analytics portal export to the
// millisecond; a hunting projection may drop CorrelationId: breaker round 110, each such copy
// beside the record with its id counted the sign-in twice); any other record, to the millisecond
// with its correlation id and, for an audit record, its role (breaker round 115: two roles granted
// in one second by one admin, one record in each shape, were taken for copies of one).
// `correlation_id` as ContentFingerprint's. Copies without an id still tell each other apart by
// their fingerprint. Bit 0 is set for a record with an id of its own and clear for one without
// (the key is compared with it set), so the two are told apart without another field. Never 0.
inline uint64_t CopyContentKey(const Event& e, std::string_view correlation_id, bool has_id) {
  uint64_t h = 0;
  if (e.kind == EventKind::kSignIn) {
    h = ContentHash(e, FloorTime(e.time, kMicrosPerSecond), std::string_view{});
  } else {
    h = ContentHash(e, FloorTime(e.time, 1000), correlation_id);
    if (e.kind == EventKind::kAudit) h = HashCombine(h, e.audit.role_hash);
  }
  return has_id ? (h | 3) : ((h | 2) & ~uint64_t{1});
}

class RecordParser {
 public:
  explicit RecordParser(std::size_t max_message_bytes = 4u << 20);
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  const ParseResult& Parse(std::string_view message, const ParseContext& ctx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace privmon
