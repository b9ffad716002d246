// JsonStreamFramer: the messages of a file or stdin whose JSON values span lines (pretty-printed
// exports: `az rest`, `az monitor log-analytics query`, PowerShell's ConvertTo-Json, jq, the
// portal's downloads), fed one line at a time by the file source once a line opens a value it does
// not close (pipeline/file_source.cc; NDJSON lines never reach it).
// - A top-level array, and the "records" / "value" array of a top-level object (an Event Hubs
//   batch, a Graph page; also an Elasticsearch _mget response's "docs"), is streamed: each element
//   is handed out as a message of its own as soon as it is complete, so an export of any length
//   works as a bare array or a batch does, with no size limit but each record's. The envelope's
//   "@odata.context" (a Graph page's: the log its elements belong to, which an element may not say
//   itself, as a `signUps` object does not) is kept for its elements (page_context()) when it comes
//   before the array, as Graph, `az rest`, Graph PowerShell and Graph Explorer write it; the
//   envelope's other members (@odata.nextLink) are dropped.
// - A Graph JSON batch response ({"responses":[{"id":..,"status":..,"headers":{..},"body":{..}}]},
//   POST /$batch) is streamed too: a response whose "status" (before its body, as Graph writes
//   it) is 2xx and whose body is a page has the elements of the body's "value" handed out one by
//   one, each with that body's "@odata.context" (page_context(): one batch may list several logs);
//   any other response (a failed one, 3xx / 4xx / 5xx with an error body; one whose status comes
//   after its body; a single object) is gathered whole and handed out as a batch of that one
//   response, `{"responses":[` response `]}`, which the parser reads (or rejects, as
//   error_response) as it reads the batch. The members around a streamed body's elements (id,
//   status, headers, @odata.nextLink) are stepped over, checked for balanced brackets only.
// - An Elasticsearch search response ({"took":..,"hits":{"total":..,"hits":[hit, ...]}}, `curl
//   .../_search?pretty`, a scroll page) is streamed the same way: each hit of its "hits" object's
//   "hits" array is a message, read as a hit alone on a line (elasticdump's output) is; the
//   response's other members are dropped.
// - Any other value (one record, a query response {"tables": ...}) is gathered whole, lines joined
//   by '\n', and handed out once its brackets balance.
// - A Log Analytics / Kusto v1 query response ({"tables":[{"name":..,"columns":[..],"rows":[..]}]},
//   "Tables" / "Columns" / "Rows" too) longer than max_bytes is handed out in parts: before a byte
//   would make the message too long, the rows gathered so far go out as a response of their own
//   (`{"tables":[` the table's members before its rows `,"rows":[` rows `]}]}`), and the next part
//   opens with the same table members (its name and columns, which name the rows). Any table's
//   rows are cut so where its columns come before them; a part of a later table holds an empty
//   object `{}` in the place of each table before it. A response past half of max_bytes at the end
//   of a table's rows is cut there too (the first table's, a table cut before, or one whose rows
//   pass max_bytes / 4: not the few rows of @ExtendedProperties or QueryStatus); the table stays,
//   with no rows, in the part with the tables after it, so a Kusto v1 table of contents there
//   still names each table by its ordinal, whichever holds the query's result. Outside the rows
//   being cut, the tables are gathered without blanks or line breaks (an indented column list is
//   several times its compact size, and every part repeats it). A response within max_bytes / 2
//   is one message as before. A
//   Kusto v2 DataTable frame (an element of a streamed frame array) longer than max_bytes likewise:
//   each part is the frame's members before its rows (gathered without blanks once the frame has
//   named its FrameType), then rows, `]}`.
// - A value or element above `max_bytes` is handed out cut to max_bytes + 1 bytes (the parser
//   rejects it as oversized and dead-letters a prefix) and the rest of it is skipped.
// - Abort() (the source saw a line that starts a new value at column 0: the open one was cut short)
//   and Finish() (end of input) hand out the incomplete value as it is, which the parser rejects
//   as invalid_json ("incomplete JSON value ..."). An input cut between two elements of a streamed
//   array (after a record's "},": its later elements are missing) hands out "[", the bracket it
//   left open, which the parser rejects the same way: a truncated export is never a silent end.
// Strings are tracked (brackets inside them do not count), escapes too. Memory: one buffer of
// max_bytes + 1 + padding, allocated at the first use. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "parsers/json_depth_scan.h"

namespace privmon {

class JsonStreamFramer {
 public:
  JsonStreamFramer(std::size_t max_bytes, std::size_t padding);

