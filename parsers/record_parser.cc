#include "parsers/record_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "parsers/event_builder.h"
#include "parsers/field_collector.h"
#include "parsers/json_depth_scan.h"
#include "parsers/json_text_field.h"
#include "parsers/json_walk.h"
#include "parsers/record_fields.h"
#include "parsers/text_util.h"

namespace privmon {

namespace dom = simdjson::dom;
static_assert(kParsePadding == simdjson::SIMDJSON_PADDING);

namespace {

// The byte ranges of a batch's elements, read from the DOM parser's stage-1 index of structural
// characters ({ } [ ] : , and the first byte of every string and scalar, in text order). The DOM
// keeps no source offsets, and simdjson 3.0.1 exposes this index only as a public member marked
// private (`dom::parser::implementation`), so this is the one place that reads it. The text was
// accepted whole, so brackets balance and every member is `key : value`.
class Structurals {
 public:
  Structurals(const dom::parser& parser, const char* text)
      : index_(parser.implementation->structural_indexes.get()),
        count_(parser.implementation->n_structural_indexes),
        text_(text) {}

  char At(uint32_t i) const { return i < count_ ? text_[index_[i]] : '\0'; }
  uint32_t Offset(uint32_t i) const { return index_[i]; }

  // i: the first structural of a value. Returns the structural after the value (',', '}', ']').
  uint32_t SkipValue(uint32_t i) const {
    const char c = At(i);
    if (c != '{' && c != '[') return i + 1;
    int depth = 0;
    do {
      const char d = At(i++);
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        --depth;
      }
    } while (depth > 0 && i < count_);
    return i;
  }

  // The text offsets [begin, end) of the value whose first structural is `i` and whose following
  // structural is `next` (SkipValue(i)): an object or array ends at its closing bracket, a scalar
  // runs to the next ',' or ']'.
  std::pair<uint32_t, uint32_t> ValueSpan(uint32_t i, uint32_t next) const {
    const char first = At(i);
    return {Offset(i), (first == '{' || first == '[') ? Offset(next - 1) + 1 : Offset(next)};
  }

