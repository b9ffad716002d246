#include "tools/replay/input.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <zmq.hpp>

#include "core/config.h"
#include "core/replay_marker.h"
#include "pipeline/framed_line.h"
#include "pipeline/json_stream_framer.h"
#include "pipeline/message_source.h"

namespace privmon {
namespace {

constexpr std::size_t kChunk = 1 << 20;

std::string_view TrimLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

bool ReadWhole(std::FILE* f, std::string* out) {
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  return !std::ferror(f);
}

uint64_t CountLines(std::string_view data) {
  uint64_t n = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    if (!IsBlank(data.substr(pos, end - pos))) ++n;
    pos = end + 1;
  }
  return n;
}

// privmon's default pipeline.max_message_bytes: a longer line is a compact array the file source
// streams per element. Any other longer line is sent whole (WholeLine): the file source hands out
// only its first bytes, and the `run` it is sent to judges its size by its own max_message_bytes
// (breaker round 80: replay sent every such line cut here, silently).
constexpr std::size_t kMaxMessageBytes = 4u << 20;

// The whole line of `data` (a file held in memory) that the file source handed out cut (`msg`:
// RawMessage::whole_size, its first bytes in msg.payload) and that ends at `position` (the
// source's Position() after it), without its line break and the NUL bytes before it: that line
// as scan reads it. False when it cannot be told (a UTF-16 file has no position), or the bytes
// there are not that line.
bool WholeLine(std::string_view data, int64_t position, const RawMessage& msg,
               std::string_view* out) {
  if (position <= 0 || static_cast<uint64_t>(position) > data.size()) return false;
  std::size_t end = static_cast<std::size_t>(position);
  if (data[end - 1] == '\n') --end;
  if (end == 0) return false;
  const std::size_t nl = data.rfind('\n', end - 1);
  const std::size_t start = nl == std::string_view::npos ? 0 : nl + 1;
  std::string_view line = data.substr(start, end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  while (!line.empty() && line.front() == '\0') line.remove_prefix(1);
  if (line.size() != msg.whole_size || !line.starts_with(msg.payload)) return false;
  *out = line;
  return true;
}

// True when `data` is not plain NDJSON, one message per line: a UTF-16 byte order mark, NUL bytes,
// a line that opens a value continuing on the next lines, or a line longer than a message may be.
bool NeedsFileSource(std::string_view data) {
  if (data.starts_with("\xFF\xFE") || data.starts_with("\xFE\xFF")) return true;
  if (data.find('\0') != std::string_view::npos) return true;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    const std::string_view line = TrimLine(data.substr(pos, end - pos));
    if (line.size() > kMaxMessageBytes) return true;
    if (!IsBlank(line) && JsonStreamFramer::Opens(SplitFramedLine(line).payload)) return true;
    pos = end + 1;
  }
  return false;
}

// The elements of a Graph listing the file source streamed (a pretty-printed `az rest` page, or
// one longer than a message: RawMessage::in_stream with the page's @odata.context). scan holds
// their progress marks until the listing ends (Graph lists newest first: a later page is older)
// and reads each as its page's record; sent alone over ZeroMQ they lost both, so `run` found a
// later page's records late, beyond the dedupe horizon, and raised nothing for them. Consecutive
// elements of one listing are sent as compact pages of their @odata.context (at most
// kReplayPageBytes of elements each), every page but the listing's last naming a next page, which
// holds the clock in `run` as it does in scan. An element that is not valid JSON alone is sent
// alone, as scan reads it (the parser rejects it alone).
// So too the elements of a bare array or of an Event Hubs batch ({"records":[...]}) the file
// source streamed (pretty-printed, or longer than a message): scan holds the clock over them as
// over a listing, so an export out of order by more than the allowed lateness gave late records
// through `run` when each element was sent alone. They go out as pages with no @odata.context
// ({"value":[...]}, read as a batch is), every page but the last naming a next page. Kusto v2
// frames and elements that are envelopes themselves (a page, a batch, a query response, an
// Elasticsearch response or hit, a Graph object naming its context: their own "value",
// "records", "tables", "hits", "docs", "responses", "FrameType", "_source", "_index" or
// "@odata." annotations) are sent alone, as before: read as an element of a page they would not be
// read as the parser reads them alone. So is an element that is not valid JSON alone (the parser
// rejects it, as scan does). Each goes unchanged, after a marker that keeps `run`'s listing going
// over it while the stream goes on (ElementFollowsMarker).
// 64 KiB: a page must fit the `run` it is sent to, whose max_message_bytes replay does not know
// (1 MiB pages were refused as oversized by a run with a smaller limit, every record of them lost,
// where the elements alone were read); the next-page link holds the clock across pages, so a
// smaller page costs messages, not verdicts.
constexpr std::size_t kReplayPageBytes = 64u << 10;
constexpr std::string_view kReplayNextLink = "privmon-replay:listing-continues";

class ListingPages {
 public:
  explicit ListingPages(std::vector<std::string>* out) : out_(out) {}