  // True when `payload` (a line without its newline, after any tenant frame) starts a value that
  // continues on the next lines: its first byte past a byte order mark and blanks is '{' or '[' and
  // its last non-blank byte closes nothing. O(1) for an NDJSON line.
  static bool Opens(std::string_view payload);
  // True when `line` starts at its first byte (no indentation) a value (a '{' or '['): pretty
  // printers indent whatever is inside a value, so such a line inside one means the open value was
  // cut short and a new one begins.
  static bool StartsAtColumnZero(std::string_view line) {
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // the next of files joined
    return !line.empty() && (line.front() == '{' || line.front() == '[');
  }

  bool active() const { return mode_ != Mode::kNone; }
  // Nothing to hand out and nothing to scan: Next() would return false (the NDJSON path's check).
  bool idle() const { return !ready_ && mode_ == Mode::kNone && pos_ >= pending_.size(); }
  // True while a value or an array's element is being gathered (not between elements): a line
  // that StartsAtColumnZero then means the gathered bytes were cut short. Between an array's
  // elements such a line is the next element (arrays written one record per line).
  // Between the responses of a $batch, as between an array's elements, it is the next response.
  bool gathering() const {
    return mode_ == Mode::kValue || mode_ == Mode::kResponse ||
           (mode_ == Mode::kElements && in_element_);
  }
  // True after Next() handed out an element of a streamed array or a response of a streamed
  // $batch (its document goes on, or ends with the next bytes scanned); false for a value gathered
  // whole or cut short.
  bool streaming() const { return mode_ == Mode::kElements || mode_ == Mode::kResponses; }
  // The tenant frame of the line that opened the value (framed_line.h), for all its messages.
  std::string_view tenant() const { return tenant_; }
  // While streaming() an envelope's array: the string value of the envelope's "@odata.context"
  // member met before the array (as written, escapes and all), or of the $batch response body's
  // the element came from; else empty.
  std::string_view page_context() const {
    return mode_ == Mode::kElements ? std::string_view(page_context_) : std::string_view();
  }

  // Starts a value at `payload` (Opens(payload)) with that line's tenant frame. `line_ends`:
  // false when the bytes are the first piece of a longer line (PushMore brings the rest).
  void Start(std::string_view tenant, std::string_view payload, bool line_ends = true);
  // The next line of the open value. Its bytes must stay valid until Next() returns false.
  void Push(std::string_view line, bool line_ends = true);
  // More of the same line (a line longer than the reader's buffer arrives in pieces); `line_ends`
  // for its last piece. A scalar element ends with its line, not with a piece.
  void PushMore(std::string_view piece, bool line_ends) {
    pending_ = piece;
    pos_ = 0;
    line_ends_ = line_ends;
  }
  // True when `payload`, the start of a line too long to be one message, opens an array whose
  // elements are streamed: a top-level array, or a top-level object whose "records" / "value"
  // member, met in `payload`, is an array (a compact Graph page or Event Hubs batch), or whose
  // "hits" object's "hits" member is (a compact Elasticsearch search response). Cold.
  static bool StreamsAt(std::string_view payload);
  // The next complete message from the lines pushed so far; false when more lines are needed (or
  // the value ended: active() says which). `readable_after`: allocated bytes after the payload.
  bool Next(std::string_view* payload, std::size_t* readable_after);
  // After Next() handed out a message cut to max_bytes + 1 bytes: the size of the whole message
  // (as gathered: a pretty-printed one's line breaks as one byte each), for its dead-letter
  // entry's `size`, `kept` and `hash` (breaker round 33: the cut prefix's size was named); else 0.
  uint64_t whole_size() const { return overflow_ ? len_ + skipped_ : 0; }
  // Ends the open value where it stands: an incomplete element or value is handed out by the next
  // Next(); what is left of the pushed line is dropped.
  void Abort();
  // Drops everything (a file replaced or truncated under a follower).
  void Reset();

 private:
  // kResponses: between the responses of a $batch's array; kResponse: gathering one of them.
  enum class Mode { kNone, kValue, kElements, kSkipRest, kResponses, kResponse };

  bool Scan();  // scans pending_ from pos_; true when a message is ready in buf_
  void Append(std::string_view bytes);
  void BeginElement();
  bool Ready();
  void BeginResponse(char first);
  bool EndResponse();  // closes the batch of one response around it; Ready()
  // A response's string that ends at depth 1 (its member keys and values) or in its body at
  // depth 2: buf_ [key_start_ + 1, len_).
  void ResponseString(int depth);
  // A structural byte outside strings at depth 1 or 2 of a response; true when it opened the
  // body's "value" array and the body's elements are streamed from here.
  bool ResponseStructure(char c);
  // A query response's rows: hands out the rows gathered so far (FlushRows), opens the next part
  // (RebuildRows, at the next Scan), and follows the tables' members and rows (TableStructure,
  // after each byte appended inside the "tables" array; `depth_before`: the depth before it).
  bool FlushRows();
  void RebuildRows();
  bool RowsPartFull() const;     // the next byte would make the part too long: FlushRows first
  bool SkipBetweenRows(char c);  // c is between the rows, before the first of a new part
  std::string_view RowsClose() const;
  void TableStructure(char c, int depth_before, parsers::JsonDepthScan::Byte b);