 private:
  const uint32_t* index_;
  uint32_t count_;
  const char* text_;
};

// The members of an object that are not record columns: an envelope's "records" / "value" array,
// a query response's "tables" / "Tables" and a Graph JSON batch response's "responses" (at the
// message's root only), an OData annotation ("@odata.context", "@odata.nextLink",
// "@odata.type"...), and an Elasticsearch search response's "hits" ({"took":..,"hits":{"total":..,
// "hits":[hit, ...]}}) and a hit's "_source" ({"_index":..,"_id":..,"_source":{record}}).
// Exact, case-sensitive names.
enum class EnvelopeKey : uint8_t {
  kNone,
  kRecords,
  kResults,  // a hunting answer's rows (at the root, or beside its schema: read as kRecords)
  kBody,     // an Event Hubs event's body as a shipper indexed it; a Graph $batch response's
  kTables,
  kResponses,
  kODataAnnotation,
  kHits,
  kSource,
  kDocs,         // an Elasticsearch _mget response's documents
  kUpdateDoc,    // a bulk update body's "doc" / "upsert" (the document)
  kHitIndex,     // an Elasticsearch hit's "_index"
  kHitFields,    // an Elasticsearch hit's "fields"
  kWazuhData,    // a Wazuh alert's "data" (the record its Entra collectors decoded)
  kWazuhDecoder  // a Wazuh alert's "decoder" (with "data": the alert wraps a record)
};

// Where an object sits: the message's root, the body of one response of a Graph JSON batch
// (a page or an object, as the request would have answered alone), or an element of a batch.
enum class ObjectLevel : uint8_t { kMessage, kResponseBody, kElement };

// The log of another resource a Graph page's "@odata.context" names by its entity set after '#'
// ("...$metadata#auditLogs/signUps"), if any.
std::optional<SkippedCategory> PageContextCategory(std::string_view context) {
  const std::size_t hash = context.find('#');
  if (hash == std::string_view::npos) return std::nullopt;
  return parsers::GraphOtherLogCategory(context.substr(hash + 1));
}

inline bool SameBytes(std::string_view key, std::string_view name) {
  return key.size() == name.size() && std::memcmp(key.data(), name.data(), name.size()) == 0;
}

EnvelopeKey ClassifyEnvelopeKey(std::string_view key) {
  if (key.size() < 4) {
    return key.size() == 3 && key[0] == 'd' && SameBytes(key, "doc") ? EnvelopeKey::kUpdateDoc
                                                                     : EnvelopeKey::kNone;
  }
  switch (key[0]) {
    case 'h':
      return SameBytes(key, "hits") ? EnvelopeKey::kHits : EnvelopeKey::kNone;
    case '_':
      if (SameBytes(key, "_index")) return EnvelopeKey::kHitIndex;
      return SameBytes(key, "_source") ? EnvelopeKey::kSource : EnvelopeKey::kNone;
    case 'd':
      if (SameBytes(key, "data")) return EnvelopeKey::kWazuhData;
      if (SameBytes(key, "decoder")) return EnvelopeKey::kWazuhDecoder;
      return SameBytes(key, "docs") ? EnvelopeKey::kDocs : EnvelopeKey::kNone;
    case 'b':
      return SameBytes(key, "body") ? EnvelopeKey::kBody : EnvelopeKey::kNone;
    case 'B':  // Event Hubs' SDKs and exports write the event's "Body" too
      return SameBytes(key, "Body") ? EnvelopeKey::kBody : EnvelopeKey::kNone;
    case 'f':
      return SameBytes(key, "fields") ? EnvelopeKey::kHitFields : EnvelopeKey::kNone;
    case 'u':
      return SameBytes(key, "upsert") ? EnvelopeKey::kUpdateDoc : EnvelopeKey::kNone;
    case 'r':
      if (SameBytes(key, "records")) return EnvelopeKey::kRecords;
      if (SameBytes(key, "results")) return EnvelopeKey::kResults;
      return SameBytes(key, "responses") ? EnvelopeKey::kResponses : EnvelopeKey::kNone;
    case 'v':
      return SameBytes(key, "value") ? EnvelopeKey::kRecords : EnvelopeKey::kNone;
    case 't':
      return SameBytes(key, "tables") ? EnvelopeKey::kTables : EnvelopeKey::kNone;
    case 'T':
      return SameBytes(key, "Tables") ? EnvelopeKey::kTables : EnvelopeKey::kNone;
    case 'R':
      return SameBytes(key, "Results") ? EnvelopeKey::kResults : EnvelopeKey::kNone;
    case '@':
      return key.size() >= 7 && std::memcmp(key.data(), "@odata.", 7) == 0
                 ? EnvelopeKey::kODataAnnotation
                 : EnvelopeKey::kNone;
    default:
      return EnvelopeKey::kNone;
  }
}

// A hunting answer's column list ("schema" of Graph's runHuntingQuery, "Schema" of Defender's
// advanced hunting): its "results" are rows wherever the answer stands (a $batch response's body,
// an array's element), not a record's member of that name.
bool HasHuntingSchema(dom::object object) {
  dom::array schema;
  return object.at_key("schema").get_array().get(schema) == simdjson::SUCCESS ||
         object.at_key("Schema").get_array().get(schema) == simdjson::SUCCESS;
}

// The action line of an Elasticsearch bulk file (the _bulk API's NDJSON, as a bulk export such as
// esindexdump writes an index: {"index":{"_index":..,"_id":..}} before each document): one member,
// index / create / update / delete, naming the document's index or id. Not a record: the document
// on the next line is.
bool IsBulkAction(dom::object object) {
  const auto first = object.begin();
  if (first == object.end()) return false;
  const std::string_view key = first.key();
  if (key != "index" && key != "create" && key != "update" && key != "delete") return false;
  dom::object meta;
  if (first.value().get_object().get(meta) != simdjson::SUCCESS) return false;
  dom::element unused;
  return meta.at_key("_index").get(unused) == simdjson::SUCCESS ||
         meta.at_key("_id").get(unused) == simdjson::SUCCESS;
}

// The body of an update action in an Elasticsearch bulk file ({"update":{..}} then {"doc":{..},
// "doc_as_upsert":true}, as Logstash's elasticsearch output writes with `action => update`, or
// {"script":{..},"upsert":{..}}): members of the update API's body only. Its "doc" (else its
// "upsert") is the document.
bool IsBulkUpdateBody(dom::object object) {
  for (dom::key_value_pair m : object) {
    const std::string_view k = m.key;
    if (k != "doc" && k != "upsert" && k != "doc_as_upsert" && k != "detect_noop" &&
        k != "script" && k != "scripted_upsert" && k != "_source" && k != "lang" && k != "params" &&
        k != "retry_on_conflict") {
      return false;
    }
  }
  return true;
}

// The first string of an Elasticsearch hit's "fields" member `name` (values are arrays:
// {"event.original": ["{..}"]}), or empty.
std::string_view HitFieldText(dom::object fields, std::string_view name) {
  dom::array values;
  if (fields.at_key(name).get_array().get(values) != simdjson::SUCCESS) return {};
  for (dom::element v : values) {
    std::string_view text;
    if (v.get_string().get(text) == simdjson::SUCCESS) return text;
  }
  return {};
}

// An Elasticsearch hit (or _mget document) without "_source": hit metadata members only
// (`_index`, `_id`, `_score`, `fields`, `found`, ...), so no record's members read as one.
bool IsHitWithoutSource(dom::object object) {
  for (dom::key_value_pair m : object) {
    const std::string_view k = m.key;
    if (k != "_index" && k != "_id" && k != "_score" && k != "_type" && k != "_version" &&
        k != "_seq_no" && k != "_primary_term" && k != "_routing" && k != "_ignored" &&
        k != "_shard" && k != "_node" && k != "_explanation" && k != "found" && k != "fields" &&
        k != "sort" && k != "highlight" && k != "matched_queries" && k != "inner_hits" &&
        k != "ignored_field_values" && k != "error") {
      return false;
    }
  }
  return true;
}

// A query-response column's name: {"name": ..} (Log Analytics) or {"ColumnName": ..} (Kusto v1).
std::string_view QueryColumnName(dom::element column) {
  dom::object column_object;
  if (column.get_object().get(column_object) != simdjson::SUCCESS) return {};
  std::string_view name;
  for (dom::key_value_pair c : column_object) {
    if (parsers::EqualsIgnoreCase(c.key, "name") ||
        parsers::EqualsIgnoreCase(c.key, "ColumnName")) {
      if (c.value.get_string().get(name) != simdjson::SUCCESS) name = {};
    }
  }
  return name;
}

// A Kusto v2 response (Azure Data Explorer's /v2/rest/query, the Kusto SDKs', a Log Analytics
// workspace queried through the Data Explorer proxy): a bare array of frames, {"FrameType":
// "DataSetHeader"}, {"FrameType": "DataTable", "TableKind": "PrimaryResult", "Columns": [...],
// "Rows": [...]}, ..., {"FrameType": "DataSetCompletion"}: its DataTable frames are the tables.
// Kusto writes a frame's FrameType first, but a re-serializer may not (`jq -S` sorts it after
// "Columns", "Cancelled" or "ErrorReportingPlacement"): a frame is an object of at most
// kMaxKustoFrameMembers members, one of them "FrameType" with a string value. A frame has 3 to 7
// members; a record far more, so a record's keys are walked only when it is that small (the size is
// O(1)).
constexpr std::size_t kMaxKustoFrameMembers = 8;
bool IsKustoV2Frame(dom::object object) {
  if (object.size() > kMaxKustoFrameMembers) return false;
  for (dom::key_value_pair field : object) {
    if (field.key == "FrameType") return field.value.is_string();
  }
  return false;
}

bool IsKustoV2Frames(dom::array array) {
  dom::object first;
  if (array.size() == 0 || array.at(0).get_object().get(first) != simdjson::SUCCESS) return false;
  return IsKustoV2Frame(first);
}

// A Kusto v1 response of more than one table ends with its table of contents (columns Ordinal,
// Kind, Name, Id, PrettyName): the tables whose TOC row is of Kind "QueryResult" hold the query's
// rows; the others (@ExtendedProperties, QueryStatus) and the TOC itself are about the query.
// Returns a bit per table ordinal (below 64) to read, or all bits when `tables` has no TOC.
uint64_t QueryResultTables(dom::array tables) {
  constexpr uint64_t kAll = ~uint64_t{0};
  const std::size_t count = tables.size();
  if (count < 2) return kAll;
  dom::object toc;
  if (tables.at(count - 1).get_object().get(toc) != simdjson::SUCCESS) return kAll;
  // A default dom::array has no document: iterating one that no member set is undefined
  // (found by parser_fuzz), so a TOC lacking either member is no TOC.
  dom::array columns, rows;
  bool has_columns = false, has_rows = false;
  for (dom::key_value_pair field : toc) {
    if (parsers::EqualsIgnoreCase(field.key, "columns")) {
      if (field.value.get_array().get(columns) != simdjson::SUCCESS) return kAll;
      has_columns = true;
    } else if (parsers::EqualsIgnoreCase(field.key, "rows")) {
      if (field.value.get_array().get(rows) != simdjson::SUCCESS) return kAll;
      has_rows = true;
    }
  }
  if (!has_columns || !has_rows) return kAll;
  int ordinal_at = -1, kind_at = -1, at = 0;
  for (dom::element column : columns) {
    const std::string_view name = QueryColumnName(column);
    if (parsers::EqualsIgnoreCase(name, "Ordinal")) ordinal_at = at;
    if (parsers::EqualsIgnoreCase(name, "Kind")) kind_at = at;
    ++at;
  }
  if (ordinal_at < 0 || kind_at < 0) return kAll;
  uint64_t read = 0;
  for (dom::element row : rows) {
    dom::array cells;
    if (row.get_array().get(cells) != simdjson::SUCCESS) continue;
    int64_t ordinal = -1;
    std::string_view kind;
    at = 0;
    for (dom::element cell : cells) {
      if (at == ordinal_at && cell.get_int64().get(ordinal) != simdjson::SUCCESS) ordinal = -1;
      if (at == kind_at && cell.get_string().get(kind) != simdjson::SUCCESS) kind = {};
      ++at;
    }
    if (ordinal >= 0 && ordinal < 64 && parsers::EqualsIgnoreCase(kind, "QueryResult")) {
      read |= uint64_t{1} << ordinal;
    }
  }
  return read != 0 ? read : kAll;  // no result named: read them all, as without a TOC
}

// The reason an oversized message is refused. The file source hands a query response longer than
// a message out in parts, each its table's name and columns and as many rows as fit: a part
// refused as oversized is one whose table's columns alone, or columns with one row, do not fit
// (every row of the response lost with it). Cold.
std::string_view OversizedDetail(std::string_view msg) {
  const std::string_view head = msg.substr(0, 256);
  const bool query_response = parsers::ContainsIgnoreCase(head, "\"tables\"") ||
                              parsers::ContainsIgnoreCase(head, "\"FrameType\"");
  if (!query_response) return "message above max_message_bytes";
  return parsers::ContainsIgnoreCase(msg, "\"rows\":")
             ? "query response above max_message_bytes: its table's name and columns with a "
               "row do not fit one message (the response is handed out in parts of whole rows, "
               "each after the columns), so the rows from that one on are not read; raise "
               "pipeline.max_message_bytes"
             : "query response above max_message_bytes: its table's name and columns alone do "
               "not fit one message (the response is handed out in parts of whole rows, each "
               "after the columns), so none of its rows is read; raise pipeline.max_message_bytes";
}

// True when `text` holds a \u escape of a UTF-16 surrogate without its pair (a high one not
// followed by a low one, or a low one alone): JSON text a UTF-16 string cut mid-character made.
bool HasLoneSurrogateEscape(std::string_view text) {
  auto surrogate = [&](std::size_t at, char first_hex_lo, char first_hex_hi) {
    if (at + 6 > text.size() || text[at] != '\\' || (text[at + 1] | 0x20) != 'u') return false;
    const char c0 = static_cast<char>(text[at + 2] | 0x20);
    const char c1 = static_cast<char>(text[at + 3] | 0x20);
    return c0 == 'd' && c1 >= first_hex_lo && c1 <= first_hex_hi;
  };
  for (std::size_t at = 0; at + 6 <= text.size(); ++at) {
    if (text[at] != '\\') continue;
    if (text[at + 1] == '\\') {  // an escaped backslash: skip both
      ++at;
      continue;
    }
    if (surrogate(at, '8', 'b')) {
      if (!surrogate(at + 6, 'c', 'f')) return true;
      at += 11;
    } else if (surrogate(at, 'c', 'f')) {
      return true;
    }
  }
  return false;
}

// simdjson's error, in words that say what is wrong with the text (its own messages, such as
// "Problem while parsing a string", name no cause).
std::string_view JsonErrorDetail(std::string_view text, simdjson::error_code err) {
  switch (err) {
    case simdjson::STRING_ERROR:
      if (HasLoneSurrogateEscape(text)) {
        return "invalid string escape: a lone UTF-16 surrogate (\\ud800-\\udfff without its "
               "pair) in a string";
      }
      return "invalid string escape: an unknown escape or a malformed \\u escape in a string";
    case simdjson::UNESCAPED_CHARS:
      return "a control character (tab, newline, ...) unescaped inside a string";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8 (text in another encoding such as Windows-1252 / Latin-1, or a "
             "character cut short): save the export as UTF-8";
    case simdjson::UNCLOSED_STRING:
      return "a string left open (a missing closing quote)";
    case simdjson::NUMBER_ERROR:
      return "a malformed number (leading zeros, a lone '-', NaN or Infinity, a number cut "
             "short, or an integer beyond 64 bits)";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "a malformed literal: JSON's are true, false and null, in lower case (Python's "
             "True / None are not JSON)";
    case simdjson::TAPE_ERROR:
      return "malformed JSON structure (a missing or extra comma, colon or bracket, or a value "
             "where a key must be)";
    case simdjson::TRAILING_CONTENT:
      return "text after the end of the JSON value";
    case simdjson::EMPTY:
      return "no JSON value (an empty or white-space-only message)";
    default:
      return simdjson::error_message(err);
  }
}

// Why a message is not JSON, in the words of the likely cause where the bytes show one (a
// rejected message only: the accepted path never calls it).
std::string_view InvalidJsonDetail(std::string_view text, simdjson::error_code err) {
  const bool utf16_bom = text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF");
  if (utf16_bom || (text.size() >= 2 && (text[0] == '\0' || text[1] == '\0'))) {
    return "UTF-16 text, not UTF-8 (Windows PowerShell's Out-File and '>' write UTF-16): save the "
           "export as UTF-8 (Out-File -Encoding utf8, or iconv -f UTF-16 -t UTF-8)";
  }
  if (text.starts_with("Obj\x01")) {
    return "an Avro container file (Event Hubs Capture), not JSON: out of scope; read the hub with "
           "the Kafka source, or convert the records to JSON lines";
  }
  if (text.starts_with("\x1F\x8B")) {
    return "gzip-compressed data, not JSON: decompress it first (zcat FILE | privmon scan -)";
  }
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    return "NUL bytes in the text (a file padded with zeros after a crash, or UTF-16 text)";
  }
  // Brackets left open at the end: the text was cut short.
  parsers::JsonDepthScan scan;
  for (const char c : text) scan.Step(c);
  if (scan.depth() > 0 || scan.in_string()) {
    return "incomplete JSON value: brackets left open at its end (a truncated export or line, or "
           "a pretty-printed value cut short by a line that starts a new value at column 0)";
  }
  // Text that starts no JSON value: a CSV export's row or header, a log line.
  const std::string_view trimmed = parsers::TrimSpaces(text);
  if (!trimmed.empty() && (trimmed.front() == ']' || trimmed.front() == '}')) {
    return "a closing bracket that closes no value: the end of a value whose start was cut off";
  }
  if (!trimmed.empty() &&
      std::string_view("{[\"-0123456789tfn").find(trimmed.front()) == std::string_view::npos) {
    return "not JSON (a CSV export, a header or a text line?): privmon reads JSON records, "
           "batches or pages, one per line or pretty-printed";
  }
  return JsonErrorDetail(text, err);
}

}  // namespace

