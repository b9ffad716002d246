#include "config/reader.h"

#include <algorithm>

#include "config/scalars.h"
#include "core/hash.h"
#include "parsers/text_util.h"
#include "pipeline/tenant_id.h"

namespace privmon::config {

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "\"" + node.Scalar() + "\"";
}

bool ForEachKeyedEntry(const YAML::Node& map, std::string_view path, Diagnostics& diag,
                       const KeyedEntryVisitor& visit) {
  if (!map.IsDefined() || map.IsNull()) return true;
  if (!map.IsMap()) {
    diag.Error(map, path, "expected a map (key: value), got " + Describe(map));
    return false;
  }
  std::vector<std::string> seen;
  for (const auto& entry : map) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar()) {
      diag.Error(key_node, path, "a key must be plain text, got " + Describe(key_node));
      continue;
    }
    const std::string& key = key_node.Scalar();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      diag.Error(key_node, Child(path, key), "duplicate key \"" + key + "\"");
      continue;
    }
    seen.push_back(key);
    if (entry.second.IsNull()) diag.RememberKeyOfNull(entry.second, key_node.Mark());
    visit(key_node, entry.second);
  }
  return true;
}

bool ForEachEntry(const YAML::Node& map, std::string_view path,
                  std::span<const std::string_view> valid, Diagnostics& diag,
                  const EntryVisitor& visit) {
  return ForEachKeyedEntry(
      map, path, diag, [&](const YAML::Node& key_node, const YAML::Node& value) {
        const std::string& key = key_node.Scalar();
        if (std::find(valid.begin(), valid.end(), key) == valid.end()) {
          diag.Error(key_node, Child(path, key), UnknownKeyMessage(key, valid));
          return;
        }
        visit(key, value);
      });
}

bool ForEachScalarItem(const YAML::Node& list, std::string_view path, Diagnostics& diag,
                       const ItemVisitor& visit) {
  if (!list.IsDefined() || list.IsNull()) return true;
  if (!list.IsSequence()) {
    diag.Error(list, path, "expected a list like [a, b], got " + Describe(list));
    return false;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string item_path = Index(path, i);
    if (!item.IsScalar()) {
      diag.Error(item, item_path, "expected a string, got " + Describe(item));
      continue;
    }
    visit(item.Scalar(), item, item_path);
  }
  return true;
}

bool ReadString(const YAML::Node& n, std::string_view path, Diagnostics& diag, std::string* out) {
  if (!n.IsScalar()) {
    diag.Error(n, path, "expected a string, got " + Describe(n));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool ReadTenantId(const YAML::Node& n, std::string_view path, Diagnostics& diag, std::string* out) {
  std::string text;
  if (!ReadString(n, path, diag, &text)) return false;
  if (!text.empty() && !IsTenantId(text)) {
    diag.Error(n, path, "\"" + text + "\" is not a tenant id: " + std::string(kTenantIdHint));
    return false;
  }
  char id_buffer[36];
  *out = std::string(parsers::CanonicalId(text, id_buffer));
  return true;
}

bool ReadBool(const YAML::Node& n, std::string_view path, Diagnostics& diag, bool* out) {
  if (!n.IsScalar() || !ParseBool(n.Scalar(), out)) {
    diag.Error(n, path, "expected true or false, got " + Describe(n));
    return false;
  }
  return true;
}

bool ReadUint32(const YAML::Node& n, std::string_view path, Diagnostics& diag, uint32_t min,
                uint32_t max, uint32_t* out) {
  uint64_t value = 0;
  if (!n.IsScalar() || !ParseUnsigned(n.Scalar(), &value)) {
    diag.Error(n, path, "expected a whole number, got " + Describe(n));
    return false;
  }
  if (value < min || value > max) {
    diag.Error(n, path,
               "must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                   n.Scalar());
    return false;
  }
  *out = static_cast<uint32_t>(value);
  return true;
}

bool ReadDuration(const YAML::Node& n, std::string_view path, Diagnostics& diag, int64_t* out) {
  std::string error = "expected a duration like 30s, 5m, 1h, 14d or 1h5m";
  if (!n.IsScalar() || !ParseDuration(n.Scalar(), out, &error)) {
    diag.Error(n, path, error + ", got " + Describe(n));
    return false;
  }
  return true;
}

bool ReadHashList(const YAML::Node& n, std::string_view path, Diagnostics& diag,
                  absl::flat_hash_set<uint64_t>* out) {
  absl::flat_hash_set<uint64_t> hashes;
  bool items_ok = true;
  const bool ok = ForEachScalarItem(
      n, path, diag,
      [&](const std::string& text, const YAML::Node& item, const std::string& item_path) {
        if (text.empty()) {
          diag.Error(item, item_path, "empty string in list");
          items_ok = false;
          return;
        }
        // Ids compare as records' do: trimmed, case, the braces of "{GUID}" and a GUID's
        // missing dashes ignored (CanonicalId).
        char id_buffer[36];
        hashes.insert(HashLower(parsers::CanonicalId(text, id_buffer)));
      });
  if (ok && items_ok) *out = std::move(hashes);
  return ok && items_ok;
}

}  // namespace privmon::config
