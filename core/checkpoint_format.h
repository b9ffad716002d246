// Checkpoint file format, version 7 (docs/operations.md "Checkpoints"): the byte layout shared by
// the pipeline (which cuts, writes and restores checkpoints) and the state it carries (which
// encodes its own records, state/checkpoint_codec.h). Knows nothing of what a record means.
//
//   header   magic "PMCKPT01", u32 format, u32 layout hash, u32 partitions, u32 shards,
//            u64 sequence, i64 written (wall us), u32 sources {u32 name length, name, i64 offset},
//            per partition {u64 offset, u64 length, u32 crc32c}, u32 crc32c of the header so far
//   bodies   one per partition: records {u8 tag, u8 route, u16 origin shard, u32 length,
//            u64 key, length bytes}
// A record's partition is Mix64(key) % partitions. route kByKey: restored to the shard that owns
// `key` (the account key, as events are routed). route kByOrigin: keyed by a one-way hash (known
// values, suppression buckets, dedupe fingerprints, per-tenant clocks): restored to its origin
// shard when the shard count is unchanged, to every shard when it changed (correct, since lookups
// only ever ask for their own key; costs memory until swept).
// Little-endian, the writer's struct layouts (the layout hash refuses another build's layouts).
// Encode/Decode are O(bytes); not thread-safe per object.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace privmon {

inline constexpr uint32_t kCheckpointFormat = 8;  // reads 1 to 8 (DecodeCheckpoint)
inline constexpr uint32_t kCheckpointPartitions = 16;

// kByKey: the shard owning the record's key (an account key), as events are routed. kByOrigin:
// the shard that wrote it, or every shard when the shard count changed. kByOriginElseKey: the
// shard that wrote it, or the one owning its key (an account key) when the shard count changed:
// state kept per account on the shard that raised it, which one copy on every shard would repeat
// (a suppression bucket's pending update line, sent once per shard with a stale count: breaker
// round 41). An older binary reads 2 as kByOrigin.
enum class CheckpointRoute : uint8_t { kByKey = 0, kByOrigin = 1, kByOriginElseKey = 2 };

// CRC-32C of `bytes` continuing `crc`: SSE4.2's instruction where the CPU has it, else a table
// (Crc32cPortable, the same function).
uint32_t Crc32c(std::string_view bytes, uint32_t crc = 0);
uint32_t Crc32cPortable(std::string_view bytes, uint32_t crc = 0);

struct CheckpointRecordView {
  uint8_t tag = 0;
  CheckpointRoute route = CheckpointRoute::kByKey;
  uint16_t origin = 0;
  uint64_t key = 0;
  std::string_view payload;
  uint32_t format = kCheckpointFormat;  // of the file the record came from (set on restore)
};

// What one shard writes at a cut: records appended into per-partition buffers. Owned by the
// pipeline, filled by one shard thread (EventConsumer::SaveState), read after that shard is done.
// The pipeline's own record (not the engine's): the newest event time one clock input (a source,
// or a Kafka partition) reported for a tenant, so a restart keeps each tenant's per-input clock.
// Tenant 0: the input's own clock (any tenant; a state partition's input marks).
inline constexpr uint8_t kCheckpointClockInputTag = 7;
struct ClockInputRecord {
  uint64_t tenant = 0;
  uint32_t source = 0;
  int64_t newest = 0;
};
// Payload: source (4 bytes) then newest (8 bytes), host order like the other plain records.
inline std::string EncodeClockInput(const ClockInputRecord& r) {
  std::string out(12, '\0');
  std::memcpy(out.data(), &r.source, 4);
  std::memcpy(out.data() + 4, &r.newest, 8);
  return out;
}
inline bool DecodeClockInput(const CheckpointRecordView& v, ClockInputRecord* r) {
  if (v.payload.size() != 12) return false;
  r->tenant = v.key;
  std::memcpy(&r->source, v.payload.data(), 4);
  std::memcpy(&r->newest, v.payload.data() + 4, 8);
  return true;
}

