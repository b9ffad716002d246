// The baseline every benchmark ratio is quoted against: simdjson's DOM parse followed by a walk of
// every key and value (so nothing is skipped lazily). Pure, O(size of the document).
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

}  // namespace privmon::bench