struct RecordParser::Impl {
  explicit Impl(std::size_t max_bytes)
      : max_message_bytes(max_bytes),
        init_error(parser.allocate(64 * 1024, parsers::kMaxDepth)),
        collector(text_fields) {}

  void Parse(std::string_view message, const ParseContext& ctx);
  // An object: a record, or an envelope ({"records":[...]}, {"value":[...]}) whose records are
  // parsed. `open_brace`: its '{' structural; `raw`: its bytes. A batch element may itself be an
  // envelope (a forwarder's array of Event Hubs bodies); a page's annotations (@odata.nextLink,
  // @odata.context) are read at the message's root and in a $batch response's body.
  void ParseObject(dom::object object, uint32_t open_brace, std::string_view raw, ObjectLevel level,
                   const ParseContext& ctx);
  void ParseBatch(dom::array records, uint32_t open_bracket, const ParseContext& ctx);
  // A Graph JSON batch response {"responses":[{"id":..,"status":..,"headers":{..},"body":{..}}]}
  // (POST /$batch): each successful response's body is read as the page or object it is; a
  // failed one (status >= 300, or a body naming an "error") is rejected as error_response.
  void ParseResponses(dom::array responses, uint32_t open_bracket, const ParseContext& ctx);
  void ParseResponse(dom::object response, uint32_t open_brace, std::string_view raw,
                     const ParseContext& ctx);
  // A record given as JSON text (a string holding an object): parsed as that record (its bytes
  // are the text). False, with nothing emitted, for any other value.
  bool ParseRecordText(dom::element value, const ParseContext& ctx);
  // An Elasticsearch hit or _mget document without "_source" (IsHitWithoutSource): its
  // "fields"' event.original read as the record; else rejected with what it lacks. False, with
  // nothing done, for an object that is no such hit. Cold.
  bool ReadHitWithoutSource(dom::object hit, const dom::object* hit_fields, std::string_view raw,
                            const ParseContext& ctx);
  // A Log Analytics (or Kusto) query response's tables: {"tables":[{"name":..,"columns":[{"name":
  // ..,"type":..}],"rows":[[..],..]}]}; each row is a record whose columns are named by `columns`.
  void ParseTables(dom::array tables, uint32_t open_bracket, const ParseContext& ctx);
  // One table of them (its '{' is structural `table_open`); also one Kusto v2 frame on its own
  // (a pretty-printed v2 response, whose frames the file source streams one by one).
  void ParseTable(dom::object table, uint32_t table_open, const ParseContext& ctx);
  void Emit(parsers::RecordFields& fields, std::string_view raw, const ParseContext& ctx);
  // An Elastic Common Schema document's event.original (RecordFields::ecs_original): the Azure
  // record it was made from, read as that record (its bytes are the text), as were it shipped
  // itself. False, with nothing emitted, when the text is no JSON object.
  bool EmitOriginal(std::string_view original, const ParseContext& ctx);
  bool reading_original = false;
  // A message held as JSON text by the event that carried it (RecordFields::shipped_text:
  // Filebeat's or Vector's "message", Fluent Bit's "log", kcat's "payload", an Event Hubs body;
  // RecordFields::ecs_original: Splunk's "_raw", ECS's event.original): where nothing reads the
  // carrying message's DOM after it (root_record), the text is parsed as the message it is (a
  // record, an Event Hubs batch, a page, an array, another shipper's event) in place of the event,
  // with the message's parser, from a copy in `unwrapped` (one buffer a level, capacity kept: no
  // allocation in steady state); elsewhere (an element of a batch, whose DOM must outlive it), or
  // past kMaxUnwrap levels, as one record, as EmitOriginal reads it. A shipped text of which
  // nothing could be read is refused as the event that carried it (`raw`: its bytes whole). False,
  // with nothing done, when the text is no JSON object or array. Cold.
  bool EmitShipped(std::string_view shipped, bool at_root, std::string_view raw,
                   const ParseContext& ctx);
  static constexpr int kMaxUnwrap = 3;
  std::array<std::string, kMaxUnwrap> unwrapped;
  int unwrap_depth = 0;
  // The object ParseObject is called for next stands where the message's root did: nothing reads
  // the DOM after it (an Elasticsearch hit's _source, an Event Hubs event's body, at the root).
  bool tail_object = false;
  bool root_record = false;  // the record being emitted is the message's root object
  void Reject(RejectReason reason, std::string_view raw, std::string_view detail) {
    result.rejections.push_back(Rejection{reason, Kept(raw), Kept(detail)});
  }
  // An unknown_format detail that names the table or category it did not read ("Log Analytics row
  // of an unsupported Type: IdentityLogonEvents"): an operator sees which source to drop or ask
  // for. The name cut at 64 bytes; the buffer reused (no allocation once grown).
  std::string named_detail;
  std::string_view NamedUnknownDetail(std::string_view detail, const parsers::RecordFields& f) {
    std::string_view name;
    if (detail == parsers::kUnsupportedTypeDetail) {
      name = parsers::TrimSpaces(f.type);
    } else if (detail == parsers::kUnsupportedCategoryDetail) {
      name = parsers::TrimSpaces(f.category);
    }
    if (name.empty()) return detail;
    named_detail.assign(detail);
    named_detail += ": ";
    named_detail.append(name.substr(0, 64));
    return named_detail;
  }
  // Objects written back to back in one message ({..}{..}, {..},{..}: a shipper that writes no
  // newline between records), which simdjson refuses whole: each object is parsed as a message of
  // its own (a bad one rejected alone). False, with nothing done, for any other text. Cold.
  bool ParseConcatenated(const ParseContext& ctx);
  void ParseDocument(const ParseContext& ctx, bool whole_message);
  // The results of the document being parsed start here (a message may hold several documents).
  void MarkDocument() {
    doc_events = result.events.size();
    doc_rejections = result.rejections.size();
    doc_skipped = result.skipped.size();
  }
  void DropDocument() {
    result.events.resize(doc_events);
    result.event_raw.resize(doc_events);
    result.rejections.resize(doc_rejections);
    result.skipped.resize(doc_skipped);
  }
  std::size_t doc_events = 0, doc_rejections = 0, doc_skipped = 0;
  // ParseConcatenated parses each object with `parser` again, which reuses its string buffer: a
  // view into a decoded string of an earlier object (a record held as JSON text, an ECS
  // event.original, an error's message) would then read another object's bytes. While it runs,
  // such views are copied here (cold: back-to-back objects only); cleared with the result.
  bool several_documents = false;
  std::deque<std::string> kept_texts;
  std::string_view Kept(std::string_view v) {
    if (!several_documents || v.empty() ||
        (v.data() >= message.data() && v.data() + v.size() <= message.data() + message.size())) {
      return v;
    }
    return kept_texts.emplace_back(v);
  }
  void ClearResult() {
    kept_texts.clear();
    result.more_pages = false;
    result.element_follows = false;
    result.events.clear();
    result.event_raw.clear();
    result.rejections.clear();
    result.skipped.clear();
  }

