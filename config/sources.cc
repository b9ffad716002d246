// ReadSources, ReadSinks: lists of one-key maps, `- zmq: {...}`, `- file: {path}`, `- stdout: {}`;
// every sink takes `format: native|ocsf`.
#include <array>

#include "config/lint.h"
#include "config/reader.h"
#include "config/scalars.h"
#include "config/sections.h"

namespace privmon::config {
namespace {

// A ZeroMQ endpoint ZeroMQ can use (IsKnownEndpoint): refused at its line when not, by run and
// scan as by check (before, only `check` looked, and run bound 99999 as port 34463). True when
// one was given.
bool ReadEndpoint(const YAML::Node& value, const std::string& path, Diagnostics& diag,
                  std::string* out) {
  if (!ReadString(value, path, diag, out) || out->empty()) return false;
  if (!IsKnownEndpoint(*out)) {
    diag.Error(value, path, "unknown endpoint \"" + *out + "\"; " + std::string(kEndpointForms));
  }
  return true;  // given (a bad one is its own error, not also a missing one)
}

constexpr std::array<std::string_view, 5> kSourceTypes = {"zmq", "zmq_sub", "file", "stdin",
                                                          "kafka"};
constexpr std::array<std::string_view, 4> kSinkTypes = {"stdout", "file", "zmq_pub", "kafka"};

// Visits the single `type: settings` entry of each list item; reports items of another shape.
void ForEachTyped(const YAML::Node& list, std::string_view path,
                  std::span<const std::string_view> types, Diagnostics& diag,
                  const std::function<void(const std::string& type, const YAML::Node& settings,
                                           const std::string& item_path)>& visit) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.Error(list, path,
               "expected a list like [{" + std::string(types.front()) + ": {...}}], got " +
                   Describe(list));
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string item_path = Index(path, i);
    if (!item.IsMap() || item.size() != 1) {
      diag.Error(item, item_path,
                 "each item is a map with exactly one key, the type (" +
                     std::string(types.front()) + ", ...), got " + Describe(item));
      continue;
    }
    ForEachEntry(item, item_path, types, diag,
                 [&](const std::string& type, const YAML::Node& settings) {
                   visit(type, settings, Child(item_path, type));
                 });
  }
}

void Require(bool present, const YAML::Node& at, std::string_view path, std::string_view key,
             Diagnostics& diag) {
  if (!present) diag.Error(at, path, "missing required key \"" + std::string(key) + "\"");
}

void ReadCurve(const YAML::Node& node, std::string_view path, Diagnostics& diag,
               SourceSettings* source) {
  // The secret itself is refused by name, with the reason, not as an unknown key.
  static constexpr std::array<std::string_view, 4> kKeys = {"secret_key_file", "allowed_clients",
                                                            "secret_key", "secret"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "secret_key" || key == "secret") {
      diag.Error(value, key_path,
                 "a CURVE secret key is never written in the config (configs get printed, copied "
                 "and committed): put it in a file only privmon can read (mode 0600 or 0640) and "
                 "name that file with secret_key_file");
    } else if (key == "secret_key_file") {
      ReadString(value, key_path, diag, &source->curve_secret_key_file);
    } else {
      source->curve_allowed_clients.clear();
      ForEachScalarItem(
          value, key_path, diag,
          [&](const std::string& text, const YAML::Node& item, const std::string& item_path) {
            if (text.size() != 40) {
              diag.Error(item, item_path,
                         "expected a Z85 CURVE public key of 40 characters, got " +
                             std::to_string(text.size()) + " characters");
              return;
            }
            source->curve_allowed_clients.push_back(text);
          });
    }
  });
  if (node.IsMap() && source->curve_secret_key_file.empty()) {
    diag.Error(node, path, "missing required key \"secret_key_file\" (the server's secret key)");
  }
}

