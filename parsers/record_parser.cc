#include "parsers/record_parser.h"

#include <simdjson.h>

#include <cstring>

#include "parsers/event_builder.h"
#include "parsers/field_collector.h"
#include "parsers/json_text_field.h"
#include "parsers/json_validator.h"
#include "parsers/json_walk.h"
#include "parsers/record_fields.h"
#include "parsers/text_util.h"

namespace privmon {

using parsers::od::document;
using parsers::od::json_type;
using parsers::od::value;
using simdjson::error_code;
using simdjson::SUCCESS;

struct RecordParser::Impl {
  explicit Impl(std::size_t max_bytes)
      : max_message_bytes(max_bytes), text_fields(validator), collector(text_fields) {}

  void Parse(std::string_view message, const ParseContext& ctx);
  error_code ParseDocument(std::size_t length, const ParseContext& ctx);
  error_code ParseBatch(document& doc, value records, const ParseContext& ctx);
  void Emit(const parsers::RecordFields& fields, std::string_view raw, const ParseContext& ctx);
  void Reject(RejectReason reason, std::string_view raw, std::string_view detail) {
    result.rejections.push_back(Rejection{reason, raw, detail});
  }

  std::size_t max_message_bytes;
  simdjson::ondemand::parser parser;
  std::unique_ptr<char[]> buffer;  // the message, padded for simdjson
  std::size_t capacity = 0;
  parsers::JsonValidator validator;
  parsers::JsonTextFields text_fields;
  parsers::FieldCollector collector;
  parsers::RecordFields fields;
  ParseResult result;
  std::string_view message;      // the caller's bytes (raw of whole-message rejections)
  std::string_view padded_view;  // the same bytes inside `buffer` (raw of batch elements)
  bool wrong_type = false;
  bool not_object = false;
  uint64_t record_index = 0;
};

void RecordParser::Impl::Parse(std::string_view msg, const ParseContext& ctx) {
  result.events.clear();
  result.event_raw.clear();
  result.rejections.clear();
  result.skipped.clear();
  message = msg;
  if (msg.size() > max_message_bytes) {
    Reject(RejectReason::kOversized, msg, "message above max_message_bytes");
    return;
  }
  // Windows tools (PowerShell's Out-File, exports) start UTF-8 text with a byte order mark: it is
  // encoding metadata, not JSON. Rejections still keep the caller's bytes whole (`message`).
  if (msg.size() > 3 && msg.starts_with("\xEF\xBB\xBF")) msg.remove_prefix(3);
  const std::size_t needed = msg.size() + simdjson::SIMDJSON_PADDING;
  if (needed > capacity) {
    capacity = std::max<std::size_t>(needed, std::max<std::size_t>(64 * 1024, capacity * 2));
    buffer = std::make_unique<char[]>(capacity);
  }
  if (!msg.empty()) std::memcpy(buffer.get(), msg.data(), msg.size());
  std::memset(buffer.get() + msg.size(), 0, simdjson::SIMDJSON_PADDING);
  padded_view = std::string_view(buffer.get(), msg.size());
  wrong_type = false;
  not_object = false;
  record_index = 0;

  // Validate the whole message first: the walk below skips what it does not read unchecked.
  error_code err = validator.Validate(parser, buffer.get(), msg.size(), capacity);
  if (err == SUCCESS) err = ParseDocument(msg.size(), ctx);
  if (err != SUCCESS) {
    // A message is valid as a whole or not at all: drop what its earlier records produced.
    result.events.clear();
    result.rejections.clear();
    result.skipped.clear();
    if (err == simdjson::DEPTH_ERROR) {
      Reject(RejectReason::kTooDeep, msg, "nesting deeper than 64 levels");
    } else {
      Reject(RejectReason::kInvalidJson, msg, simdjson::error_message(err));
    }
    return;
  }
  if (wrong_type) {
    result.events.clear();
    result.rejections.clear();
    result.skipped.clear();
    Reject(RejectReason::kWrongType, msg, "\"records\" / \"value\" is not an array");
  } else if (not_object) {
    Reject(RejectReason::kNotObject, msg, "message is not a JSON object");
  }
}

error_code RecordParser::Impl::ParseDocument(std::size_t length, const ParseContext& ctx) {
  document doc;
  if (auto e = parser.iterate(buffer.get(), length, capacity).get(doc)) return e;
  json_type type;
  if (auto e = doc.type().get(type)) return e;
  if (type != json_type::object) {
    not_object = true;  // already validated as a whole
    return SUCCESS;
  }

  parsers::od::object root;
  if (auto e = doc.get_object().get(root)) return e;
  fields = {};
  text_fields.BeginRecord();
  bool batch = false;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    value child;
    if (auto e = field.value().get(child)) return e;
    if (key == "records" || key == "value") {
      json_type child_type;
      if (auto e = child.type().get(child_type)) return e;
      if (child_type == json_type::array) {
        batch = true;
        if (auto e = ParseBatch(doc, child, ctx)) return e;
        continue;
      }
      wrong_type = true;
      if (auto e = parsers::SkipValue(child, 2)) return e;
      continue;
    }
    if (key.starts_with("@odata.")) {
      if (auto e = parsers::SkipValue(child, 2)) return e;
      continue;
    }
    if (auto e = collector.RecordField(key, child, 2, fields)) return e;
  }
  if (auto e = parsers::CheckAtEnd(doc)) return e;
  if (!batch && !wrong_type) Emit(fields, parsers::TrimSpaces(message), ctx);
  return SUCCESS;
}