  std::size_t max_message_bytes;
  dom::parser parser;  // parses each message once; its strings back the views of `fields`
  simdjson::error_code init_error;
  std::unique_ptr<char[]> buffer;  // a copy of the message, padded for simdjson
  std::size_t capacity = 0;
  const char* base = nullptr;  // what simdjson parsed: the caller's bytes or `buffer`
  parsers::JsonTextFields text_fields;
  parsers::FieldCollector collector;
  parsers::RecordFields fields;
  ParseResult result;
  std::string_view message;  // the caller's bytes (raw of oversized and single records)
  std::string_view text;     // the JSON text: `message` without a leading byte order mark
  uint64_t record_index = 0;
  // The log the Graph page being read belongs to, when it is one privmon does not read.
  std::optional<SkippedCategory> page_category;
  // The records being read are a Graph page's whose "@odata.context" names a log privmon reads
  // (ContextNamesReadLog): one that cannot be read as that log's is rejected, never skipped.
  bool page_reads = false;
  // ... and names a registration report (ContextNamesRegistration).
  bool page_registration = false;
  // That "@odata.context" itself (RecordFields::page_context).
  std::string_view page_context;
};

void RecordParser::Impl::Parse(std::string_view msg, const ParseContext& ctx) {
  ClearResult();
  message = msg;
  if (msg.size() > max_message_bytes) {
    Reject(RejectReason::kOversized, msg, OversizedDetail(msg));
    return;
  }
  // Windows tools (PowerShell's Out-File, exports) start UTF-8 text with a byte order mark: it is
  // encoding metadata, not JSON.
  // So too after white space (a writer that puts a newline before it): the rest reads as it does
  // without them.
  {
    std::size_t lead = 0;
    while (lead < msg.size() &&
           (msg[lead] == ' ' || msg[lead] == '\t' || msg[lead] == '\r' || msg[lead] == '\n')) {
      ++lead;
    }
    if (msg.size() > lead + 3 && msg.substr(lead).starts_with("\xEF\xBB\xBF")) {
      msg.remove_prefix(lead + 3);
    }
  }
  text = msg;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end (their content does not matter):
  // a source that has them allocated (a file's line buffer) is parsed in place, others copied.
  if (ctx.readable_after >= kParsePadding) {
    base = msg.data();
  } else {
    const std::size_t needed = msg.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
      capacity = std::max<std::size_t>(needed, std::max<std::size_t>(64 * 1024, capacity * 2));
      buffer = std::make_unique<char[]>(capacity);
    }
    if (!msg.empty()) std::memcpy(buffer.get(), msg.data(), msg.size());
    std::memset(buffer.get() + msg.size(), 0, simdjson::SIMDJSON_PADDING);
    base = buffer.get();
  }
  record_index = 0;
  MarkDocument();
  // An element the file source streamed out of a Graph page (pretty-printed, or longer than a
  // message) is its page's, as it is when the page is read whole: of the log its context names.
  if (!ctx.page_context.empty()) [[unlikely]] {
    page_category = PageContextCategory(ctx.page_context);
    page_reads = parsers::ContextNamesReadLog(ctx.page_context);
    page_registration = parsers::ContextNamesRegistration(ctx.page_context);
    page_context = ctx.page_context;
  }
  ParseDocument(ctx, /*whole_message=*/true);
  page_category.reset();
  page_reads = false;
  page_registration = false;
  page_context = {};
}

void RecordParser::Impl::ParseDocument(const ParseContext& ctx, bool whole_message) {
  // One parse validates the whole message (grammar, numbers, literals, escapes, UTF-8, depth)
  // and builds the DOM the fields are read from.
  dom::element root;
  simdjson::error_code err = init_error;
  if (err == simdjson::SUCCESS) {
    err = parser.parse(base, text.size(), /*realloc_if_needed=*/false).get(root);
  }
  if (err == simdjson::DEPTH_ERROR) {
    Reject(RejectReason::kTooDeep, text, "nesting deeper than 64 levels");
    return;
  }
  if (err != simdjson::SUCCESS) {
    if (whole_message && ParseConcatenated(ctx)) return;
    Reject(RejectReason::kInvalidJson, text, InvalidJsonDetail(text, err));
    return;
  }
  dom::object object;
  if (root.get_object().get(object) == simdjson::SUCCESS) {
    if (IsKustoV2Frame(object)) {
      ParseTable(object, 0, ctx);
      return;
    }
    ParseObject(object, 0, parsers::TrimSpaces(whole_message ? message : text),
                ObjectLevel::kMessage, ctx);
    return;
  }
  // A bare JSON array of records (PowerShell's ConvertTo-Json of a list of Graph objects, the Azure
  // CLI's query output, jq -c of a page): a batch like {"value":[...]} when it holds a record (an
  // object, or an object's JSON text), each other element read or rejected alone, as a page's
  // null is (breaker round 33: `jq -c .value` of a page holding a null lost its every record).
  // Its '[' is structural 0.
  // An empty array is an export with no rows (`az monitor log-analytics query` of an empty
  // result prints []): no records, as an empty {"value":[]} page.
  dom::array array;
  if (root.get_array().get(array) == simdjson::SUCCESS && IsKustoV2Frames(array)) {
    ParseTables(array, 0, ctx);
    return;
  }
  if (root.get_array().get(array) == simdjson::SUCCESS &&
      (array.size() == 0 || std::any_of(array.begin(), array.end(), [](dom::element e) {
         // A record, or one as JSON text (a shipper that stringifies each: breaker round 35).
         std::string_view text;
         return e.is_object() || (e.get_string().get(text) == simdjson::SUCCESS &&
                                  parsers::TrimSpaces(text).starts_with('{'));
       }))) {
    ParseBatch(array, 0, ctx);
    return;
  }
  // A whole message that is a record as JSON text: a shipper that encodes each record twice, or a
  // stringified element of a batch the file source streamed (pipeline/json_stream_framer.h).
  if (ParseRecordText(root, ctx)) return;
  Reject(RejectReason::kNotObject, text, "message is not a JSON object");
}