// The pipeline's own record too: what a parse thread held back at the cut (or stop) for a Graph
// listing that goes on (Pipeline::EmitState::listings, docs/operations.md "A listing is one clock
// step"), so a listing that straddles a cut or a restart is still one clock step after it: its
// older pages stay on time. Kind 0: a held progress mark, the newest event time `clock_source`
// read for `tenant` (ProgressMarks) that no shard was sent; kind 1: an open listing of source
// `source_id` and `tenant` (0: a listing of several tenants). Appended in format 6 (older files
// have none: a restart from one ends every listing, as before).
inline constexpr uint8_t kCheckpointHeldMarkTag = 10;
struct HeldMarkRecord {
  uint64_t tenant = 0;
  uint32_t source_id = 0;
  uint32_t clock_source = 0;
  int64_t newest = 0;
  uint8_t kind = 0;  // 0: a held mark, 1: an open listing
};
// Payload: source id (4), clock source (4), newest (8), kind (1).
inline std::string EncodeHeldMark(const HeldMarkRecord& r) {
  std::string out(17, '\0');
  std::memcpy(out.data(), &r.source_id, 4);
  std::memcpy(out.data() + 4, &r.clock_source, 4);
  std::memcpy(out.data() + 8, &r.newest, 8);
  out[16] = static_cast<char>(r.kind);
  return out;
}
inline bool DecodeHeldMark(const CheckpointRecordView& v, HeldMarkRecord* r) {
  if (v.payload.size() != 17) return false;
  r->tenant = v.key;
  std::memcpy(&r->source_id, v.payload.data(), 4);
  std::memcpy(&r->clock_source, v.payload.data() + 4, 4);
  std::memcpy(&r->newest, v.payload.data() + 8, 8);
  r->kind = static_cast<uint8_t>(v.payload[16]);
  return r->kind <= 1;
}

// The control thread's own record: PRIV-OP-01's watch over one tenant (app/tenant_silence.h), so
// a restart neither raises a silence already alerted again nor forgets one under way (k17d).
// Appended in format 7 (older files have none: every silence starts over, as before).
// Payload: since (wall us, 8), newest event time (us, 8), flags (1: bit 0 alerted, bit 1 moved,
// bit 2 never sent: no record of the tenant was counted; bit 3 not configured when saved; set
// from session 51's builds on, within format 8),
// next gap (4), gap count (4), the gaps (8 each), then the tenant id's bytes.
inline constexpr uint8_t kCheckpointSilenceTag = 13;
struct SilenceRecord {
  uint64_t tenant = 0;
  int64_t since_us = 0;
  int64_t last_event_us = 0;
  bool alerted = false;
  bool moved = false;
  bool never_sent = false;    // older files: clear (a tenant that sent, judged as before)
  bool unconfigured = false;  // not in `tenants:` when saved; older files: clear (configured)
  uint32_t next_gap = 0;
  std::vector<int64_t> gaps;
  std::string tenant_id;
};
inline std::string EncodeSilence(const SilenceRecord& r) {
  const auto count = static_cast<uint32_t>(r.gaps.size());
  std::string out(25 + 8 * static_cast<std::size_t>(count), '\0');
  std::memcpy(out.data(), &r.since_us, 8);
  std::memcpy(out.data() + 8, &r.last_event_us, 8);
  out[16] = static_cast<char>((r.alerted ? 1 : 0) | (r.moved ? 2 : 0) | (r.never_sent ? 4 : 0) |
                              (r.unconfigured ? 8 : 0));
  std::memcpy(out.data() + 17, &r.next_gap, 4);
  std::memcpy(out.data() + 21, &count, 4);
  if (count != 0) std::memcpy(out.data() + 25, r.gaps.data(), 8 * static_cast<std::size_t>(count));
  out.append(r.tenant_id);
  return out;
}
inline bool DecodeSilence(const CheckpointRecordView& v, SilenceRecord* r) {
  if (v.payload.size() < 25) return false;
  r->tenant = v.key;
  std::memcpy(&r->since_us, v.payload.data(), 8);
  std::memcpy(&r->last_event_us, v.payload.data() + 8, 8);
  const auto flags = static_cast<uint8_t>(v.payload[16]);
  r->alerted = (flags & 1) != 0;
  r->moved = (flags & 2) != 0;
  r->never_sent = (flags & 4) != 0;
  r->unconfigured = (flags & 8) != 0;
  std::memcpy(&r->next_gap, v.payload.data() + 17, 4);
  uint32_t count = 0;
  std::memcpy(&count, v.payload.data() + 21, 4);
  if (flags > 15 || (v.payload.size() - 25) / 8 < count) return false;
  r->gaps.resize(count);
  if (count != 0) std::memcpy(r->gaps.data(), v.payload.data() + 25, 8 * std::size_t{count});
  r->tenant_id.assign(v.payload.substr(25 + 8 * std::size_t{count}));
  return true;
}

