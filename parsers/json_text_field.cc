#include "parsers/json_text_field.h"

#include <algorithm>
#include <cstring>

namespace privmon::parsers {

simdjson::error_code JsonTextFields::Open(Slot slot, std::string_view text,
                                          simdjson::ondemand::document*& doc) {
  if (opened_ & (1u << slot)) return simdjson::INCORRECT_TYPE;
  opened_ |= 1u << slot;
  Entry& e = entries_[slot];
  const std::size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (needed > e.capacity) {
    const std::size_t capacity =
        std::max<std::size_t>(needed, std::max<std::size_t>(4096, e.capacity * 2));
    e.buffer = std::make_unique<char[]>(capacity);
    e.capacity = capacity;
  }
  std::memcpy(e.buffer.get(), text.data(), text.size());
  std::memset(e.buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  if (auto err = validator_.Validate(e.parser, e.buffer.get(), text.size(), e.capacity)) return err;
  if (auto err = e.parser.iterate(e.buffer.get(), text.size(), e.capacity).get(e.doc)) return err;
  doc = &e.doc;
  return simdjson::SUCCESS;
}

}  // namespace privmon::parsers
