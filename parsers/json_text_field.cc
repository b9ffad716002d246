#include "parsers/json_text_field.h"

#include <algorithm>
#include <cstring>

#include "parsers/json_walk.h"
#include "parsers/text_util.h"

namespace privmon::parsers {

// A failed allocation is reported by every Open() of the slot (MEMALLOC), never ignored.
JsonTextFields::JsonTextFields() {
  for (std::size_t i = 0; i <= kModifiedProperties; ++i) {
    entries_[i].init_error = entries_[i].parser.allocate(4096, kMaxDepth);
  }
}

simdjson::error_code JsonTextFields::Open(Slot slot, std::string_view text,
                                          simdjson::dom::element& root) {
  if (opened_ & (1u << slot)) return simdjson::INCORRECT_TYPE;
  opened_ |= 1u << slot;
  // Every JSON text privmon reads from a string comes through here: a byte order mark or white
  // space around it reads as the text without them.
  text = TrimJsonText(text);
  Entry& e = entries_[slot];
  if (slot > kModifiedProperties && e.capacity == 0 && e.parser.capacity() == 0) [[unlikely]] {
    e.init_error = e.parser.allocate(4096, kMaxDepth);  // a second target's, first used
  }
  if (e.init_error) return e.init_error;
  const std::size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (needed > e.capacity) {
    const std::size_t capacity =
        std::max<std::size_t>(needed, std::max<std::size_t>(4096, e.capacity * 2));
    e.buffer = std::make_unique<char[]>(capacity);
    e.capacity = capacity;
  }
  if (!text.empty()) std::memcpy(e.buffer.get(), text.data(), text.size());
  std::memset(e.buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return e.parser.parse(e.buffer.get(), text.size(), /*realloc_if_needed=*/false).get(root);
}

simdjson::error_code JsonTextFields::Reopen(Slot slot, std::string_view text,
                                            simdjson::dom::element& root) {
  text = TrimJsonText(text);
  Entry& e = entries_[slot];
  if ((opened_ & (1u << slot)) == 0 || e.init_error ||
      text.size() + simdjson::SIMDJSON_PADDING > e.capacity) {
    return simdjson::INCORRECT_TYPE;
  }
  // `text` lives in the parser's string buffer, which the parse below rewrites: copied first.
  std::memmove(e.buffer.get(), text.data(), text.size());
  std::memset(e.buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return e.parser.parse(e.buffer.get(), text.size(), /*realloc_if_needed=*/false).get(root);
}

}  // namespace privmon::parsers
