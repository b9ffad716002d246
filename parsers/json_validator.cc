#include "parsers/json_validator.h"

#include "parsers/json_walk.h"

namespace privmon::parsers {
namespace {

using simdjson::error_code;
using simdjson::SUCCESS;

// Walks and validates `v` entirely: keys and strings unescaped, numbers parsed as doubles, atoms
// checked. depth = nesting level of v (root = 1).
error_code WalkValue(od::value v, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto e = v.get_object().get(obj)) return e;
      for (auto field : obj) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        od::value child;
        if (auto e = field.value().get(child)) return e;
        if (auto e = WalkValue(child, depth + 1)) return e;
      }
      return SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      for (auto element : arr) {
        od::value child;
        if (auto e = element.get(child)) return e;
        if (auto e = WalkValue(child, depth + 1)) return e;
      }
      return SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::number: {
      double d;
      return v.get_double().get(d);
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? SUCCESS : simdjson::TAPE_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

// The whole document, root scalars included, then nothing but whitespace.
error_code WalkDocument(od::document& doc) {
  od::json_type type;
  if (auto e = doc.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {  // iterated as a document object (its own error codes)
      od::object root;
      if (auto e = doc.get_object().get(root)) return e;
      for (auto field : root) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        od::value child;
        if (auto e = field.value().get(child)) return e;
        if (auto e = WalkValue(child, 2)) return e;
      }
      break;
    }
    case od::json_type::array: {
      od::value root;
      if (auto e = doc.get_value().get(root)) return e;
      if (auto e = WalkValue(root, 1)) return e;
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = doc.get_string().get(s)) return e;
      break;
    }
    case od::json_type::number: {
      double d;
      if (auto e = doc.get_double().get(d)) return e;
      break;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = doc.get_bool().get(b)) return e;
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = doc.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      break;
    }
    default:
      return simdjson::TAPE_ERROR;
  }
  return CheckAtEnd(doc);
}

}  // namespace

// max_depth = kMaxDepth accepts exactly kMaxDepth nested arrays/objects, like WalkValue. A failed
// allocation here is reported by every Validate() (MEMALLOC), never ignored.
JsonValidator::JsonValidator() : init_error_(parser_.allocate(4096, kMaxDepth)) {}

error_code JsonValidator::Validate(od::parser& fallback, const char* padded, std::size_t length,
                                   std::size_t capacity) {
  if (init_error_) return init_error_;
  simdjson::dom::element root;
  if (parser_.parse(padded, length, /*realloc_if_needed=*/false).get(root) == SUCCESS) {
    return SUCCESS;
  }
  if (!simdjson::validate_utf8(padded, length)) return simdjson::UTF8_ERROR;
  od::document doc;
  if (auto e = fallback.iterate(padded, length, capacity).get(doc)) return e;
  return WalkDocument(doc);
}

}  // namespace privmon::parsers