void RecordParser::Impl::ParseObject(dom::object root, uint32_t open_brace, std::string_view raw,
                                     ObjectLevel level, const ParseContext& ctx) {
  const bool is_root = level == ObjectLevel::kMessage;
  const bool at_tail = is_root || std::exchange(tail_object, false);
  const bool is_page = level != ObjectLevel::kElement;  // where a page's annotations are read
  if (is_root && root.size() == 1 && IsBulkAction(root)) [[unlikely]] {
    return;  // no record: the document is the next line
  }
  fields = {};
  collector.BeginRecord();
  bool batch = false;
  bool wrong_type = false;
  // An Elasticsearch hit's "_source" object (the document: the record, or an ECS document of it)
  // and its '{' structural.
  dom::object source;
  uint32_t source_at = 0;
  // A bulk update body's document ("doc", else "upsert") and its '{' structural; an
  // Elasticsearch hit's "_index" and "fields" (a hit of a search that asked for fields, or of an
  // index without _source).
  dom::object update_doc;
  uint32_t update_doc_at = 0;
  bool es_hit = false;
  dom::object hit_fields;
  bool has_hit_fields = false;
  // An object "body" and its '{' structural (an Event Hubs event as the Splunk Add-on for
  // Microsoft Cloud Services indexes it, {"body": .., "x-opt-offset": ..}; a Graph $batch
  // response standing alone, {"id", "status", "headers", "body"}).
  dom::object body;
  uint32_t body_at = 0;
  // A Wazuh alert's "data" object and its '{' structural, and whether the object has the alert's
  // "decoder" beside it (wazuh/wazuh#18174, #25707): a message, or an alert in an array or in an
  // indexer hit's "_source" (wazuh-alerts-4.x-*; breaker round 102). No Entra record has both.
  dom::object wazuh_data;
  uint32_t wazuh_data_at = 0;
  bool wazuh_alert = false;
  // Structural `open_brace` is the object's '{'; each member is key (i), ':' (i + 1), value
  // (i + 2). Only a batch needs its array's position, so members are skipped up to it when one is
  // met (a single record walks no structurals twice).
  const Structurals structurals(parser, base);
  uint32_t index = 0;                // this member's place in the object
  uint32_t skipped = 0;              // members before `member`
  uint32_t member = open_brace + 1;  // the key structural of member `skipped`
  for (dom::key_value_pair field : root) {
    // Most keys are record columns: one byte and the length rule out the envelope members below
    // before any compare (string_view's == is an out-of-line memcmp per key: 4% of a parse).
    const EnvelopeKey envelope = ClassifyEnvelopeKey(field.key);
    if (envelope == EnvelopeKey::kNone) [[likely]] {
      ++index;
      collector.RecordField(field.key, field.value, fields);
      continue;
    }
    if (envelope == EnvelopeKey::kODataAnnotation) {
      // A Graph page that names its next page: more of the listing follows, older records first
      // come last (Graph lists newest first); the pipeline holds the clock until the listing ends.
      std::string_view next;
      if (is_page && field.key == "@odata.nextLink" &&
          field.value.get_string().get(next) == simdjson::SUCCESS && !next.empty()) {
        result.more_pages = true;
        if (next == kReplayElementFollows) [[unlikely]] {
          result.element_follows = true;
        }
      }
      // The object's own type (a Graph object of another log names it: networkAccessTraffic).
      if (field.key == "@odata.type" && field.value.get_string().get(next) == simdjson::SUCCESS) {
        fields.odata_type = next;
      }
      // A single object's entity set ("$metadata#identityProtection/riskyUsers/$entity": a GET of
      // one object, alone or in a $batch response).
      if (is_page && field.key == "@odata.context" &&
          field.value.get_string().get(next) == simdjson::SUCCESS) {
        fields.odata_context = next;
      }
      ++index;
      continue;
    }
    if (is_root && envelope == EnvelopeKey::kResponses) {
      dom::array responses;
      if (field.value.get_array().get(responses) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        batch = true;
        ParseResponses(responses, member + 2, ctx);
      }
      ++index;
      continue;
    }
    if (is_root && envelope == EnvelopeKey::kTables) {
      dom::array tables;
      if (field.value.get_array().get(tables) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        batch = true;
        ParseTables(tables, member + 2, ctx);
      }
      ++index;
      continue;
    }
    // Graph's security/runHuntingQuery answers {"@odata.context": "...huntingQueryResults",
    // "schema": [{"name", "type"}, ..], "results": [row, ..]}: its rows, keyed by column, are the
    // records (Sentinel's tables queried through the Defender portal's API; breaker round 61). The
    // Defender advanced hunting API's answer writes them {"Schema": [..], "Results": [..]}.
    if (envelope == EnvelopeKey::kRecords ||
        (envelope == EnvelopeKey::kResults && (is_root || HasHuntingSchema(root)))) {
      for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
      const uint32_t value_at = member + 2;
      ++index;
      dom::array records;
      if (field.value.get_array().get(records) == simdjson::SUCCESS) {
        batch = true;
        // A Graph page of another log's resource (its "@odata.context" names the entity set:
        // "$metadata#networkAccess/logs/traffic", "identityProtection/riskDetections"): its
        // records are that log's, skipped as such, whatever their members look like. So too for
        // a page that is an element of an array (PowerShell's ConvertTo-Json of the pages it
        // fetched, `jq -s` of `az rest` outputs): a page wherever it stands.
        const std::optional<SkippedCategory> outer = page_category;
        const bool outer_reads = page_reads;
        const bool outer_registration = page_registration;
        const std::string_view outer_context = page_context;
        std::string_view context;
        if (root.at_key("@odata.context").get_string().get(context) == simdjson::SUCCESS) {
          if (const auto category = PageContextCategory(context)) page_category = category;
          if (parsers::ContextNamesReadLog(context)) page_reads = true;
          if (parsers::ContextNamesRegistration(context)) page_registration = true;
          page_context = context;
        }
        ParseBatch(records, value_at, ctx);
        page_category = outer;
        page_reads = outer_reads;
        page_registration = outer_registration;
        page_context = outer_context;
      } else if (dom::object one;
                 field.key.size() == 7 && field.value.get_object().get(one) == simdjson::SUCCESS) {
        // Logstash's split filter on "records" ({"records": <one record>, "@timestamp": ..}: each
        // event keeps "only the current split section"): that record, its bytes the object's.
        batch = true;
        const auto [begin, end] = structurals.ValueSpan(value_at, structurals.SkipValue(value_at));
        ParseObject(one, value_at, parsers::TrimSpaces(text.substr(begin, end - begin)),
                    ObjectLevel::kElement, ctx);
      } else {
        wrong_type = true;
      }
      continue;
    }
    if (envelope == EnvelopeKey::kHits) {
      // An Elasticsearch search response (`curl .../_search?size=1000`, a scroll page, one
      // response of an _msearch): {"took":..,"timed_out":..,"_shards":{..},"hits":{"total":..,
      // "max_score":..,"hits":[hit, ...]}}. Its hits are its records, each read as the same hit
      // alone on a line (elasticdump's output) is.
      dom::object hits_object;
      if (field.value.get_object().get(hits_object) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        uint32_t inner = member + 3;  // the key structural of the hits object's first member
        for (dom::key_value_pair hits_field : hits_object) {
          dom::array hits;
          if (hits_field.key == "hits" &&
              hits_field.value.get_array().get(hits) == simdjson::SUCCESS) {
            batch = true;
            ParseBatch(hits, inner + 2, ctx);
            break;
          }
          inner = structurals.SkipValue(inner + 2) + 1;
        }
      }
      ++index;
      if (!batch) collector.RecordField(field.key, field.value, fields);
      continue;
    }
    if (envelope == EnvelopeKey::kDocs) {
      // An Elasticsearch _mget response ({"docs":[{"_index":..,"_id":..,"found":true,
      // "_source":{..}}, ..]}): its documents are its records, each read as a hit.
      dom::array docs;
      if (is_root && field.value.get_array().get(docs) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        batch = true;
        ParseBatch(docs, member + 2, ctx);
      } else {
        collector.RecordField(field.key, field.value, fields);
      }
      ++index;
      continue;
    }
    if (envelope == EnvelopeKey::kUpdateDoc) {
      const bool is_doc = field.key.size() == 3;
      dom::object doc;
      if (level != ObjectLevel::kResponseBody && (update_doc_at == 0 || is_doc) &&
          field.value.get_object().get(doc) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        update_doc = doc;
        update_doc_at = member + 2;
      }
      ++index;
      collector.RecordField(field.key, field.value, fields);
      continue;
    }
    if (envelope == EnvelopeKey::kHitIndex || envelope == EnvelopeKey::kHitFields) {
      if (envelope == EnvelopeKey::kHitIndex) {
        es_hit = true;
      } else if (field.value.get_object().get(hit_fields) == simdjson::SUCCESS) {
        has_hit_fields = true;
      }
      ++index;
      collector.RecordField(field.key, field.value, fields);
      continue;
    }
    if (envelope == EnvelopeKey::kBody) {
      if (body_at == 0 && field.value.get_object().get(body) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        body_at = member + 2;
      }
      ++index;
      collector.RecordField(field.key, field.value, fields);  // a text body: shipped_text
      continue;
    }
    if (envelope == EnvelopeKey::kWazuhData || envelope == EnvelopeKey::kWazuhDecoder) {
      if (envelope == EnvelopeKey::kWazuhDecoder) {
        wazuh_alert = field.value.is_object();
      } else if (wazuh_data_at == 0 &&
                 field.value.get_object().get(wazuh_data) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        wazuh_data_at = member + 2;
      }
      ++index;
      collector.RecordField(field.key, field.value, fields);
      continue;
    }
    if (envelope == EnvelopeKey::kSource) {
      if (source_at == 0 && field.value.get_object().get(source) == simdjson::SUCCESS) {
        for (; skipped < index; ++skipped) member = structurals.SkipValue(member + 2) + 1;
        source_at = member + 2;
      }
      ++index;
      collector.RecordField(field.key, field.value, fields);
      continue;
    }
    // "tables" / "responses" below the root: a record column like any other.
    ++index;
    collector.RecordField(field.key, field.value, fields);
  }
  if (wrong_type) {
    if (is_root) {
      // A message is valid as a whole or not at all: drop what its earlier records produced.
      DropDocument();
      Reject(RejectReason::kWrongType, text, "\"records\" / \"value\" is not an array");
    } else {
      ++record_index;
      Reject(RejectReason::kWrongType, raw,
             level == ObjectLevel::kResponseBody
                 ? "Graph $batch response body: \"value\" is not an array"
                 : "batch element: \"records\" / \"value\" is not an array");
    }
    return;
  }
  if (!batch && body_at != 0) [[unlikely]] {
    // A Graph $batch response on its own (an element of `(..).responses | ConvertTo-Json`):
    // read as in the batch, its body the page or object it is. An Event Hubs event's body: the
    // message the event carried (a record, or a diagnostic batch {"records": [..]}).
    dom::element status;
    tail_object = at_tail;
    if (root.at_key("status").get(status) == simdjson::SUCCESS) {
      ParseResponse(root, open_brace, raw, ctx);
    } else {
      ParseObject(body, body_at, raw, ObjectLevel::kElement, ctx);
    }
    tail_object = false;  // not taken where the response was refused before its body
    return;
  }
  if (!batch && source_at != 0) {
    // An Elasticsearch hit ({"_index":..,"_id":..,"_score":..,"_source":{..}}): its document is
    // the record, read as the same document alone is (its bytes: the hit's, as it came).
    tail_object = at_tail;
    ParseObject(source, source_at, raw, ObjectLevel::kElement, ctx);
    tail_object = false;
    return;
  }
  if (!batch && wazuh_alert && wazuh_data_at != 0) [[unlikely]] {
    // A Wazuh alert ({"timestamp":..,"rule":{..},"agent":{..},"manager":{..},"decoder":{..},
    // "data":{..},"location":..}) of its Entra collectors: the azure-logs module's Graph input
    // puts the Graph record in "data" (wazuh/wazuh#25707), the ms-graph module puts it in
    // data["ms-graph"] beside "integration": "ms-graph" (wazuh/wazuh#18174). The record is read
    // as it is alone (breaker round 98).
    dom::object graph;
    uint32_t graph_at = 0;
    uint32_t inner = wazuh_data_at + 1;  // the key structural of data's first member
    for (dom::key_value_pair data_field : wazuh_data) {
      if (data_field.key == "ms-graph" &&
          data_field.value.get_object().get(graph) == simdjson::SUCCESS) {
        graph_at = inner + 2;
        break;
      }
      inner = structurals.SkipValue(inner + 2) + 1;
    }
    tail_object = at_tail;
    if (graph_at != 0) {
      ParseObject(graph, graph_at, raw, ObjectLevel::kElement, ctx);
    } else {
      ParseObject(wazuh_data, wazuh_data_at, raw, ObjectLevel::kElement, ctx);
    }
    tail_object = false;
    return;
  }
  if (!batch && update_doc_at != 0) [[unlikely]] {
    // The body of a bulk update ({"doc":{..},"doc_as_upsert":true}): its document is the record.
    if (IsBulkUpdateBody(root)) {
      ParseObject(update_doc, update_doc_at, raw, ObjectLevel::kElement, ctx);
      return;
    }
  }
  if (!batch && es_hit) [[unlikely]] {
    if (ReadHitWithoutSource(root, has_hit_fields ? &hit_fields : nullptr, raw, ctx)) return;
  }
  if (!batch) {
    // The root's record is emitted last: nothing reads the message's DOM after it (EmitShipped).
    root_record = at_tail;
    Emit(fields, raw, ctx);
    root_record = false;
  }
}

