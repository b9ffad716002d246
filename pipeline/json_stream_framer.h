// JsonStreamFramer: the messages of a file or stdin whose JSON values span lines (pretty-printed
// exports: `az rest`, `az monitor log-analytics query`, PowerShell's ConvertTo-Json, jq, the
// portal's downloads), fed one line at a time by the file source once a line opens a value it does
// not close (pipeline/file_source.cc; NDJSON lines never reach it).
// - A top-level array, and the "records" / "value" array of a top-level object (an Event Hubs
//   batch, a Graph page), is streamed: each element is handed out as a message of its own as soon
//   as it is complete, so an export of any length works as a bare array or a batch does, with no
//   size limit but each record's. The envelope's "@odata.context" (a Graph page's: the log its
//   elements belong to, which an element may not say itself, as a `signUps` object does not) is
//   kept for its elements (page_context()) when it comes before the array, as Graph, `az rest`,
//   Graph PowerShell and Graph Explorer write it; the envelope's other members (@odata.nextLink)
//   are dropped.
// - Any other value (one record, a query response {"tables": ...}) is gathered whole, lines joined
//   by '\n', and handed out once its brackets balance.
// - A value or element above `max_bytes` is handed out cut to max_bytes + 1 bytes (the parser
//   rejects it as oversized and dead-letters a prefix) and the rest of it is skipped.
// - Abort() (the source saw a line that starts a new value at column 0: the open one was cut short)
//   and Finish() (end of input) hand out the incomplete value as it is, which the parser rejects
//   as invalid_json ("incomplete JSON value ...").
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
  bool gathering() const {
    return mode_ == Mode::kValue || (mode_ == Mode::kElements && in_element_);
  }
  // True after Next() handed out an element of a streamed array (its document goes on, or ends
  // with the next bytes scanned); false for a value gathered whole or cut short.
  bool streaming() const { return mode_ == Mode::kElements; }
  // The tenant frame of the line that opened the value (framed_line.h), for all its messages.
  std::string_view tenant() const { return tenant_; }
  // While streaming() an envelope's array: the string value of the envelope's "@odata.context"
  // member met before the array (as written, escapes and all); else empty.
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
  // member, met in `payload`, is an array (a compact Graph page or Event Hubs batch). Cold.
  static bool StreamsAt(std::string_view payload);
  // The next complete message from the lines pushed so far; false when more lines are needed (or
  // the value ended: active() says which). `readable_after`: allocated bytes after the payload.
  bool Next(std::string_view* payload, std::size_t* readable_after);
  // Ends the open value where it stands: an incomplete element or value is handed out by the next
  // Next(); what is left of the pushed line is dropped.
  void Abort();
  // Drops everything (a file replaced or truncated under a follower).
  void Reset();

 private:
  enum class Mode { kNone, kValue, kElements, kSkipRest };

  bool Scan();  // scans pending_ from pos_; true when a message is ready in buf_
  void Append(std::string_view bytes);
  void BeginElement();
  bool Ready();

  const std::size_t max_bytes_;
  const std::size_t padding_;
  std::unique_ptr<char[]> buf_;
  std::size_t len_ = 0;
  bool overflow_ = false;
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
};

}  // namespace privmon
