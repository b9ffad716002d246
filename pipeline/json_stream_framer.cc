#include "pipeline/json_stream_framer.h"

#include <algorithm>
#include <cstring>

#include "parsers/text_util.h"

namespace privmon {
namespace {

using Byte = parsers::JsonDepthScan::Byte;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A $batch response gathered whole is handed out as a batch of that one response.
constexpr std::string_view kOneResponseOpen = "{\"responses\":[";
constexpr std::string_view kOneResponseClose = "]}";
// A query response handed out in parts: each part opens as a response and closes its rows (a
// Kusto v2 DataTable frame: the frame alone, as each frame of a streamed frame array is read).
constexpr std::string_view kTablesOpen = "{\"tables\":[";
constexpr std::string_view kRowsClose = "]}]}";
constexpr std::string_view kFrameRowsClose = "]}";

}  // namespace

JsonStreamFramer::JsonStreamFramer(std::size_t max_bytes, std::size_t padding)
    : max_bytes_(max_bytes), padding_(padding) {}

bool JsonStreamFramer::Opens(std::string_view payload) {
  std::size_t first = payload.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (first < payload.size() && IsBlank(payload[first])) ++first;
  if (first == payload.size() || (payload[first] != '{' && payload[first] != '[')) return false;
  std::size_t last = payload.size();
  while (last > first && IsBlank(payload[last - 1])) --last;
  return payload[last - 1] != '}' && payload[last - 1] != ']';
}

bool JsonStreamFramer::StreamsAt(std::string_view payload) {
  std::size_t i = payload.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (i < payload.size() && IsBlank(payload[i])) ++i;
  if (i == payload.size()) return false;
  if (payload[i] == '[') return true;
  if (payload[i] != '{') return false;
  parsers::JsonDepthScan scan;
  std::size_t key_start = 0;
  int envelope_key = 0;  // as in Scan's kValue: 1 after the key, 2 after its ':'
  // An Elasticsearch search response's "hits" object: 1 after its key, 2 after ':', then in the
  // object 3 (a member), 4 after its "hits" key, 5 after that key's ':'.
  int hits_key = 0;
  for (; i < payload.size(); ++i) {
    const char c = payload[i];
    if (scan.in_string()) {
      if (scan.Step(c) == Byte::kStringClose && scan.depth() == 1) {
        const std::string_view key = payload.substr(key_start + 1, i - key_start - 1);
        // "docs": an Elasticsearch _mget response's documents, each read as a hit.
        envelope_key =
            (key == "records" || key == "value" || key == "responses" || key == "docs" ||
             key == "results" || key == "Results" || parsers::EqualsIgnoreCase(key, "tables"))
                ? 1
                : 0;
        hits_key = key == "hits" ? 1 : 0;
      } else if (scan.depth() == 2 && hits_key >= 3) {
        const std::string_view key = payload.substr(key_start + 1, i - key_start - 1);
        hits_key = key == "hits" ? 4 : 3;
      }
      continue;
    }
    if (IsBlank(c)) continue;
    if (scan.depth() == 1) {
      if (c == ':' && envelope_key == 1) {
        envelope_key = 2;
        continue;
      }
      if (c == '[' && envelope_key == 2) return true;
      envelope_key = 0;
      if (c == ':' && hits_key == 1) {
        hits_key = 2;
        continue;
      }
      hits_key = (c == '{' && hits_key == 2) ? 3 : 0;
    } else if (scan.depth() == 2 && hits_key >= 3) {
      if (c == ':' && hits_key == 4) {
        hits_key = 5;
        continue;
      }
      if (c == '[' && hits_key == 5) return true;
      hits_key = c == '}' ? 0 : 3;
    }
    const Byte b = scan.Step(c);
    if (b == Byte::kStringOpen) key_start = i;
    if (b == Byte::kClose && scan.depth() == 0) return false;
  }
  return false;
}

void JsonStreamFramer::Start(std::string_view tenant, std::string_view payload, bool line_ends) {
  if (!buf_) buf_ = std::make_unique<char[]>(max_bytes_ + 1 + padding_);
  Reset();
  tenant_.assign(tenant);
  if (payload.starts_with("\xEF\xBB\xBF")) payload.remove_prefix(3);
  pending_ = payload;
  line_ends_ = line_ends;
}

void JsonStreamFramer::Push(std::string_view line, bool line_ends) {
  if (gathering()) line_break_ = true;
  pending_ = line;
  pos_ = 0;
  line_ends_ = line_ends;
}

void JsonStreamFramer::Reset() {
  mode_ = Mode::kNone;
  tenant_.clear();
  pending_ = {};
  pos_ = 0;
  line_ends_ = true;
  len_ = 0;
  overflow_ = ready_ = line_break_ = false;
  skipped_ = 0;
  scan_.Reset();
  in_element_ = top_array_ = false;
  envelope_key_ = 0;
  context_key_ = 0;
  hits_key_ = 0;
  hits_elements_ = false;
  page_context_.clear();
  status_key_ = body_key_ = 0;
  status_ = -1;
  in_body_ = body_elements_ = false;
  skip_to_ = Mode::kNone;
  tables_key_ = rows_key_ = table_ordinal_ = table_parts_ = 0;
  rows_start_ = 0;
  table_base_ = kTablesBase;
  table_columns_ = rows_open_ = rebuild_ = frame_rows_ = rows_end_part_ = frame_named_ = false;
  table_start_ = last_row_end_ = table_key_start_ = part_start_ = 0;
}

void JsonStreamFramer::Abort() {
  if (rebuild_) RebuildRows();  // the part handed out last is no part of what is left
  if (gathering() && len_ > 0) {
    ready_ = true;  // handed out as it stands: the parser says what is wrong
  } else if (mode_ == Mode::kElements || mode_ == Mode::kResponses) {
    // Cut between two elements of a streamed array (an export stopped after a record's "},"):
    // the elements before it were handed out, the array was never closed and its later elements
    // are missing. Handed out as the open bracket the input left open, which the parser rejects
    // as an incomplete JSON value (counted and dead-lettered, not a silent end).
    buf_[0] = '[';
    len_ = 1;
    overflow_ = line_break_ = false;
    skipped_ = 0;
    ready_ = true;
  }
  mode_ = Mode::kNone;
  in_element_ = false;
  pending_ = {};
  pos_ = 0;
}

bool JsonStreamFramer::Next(std::string_view* payload, std::size_t* readable_after) {
  if (!ready_ && !Scan()) return false;
  ready_ = false;
  *payload = std::string_view(buf_.get(), len_);
  *readable_after = max_bytes_ + 1 + padding_ - len_;
  return true;
}

void JsonStreamFramer::Append(std::string_view bytes) {
  if (line_break_) {
    line_break_ = false;
    Append("\n");
  }
  const std::size_t room = max_bytes_ + 1 - len_;
  const std::size_t n = std::min(room, bytes.size());
  if (n < bytes.size()) {
    overflow_ = true;  // cut: the parser rejects max_bytes + 1 as oversized
    skipped_ += bytes.size() - n;
  }
  if (n > 0) std::memcpy(buf_.get() + len_, bytes.data(), n);
  len_ += n;
}

void JsonStreamFramer::BeginElement() {
  len_ = 0;
  overflow_ = line_break_ = false;
  skipped_ = 0;
  scan_.Reset();
  in_element_ = true;
}

bool JsonStreamFramer::Ready() {
  ready_ = true;
  return true;
}

void JsonStreamFramer::BeginResponse(char first) {
  BeginElement();
  in_element_ = false;
  Append(kOneResponseOpen);
  element_kind_ = (first == '{' || first == '[') ? first : (first == '"' ? '"' : 's');
  status_key_ = body_key_ = context_key_ = envelope_key_ = 0;
  status_ = -1;
  in_body_ = false;
  page_context_.clear();
  mode_ = Mode::kResponse;
}

bool JsonStreamFramer::EndResponse() {
  Append(kOneResponseClose);
  mode_ = Mode::kResponses;
  return Ready();
}

void JsonStreamFramer::ResponseString(int depth) {
  const std::string_view text(buf_.get() + key_start_ + 1, overflow_ ? 0 : len_ - key_start_ - 1);
  if (depth == 1) {
    if (status_key_ == 2) {  // "status": "200" (a status written as text)
      status_ = 0;
      for (const char d : text) {
        if (d < '0' || d > '9') {
          status_ = -1;
          break;
        }
        status_ = std::min(status_ * 10 + (d - '0'), 1000);
      }
      status_key_ = 0;
      return;
    }
    status_key_ = parsers::EqualsIgnoreCase(text, "status") ? 1 : 0;
    body_key_ = parsers::EqualsIgnoreCase(text, "body") ? 1 : 0;
    return;
  }
  if (context_key_ == 2) {  // the string is the body's "@odata.context" value
    if (!overflow_) page_context_.assign(text);
    context_key_ = 0;
    return;
  }
  context_key_ = (!overflow_ && text == "@odata.context") ? 1 : 0;
  envelope_key_ = (!overflow_ && (text == "value" || text == "records")) ? 1 : 0;
}

bool JsonStreamFramer::ResponseStructure(char c) {
  if (scan_.depth() == 1) {
    if (status_key_ == 1 && c == ':') {
      status_key_ = 2;
    } else if (status_key_ == 2 && c >= '0' && c <= '9') {
      status_ = std::min((status_ < 0 ? 0 : status_) * 10 + (c - '0'), 1000);
    } else if (status_key_ != 2 || c != '"') {
      status_key_ = 0;
    }
    if (body_key_ == 1 && c == ':') {
      body_key_ = 2;
    } else if (body_key_ == 2 && c == '{') {
      in_body_ = true;
      body_key_ = context_key_ = envelope_key_ = 0;
    } else {
      body_key_ = 0;
    }
    return false;
  }
  // In the body (depth 2).
  if (c == '}') {
    in_body_ = false;
    return false;
  }
  if (context_key_ == 1 && c == ':') {
    context_key_ = 2;
  } else if (context_key_ != 2 || c != '"') {
    context_key_ = 0;
  }
  if (envelope_key_ == 1 && c == ':') {
    envelope_key_ = 2;
    return false;
  }
  if (envelope_key_ == 2 && c == '[' && status_ >= 200 && status_ < 300) {
    // A successful response's page: its elements are the messages, each with the body's context
    // read so far; the rest of the response (its id, status, headers, the body's other members)
    // is not.
    mode_ = Mode::kElements;
    top_array_ = false;
    body_elements_ = true;
    in_element_ = false;
    len_ = 0;
    overflow_ = line_break_ = false;
    skipped_ = 0;
    return true;
  }
  envelope_key_ = 0;
  return false;
}

bool JsonStreamFramer::FlushRows() {
  ++table_parts_;
  // The message: the response so far up to its last complete row, its open rows array, table and
  // tables array closed. The bytes after that row (a row begun) are kept for the next message.
  carry_.assign(buf_.get() + last_row_end_, len_ - last_row_end_);
  len_ = last_row_end_;
  const std::string_view close = RowsClose();
  std::memcpy(buf_.get() + len_, close.data(), close.size());
  len_ += close.size();
  last_row_end_ = 0;
  rebuild_ = true;
  return Ready();
}

void JsonStreamFramer::RebuildRows() {
  // The next message opens as the last did, with the table's members before its rows (its name
  // and columns: they name the rows), then the row begun, without the comma before it.
  rebuild_ = false;
  const bool line_break = line_break_;
  line_break_ = false;
  len_ = 0;
  if (table_base_ == kTablesBase) {
    Append(kTablesOpen);
    // A later table of a v1 response: the tables before it stand as empty objects (no columns,
    // no rows: nothing read), so that a table of contents in a later part still names each table
    // by its ordinal in the response.
    for (int i = 1; i < table_ordinal_; ++i) Append("{},");
  }
  table_start_ = len_;
  Append(table_header_);
  rows_start_ = len_;
  std::string_view rest = carry_;
  while (!rest.empty() && (IsBlank(rest.front()) || rest.front() == ',')) rest.remove_prefix(1);
  Append(rest);
  part_start_ = rest.empty() ? len_ : 0;
  line_break_ = line_break;
}

std::string_view JsonStreamFramer::RowsClose() const {
  return table_base_ == kTablesBase ? kRowsClose : kFrameRowsClose;
}

void JsonStreamFramer::TableStructure(char c, int depth_before, Byte b) {
  // The depths below are those of a v1 response's tables (a table's members at 3); a Kusto v2
  // frame streamed alone has its members at 1.
  const int depth = scan_.depth();
  const int base = table_base_;
  if (base == kTablesBase && b == Byte::kClose && depth == 1) {  // the tables array ends
    tables_key_ = 0;
    rows_open_ = false;
    return;
  }
  if (b == Byte::kOpen && depth == base) {  // a table begins
    ++table_ordinal_;
    table_start_ = len_ - 1;
    table_columns_ = rows_open_ = false;
    rows_key_ = 0;
    last_row_end_ = 0;
    return;
  }
  if (b == Byte::kStringClose && depth == base) {  // a member key of the table (or a value)
    const std::string_view key(buf_.get() + table_key_start_ + 1, len_ - table_key_start_ - 2);
    if (parsers::EqualsIgnoreCase(key, "columns")) table_columns_ = true;
    // A Kusto v2 frame names its FrameType (first, as the service writes it).
    if (base == kFrameBase && key == "FrameType") frame_named_ = true;
    rows_key_ = parsers::EqualsIgnoreCase(key, "rows") ? 1 : 0;
    return;
  }
  if (b == Byte::kClose && depth == base + 1 && rows_open_) {  // a row ends
    // A part closes after a row only where it still fits; a row too long for a part with the
    // table's header is gathered on and rejected as oversized, as before.
    if (len_ + RowsClose().size() <= max_bytes_) last_row_end_ = len_;
    return;
  }
  if (b == Byte::kClose && depth == base) {  // the rows array ends
    // A long response is cut after a table's last row too, so that the tables after it (a Kusto
    // v1 response's @ExtendedProperties, QueryStatus and table of contents) have a part's room;
    // the table stays in that part with no rows, so the contents' ordinals still name it.
    // So too a Kusto v2 DataTable frame's rows: the bytes after its rows (the frame's close, as
    // pretty-printed as the rest) have no room counted at the last row's end.
    // A later table is cut there only when it was cut before or its rows are long (a query's
    // result; the tables about the query, @ExtendedProperties and QueryStatus, are a few rows):
    // a part without the contents reads every table it holds.
    rows_end_part_ = rows_open_ && last_row_end_ > 0 && len_ > max_bytes_ / 2 &&
                     (base != kTablesBase || table_ordinal_ == 1 || table_parts_ > 0 ||
                      len_ - rows_start_ > max_bytes_ / 4);
    rows_open_ = false;
    if (!rows_end_part_) last_row_end_ = 0;
    return;
  }
  if (depth_before != base || IsBlank(c) || scan_.in_string()) return;
  if (c == ':' && rows_key_ == 1) {
    rows_key_ = 2;
  } else if (c == '[' && rows_key_ == 2) {
    // The rows open. Rows are chunked only where the columns that name them came before them (as
    // the query API, az rest and the Kusto clients write them).
    rows_key_ = 0;
    // In a v1 response, any table's: a part of a later table opens with an empty object in the
    // place of each table before it (RebuildRows), so that a Kusto table of contents (in the
    // last part, with the tables after it) names the tables by their ordinals in the response,
    // whichever of them holds the query's result.
    rows_open_ = table_columns_;
    table_parts_ = 0;
    rows_start_ = len_;
    if (rows_open_) table_header_.assign(buf_.get() + table_start_, len_ - table_start_);
  } else if (b != Byte::kStringOpen) {
    rows_key_ = 0;
  }
}

bool JsonStreamFramer::RowsPartFull() const {
  // Before a byte would make the part too long for its closing brackets.
  return rows_open_ && last_row_end_ > 0 && !overflow_ &&
         len_ + (line_break_ ? 1 : 0) + 1 + RowsClose().size() > max_bytes_;
}

bool JsonStreamFramer::SkipBetweenRows(char c) {
  // The comma and blanks after the last row of the part handed out: no part of the next.
  if (rows_open_ && last_row_end_ == 0 && len_ == part_start_ && scan_.depth() == table_base_ + 1 &&
      !scan_.in_string() && (IsBlank(c) || c == ',')) {
    line_break_ = false;
    return true;
  }
  return false;
}

bool JsonStreamFramer::Scan() {
  if (rebuild_) RebuildRows();
  while (pos_ < pending_.size()) {
    const char c = pending_[pos_];
    switch (mode_) {
      case Mode::kNone: {
        // Between top-level values (the rest of a line a value ended on, or an opening line).
        if (IsBlank(c) || c == ',') {
          ++pos_;
          continue;
        }
        if (pending_.substr(pos_).starts_with("\xEF\xBB\xBF")) {  // files joined with `cat`
          pos_ += 3;
          continue;
        }
        if (c == '{' || c == '[') {
          BeginElement();
          in_element_ = false;
          envelope_key_ = 0;
          context_key_ = 0;
          hits_key_ = 0;
          hits_elements_ = false;
          page_context_.clear();
          body_elements_ = false;
          if (c == '[') {
            mode_ = Mode::kElements;
            top_array_ = true;
            ++pos_;
          } else {
            mode_ = Mode::kValue;
          }
          continue;
        }
        // Bytes that start no value: handed out as they are, for the parser to refuse.
        len_ = 0;
        overflow_ = line_break_ = false;
        skipped_ = 0;
        Append(pending_.substr(pos_));
        pos_ = pending_.size();
        return Ready();
      }
      case Mode::kValue: {
        // A query response longer than a message: the rows gathered so far are handed out as a
        // response of their own before the next byte would make it too long.
        if (RowsPartFull()) return FlushRows();
        ++pos_;
        if (SkipBetweenRows(c)) continue;
        const int depth_before = scan_.depth();
        if (scan_.in_string()) {
          const Byte sb = scan_.Step(c);
          if (tables_key_ == 3 && !overflow_) {
            Append(std::string_view(&c, 1));
            if (sb == Byte::kStringClose) TableStructure(c, depth_before, sb);
            continue;
          }
          if (sb == Byte::kStringClose && scan_.depth() == 1) {
            const std::string_view key(buf_.get() + key_start_ + 1,
                                       overflow_ ? 0 : len_ - key_start_ - 1);
            envelope_key_ = overflow_ ? 0
                            : (key == "records" || key == "value" || key == "docs" ||
                               key == "results" || key == "Results")
                                ? 1
                            : key == "responses" ? 3
                            : key == "hits"      ? 5
                                                 : 0;
            tables_key_ = (!overflow_ && parsers::EqualsIgnoreCase(key, "tables")) ? 1 : 0;
            if (context_key_ == 2) {  // the string is "@odata.context"'s value
              if (!overflow_) page_context_.assign(key);
              context_key_ = 0;
            } else {
              context_key_ = (!overflow_ && key == "@odata.context") ? 1 : 0;
            }
          } else if (hits_key_ > 0 && scan_.depth() == 2 && !scan_.in_string()) {
            // A member key of an Elasticsearch search response's "hits" object.
            const std::string_view key(buf_.get() + key_start_ + 1,
                                       overflow_ ? 0 : len_ - key_start_ - 1);
            hits_key_ = (!overflow_ && key == "hits") ? 2 : 1;
          }
          Append(std::string_view(&c, 1));
          continue;
        }
        if (scan_.depth() == 1 && !IsBlank(c) && tables_key_ > 0 && tables_key_ < 3) {
          // A query response's "tables": its tables' rows are chunked where it is too long.
          tables_key_ = (c == ':' && tables_key_ == 1) ? 2 : (c == '[' && tables_key_ == 2) ? 3 : 0;
          if (tables_key_ == 3) {
            table_base_ = kTablesBase;
            table_ordinal_ = 0;
          }
        }
        if (scan_.depth() == 1 && !IsBlank(c)) {
          if (c == ':' && context_key_ == 1) {
            context_key_ = 2;
          } else if (c != '"' || context_key_ != 2) {
            context_key_ = 0;
          }
          if (c == ':' && (envelope_key_ == 1 || envelope_key_ == 3 || envelope_key_ == 5)) {
            ++envelope_key_;
            Append(std::string_view(&c, 1));
            continue;
          }
          // An Elasticsearch search response's "hits" object opens: its "hits" array is looked
          // for among its members (depth 2).
          if (c == '{' && envelope_key_ == 6) hits_key_ = 1;
          if (c == '[' && envelope_key_ == 4) {
            // A Graph $batch response's array: each response is streamed or handed out alone.
            mode_ = Mode::kResponses;
            len_ = 0;
            overflow_ = line_break_ = false;
            skipped_ = 0;
            continue;
          }
          if (c == '[' && envelope_key_ == 2) {
            // A batch's array: its elements are the messages; the rest of the envelope is not.
            mode_ = Mode::kElements;
            top_array_ = false;
            in_element_ = false;
            len_ = 0;
            overflow_ = line_break_ = false;
            skipped_ = 0;
            continue;
          }
          envelope_key_ = 0;
        } else if (hits_key_ > 0 && scan_.depth() == 2 && !IsBlank(c)) {
          if (c == ':' && hits_key_ == 2) {
            hits_key_ = 3;
            Append(std::string_view(&c, 1));
            continue;
          }
          if (c == '[' && hits_key_ == 3) {
            // The hits: each is a message, read as elasticdump's hit alone on a line is; the rest
            // of the response (took, _shards, total) is not.
            mode_ = Mode::kElements;
            top_array_ = false;
            in_element_ = false;
            hits_elements_ = true;
            hits_key_ = 0;
            len_ = 0;
            overflow_ = line_break_ = false;
            skipped_ = 0;
            continue;
          }
          hits_key_ = c == '}' ? 0 : 1;
        }
        if (tables_key_ == 3 && !rows_open_) {
          // A query response's tables outside the rows being cut (their names and columns, the
          // tables about the query) are gathered without their blanks and line breaks: an
          // indented column list (`az rest`, the portal's download) is several times its compact
          // size, and each part repeats it before its rows.
          line_break_ = false;
          if (IsBlank(c)) {
            scan_.Step(c);
            continue;
          }
        }
        const Byte b = scan_.Step(c);
        if (b == Byte::kStringOpen &&
            (scan_.depth() == 1 || (hits_key_ > 0 && scan_.depth() == 2))) {
          key_start_ = len_ + (line_break_ ? 1 : 0);
        }
        Append(std::string_view(&c, 1));
        if (tables_key_ == 3 && !overflow_) {
          if (b == Byte::kStringOpen && scan_.depth() == 3) table_key_start_ = len_ - 1;
          TableStructure(c, depth_before, b);
          if (rows_end_part_) {
            rows_end_part_ = false;
            return FlushRows();
          }
        }
        if (scan_.depth() == 0) {
          mode_ = Mode::kNone;
          return Ready();
        }
        continue;
      }
      case Mode::kElements: {
        if (!in_element_) {
          if (IsBlank(c) || c == ',') {
            ++pos_;
            continue;
          }
          if (c == ']') {
            ++pos_;
            if (top_array_) {
              mode_ = Mode::kNone;
            } else if (hits_elements_) {
              // The rest of the search response's "hits" object and of the response.
              hits_elements_ = false;
              mode_ = Mode::kSkipRest;
              skip_to_ = Mode::kNone;
              scan_.Reset(2);
            } else if (body_elements_) {
              // The rest of a $batch response's body and of the response; then the next one.
              body_elements_ = false;
              mode_ = Mode::kSkipRest;
              skip_to_ = Mode::kResponses;
              scan_.Reset(2);
            } else {
              mode_ = Mode::kSkipRest;  // the envelope's members after its array
              skip_to_ = Mode::kNone;
              scan_.Reset(1);
            }
            continue;
          }
          BeginElement();
          element_kind_ = (c == '{' || c == '[') ? c : (c == '"' ? '"' : 's');
          // An object of a top-level array may be a Kusto v2 frame (its rows cut as a table's).
          frame_rows_ = top_array_ && c == '{';
          frame_named_ = false;
          table_base_ = kFrameBase;
          table_columns_ = rows_open_ = false;
          rows_key_ = 0;
          last_row_end_ = part_start_ = 0;
        }
        if (element_kind_ == 's') {
          // A scalar's first byte is always its own (a stray '}' is a one-byte element the parser
          // refuses, not an empty one read forever).
          if (len_ > 0 && (IsBlank(c) || c == ',' || c == ']' || c == '}')) {
            in_element_ = false;  // the terminator is read as between elements
            return Ready();
          }
          ++pos_;
          Append(std::string_view(&c, 1));
          continue;
        }
        // A Kusto v2 DataTable frame longer than a message: its rows go out in parts too.
        if (frame_rows_ && RowsPartFull()) return FlushRows();
        ++pos_;
        if (frame_rows_ && SkipBetweenRows(c)) continue;
        if (frame_named_ && !rows_open_ && !scan_.in_string()) {
          // A Kusto v2 frame outside the rows being cut: gathered without blanks, as a v1
          // response's tables are (its indented Columns repeat in every part).
          line_break_ = false;
          if (IsBlank(c)) {
            scan_.Step(c);
            continue;
          }
        }
        const int depth_before = scan_.depth();
        Append(std::string_view(&c, 1));
        const Byte b = scan_.Step(c);
        if (frame_rows_ && !overflow_) {
          if (b == Byte::kStringOpen && scan_.depth() == kFrameBase) table_key_start_ = len_ - 1;
          TableStructure(c, depth_before, b);
          if (rows_end_part_) {
            rows_end_part_ = false;
            return FlushRows();
          }
        }
        // A string element ends with its closing quote, a container with its closing bracket.
        if ((b == Byte::kStringClose && element_kind_ == '"') ||
            (b == Byte::kClose && scan_.depth() == 0)) {
          in_element_ = false;
          return Ready();
        }
        continue;
      }
      case Mode::kSkipRest: {
        ++pos_;
        if (scan_.Step(c) == Byte::kClose && scan_.depth() == 0) mode_ = skip_to_;
        continue;
      }
      case Mode::kResponses: {
        if (IsBlank(c) || c == ',') {
          ++pos_;
          continue;
        }
        if (c == ']') {
          ++pos_;
          mode_ = Mode::kSkipRest;  // the batch's members after its responses
          skip_to_ = Mode::kNone;
          scan_.Reset(1);
          continue;
        }
        BeginResponse(c);
        continue;
      }
      case Mode::kResponse: {
        if (element_kind_ == 's') {  // not an object: the parser refuses it, alone
          if (len_ > kOneResponseOpen.size() && (IsBlank(c) || c == ',' || c == ']' || c == '}')) {
            return EndResponse();
          }
          ++pos_;
          Append(std::string_view(&c, 1));
          continue;
        }
        ++pos_;
        if (element_kind_ == '{' && !scan_.in_string() && !IsBlank(c) &&
            (scan_.depth() == 1 || (in_body_ && scan_.depth() == 2)) && ResponseStructure(c)) {
          continue;
        }
        const Byte b = scan_.Step(c);
        if (b == Byte::kStringOpen) {
          key_start_ = len_ + (line_break_ ? 1 : 0);
        } else if (b == Byte::kStringClose && element_kind_ == '{' &&
                   (scan_.depth() == 1 || (in_body_ && scan_.depth() == 2))) {
          ResponseString(scan_.depth());
        }
        Append(std::string_view(&c, 1));
        if ((b == Byte::kStringClose && element_kind_ == '"') ||
            (b == Byte::kClose && scan_.depth() == 0)) {
          return EndResponse();
        }
        continue;
      }
    }
  }
  // The line is used up. A scalar element ends with its line (not with a piece of a long one).
  if (mode_ == Mode::kElements && in_element_ && element_kind_ == 's' && line_ends_) {
    in_element_ = false;
    return Ready();
  }
  if (mode_ == Mode::kResponse && element_kind_ == 's' && line_ends_) return EndResponse();
  return false;
}

}  // namespace privmon