// The pipeline's own record too: an event a shard held back because it ran ahead of its tenant's
// clock (pipeline/ahead_hold.h), not yet handed to the rules at the cut or stop; restored by
// routing it afresh. Payload: pipeline/ahead_hold.h EncodeAheadEvent. Appended within format 8
// (older files have none: nothing was held).
inline constexpr uint8_t kCheckpointAheadEventTag = 17;

class CheckpointShardWriter {
 public:
  explicit CheckpointShardWriter(uint16_t shard) : shard_(shard), parts_(kCheckpointPartitions) {}
  void Add(uint8_t tag, CheckpointRoute route, uint64_t key, std::string_view payload);
  // Empties every partition, keeping its capacity (the next checkpoint's records fit in it).
  void Clear() {
    for (std::string& p : parts_) p.clear();
  }
  const std::vector<std::string>& partitions() const { return parts_; }
  std::size_t bytes() const;
  std::size_t capacity() const {
    std::size_t n = 0;
    for (const std::string& p : parts_) n += p.capacity();
    return n;
  }

 private:
  uint16_t shard_;
  std::vector<std::string> parts_;
};

struct CheckpointSourcePosition {
  std::string name;
  int64_t offset = -1;  // -1: the source has no position (sockets)
};

struct CheckpointHeader {
  uint32_t format = kCheckpointFormat;
  uint32_t layout = 0;
  uint32_t shards = 0;
  uint64_t sequence = 0;
  int64_t written_us = 0;
  std::vector<CheckpointSourcePosition> sources;
};

// The whole file: header, then the shards' partition buffers concatenated per partition.
std::string EncodeCheckpoint(const CheckpointHeader& header,
                             const std::vector<const CheckpointShardWriter*>& shards);
// The header alone (with every partition's length and checksum); the file is the header followed
// by, for each partition in order, every shard's buffer of it in shard order (written piece by
// piece, never copied into one string: CheckpointStore::Write).
std::string EncodeCheckpointHeader(const CheckpointHeader& header,
                                   const std::vector<const CheckpointShardWriter*>& shards);

// A decoded file: the header and each partition's body (views into the caller's bytes).
struct DecodedCheckpoint {
  CheckpointHeader header;
  std::vector<std::string_view> partitions;
};

// Checks magic, format, layout and every checksum. Dispatches on the format number: formats
// 1..kCheckpointFormat are read, each with the layout hash layouts[format] (0: that format is not
// readable); a newer format is refused. Returns an empty string on success, else why the file is
// unusable (truncated, checksum mismatch, unknown format, another build's layout).
std::string DecodeCheckpoint(std::string_view bytes, std::span<const uint32_t> layouts,
                             DecodedCheckpoint* out);

// Calls f(record) for every record of one partition body; false when the body is malformed.
template <class F>
bool ForEachCheckpointRecord(std::string_view body, F&& f);

// Little-endian append / read helpers for record payloads.
void PutU64(std::string& out, uint64_t v);
void PutU32(std::string& out, uint32_t v);
uint64_t GetU64(const char* p);
uint32_t GetU32(const char* p);

template <class F>
bool ForEachCheckpointRecord(std::string_view body, F&& f) {
  constexpr std::size_t kHead = 1 + 1 + 2 + 4 + 8;
  std::size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < kHead) return false;
    const char* p = body.data() + pos;
    CheckpointRecordView r;
    r.tag = static_cast<uint8_t>(p[0]);
    r.route = static_cast<CheckpointRoute>(static_cast<uint8_t>(p[1]));
    r.origin = static_cast<uint16_t>(static_cast<uint8_t>(p[2]) |
                                     (static_cast<uint16_t>(static_cast<uint8_t>(p[3])) << 8));
    const uint32_t len = GetU32(p + 4);
    r.key = GetU64(p + 8);
    if (body.size() - pos - kHead < len) return false;
    r.payload = body.substr(pos + kHead, len);
    f(r);
    pos += kHead + len;
  }
  return true;
}

}  // namespace privmon
