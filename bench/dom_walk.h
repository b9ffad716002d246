// The baseline every benchmark ratio is quoted against: simdjson's DOM parse followed by a walk of
// every key and value (so nothing is skipped lazily), and the same walk that also parses the JSON
// text held in string values. Pure, O(size of the document).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace privmon::bench {

inline std::size_t Walk(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::size_t n = 0;
      for (auto field : simdjson::dom::object(e)) n += field.key.size() + Walk(field.value);
      return n;
    }
    case simdjson::dom::element_type::ARRAY: {
      std::size_t n = 0;
      for (auto child : simdjson::dom::array(e)) n += Walk(child);
      return n;
    }
    case simdjson::dom::element_type::STRING:
      return std::string_view(e).size();
    default:
      return 1;
  }
}

// As Walk, and a string value that holds JSON text (a Log Analytics dynamic column) is parsed with
// `inner` and walked too, as privmon must: the baseline of issue 15's scan target.
inline std::size_t WalkWithJsonText(simdjson::dom::parser& inner, simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::size_t n = 0;
      for (auto field : simdjson::dom::object(e)) {
        n += field.key.size() + WalkWithJsonText(inner, field.value);
      }
      return n;
    }
    case simdjson::dom::element_type::ARRAY: {
      std::size_t n = 0;
      for (auto child : simdjson::dom::array(e)) n += WalkWithJsonText(inner, child);
      return n;
    }
    case simdjson::dom::element_type::STRING: {
      const std::string_view s(e);
      simdjson::dom::element root;
      if (!s.empty() && (s[0] == '{' || s[0] == '[') &&
          !inner.parse(s.data(), s.size(), true).get(root)) {
        return s.size() + Walk(root);
      }
      return s.size();
    }
    default:
      return 1;
  }
}

}  // namespace privmon::bench
