// FieldCollector: walks the fields of one record object (any of the three formats, and the diag
// `properties` object) into RecordFields in a single forward pass, validating every value it does
// not need. Log Analytics dynamic columns that arrive as JSON text are parsed with JsonTextFields.
// Errors are simdjson codes and mean "the message is not valid JSON" (or too deep); a JSON-text
// column that is itself not valid JSON is treated as absent. No allocation in steady state.
#pragma once

#include <string_view>

#include "parsers/json_text_field.h"
#include "parsers/json_walk.h"
#include "parsers/record_fields.h"

namespace privmon::parsers {

class FieldCollector {
 public:
  explicit FieldCollector(JsonTextFields& text_fields) : text_fields_(text_fields) {}

  // One top-level field of a record (`key` already unescaped); `depth` is the value's nesting.
  simdjson::error_code RecordField(std::string_view key, od::value value, int depth,
                                   RecordFields& out) {
    return Field(key, value, depth, /*in_properties=*/false, out);
  }

 private:
  simdjson::error_code Field(std::string_view key, od::value value, int depth, bool in_properties,
                             RecordFields& out);
  simdjson::error_code Properties(od::value value, int depth, RecordFields& out);
  simdjson::error_code Status(od::value value, int depth, RecordFields& out);
  simdjson::error_code DeviceDetail(od::value value, int depth, RecordFields& out);
  simdjson::error_code Location(od::value value, int depth, RecordFields& out);
  simdjson::error_code AuthenticationDetails(od::value value, int depth, RecordFields& out);
  simdjson::error_code InitiatedBy(od::value value, int depth, RecordFields& out);
  simdjson::error_code TargetResources(od::value value, int depth, RecordFields& out);
  simdjson::error_code Target(od::value value, int depth, RecordFields& out);
  simdjson::error_code Identity(od::value value, int depth, RecordFields& out);
  simdjson::error_code Claims(od::value value, int depth, RecordFields& out);

  // Calls (this->*walk)(v) on an object/array value, or on the JSON parsed from a string value.
  simdjson::error_code Dynamic(JsonTextFields::Slot slot, od::value value, int depth,
                               RecordFields& out,
                               simdjson::error_code (FieldCollector::*walk)(od::value, int,
                                                                            RecordFields&));

  JsonTextFields& text_fields_;
};

}  // namespace privmon::parsers