SourceSettings ReadSource(const std::string& type, const YAML::Node& node, const std::string& path,
                          Diagnostics& diag) {
  static constexpr std::array<std::string_view, 7> kZmqKeys = {
      "endpoint", "bind", "tenant", "multi_tenant", "name", "high_water_mark", "curve"};
  static constexpr std::array<std::string_view, 5> kFileKeys = {"path", "tenant", "multi_tenant",
                                                                "name", "follow"};
  static constexpr std::array<std::string_view, 3> kStdinKeys = {"tenant", "multi_tenant", "name"};
  SourceSettings source;
  std::span<const std::string_view> keys = kZmqKeys;
  if (type == "zmq_sub") {
    source.type = SourceType::kZmqSub;
    source.bind = false;  // a subscriber usually connects to the publisher
  } else if (type == "file") {
    source.type = SourceType::kFile;
    keys = kFileKeys;
  } else if (type == "stdin") {
    source.type = SourceType::kStdin;
    keys = kStdinKeys;
  }
  bool has_endpoint = false, has_path = false;
  ForEachEntry(node, path, keys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "endpoint") {
      has_endpoint = ReadEndpoint(value, key_path, diag, &source.endpoint);
    } else if (key == "bind") {
      ReadBool(value, key_path, diag, &source.bind);
    } else if (key == "tenant") {
      ReadTenantId(value, key_path, diag, &source.tenant);
    } else if (key == "multi_tenant") {
      ReadBool(value, key_path, diag, &source.multi_tenant);
    } else if (key == "name") {
      ReadString(value, key_path, diag, &source.name);
    } else if (key == "high_water_mark") {
      uint32_t hwm = 0;
      if (ReadUint32(value, key_path, diag, 0, 10'000'000, &hwm)) {
        source.high_water_mark = static_cast<int>(hwm);
      }
    } else if (key == "curve") {
      ReadCurve(value, key_path, diag, &source);
    } else if (key == "path") {
      has_path = ReadString(value, key_path, diag, &source.path) && !source.path.empty();
    } else if (key == "follow") {
      ReadBool(value, key_path, diag, &source.follow);
    }
  });
  if (type == "zmq_sub") Require(has_endpoint, node, path, "endpoint", diag);
  if (type == "file") Require(has_path, node, path, "path", diag);
  return source;
}

// Refuses two of `items` (sources or sinks, each with its `name`) named alike, at the later one's
// `name` node (else the earlier one's, else the list): `what` names the kind, `hint` how unnamed
// ones are named and why the names matter.
template <class Item>
void RefuseOneNameTwice(const std::vector<Item>& items, const std::vector<YAML::Node>& named,
                        const YAML::Node& node, std::string_view path, std::string_view what,
                        std::string_view hint, Diagnostics& diag) {
  for (std::size_t i = 0; i < items.size() && i < named.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (items[j].name != items[i].name) continue;
      const YAML::Node& at = named[i] ? named[i] : named[j] ? named[j] : node;
      diag.Error(at, Child(Index(path, i), "name"),
                 "two " + std::string(what) + "s are named \"" + items[i].name + "\" (" +
                     std::string(what) + "s " + std::to_string(j) + " and " + std::to_string(i) +
                     ", counting from 0; " + std::string(hint));
      break;
    }
  }
}

}  // namespace

void ReadSinkFormat(const YAML::Node& value, std::string_view path, Diagnostics& diag,
                    AlertFormat* out) {
  static constexpr std::array<std::string_view, 2> kFormats = {"native", "ocsf"};
  if (value.IsScalar() && ParseAlertFormat(value.Scalar(), out)) return;
  std::string msg = "unknown alert format " + Describe(value);
  if (value.IsScalar()) {
    if (std::string guess = ClosestMatch(value.Scalar(), kFormats); !guess.empty()) {
      msg += "; did you mean \"" + guess + "\"?";
    }
  }
  diag.Error(value, path, msg + " (expected native or ocsf)");
}

void ReadSources(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                 std::vector<SourceSettings>* out) {
  std::vector<SourceSettings> sources;
  std::vector<std::string> kinds;  // each source's type, for the default names below
  std::vector<YAML::Node> named;   // each source's `name` node (null when unnamed), for errors
  ForEachTyped(
      node, path, kSourceTypes, diag,
      [&](const std::string& type, const YAML::Node& settings, const std::string& item_path) {
        kinds.push_back(type);
        named.push_back(settings.IsMap() ? settings["name"] : YAML::Node());
        if (type == "kafka") {
          SourceSettings source;
          ReadKafkaSource(settings, item_path, diag, &source);
          sources.push_back(std::move(source));
        } else {
          sources.push_back(ReadSource(type, settings, item_path, diag));
        }
      });
  // A source's name is its metric label and what a checkpoint resumes it by (with its place in
  // the list: app/checkpointer.cc). An unnamed one is named by its type, numbered from the second
  // unnamed one of that type on: zmq, zmq-2, zmq-3 (by order, as checkpoints match them anyway).
  // Two sources of one name, given or so made, are refused: one label would be two series, and a
  // name no longer says which file's position a checkpoint holds.
  for (std::size_t i = 0; i < sources.size() && i < kinds.size(); ++i) {
    if (!sources[i].name.empty()) continue;
    int same = 1;
    for (std::size_t j = 0; j < i; ++j) same += !named[j] && kinds[j] == kinds[i] ? 1 : 0;
    sources[i].name = kinds[i] + (same > 1 ? "-" + std::to_string(same) : "");
  }
  RefuseOneNameTwice(sources, named, node, path, "source",
                     "an unnamed source is named by its type, numbered from the second unnamed "
                     "one of a type on: \"file\", \"file-2\"): give each a distinct `name`, its "
                     "metric label source=\"...\" and what a checkpoint resumes it by",
                     diag);
  // One ZAP handler per process (pipeline/zap_authenticator.cc binds inproc://zeromq.zap.01): a
  // second CURVE source passed `check` and `run` then failed to start with "Address already in
  // use", naming neither (breaker round 133).
  std::string curve_source;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (sources[i].curve_secret_key_file.empty()) continue;
    const std::string item = std::string(path) + "[" + std::to_string(i) + "]";
    if (!curve_source.empty()) {
      diag.Error(node, item,
                 "only one CURVE source per process is supported (" + curve_source +
                     " is one): run a second privmon for the other, or put both collectors "
                     "behind one CURVE endpoint");
      break;
    }
    curve_source = item;
  }
  if (sources.empty()) diag.Note("no sources configured: `privmon run` will read nothing");
  *out = std::move(sources);
}

