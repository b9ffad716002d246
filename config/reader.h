// Typed reads from yaml-cpp nodes that report, rather than throw, on a wrong type or value: each
// Read* returns false and records one error at the node's line when the value is unusable, leaving
// *out untouched. Keys of maps are checked against the valid set (unknown, duplicate, did you
// mean).
#pragma once

#include <absl/container/flat_hash_set.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "config/diagnostics.h"

namespace privmon::config {

// Visits each entry of a map in file order; null counts as an empty map. Reports a non-map, a
// non-scalar key, a duplicate key, and (when `valid` is not empty) a key outside `valid`; the
// visitor sees only the good entries. Returns false when the node is not a map.
using EntryVisitor = std::function<void(const std::string& key, const YAML::Node& value)>;
bool ForEachEntry(const YAML::Node& map, std::string_view path,
                  std::span<const std::string_view> valid, Diagnostics& diag,
                  const EntryVisitor& visit);

// As ForEachEntry for maps whose keys are data (tenant ids, rule ids): any key is let through and
// the visitor gets the key's node, for its text and its line.
using KeyedEntryVisitor = std::function<void(const YAML::Node& key, const YAML::Node& value)>;
bool ForEachKeyedEntry(const YAML::Node& map, std::string_view path, Diagnostics& diag,
                       const KeyedEntryVisitor& visit);

// Visits each scalar item of a list (null = empty list) with its text and key path. Reports a
// non-list and non-scalar items. Returns false when the node is not a list.
using ItemVisitor =
    std::function<void(const std::string& text, const YAML::Node& item, const std::string& path)>;
bool ForEachScalarItem(const YAML::Node& list, std::string_view path, Diagnostics& diag,
                       const ItemVisitor& visit);

// "a map", "a list", "nothing" or the scalar in quotes: for "expected X, got Y" messages.
std::string Describe(const YAML::Node& node);

bool ReadString(const YAML::Node& n, std::string_view path, Diagnostics& diag, std::string* out);
bool ReadBool(const YAML::Node& n, std::string_view path, Diagnostics& diag, bool* out);
bool ReadUint32(const YAML::Node& n, std::string_view path, Diagnostics& diag, uint32_t min,
                uint32_t max, uint32_t* out);
bool ReadDuration(const YAML::Node& n, std::string_view path, Diagnostics& diag, int64_t* out);
// A source's `tenant:`: a GUID in the forms `tenants:` accepts (pipeline/tenant_id.h), stored as
// records and `tenants:` compare it (lower case, dashed, no braces); empty names none. Anything
// else is an error: a name there would make a tenant no `tenants:` entry matches.
bool ReadTenantId(const YAML::Node& n, std::string_view path, Diagnostics& diag, std::string* out);

// Replaces *out with HashLower of each listed string (user names, device ids, roles, apps).
bool ReadHashList(const YAML::Node& n, std::string_view path, Diagnostics& diag,
                  absl::flat_hash_set<uint64_t>* out);

}  // namespace privmon::config