  const std::size_t max_bytes_;
  const std::size_t padding_;
  std::unique_ptr<char[]> buf_;
  std::size_t len_ = 0;
  bool overflow_ = false;
  uint64_t skipped_ = 0;     // bytes of the message being gathered that Append dropped (overflow_)
  bool ready_ = false;       // buf_[0, len_) is a message not handed out yet
  bool line_break_ = false;  // a line ended inside the value: '\n' goes before the next bytes

  Mode mode_ = Mode::kNone;
  std::string tenant_;
  std::string_view pending_;  // the line being scanned
  std::size_t pos_ = 0;
  bool line_ends_ = true;  // pending_ ends its line (else a piece of a long line follows)

  // Inside the value being gathered (kValue), or the element (kElements with in_element_), or
  // the rest of an envelope (kSkipRest): nesting depth of '{' / '[', string and escape state.
  parsers::JsonDepthScan scan_;
  bool in_element_ = false;
  char element_kind_ = 0;   // '{' or '[' (container), '"' (string), 's' (another scalar)
  bool top_array_ = false;  // kElements: the array is the top-level value (else an envelope's)
  // kValue: a member key of the top-level object that names a batch ("records" / "value") was
  // just read (1), and its ':' (2): a '[' next streams that array.
  int envelope_key_ = 0;
  std::size_t key_start_ = 0;  // offset in buf_ of the key string being read at depth 1
  // kValue: the key "@odata.context" was just read at depth 1 (1), and its ':' (2): the string
  // that follows is the page's context, kept in page_context_ (capacity kept across values).
  int context_key_ = 0;
  std::string page_context_;
  // $batch: the value is a batch response (kValue: "responses" (3) and its ':' (4) set
  // envelope_key_). kResponse of an object: its "status" key (1), ':' (2), the status read so
  // far (-1: none), its "body" key (1), ':' (2), the body open at depth 2; kElements of a body
  // (body_elements_): at its ']' the rest of the body and response are skipped back to
  // kResponses (skip_to_).
  int status_key_ = 0;
  int status_ = -1;
  int body_key_ = 0;
  bool in_body_ = false;
  bool body_elements_ = false;
  Mode skip_to_ = Mode::kNone;
  // kValue in an Elasticsearch search response's "hits" object (envelope_key_ 5: its key, 6: its
  // ':'): 1 between its members, 2 after its "hits" key, 3 after that key's ':' (a '[' next
  // streams the hits); kElements of those hits (hits_elements_): at the ']' the rest is skipped.
  int hits_key_ = 0;
  bool hits_elements_ = false;
  // kValue in a query response: its "tables" key (1), ':' (2), the array open (3); in a table, its
  // "rows" key (1) and ':' (2) (rows_key_); the table's "columns" seen (table_columns_); its rows
  // open and chunked (rows_open_). Offsets in buf_: the table's '{', the end of its last complete
  // row (0: none in this part), the key being read. table_header_ / carry_: the table's members
  // before its rows, and a row begun when a part went out (capacity kept: cold, once a part).
  int tables_key_ = 0;
  int rows_key_ = 0;
  // The depth of a table's members: a v1 response's tables (kTablesBase), a Kusto v2 frame of a
  // streamed frame array (kFrameBase, frame_rows_: the element is an object of a top-level array).
  static constexpr int kTablesBase = 3;
  static constexpr int kFrameBase = 1;
  int table_base_ = kTablesBase;
  bool frame_rows_ = false;
  bool frame_named_ = false;    // frame_rows_: the element named its "FrameType" (a v2 frame)
  bool rows_end_part_ = false;  // a table's rows just ended in a long response: a part goes out
  int table_ordinal_ = 0;       // the tables of a v1 response begun so far (1: the first)
  int table_parts_ = 0;         // parts handed out of the rows of the table being read
  std::size_t rows_start_ = 0;  // offset in buf_ of the rows' '[' (of this part)
  bool table_columns_ = false;
  bool rows_open_ = false;
  bool rebuild_ = false;
  std::size_t table_start_ = 0;
  std::size_t last_row_end_ = 0;
  std::size_t table_key_start_ = 0;
  // The length of a part opened with no row begun (0: none): the bytes between rows that follow
  // are skipped until the next row.
  std::size_t part_start_ = 0;
  std::string table_header_;
  std::string carry_;
};

}  // namespace privmon
