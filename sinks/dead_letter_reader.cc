// Reads the dead-letter NDJSON back: a small parser for the flat objects DeadLetterWriter writes
// (string and unsigned integer members only), exact on every JSON string escape.
#include <charconv>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "sinks/base64.h"
#include "sinks/dead_letter.h"

namespace privmon {
namespace {

class FlatObjectReader {
 public:
  explicit FlatObjectReader(std::string_view s) : s_(s) {}

  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool AtEnd() const { return pos_ == s_.size(); }
  bool PeekString() const { return pos_ < s_.size() && s_[pos_] == '"'; }

  bool ReadUint(uint64_t& v) {
    const auto r = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
    if (r.ec != std::errc() || r.ptr == s_.data() + pos_) return false;
    pos_ = static_cast<std::size_t>(r.ptr - s_.data());
    return true;
  }

  bool ReadString(std::string& out) {
    out.clear();
    if (!Consume('"')) return false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<uint8_t>(c) < 0x20) return false;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ == s_.size()) return false;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          std::optional<uint32_t> cp = ReadHex4();
          if (!cp) return false;
          if (*cp >= 0xD800 && *cp <= 0xDBFF) {  // high surrogate: a low one must follow
            if (!Consume('\\') || !Consume('u')) return false;
            const std::optional<uint32_t> low = ReadHex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return false;
            cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(*cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

 private:
  std::optional<uint32_t> ReadHex4() {
    if (pos_ + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    const auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, v, 16);
    if (r.ec != std::errc() || r.ptr != s_.data() + pos_ + 4) return std::nullopt;
    pos_ += 4;
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

bool ParseDeadLetterLine(std::string_view line, DeadLetterEntry& entry) {
  FlatObjectReader r(line);
  if (!r.Consume('{')) return false;
  entry = DeadLetterEntry{};
  bool have_raw = false;
  std::string key, value;
  do {
    if (!r.ReadString(key) || !r.Consume(':')) return false;
    if (key == "size" || key == "kept") {
      if (!r.ReadUint(key == "size" ? entry.size : entry.kept)) return false;
      continue;
    }
    if (!r.ReadString(value)) return false;
    if (key == "received") {
      entry.received = std::move(value);
    } else if (key == "reason") {
      entry.reason = std::move(value);
    } else if (key == "detail") {
      entry.detail = std::move(value);
    } else if (key == "source") {
      entry.source = std::move(value);
    } else if (key == "tenant") {
      entry.tenant = std::move(value);
    } else if (key == "hash") {
      entry.hash = std::move(value);
    } else if (key == "raw") {
      entry.raw = std::move(value);
      have_raw = true;
    } else if (key == "raw_base64") {
      std::optional<std::string> bytes = DecodeBase64(value);
      if (!bytes) return false;
      entry.raw = std::move(*bytes);
      have_raw = true;
    }  // unknown string members are skipped, for forward compatibility
  } while (r.Consume(','));
  if (entry.hash.empty()) entry.kept = entry.size;
  return r.Consume('}') && r.AtEnd() && have_raw && entry.raw.size() == entry.kept &&
         entry.kept <= entry.size;
}

std::vector<DeadLetterEntry> ReadDeadLetterFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("dead letter: cannot open '" + path + "'");
  std::vector<DeadLetterEntry> entries;
  std::string line;
  for (std::size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    DeadLetterEntry entry;
    if (!ParseDeadLetterLine(line, entry)) {
      throw std::runtime_error("dead letter: malformed entry at " + path + ":" +
                               std::to_string(line_no));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace privmon
