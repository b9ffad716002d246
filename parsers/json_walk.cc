#include "parsers/json_walk.h"

namespace privmon::parsers {
namespace {

using simdjson::error_code;
using simdjson::SUCCESS;

std::string_view TrimToken(std::string_view t) {
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\t' || t.back() == '\r' || t.back() == '\n' ||
          t.back() == ',' || t.back() == '}' || t.back() == ']')) {
    t.remove_suffix(1);
  }
  return t;
}

}  // namespace

error_code ReadScalar(od::value v, int /*depth*/, Scalar& out) {
  out = Scalar{};
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::string: {
      if (auto e = v.get_string().get(out.text)) return e;
      out.kind = Scalar::kString;
      return SUCCESS;
    }
    case od::json_type::number: {
      out.text = TrimToken(v.raw_json_token());
      out.kind = Scalar::kNumber;
      return SUCCESS;
    }
    case od::json_type::boolean: {
      if (auto e = v.get_bool().get(out.boolean)) return e;
      out.text = out.boolean ? "true" : "false";
      out.kind = Scalar::kBool;
      return SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? SUCCESS : simdjson::TAPE_ERROR;
    }
    case od::json_type::object:
      out.kind = Scalar::kObject;
      return SUCCESS;
    case od::json_type::array:
      out.kind = Scalar::kArray;
      return SUCCESS;
  }
  return simdjson::TAPE_ERROR;
}

error_code CheckAtEnd(od::document& doc) {
  const char* location = nullptr;
  // current_location() reports OUT_OF_BOUNDS once the whole input has been consumed.
  if (doc.current_location().get(location) == simdjson::OUT_OF_BOUNDS) return SUCCESS;
  return simdjson::TRAILING_CONTENT;
}

}  // namespace privmon::parsers