void RecordParser::Impl::ParseBatch(dom::array records, uint32_t open_bracket,
                                    const ParseContext& ctx) {
  const Structurals structurals(parser, base);
  uint32_t element_at = open_bracket + 1;
  for (dom::element record : records) {
    const uint32_t next = structurals.SkipValue(element_at);
    const auto [begin, end] = structurals.ValueSpan(element_at, next);
    const uint32_t element_at_before = element_at;
    element_at = next + 1;
    const std::string_view raw = parsers::TrimSpaces(text.substr(begin, end - begin));
    dom::object object;
    if (record.get_object().get(object) == simdjson::SUCCESS) {
      ParseObject(object, element_at_before, raw, ObjectLevel::kElement, ctx);
      continue;
    }
    if (ParseRecordText(record, ctx)) continue;
    ++record_index;
    Reject(RejectReason::kNotObject, raw, "batch element is not an object");
  }
}

void RecordParser::Impl::ParseResponses(dom::array responses, uint32_t open_bracket,
                                        const ParseContext& ctx) {
  const Structurals structurals(parser, base);
  uint32_t element_at = open_bracket + 1;
  for (dom::element response : responses) {
    const uint32_t next = structurals.SkipValue(element_at);
    const auto [begin, end] = structurals.ValueSpan(element_at, next);
    const uint32_t open_brace = element_at;
    element_at = next + 1;
    const std::string_view raw = parsers::TrimSpaces(text.substr(begin, end - begin));
    dom::object object;
    if (response.get_object().get(object) == simdjson::SUCCESS) {
      ParseResponse(object, open_brace, raw, ctx);
      continue;
    }
    ++record_index;
    Reject(RejectReason::kNotObject, raw, "Graph $batch response is not an object");
  }
}

void RecordParser::Impl::ParseResponse(dom::object response, uint32_t open_brace,
                                       std::string_view raw, const ParseContext& ctx) {
  int64_t status = 0;  // 0: not stated
  dom::element body;
  bool has_body = false;
  uint32_t body_index = 0;  // the body's place among the response's members
  uint32_t index = 0;
  for (dom::key_value_pair field : response) {
    if (parsers::EqualsIgnoreCase(field.key, "status")) {
      std::string_view status_text;
      if (field.value.get_int64().get(status) != simdjson::SUCCESS) {
        status = 0;
        if (field.value.get_string().get(status_text) == simdjson::SUCCESS) {
          status = parsers::ParseInt(parsers::TrimSpaces(status_text)).value_or(0);
        }
      }
    } else if (parsers::EqualsIgnoreCase(field.key, "body") && !field.value.is_null()) {
      body = field.value;
      has_body = true;
      body_index = index;
    }
    ++index;
  }
  dom::object body_object;
  const bool body_is_object = has_body && body.get_object().get(body_object) == simdjson::SUCCESS;
  // A failed request answers {"error":{"code":..,"message":..}} with its status (403, 404, 429):
  // no records, and a gap in the poll that an operator must see (a missing permission, throttling).
  dom::element error;
  const bool names_error =
      body_is_object && body_object.at_key("error").get(error) == simdjson::SUCCESS;
  if (status >= 400 || names_error) {
    ++record_index;
    Reject(RejectReason::kErrorResponse, raw,
           "Graph $batch response of a failed request (status >= 400, body.error): no records; "
           "its error code and message are in the response");
    return;
  }
  if (status >= 300) {
    ++record_index;
    Reject(RejectReason::kErrorResponse, raw,
           "Graph $batch response with a redirect status (3xx): no records (the Location it "
           "names is not followed)");
    return;
  }
  if (!has_body) {
    // One response of an Elasticsearch _msearch ({"responses":[{"took":..,"hits":{..},
    // "status":200}]}): its hits are in the response itself, read as a search response's.
    dom::object hits;
    if (response.at_key("hits").get_object().get(hits) == simdjson::SUCCESS) {
      ParseObject(response, open_brace, raw, ObjectLevel::kResponseBody, ctx);
    }
    return;  // 204 No Content, or a request that answers no body: no records
  }
  if (!body_is_object) {
    ++record_index;
    // PowerShell's ConvertTo-Json writes what lies below its -Depth (2 by default) as the .NET
    // type name: a batch response's body is at depth 3.
    std::string_view body_text;
    if (body.get_string().get(body_text) == simdjson::SUCCESS &&
        (body_text.starts_with("System.Collections.") || body_text.starts_with("Microsoft.")) &&
        body_text.find(' ') == std::string_view::npos) {
      Reject(RejectReason::kWrongType, raw,
             "Graph $batch response whose body is written as its .NET type name: PowerShell's "
             "ConvertTo-Json cut the export at its -Depth (2 by default); export again with "
             "ConvertTo-Json -Depth 10");
      return;
    }
    Reject(RejectReason::kUnknownFormat, raw,
           "Graph $batch response whose body is not a JSON object (the base64 body of a response "
           "that is not JSON)");
    return;
  }
  // The body's '{': skip the members before it.
  const Structurals structurals(parser, base);
  uint32_t member = open_brace + 1;
  for (uint32_t i = 0; i < body_index; ++i) member = structurals.SkipValue(member + 2) + 1;
  const uint32_t body_at = member + 2;
  const auto [begin, end] = structurals.ValueSpan(body_at, structurals.SkipValue(body_at));
  ParseObject(body_object, body_at, parsers::TrimSpaces(text.substr(begin, end - begin)),
              ObjectLevel::kResponseBody, ctx);
}