  // Takes `msg` into the current page when it is an element of a streamed Graph page; false
  // otherwise (the caller sends it alone, after Flush).
  bool Take(const RawMessage& msg, std::string_view payload) {
    if (!msg.in_stream || !ValidAlone(payload, /*plain_object=*/msg.page_context.empty())) {
      return false;
    }
    if (count_ != 0 && (msg.tenant_frame != tenant_ || msg.page_context != context_ ||
                        values_.size() + payload.size() > kReplayPageBytes)) {
      Flush(/*listing_continues=*/true);
    }
    if (count_ == 0) {
      tenant_.assign(msg.tenant_frame);
      context_.assign(msg.page_context);
    } else {
      values_.push_back(',');
    }
    values_.append(payload);
    ++count_;
    return true;
  }

  // Sends the page gathered so far, naming a next page when the listing goes on.
  void Flush(bool listing_continues) {
    if (count_ == 0) return;
    std::string& m = out_->emplace_back();
    if (!tenant_.empty()) m.append(tenant_).push_back('\t');
    if (context_.empty()) {
      m.append(R"({"value":[)");
    } else {
      m.append(R"({"@odata.context":")").append(context_).append(R"(","value":[)");
    }
    m.append(values_).push_back(']');
    if (listing_continues)
      m.append(R"(,"@odata.nextLink":")").append(kReplayNextLink).push_back('"');
    m.push_back('}');
    values_.clear();
    count_ = 0;
  }

 private:
  // `payload` parses alone; with `plain_object`, it is also an object that is no envelope of
  // records (see above), or a string (a record as JSON text: read in a page as alone).
  bool ValidAlone(std::string_view payload, bool plain_object) {
    simdjson::dom::element element;
    if (parser_.parse(payload.data(), payload.size()).get(element) != simdjson::SUCCESS) {
      return false;
    }
    if (!plain_object) return true;
    if (element.is_string()) return true;
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) return false;
    for (simdjson::dom::key_value_pair field : object) {
      const std::string_view k = field.key;
      if (k == "value" || k == "records" || k == "tables" || k == "Tables" || k == "hits" ||
          k == "docs" || k == "responses" || k == "FrameType" || k == "_source" || k == "_index" ||
          k.starts_with("@odata.")) {
        return false;
      }
    }
    return true;
  }

  std::vector<std::string>* out_;
  simdjson::dom::parser parser_;
  std::string tenant_;
  std::string context_;
  std::string values_;
  std::size_t count_ = 0;
};

// The marker sent before an element of a streamed array that goes out alone (an envelope, a Kusto
// v2 frame, an element that is not valid JSON alone) while the array goes on after it: an empty
// page naming kReplayElementFollows, after the element's tenant frame. The `run` it is
// sent to goes on with the listing over the element, as scan goes on with the stream; the element
// itself goes out unchanged (a next-page link added into it was in its dead letter, not the bytes
// the export held, and a frame or an invalid element could carry none: each ended the listing).
std::string ElementFollowsMarker(std::string_view tenant_frame) {
  std::string m;
  if (!tenant_frame.empty()) m.append(tenant_frame).push_back('\t');
  m.append(R"({"value":[],"@odata.nextLink":")").append(kReplayElementFollows).append(R"("})");
  return m;
}

}  // namespace