error_code RecordParser::Impl::ParseBatch(document& doc, value records, const ParseContext& ctx) {
  parsers::od::array array;
  if (auto e = records.get_array().get(array)) return e;
  for (auto element : array) {
    value record;
    if (auto e = element.get(record)) return e;
    const char* start = record.raw_json_token().data();
    json_type type;
    if (auto e = record.type().get(type)) return e;
    fields = {};
    text_fields.BeginRecord();
    if (type == json_type::object) {
      parsers::od::object object;
      if (auto e = record.get_object().get(object)) return e;
      for (auto field : object) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        value child;
        if (auto e = field.value().get(child)) return e;
        if (auto e = collector.RecordField(key, child, 4, fields)) return e;
      }
    } else if (type == json_type::array) {
      parsers::od::array array_element;  // consumed via raw_json(), so its end is the location
      std::string_view ignored;
      if (auto e = record.get_array().get(array_element)) return e;
      if (auto e = array_element.raw_json().get(ignored)) return e;
    }
    // The element's bytes run to the next structural character (',' or ']'); a scalar element
    // is a single token.
    const char* end = nullptr;
    if (type == json_type::object || type == json_type::array) {
      if (auto e = doc.current_location().get(end)) return e;
    } else {
      end = start + record.raw_json_token().size();
    }
    // Report the element as a view of the caller's message (same offsets as our padded copy).
    const std::string_view raw = parsers::TrimSpaces(message.substr(
        static_cast<std::size_t>(start - buffer.get()), static_cast<std::size_t>(end - start)));
    if (type == json_type::object) {
      Emit(fields, raw, ctx);
    } else {
      ++record_index;
      Reject(RejectReason::kNotObject, raw, "batch element is not an object");
    }
  }
  return SUCCESS;
}

void RecordParser::Impl::Emit(const parsers::RecordFields& f, std::string_view raw,
                              const ParseContext& ctx) {
  const uint64_t index = record_index++;
  result.events.emplace_back();
  Event& event = result.events.back();
  RejectReason reason = RejectReason::kUnknownFormat;
  std::string_view detail;
  if (parsers::BuildEvent(f, ctx, event, reason, detail)) {
    event.sequence = ctx.sequence * 1024 + index;
    // Redelivery key (DESIGN.md section 10): the record's own id, never its correlation id;
    // a registration's id is its user's, so registrations (and records without an id) are keyed
    // by their bytes.
    const bool own_id = !f.id.empty() && event.kind != EventKind::kMfaRegistration;
    event.fingerprint =
        RecordFingerprint(event.tenant_hash, event.kind, own_id ? f.id : raw, own_id);
    result.event_raw.push_back(raw);
    return;
  }
  result.events.pop_back();
  if (reason == RejectReason::kUnknownFormat) {
    if (const auto category = parsers::SkippedCategoryOf(f)) {
      result.skipped.push_back(Skipped{*category, raw});
      return;
    }
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
