#include "parsers/json_walk.h"

#include <charconv>

namespace privmon::parsers {

std::string_view NumberTexts::Format(dom::element v) {
  if (used_ == kSlots) return {};
  auto& slot = slots_[used_];
  char* const first = slot.data();
  char* const last = first + slot.size();
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
      return {};
  }
  if (r.ec != std::errc()) return {};
  ++used_;
  return {first, static_cast<std::size_t>(r.ptr - first)};
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
