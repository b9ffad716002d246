#include "parsers/json_walk.h"

#include <charconv>

namespace privmon::parsers {

namespace {

// A number's shortest text into [first, last): its digits' end, or nullptr when `v` is no number
// or the text does not fit.
char* WriteNumber(dom::element v, char* first, char* last) {
  std::to_chars_result r{};
  switch (v.type()) {
    case dom::element_type::INT64:
      r = std::to_chars(first, last, v.get_int64().value_unsafe());
      break;
    case dom::element_type::UINT64:
      r = std::to_chars(first, last, v.get_uint64().value_unsafe());
      break;
    case dom::element_type::DOUBLE:
      r = std::to_chars(first, last, v.get_double().value_unsafe());
      break;
    default:
      return nullptr;
  }
  return r.ec == std::errc() ? r.ptr : nullptr;
}

}  // namespace

std::string_view NumberTexts::Format(dom::element v) {
  if (used_ == kSlots) return {};
  auto& slot = slots_[used_];
  char* const end = WriteNumber(v, slot.data(), slot.data() + slot.size());
  if (end == nullptr) return {};
  ++used_;
  return {slot.data(), static_cast<std::size_t>(end - slot.data())};
}

std::string_view JsonTexts::Write(dom::element v) {
  const std::size_t start = used_;
  if (!Append(v, 0)) {
    used_ = start;
    return kTooLong;
  }
  return {bytes_.data() + start, used_ - start};
}

bool JsonTexts::Put(std::string_view text) {
  if (text.size() > kBytes - used_) return false;
  text.copy(bytes_.data() + used_, text.size());
  used_ += text.size();
  return true;
}

bool JsonTexts::PutString(std::string_view text) {
  if (!Put("\"")) return false;
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      if (!Put("\\") || !Put(std::string_view(&c, 1))) return false;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      if (!Put(" ")) return false;
    } else if (!Put(std::string_view(&c, 1))) {
      return false;
    }
  }
  return Put("\"");
}

bool JsonTexts::Append(dom::element v, int depth) {
  // The DOM parser bounded the nesting already (kMaxDepth); this bound only guards the stack.
  if (depth > kMaxDepth) return false;
  switch (v.type()) {
    case dom::element_type::STRING:
      return PutString(v.get_string().value_unsafe());
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      std::array<char, 32> digits;
      char* const end = WriteNumber(v, digits.data(), digits.data() + digits.size());
      return end != nullptr && Put({digits.data(), static_cast<std::size_t>(end - digits.data())});
    }
    case dom::element_type::BOOL:
      return Put(v.get_bool().value_unsafe() ? "true" : "false");
    case dom::element_type::NULL_VALUE:
      return Put("null");
    case dom::element_type::OBJECT: {
      if (!Put("{")) return false;
      bool first = true;
      const dom::object object = v.get_object().value_unsafe();
      for (const dom::key_value_pair field : object) {
        if (!first && !Put(",")) return false;
        first = false;
        if (!PutString(field.key) || !Put(":") || !Append(field.value, depth + 1)) return false;
      }
      return Put("}");
    }
    case dom::element_type::ARRAY: {
      if (!Put("[")) return false;
      bool first = true;
      const dom::array array = v.get_array().value_unsafe();
      for (const dom::element element : array) {
        if (!first && !Put(",")) return false;
        first = false;
        if (!Append(element, depth + 1)) return false;
      }
      return Put("]");
    }
  }
  return false;
}

Scalar ReadScalar(dom::element v, NumberTexts& numbers) {
  Scalar out;
  switch (v.type()) {
    case dom::element_type::STRING:
      out.text = v.get_string().value_unsafe();
      out.kind = Scalar::kString;
      break;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      out.text = numbers.Format(v);
      if (!out.text.empty()) out.kind = Scalar::kNumber;
      break;
    case dom::element_type::BOOL:
      out.boolean = v.get_bool().value_unsafe();
      out.text = out.boolean ? "true" : "false";
      out.kind = Scalar::kBool;
      break;
    case dom::element_type::OBJECT:
      out.kind = Scalar::kObject;
      break;
    case dom::element_type::ARRAY:
      out.kind = Scalar::kArray;
      break;
    case dom::element_type::NULL_VALUE:
      break;
  }
  return out;
}

}  // namespace privmon::parsers