void ReadSinks(const YAML::Node& node, std::string_view path, Diagnostics& diag,
               std::vector<SinkSettings>* out) {
  static constexpr std::array<std::string_view, 2> kStdoutKeys = {"format", "name"};
  static constexpr std::array<std::string_view, 3> kFileKeys = {"path", "format", "name"};
  static constexpr std::array<std::string_view, 3> kZmqKeys = {"endpoint", "format", "name"};
  std::vector<SinkSettings> sinks;
  std::vector<std::string> kinds;  // each sink's type, for the default labels below
  std::vector<YAML::Node> named;   // each sink's `name` node (null when unnamed), for errors
  ForEachTyped(
      node, path, kSinkTypes, diag,
      [&](const std::string& type, const YAML::Node& settings, const std::string& item_path) {
        SinkSettings sink;
        kinds.push_back(type);
        named.push_back(settings.IsMap() ? settings["name"] : YAML::Node());
        if (type == "kafka") {
          ReadKafkaSink(settings, item_path, diag, &sink);
          sinks.push_back(std::move(sink));
          return;
        }
        const bool is_file = type == "file";
        if (type != "stdout") sink.type = is_file ? SinkType::kFile : SinkType::kZmqPub;
        std::string* target = is_file ? &sink.path : &sink.endpoint;
        bool present = false;
        const std::span<const std::string_view> keys =
            type == "stdout" ? std::span<const std::string_view>(kStdoutKeys)
            : is_file        ? std::span<const std::string_view>(kFileKeys)
                             : std::span<const std::string_view>(kZmqKeys);
        ForEachEntry(settings, item_path, keys, diag,
                     [&](const std::string& key, const YAML::Node& value) {
                       const std::string key_path = Child(item_path, key);
                       if (key == "format") {
                         ReadSinkFormat(value, key_path, diag, &sink.format);
                       } else if (key == "name") {
                         ReadString(value, key_path, diag, &sink.name);
                       } else if (is_file) {
                         present = ReadString(value, key_path, diag, target) && !target->empty();
                       } else {
                         present = ReadEndpoint(value, key_path, diag, target);
                       }
                     });
        if (type != "stdout")
          Require(present, settings, item_path, is_file ? "path" : "endpoint", diag);
        sinks.push_back(std::move(sink));
      });
  // Each sink's metric label (`sink="..."`): its name, else its kind numbered from the second sink
  // of that kind on ("file", "file_2"). Two sinks with one label would be one series in /metrics
  // (and one name in stderr messages): refused.
  for (std::size_t i = 0; i < sinks.size() && i < kinds.size(); ++i) {
    if (!sinks[i].name.empty()) continue;
    std::size_t same = 0;
    for (std::size_t j = 0; j < i; ++j) same += kinds[j] == kinds[i] ? 1 : 0;
    sinks[i].name = DefaultSinkName(kinds[i], same);
  }
  RefuseOneNameTwice(sinks, named, node, path, "sink",
                     "an unnamed sink is named by its kind, numbered from the second of a kind "
                     "on: \"file\", \"file_2\"): give each a distinct `name`, its metric label "
                     "sink=\"...\"",
                     diag);
  if (sinks.empty()) diag.Note("no sinks configured: alerts will be counted but not written");
  *out = std::move(sinks);
}

}  // namespace privmon::config