bool RecordParser::Impl::ParseConcatenated(const ParseContext& ctx) {
  // Pass 0 checks the shape (objects only, at least two, separated by blanks or commas); pass 1
  // parses each.
  const std::string_view whole = text;
  const char* const whole_base = base;
  for (int pass = 0; pass < 2; ++pass) {
    int values = 0;
    std::size_t i = 0;
    while (i < whole.size()) {
      const char c = whole[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
        ++i;
        continue;
      }
      if (c != '{') return false;
      const std::size_t begin = i;
      parsers::JsonDepthScan scan;
      for (; i < whole.size(); ++i) {
        if (scan.Step(whole[i]) == parsers::JsonDepthScan::Byte::kClose && scan.depth() == 0) {
          ++i;
          break;
        }
      }
      // The last one is cut short: not this shape.
      if (scan.depth() != 0 && pass == 0) return false;
      // Each a record: "{...} {}" is a record with trailing bytes, as simdjson says.
      if (parsers::TrimSpaces(whole.substr(begin + 1, i - begin - 2)).empty()) return false;
      ++values;
      if (pass == 1) {
        several_documents = true;
        text = whole.substr(begin, i - begin);
        base = whole_base + begin;
        MarkDocument();
        ParseDocument(ctx, /*whole_message=*/false);
      }
    }
    if (pass == 0 && values < 2) return false;
  }
  several_documents = false;
  text = whole;
  base = whole_base;
  return true;
}

bool RecordParser::Impl::ParseRecordText(dom::element value, const ParseContext& ctx) {
  fields = {};
  collector.BeginRecord();
  // A record stringified by its shipper ({"records":["{\"time\":...}"]}, as nested objects
  // arrive as JSON text): the record is the object that text holds, and its bytes that text.
  std::string_view record_text;
  dom::element inner;
  dom::object object;
  if (value.get_string().get(record_text) == simdjson::SUCCESS &&
      parsers::TrimJsonText(record_text).starts_with('{') &&
      text_fields.Open(parsers::JsonTextFields::kRecord, record_text, inner) == simdjson::SUCCESS &&
      inner.get_object().get(object) == simdjson::SUCCESS) {
    for (dom::key_value_pair field : object) {
      collector.RecordField(field.key, field.value, fields);
    }
    Emit(fields, parsers::TrimJsonText(record_text), ctx);
    return true;
  }
  return false;
}

void RecordParser::Impl::ParseTables(dom::array tables, uint32_t open_bracket,
                                     const ParseContext& ctx) {
  const Structurals structurals(parser, base);
  const uint64_t read = QueryResultTables(tables);
  uint32_t table_at = open_bracket + 1;
  uint32_t ordinal = 0;
  for (dom::element table_element : tables) {
    const uint32_t table_next = structurals.SkipValue(table_at);
    const uint32_t table_open = table_at;
    table_at = table_next + 1;
    const uint32_t this_ordinal = ordinal++;
    if (this_ordinal >= 64 ? read != ~uint64_t{0} : (read >> this_ordinal & 1) == 0) continue;
    dom::object table;
    if (table_element.get_object().get(table) != simdjson::SUCCESS) continue;
    ParseTable(table, table_open, ctx);
  }
}

void RecordParser::Impl::ParseTable(dom::object table, uint32_t table_open,
                                    const ParseContext& ctx) {
  const Structurals structurals(parser, base);
  {
    // The members in text order, beside their structurals: the rows' '[' is needed for their bytes.
    dom::array columns, rows;
    bool has_columns = false, has_rows = false;
    // A Kusto v2 DataTable frame of another kind than the query's rows (QueryProperties,
    // QueryCompletionInformation: about the query).
    bool about_the_query = false;
    uint32_t rows_at = 0;
    uint32_t member = table_open + 1;
    for (dom::key_value_pair field : table) {
      const uint32_t value_at = member + 2;
      member = structurals.SkipValue(value_at) + 1;
      if (parsers::EqualsIgnoreCase(field.key, "columns")) {
        has_columns = field.value.get_array().get(columns) == simdjson::SUCCESS;
      } else if (parsers::EqualsIgnoreCase(field.key, "rows")) {
        has_rows = field.value.get_array().get(rows) == simdjson::SUCCESS;
        rows_at = value_at;
      } else if (parsers::EqualsIgnoreCase(field.key, "TableKind")) {
        std::string_view kind;
        about_the_query = field.value.get_string().get(kind) == simdjson::SUCCESS &&
                          !parsers::EqualsIgnoreCase(kind, "PrimaryResult");
      }
    }
    if (!has_columns || !has_rows || about_the_query) return;
    uint32_t row_at = rows_at + 1;
    for (dom::element row_element : rows) {
      const uint32_t next = structurals.SkipValue(row_at);
      const auto [begin, end] = structurals.ValueSpan(row_at, next);
      row_at = next + 1;
      const std::string_view raw = parsers::TrimSpaces(text.substr(begin, end - begin));
      dom::array row;
      if (row_element.get_array().get(row) != simdjson::SUCCESS) {
        ++record_index;
        Reject(RejectReason::kNotObject, raw, "table row is not an array");
        continue;
      }
      fields = {};
      collector.BeginRecord();
      auto column = columns.begin();
      for (dom::element value : row) {
        if (column == columns.end()) break;
        // {"name": "TimeGenerated", "type": "datetime"} (Log Analytics), {"ColumnName": ...}
        // (Kusto v1).
        const std::string_view name = QueryColumnName(*column);
        ++column;
        if (!name.empty()) collector.RecordField(name, value, fields);
      }
      Emit(fields, raw, ctx);
    }
  }
}

bool RecordParser::Impl::ReadHitWithoutSource(dom::object hit, const dom::object* hit_fields,
                                              std::string_view raw, const ParseContext& ctx) {
  if (!IsHitWithoutSource(hit)) return false;
  bool found = true;
  dom::element error;
  if ((hit.at_key("found").get_bool().get(found) == simdjson::SUCCESS && !found) ||
      hit.at_key("error").get(error) == simdjson::SUCCESS) {
    ++record_index;
    Reject(RejectReason::kErrorResponse, raw,
           "Elasticsearch document that was not found (an _mget document with \"found\": false "
           "or an \"error\"): no record");
    return true;
  }
  // The search asked for `fields` (values as arrays, read from _source): an ECS document's
  // event.original among them is the Azure record, read as the document's would be.
  if (hit_fields != nullptr) {
    const std::string_view original = HitFieldText(*hit_fields, "event.original");
    if (!original.empty() && EmitOriginal(original, ctx)) return true;
  }
  ++record_index;
  Reject(RejectReason::kUnknownFormat, raw,
         hit_fields != nullptr
             ? "Elasticsearch hit with \"fields\" and no \"_source\" (a search that asked for "
               "fields, or `_source: false`) and no event.original among them: fields flatten the "
               "record's objects and arrays (each value an array) and privmon reads the Azure "
               "record itself; search with _source, or add event.original to `fields`"
             : "Elasticsearch hit without \"_source\" or \"fields\" (a search with `_source: "
               "false`, or an index that keeps no _source): the document is not in it; search "
               "with _source");
  return true;
}