bool ReplayInput::ReadAsPrivmonDoes(Source& src) {
  if (!NeedsFileSource(src.data)) return true;
  SourceSettings settings;
  settings.type = SourceType::kFile;
  settings.path = src.path;
  try {
    zmq::context_t unused(0);
    std::unique_ptr<MessageSource> source = OpenSource(settings, unused, nullptr, kMaxMessageBytes);
    RawMessage msg;
    ListingPages pages(&src.messages);
    // An element of a streamed array or batch sent alone (an envelope such as an Event Hubs body
    // {"records":[...]} in a bare array of records, a Kusto v2 frame, an element not valid JSON
    // alone): scan holds the clock over it with the rest of the stream, so while the stream goes
    // on (the next message is of it too) a marker goes before it (ElementFollowsMarker). Sent
    // without one it ended `run`'s hold between the pages around it, and the older records after
    // it were late.
    std::size_t element_alone = std::string::npos;
    std::string alone_frame;
    while (source->Receive(msg, std::chrono::milliseconds(0)) != ReceiveStatus::kEnd) {
      std::string_view payload = msg.payload;
      // A value's bytes start where its line did: the sender frames by the first byte.
      while (!payload.empty() && (payload.front() == ' ' || payload.front() == '\t' ||
                                  payload.front() == '\r' || payload.front() == '\n')) {
        payload.remove_prefix(1);
      }
      if (payload.empty() && msg.tenant_frame.empty()) continue;
      if (msg.whole_size != 0) {
        // A message longer than kMaxMessageBytes the file source cut: a line that is no array is
        // sent whole; anything else (a value spread over lines, an array's element) as the file
        // source cut it, counted (cut_messages(): said at the end, exit 1).
        std::string_view whole;
        if (!msg.in_stream && msg.tenant_frame.empty() &&
            WholeLine(src.data, source->Position(), msg, &whole)) {
          payload = whole;
          while (!payload.empty() && (payload.front() == ' ' || payload.front() == '\t')) {
            payload.remove_prefix(1);
          }
        } else {
          ++cut_messages_;
        }
      }
      if (element_alone != std::string::npos) {
        if (msg.in_stream) {
          src.messages.insert(src.messages.begin() + static_cast<std::ptrdiff_t>(element_alone),
                              ElementFollowsMarker(alone_frame));
        }
        element_alone = std::string::npos;
      }
      if (pages.Take(msg, payload)) {
        msg = RawMessage{};
        continue;
      }
      pages.Flush(/*listing_continues=*/msg.in_stream);
      std::string& m = src.messages.emplace_back();
      if (!msg.tenant_frame.empty()) m.append(msg.tenant_frame).push_back('\t');
      m.append(payload);
      if (msg.in_stream) {
        element_alone = src.messages.size() - 1;
        alone_frame.assign(msg.tenant_frame);
      }
      msg = RawMessage{};
    }
    pages.Flush(/*listing_continues=*/false);
  } catch (const std::exception& e) {
    error_ = "cannot read " + src.path + ": " + e.what();
    return false;
  }
  src.data.clear();
  src.data.shrink_to_fit();
  src.framed = true;
  return true;
}

std::unique_ptr<ReplayInput> ReplayInput::Open(const std::vector<std::string>& files, int loops,
                                               uint64_t max_memory, std::string* error) {
  std::unique_ptr<ReplayInput> in(new ReplayInput());  // private constructor
  in->loops_ = loops;
  uint64_t total_size = 0;
  for (const std::string& path : files) {
    if (path == "-") continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      *error = "cannot read " + path + ": " + std::strerror(errno);
      return nullptr;
    }
    if (S_ISDIR(st.st_mode)) {
      *error = "cannot read " + path + ": is a directory (name the NDJSON files in it)";
      return nullptr;
    }
    total_size += static_cast<uint64_t>(st.st_size);
  }
  const bool all_in_memory = total_size <= max_memory;
  uint64_t lines = 0;
  for (const std::string& path : files) {
    Source src;
    src.path = path;
    if (path == "-") {
      src.in_memory = true;
      if (!ReadWhole(stdin, &src.data)) {
        *error = "cannot read stdin: " + std::string(std::strerror(errno));
        return nullptr;
      }
    } else if (all_in_memory) {
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (f == nullptr) {
        *error = "cannot open " + path + ": " + std::strerror(errno);
        return nullptr;
      }
      const bool ok = ReadWhole(f, &src.data);
      std::fclose(f);
      if (!ok) {
        *error = "cannot read " + path;
        return nullptr;
      }
      src.in_memory = true;
      if (!in->ReadAsPrivmonDoes(src)) {
        *error = in->error_;
        return nullptr;
      }
    } else {
      std::FILE* f = std::fopen(path.c_str(), "rb");  // fail early, before sending anything
      if (f == nullptr) {
        *error = "cannot open " + path + ": " + std::strerror(errno);
        return nullptr;
      }
      std::fclose(f);
    }
    if (src.in_memory) lines += src.framed ? src.messages.size() : CountLines(src.data);
    in->sources_.push_back(std::move(src));
  }
  if (all_in_memory) in->total_lines_ = lines * static_cast<uint64_t>(loops);
  return in;
}

