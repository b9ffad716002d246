// JsonTextFields: long-lived on-demand parsers for JSON text stored inside a string field (Log
// Analytics dynamic columns such as "InitiatedBy":"{\"user\":...}"). One parser and padded buffer
// per column kind, so the views read from one column stay valid while another is parsed, until the
// next Open() of the same slot. Buffers only grow: steady state allocates nothing. One per
// RecordParser; not thread-safe.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/json_validator.h"

namespace privmon::parsers {

class JsonTextFields {
 public:
  explicit JsonTextFields(JsonValidator& validator) : validator_(validator) {}

  enum Slot : uint8_t {
    kStatus,
    kDeviceDetail,
    kLocationDetails,
    kAuthenticationDetails,
    kInitiatedBy,
    kTargetResources,
    kSlotCount
  };

  // Starts a new record: each slot may be opened once per record, so views read from a column
  // stay valid for the whole record (a duplicated column is ignored rather than re-parsed).
  void BeginRecord() { opened_ = 0; }

  // Copies `text` into the slot's padded buffer and starts an on-demand document over it. The
  // returned document (owned by this object) is valid until the next record's Open() of the slot.
  // Fails if the text is not valid JSON (validated as a whole, so walkers may skip unchecked), or
  // without touching the slot if it was already opened for this record.
  simdjson::error_code Open(Slot slot, std::string_view text, simdjson::ondemand::document*& doc);

 private:
  struct Entry {
    simdjson::ondemand::parser parser;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
    simdjson::ondemand::document doc;
  };
  JsonValidator& validator_;
  std::array<Entry, kSlotCount> entries_;
  uint32_t opened_ = 0;  // bit per slot opened for the current record
};

}  // namespace privmon::parsers
