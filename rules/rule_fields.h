// The vocabulary of the rule language (docs/rules-language.md): field names and the record kind
// each belongs to, how a written value resolves to the integer a condition compares (enum names,
// activity names, lower-case hashes, country codes), and the detail names. Constant tables and
// pure functions; any thread; used at config load only, never per event.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rules/rule_language.h"

namespace privmon {

// A field that every record kind has (the named account's state).
inline constexpr EventKind kAnySource = EventKind::kCount;

enum class ValueType : uint8_t {
  kInt,
  kBool,
  kEnum,
  kHash,
  kActivity,
  kCountry,
  kCategory,
  kService
};

struct NamedValue {
  std::string_view name;
  uint64_t value;
};

struct FieldSpec {
  std::string_view name;
  Field field;
  EventKind source;  // kCount: any source (the named account's state)
  ValueType type;
  std::span<const NamedValue> names{};
  uint16_t flag = 0;
};

const FieldSpec* FindField(std::string_view name);  // nullptr when unknown
std::string FieldNamesFor(EventKind source);        // "signin.error_code, ..." for messages
// The integer `text` means for `spec`; false, with what was expected, when it means none.
bool ResolveFieldValue(const FieldSpec& spec, const std::string& text, uint64_t* value,
                       std::string* expected);
std::optional<DetailKind> FindDetail(std::string_view name);
std::string DetailNames();  // "error_code, place, ..."
// The most keys `detail` adds to an alert's details (place: country, city, ip_address: 3;
// audit: activity, role and initiated_by or target: 3; registration: 2; the others 1), and
// their names ("country, city, ip_address") for messages.
std::size_t DetailKeys(DetailKind detail);
std::string_view DetailKeyNames(DetailKind detail);
// The tenant lists `in_list` / `not_in_list` name (their config keys).
std::optional<ListId> FindList(std::string_view name);  // nullopt when unknown
std::string ListNames();                                // "privileged_roles, ..." for messages
// Whether `list` holds values of `field`; when not, `why` says which field it fits.
bool ListFits(ListId list, Field field, std::string* why);

}  // namespace privmon
