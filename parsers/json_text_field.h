// JsonTextFields: long-lived DOM parsers for JSON text stored inside a string field (Log Analytics
// dynamic columns such as "InitiatedBy":"{\"user\":...}"). One parser and padded buffer per column
// kind, so the views read from one column stay valid while another is parsed, until the next
// Open() of the same slot. Each text is parsed once, and validated whole by that parse. Buffers
// only grow: steady state allocates nothing (a slot's parser is allocated at its first Open: most
// modifiedProperties slots are never used). One per RecordParser; not thread-safe.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace privmon::parsers {

class JsonTextFields {
 public:
  JsonTextFields();

  enum Slot : uint8_t {
    kStatus,
    kDeviceDetail,
    kLocationDetails,
    kAuthenticationDetails,
    kInitiatedBy,
    kTargetResources,
    kClaims,
    kProperties,
    kRecord,  // a batch element that is a record as JSON text
    kIdentity,
    kAdditionalDetails,
    kSignInEventTypes,
    kAuthorization,  // Azure Activity's Authorization column (Log Analytics: JSON text)
    // A JSON-text column given a second time in one record (two spellings of one column, as an
    // export writing Claims and Claims_d, location and LocationDetails): read too, once.
    kDuplicate,
    // A target's modifiedProperties as JSON text (a stringifying shipper): one slot per target
    // of a record, kModifiedPropertiesSlots of them (the first `kModifiedPropertiesSlots - 1`
    // targets keep their views for the record; the last slot is reused by every target after
    // them, see OpenAgain).
    kModifiedProperties,
    kModifiedPropertiesLast = kModifiedProperties + 15,
    kSlotCount
  };
  static constexpr uint32_t kModifiedPropertiesSlots =
      kModifiedPropertiesLast - kModifiedProperties + 1;
  static_assert(kSlotCount <= 32, "opened_ holds a bit per slot");

  // Starts a new record: each slot may be opened once per record, so views read from a column
  // stay valid for the whole record (a duplicated column is ignored rather than re-parsed).
  void BeginRecord() { opened_ = 0; }

  // Copies `text` (without white space or a UTF-8 byte order mark around it: TrimJsonText) into
  // the slot's padded buffer and parses it. `root` (owned by the slot's parser)
  // is valid until the next record's Open() of the slot. Fails if the text is not valid JSON or
  // nests deeper than kMaxDepth, or without touching the slot if it was already opened for this
  // record.
  simdjson::error_code Open(Slot slot, std::string_view text, simdjson::dom::element& root);

  // Whether the slot was opened for the current record.
  bool Opened(Slot slot) const { return ((opened_ >> slot) & 1u) != 0; }

  // Open() that may read the slot again within a record: the views the slot's earlier Open() of
  // this record gave are gone (for a reader that kept none of them).
  simdjson::error_code OpenAgain(Slot slot, std::string_view text, simdjson::dom::element& root) {
    opened_ &= ~(1u << slot);
    return Open(slot, text, root);
  }

  // Parses `text`, a string of the document the slot's last Open() (or Reopen()) gave, in its
  // place: the column was JSON text encoded again (a shipper that JSON-encodes the already encoded
  // column). The string is no longer than the slot's text was, so nothing is allocated; the
  // slot's earlier views are gone.
  simdjson::error_code Reopen(Slot slot, std::string_view text, simdjson::dom::element& root);

 private:
  struct Entry {
    simdjson::dom::parser parser;
    simdjson::error_code init_error = simdjson::SUCCESS;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
  };
  std::array<Entry, kSlotCount> entries_;
  uint32_t opened_ = 0;  // bit per slot opened for the current record
};

}  // namespace privmon::parsers
