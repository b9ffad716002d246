#include "core/checkpoint_format.h"

#include <array>
#include <cstring>

#include "core/hash.h"

namespace privmon {
namespace {

constexpr std::string_view kMagic = "PMCKPT01";

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;  // Castagnoli
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

void PutI64(std::string& out, int64_t v) { PutU64(out, static_cast<uint64_t>(v)); }

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool U32(uint32_t* v) {
    if (b_.size() - pos_ < 4) return false;
    *v = GetU32(b_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (b_.size() - pos_ < 8) return false;
    *v = GetU64(b_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool Bytes(std::size_t n, std::string_view* v) {
    if (b_.size() - pos_ < n) return false;
    *v = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

}  // namespace

uint32_t Crc32cPortable(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (const char ch : bytes) crc = kCrcTable[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
namespace {
// SSE4.2's crc32 instruction computes CRC-32C (Castagnoli, reflected, no inversions): 8 bytes a
// step instead of one table lookup per byte (a checkpoint's checksums took most of the control
// thread's time per checkpoint, BENCHMARKS.md session 12).
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(std::string_view bytes, uint32_t crc) {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
  return ~c32;
}
}  // namespace
#endif

uint32_t Crc32c(std::string_view bytes, uint32_t crc) {
#if defined(__x86_64__)
  static const bool sse42 = (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
  if (sse42) return Crc32cSse42(bytes, crc);
#endif
  return Crc32cPortable(bytes, crc);
}

void PutU64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
void PutU32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void CheckpointShardWriter::Add(uint8_t tag, CheckpointRoute route, uint64_t key,
                                std::string_view payload) {
  std::string& out = parts_[Mix64(key) % kCheckpointPartitions];
  out.push_back(static_cast<char>(tag));
  out.push_back(static_cast<char>(route));
  out.push_back(static_cast<char>(shard_ & 0xFF));
  out.push_back(static_cast<char>(shard_ >> 8));
  PutU32(out, static_cast<uint32_t>(payload.size()));
  PutU64(out, key);
  out.append(payload);
}

std::size_t CheckpointShardWriter::bytes() const {
  std::size_t n = 0;
  for (const auto& p : parts_) n += p.size();
  return n;
}

std::string EncodeCheckpoint(const CheckpointHeader& header,
                             const std::vector<const CheckpointShardWriter*>& shards) {
  std::string out = EncodeCheckpointHeader(header, shards);
  for (uint32_t p = 0; p < kCheckpointPartitions; ++p) {
    for (const auto* s : shards) out += s->partitions()[p];
  }
  return out;
}

std::string EncodeCheckpointHeader(const CheckpointHeader& header,
                                   const std::vector<const CheckpointShardWriter*>& shards) {
  std::vector<uint64_t> lengths(kCheckpointPartitions, 0);
  std::vector<uint32_t> crcs(kCheckpointPartitions, 0);
  for (uint32_t p = 0; p < kCheckpointPartitions; ++p) {
    for (const auto* s : shards) {
      lengths[p] += s->partitions()[p].size();
      crcs[p] = Crc32c(s->partitions()[p], crcs[p]);
    }
  }
  std::string out(kMagic);
  PutU32(out, header.format);
  PutU32(out, header.layout);
  PutU32(out, kCheckpointPartitions);
  PutU32(out, header.shards);
  PutU64(out, header.sequence);
  PutI64(out, header.written_us);
  PutU32(out, static_cast<uint32_t>(header.sources.size()));
  for (const auto& s : header.sources) {
    PutU32(out, static_cast<uint32_t>(s.name.size()));
    out += s.name;
    PutI64(out, s.offset);
  }
  uint64_t offset = 0;
  for (uint32_t p = 0; p < kCheckpointPartitions; ++p) {
    PutU64(out, offset);
    PutU64(out, lengths[p]);
    PutU32(out, crcs[p]);
    offset += lengths[p];
  }
  PutU32(out, Crc32c(out));
  return out;
}

std::string DecodeCheckpoint(std::string_view bytes, std::span<const uint32_t> layouts,
                             DecodedCheckpoint* out) {
  Reader r(bytes);
  std::string_view magic;
  if (!r.Bytes(kMagic.size(), &magic) || magic != kMagic) return "not a privmon checkpoint";
  CheckpointHeader& h = out->header;
  uint32_t partitions = 0, sources = 0;
  uint64_t sequence = 0, written = 0;
  if (!r.U32(&h.format) || !r.U32(&h.layout) || !r.U32(&partitions) || !r.U32(&h.shards) ||
      !r.U64(&sequence) || !r.U64(&written) || !r.U32(&sources)) {
    return "truncated header";
  }
  const std::string readable = "formats 1 to " + std::to_string(kCheckpointFormat);
  if (h.format == 0 || h.format >= layouts.size() || layouts[h.format] == 0) {
    return "format " + std::to_string(h.format) +
           (h.format > kCheckpointFormat ? " is newer than" : " is not one of") + " the " +
           readable + " this build reads; upgrade privmon or start with --fresh";
  }
  if (h.layout != layouts[h.format]) {
    return "format " + std::to_string(h.format) + " with state layout " + std::to_string(h.layout) +
           " of another build: this build reads format " + std::to_string(h.format) +
           " with layout " + std::to_string(layouts[h.format]) + " (and writes format " +
           std::to_string(kCheckpointFormat) + " with layout " + std::to_string(layouts.back()) +
           ")";
  }
  if (partitions != kCheckpointPartitions || sources > 4096) return "malformed header";
  h.sequence = sequence;
  h.written_us = static_cast<int64_t>(written);
  for (uint32_t i = 0; i < sources; ++i) {
    uint32_t len = 0;
    uint64_t offset = 0;
    std::string_view name;
    if (!r.U32(&len) || !r.Bytes(len, &name) || !r.U64(&offset)) return "truncated header";
    h.sources.push_back({std::string(name), static_cast<int64_t>(offset)});
  }
  struct Toc {
    uint64_t offset, length;
    uint32_t crc;
  };
  std::vector<Toc> toc(partitions);
  for (auto& t : toc) {
    if (!r.U64(&t.offset) || !r.U64(&t.length) || !r.U32(&t.crc)) return "truncated header";
  }
  const std::size_t header_end = r.pos();
  uint32_t header_crc = 0;
  if (!r.U32(&header_crc)) return "truncated header";
  if (Crc32c(bytes.substr(0, header_end)) != header_crc) return "header checksum mismatch";
  const std::string_view body = bytes.substr(r.pos());
  out->partitions.clear();
  for (uint32_t p = 0; p < partitions; ++p) {
    const Toc& t = toc[p];
    if (t.offset > body.size() || body.size() - t.offset < t.length) {
      return "truncated (partition " + std::to_string(p) + " ends past the file)";
    }
    const std::string_view part = body.substr(t.offset, t.length);
    if (Crc32c(part) != t.crc) return "partition " + std::to_string(p) + " checksum mismatch";
    out->partitions.push_back(part);
  }
  const uint64_t total = toc.back().offset + toc.back().length;
  if (body.size() != total) return "trailing bytes after the last partition";
  return {};
}

}  // namespace privmon