bool RecordParser::Impl::EmitShipped(std::string_view shipped, bool at_root, std::string_view raw,
                                     const ParseContext& ctx) {
  shipped = parsers::TrimJsonText(shipped);
  if (!shipped.starts_with('{') && !shipped.starts_with('[')) return false;
  if (!at_root || unwrap_depth == kMaxUnwrap) {
    return shipped.starts_with('{') && EmitOriginal(shipped, ctx);
  }
  // `shipped` lies in the carrying message's DOM, which the parse below replaces: copied first.
  std::string& copy = unwrapped[unwrap_depth];
  copy.assign(shipped);
  copy.append(simdjson::SIMDJSON_PADDING, '\0');
  const std::string_view outer_text = text;
  const char* const outer_base = base;
  const std::size_t events = result.events.size(), skipped = result.skipped.size(),
                    rejections = result.rejections.size();
  text = std::string_view(copy.data(), shipped.size());
  base = copy.data();
  ++unwrap_depth;
  ParseDocument(ctx, /*whole_message=*/false);
  --unwrap_depth;
  text = outer_text;
  base = outer_base;
  // Nothing of it read (invalid or cut JSON, no object, a record of no known shape): refused as
  // the event that carried it, its bytes whole, as they came.
  if (result.events.size() == events && result.skipped.size() == skipped &&
      result.rejections.size() == rejections + 1) {
    Rejection& r = result.rejections.back();
    r.raw = Kept(raw);
    r.detail = kept_texts.emplace_back(
        "the message this event holds as JSON text (a shipper's message, log, payload or body, "
        "a Splunk _raw): " +
        std::string(r.detail));
  }
  return true;
}

bool RecordParser::Impl::EmitOriginal(std::string_view original, const ParseContext& ctx) {
  original = parsers::TrimJsonText(original);
  dom::element inner;
  dom::object object;
  if (!original.starts_with('{') ||
      text_fields.Open(parsers::JsonTextFields::kRecord, original, inner) != simdjson::SUCCESS ||
      inner.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  // `original` lies in the message's DOM, `object` in the slot's: both outlive the fields reset.
  fields = {};
  collector.BeginRecord();
  for (dom::key_value_pair field : object) collector.RecordField(field.key, field.value, fields);
  reading_original = true;
  Emit(fields, original, ctx);
  reading_original = false;
  return true;
}

void RecordParser::Impl::Emit(parsers::RecordFields& f, std::string_view raw,
                              const ParseContext& ctx) {
  collector.EndRecord(f);
  // Elastic's document of an Azure record that kept the record itself: the record is read, not
  // the document's renamed fields.
  // So too Splunk's `_raw`: at the root, read as the message it holds (EmitShipped).
  if (!f.ecs_original.empty() && !reading_original) [[unlikely]] {
    const bool at_root = root_record;
    root_record = false;
    if (EmitShipped(f.ecs_original, at_root, raw, ctx)) return;
    root_record = at_root;
  }
  const uint64_t index = record_index++;
  // A risk detections page's user-reported suspicious activity is read (event_builder.cc).
  if (page_category && !(f.user_reported_suspicious &&
                         *page_category == SkippedCategory::kUserRiskEvents)) [[unlikely]] {
    result.skipped.push_back(Skipped{*page_category, Kept(raw)});
    return;
  }
  result.events.emplace_back();
  Event& event = result.events.back();
  RejectReason reason = RejectReason::kUnknownFormat;
  std::string_view detail;
  f.registration_context = page_registration;
  f.page_context = page_context;
  if (parsers::BuildEvent(f, ctx, event, reason, detail)) {
    event.sequence = ctx.sequence * 1024 + index;
    // Redelivery key (DESIGN.md section 10): the record's own id, never its correlation id alone;
    // a record without an id by what it says (ContentFingerprint: a re-serialized copy has other
    // bytes); a registration's id is its user's, so registrations are keyed by their bytes.
    // The id as NormalizeId reads every id: without surrounding white space or braces.
    const std::string_view id = parsers::NormalizeId(f.id);
    const bool registration = event.kind == EventKind::kMfaRegistration;
    if (!id.empty() && !registration) {
      event.fingerprint = RecordFingerprint(event.tenant_hash, event.kind, id, true);
      // One sign-in's rows (an MFA interrupt, then its success or fraud report) share the id.
      if (event.kind == EventKind::kSignIn) {
        event.fingerprint = SignInRowFingerprint(event.fingerprint, event);
      }
    } else if (!registration) {
      event.fingerprint = ContentFingerprint(event);
    } else {
      event.fingerprint = RecordFingerprint(event.tenant_hash, event.kind, raw, false);
    }
    // A row of a KQL `mv-expand` (an array column as one element) shares its record's id (or, with
    // no id, what ContentFingerprint reads) with the other rows of that record: what it read from
    // its element is part of its key, so rows that say different things (a fraud report in the
    // second authentication step, the user among a PIM record's targets) all reach the rules,
    // while the same row again is still a repeat.
    // What the record says keys it across its copies with and without an id (content_key,
    // CopyContentKey: whole seconds, no correlation id; with a row's element facts, as the
    // fingerprint); an mv-expand row is marked so that the rules count its record once
    // (DetectionEngine::RowCounted).
    uint64_t content =
        registration
            ? 0
            : CopyContentKey(event,
                             id.empty() ? event.record_id.view()
                                        : std::string_view(parsers::TrimSpaces(f.correlation_id)),
                             !id.empty());
    if (const uint64_t facts = parsers::SingleElementFacts(f); !registration && facts != 0) {
      event.expanded_row = true;
      const uint64_t h = HashCombine(event.fingerprint, facts);
      event.fingerprint = h == 0 ? 1 : h;
      // The tag bit (CopyContentKey: with an id or without) kept.
      content = ((HashCombine(content | 1, facts) | 2) & ~uint64_t{1}) | (content & 1);
    }
    event.content_key = content;
    result.event_raw.push_back(Kept(raw));
    return;
  }
  result.events.pop_back();
  if (reason == RejectReason::kUnknownFormat && !f.shipped_text.empty() && !reading_original)
      [[unlikely]] {
    const bool at_root = root_record;
    root_record = false;
    if (EmitShipped(f.shipped_text, at_root, raw, ctx)) return;
  }
  if (reason == RejectReason::kUnknownFormat && !f.wrong_type_detail.empty()) [[unlikely]] {
    // A record of no known shape with a field of a type it cannot have (an activityDisplayName
    // that is an object, a category that is an array): it is of no shape for want of that field.
    // Not so an object of another log privmon skips, whatever its fields' types.
    if (!parsers::SkippedCategoryOf(f) || page_reads ||
        parsers::ContextNamesReadLog(f.odata_context)) {
      reason = RejectReason::kWrongType;
      detail = f.wrong_type_detail;
    }
  }
  if (reason == RejectReason::kUnknownFormat) {
    // The page's context (or the object's own "$entity" context) says what the record is before
    // its members do: a record of a sign-in or audit page that cannot be read as one is rejected
    // with its reason, not skipped as a user for its `givenName`. Members decide only where no
    // context names the log (Log Analytics `Type` and diagnostic `category` are decided above).
    const bool context_reads = page_reads || parsers::ContextNamesReadLog(f.odata_context);
    if (const auto category = parsers::SkippedCategoryOf(f)) {
      if (!context_reads) {
        result.skipped.push_back(Skipped{*category, Kept(raw)});
        return;
      }
      detail =
          "record of a Graph page (or object) whose @odata.context names a log privmon reads "
          "(signIns, directoryAudits, registration details) that cannot be read as one of its "
          "records: rejected, not skipped as another resource's object for the members it carries";
    }
    detail = NamedUnknownDetail(detail, f);
  }
  Reject(reason, raw, detail);
}

RecordParser::RecordParser(std::size_t max_message_bytes)
    : impl_(std::make_unique<Impl>(max_message_bytes)) {}

RecordParser::~RecordParser() = default;

const ParseResult& RecordParser::Parse(std::string_view message, const ParseContext& ctx) {
  impl_->Parse(message, ctx);
  return impl_->result;
}

}  // namespace privmon