ReplayInput::~ReplayInput() {
  if (stream_ != nullptr) std::fclose(stream_);
}

std::optional<std::string_view> ReplayInput::NextFromMemory(Source& src) {
  if (src.framed) {
    if (pos_ >= src.messages.size()) return std::nullopt;
    return src.messages[pos_++];
  }
  const std::string_view data = src.data;
  while (pos_ < data.size()) {
    std::size_t end = data.find('\n', pos_);
    if (end == std::string_view::npos) end = data.size();
    const std::string_view line = TrimLine(data.substr(pos_, end - pos_));
    pos_ = end + 1;
    if (!IsBlank(line)) return line;
  }
  return std::nullopt;
}

bool ReplayInput::OpenCurrentFile() {
  stream_ = std::fopen(sources_[file_].path.c_str(), "rb");
  if (stream_ == nullptr) {
    error_ = "cannot open " + sources_[file_].path + ": " + std::strerror(errno);
    return false;
  }
  if (chunk_.size() < kChunk) chunk_.resize(kChunk);
  chunk_pos_ = chunk_end_ = 0;
  stream_eof_ = false;
  return true;
}

std::optional<std::string_view> ReplayInput::NextFromStream() {
  std::size_t scan = chunk_pos_;
  for (;;) {
    const char* base = chunk_.data();
    const void* nl = std::memchr(base + scan, '\n', chunk_end_ - scan);
    if (nl != nullptr || (stream_eof_ && chunk_pos_ < chunk_end_)) {
      const std::size_t end = nl ? static_cast<const char*>(nl) - base : chunk_end_;
      const std::string_view line = TrimLine(std::string_view(base + chunk_pos_, end - chunk_pos_));
      chunk_pos_ = scan = nl ? end + 1 : end;
      if (!IsBlank(line)) return line;
      continue;
    }
    if (stream_eof_) return std::nullopt;
    // Keep the partial line, make room, read more.
    const std::size_t partial = chunk_end_ - chunk_pos_;
    std::memmove(chunk_.data(), chunk_.data() + chunk_pos_, partial);
    chunk_pos_ = 0;
    chunk_end_ = partial;
    scan = partial;
    if (chunk_.size() - chunk_end_ < kChunk / 2) chunk_.resize(chunk_.size() * 2);
    const std::size_t n =
        std::fread(chunk_.data() + chunk_end_, 1, chunk_.size() - chunk_end_, stream_);
    chunk_end_ += n;
    if (n == 0) {
      if (std::ferror(stream_)) {
        error_ = "cannot read " + sources_[file_].path;
        return std::nullopt;
      }
      stream_eof_ = true;
    }
  }
}

std::optional<std::string_view> ReplayInput::Next() {
  while (loop_ < loops_) {
    while (file_ < sources_.size()) {
      Source& src = sources_[file_];
      std::optional<std::string_view> line;
      last_stable_ = src.in_memory;
      if (src.in_memory) {
        line = NextFromMemory(src);
      } else {
        if (stream_ == nullptr && !OpenCurrentFile()) return std::nullopt;
        line = NextFromStream();
        if (!error_.empty()) return std::nullopt;
      }
      if (line) return line;
      if (stream_ != nullptr) {
        std::fclose(stream_);
        stream_ = nullptr;
      }
      ++file_;
      pos_ = 0;
    }
    file_ = 0;
    ++loop_;
  }
  return std::nullopt;
}

}  // namespace privmon
