#include "config/lint.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>

#include "config/diagnostics.h"
#include "core/config.h"
#include "parsers/text_util.h"

namespace privmon {
namespace {

using config::Diagnostics;

// map[key], or a null node when absent (a const yaml-cpp lookup of a missing key yields a node
// that throws on use).
YAML::Node Get(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node();
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node();
}

// Every place a socket may be bound: sources[i].<type>.endpoint with bind (default true for zmq,
// false for zmq_sub), sinks[i].zmq_pub.endpoint (always bound), metrics.listen (a TCP address).
struct Bind {
  std::string address;  // normalised: "tcp://127.0.0.1:5556"
  std::string path;
  YAML::Mark mark;
};

void LintEndpoints(const YAML::Node& root, Diagnostics& diag, std::vector<Bind>* binds) {
  // The metrics endpoint binds its default address when the file names none (breaker round 133:
  // a source bound on tcp://127.0.0.1:9464 passed `check`, and `run` could not start). First in
  // the list, so a clash is reported at the part the file names.
  const YAML::Node listen = Get(Get(root, "metrics"), "listen");
  if (!listen.IsScalar()) {
    const std::string address(kDefaultMetricsListen);
    binds->push_back(
        {"tcp://" + address, "metrics.listen (its default, " + address + ")", YAML::Mark()});
  }
  const auto visit_list = [&](const char* section) {
    const YAML::Node list = Get(root, section);
    if (!list.IsSequence()) return;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].IsMap()) continue;
      for (const auto& item : list[i]) {
        const std::string type = item.first.as<std::string>("");
        const YAML::Node settings = item.second;
        const YAML::Node endpoint = Get(settings, "endpoint");
        if (!endpoint.IsScalar()) continue;
        const std::string path =
            config::Child(config::Child(config::Index(section, i), type), "endpoint");
        if (!IsKnownEndpoint(endpoint.Scalar())) {
          diag.Error(
              endpoint, path,
              "unknown endpoint \"" + endpoint.Scalar() + "\"; " + std::string(kEndpointForms));
          continue;
        }
        bool bound = type != "zmq_sub";
        if (const YAML::Node bind = Get(settings, "bind"); bind.IsScalar()) {
          bound = bind.as<bool>(bound);
        }
        if (std::string_view(section) == "sinks") bound = true;
        if (bound) binds->push_back({endpoint.Scalar(), path, endpoint.Mark()});
      }
    }
  };
  visit_list("sources");
  visit_list("sinks");
  if (listen.IsScalar()) {
    binds->push_back({"tcp://" + listen.Scalar(), "metrics.listen", listen.Mark()});
  }
}

// Two bound endpoints that cannot both bind: spelled alike, or TCP on one port where the hosts
// are equal or one is any address (`*`, `0.0.0.0`: it takes the port on every interface);
// `localhost` is 127.0.0.1. A port `*` (any free one) never clashes.
bool OneAddress(std::string_view a, std::string_view b) {
  if (a == b) return !a.ends_with(":*");
  constexpr std::string_view kTcp = "tcp://";
  if (!a.starts_with(kTcp) || !b.starts_with(kTcp)) return false;
  a.remove_prefix(kTcp.size());
  b.remove_prefix(kTcp.size());
  const std::size_t ca = a.rfind(':');
  const std::size_t cb = b.rfind(':');
  if (ca == std::string_view::npos || cb == std::string_view::npos) return false;
  if (a.substr(ca + 1) != b.substr(cb + 1) || a.substr(ca + 1) == "*") return false;
  const auto host = [](std::string_view h) -> std::string_view {
    if (h == "*" || h.empty() || h == "0.0.0.0") return "*";
    if (h == "localhost") return "127.0.0.1";
    return h;
  };
  const std::string_view ha = host(a.substr(0, ca));
  const std::string_view hb = host(b.substr(0, cb));
  return ha == hb || ha == "*" || hb == "*";
}

void LintTenants(const YAML::Node& root, Diagnostics& diag) {
  const YAML::Node tenants = Get(root, "tenants");
  if (!tenants.IsMap()) return;
  for (const auto& entry : tenants) {
    const std::string id = entry.first.as<std::string>("");
    // "{GUID}" and a GUID without its dashes are GUIDs too, as records write them.
    char id_buffer[36];
    if (!IsGuid(parsers::CanonicalId(id, id_buffer))) {
      diag.Error(entry.first.Mark(), config::Quoted("tenants", id),
                 "a tenant id is the Entra tenant's GUID "
                 "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); put a display name under `name:`");
    }
  }
}

}  // namespace

bool IsGuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

bool IsKnownEndpoint(std::string_view endpoint) {
  static constexpr std::array<std::string_view, 5> kSchemes = {"tcp://", "ipc://", "inproc://",
                                                               "pgm://", "epgm://"};
  for (std::string_view scheme : kSchemes) {
    if (!endpoint.starts_with(scheme) || endpoint.size() == scheme.size()) continue;
    if (scheme != "tcp://") return true;
    const std::size_t colon = endpoint.rfind(':');
    if (colon <= scheme.size() || colon + 1 >= endpoint.size()) return false;
    // The port: "*" (any free one) or 1-65535; ZeroMQ takes 99999 as 99999 mod 65536 (breaker
    // round 10: a typo bound port 34463 and reported ready).
    const std::string_view port = endpoint.substr(colon + 1);
    if (port == "*") return true;
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
    const int number = std::stoi(std::string(port));
    return number >= 1 && number <= 65535;
  }
  return false;
}

std::vector<ConfigError> LintConfigText(std::string_view text, std::string_view origin,
                                        LintScope scope) {
  Diagnostics diag{std::string(origin)};
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return {};
    if (scope == LintScope::kCheck) LintTenants(root, diag);
    std::vector<Bind> binds;
    LintEndpoints(root, diag, &binds);
    for (std::size_t i = 0; i < binds.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (!OneAddress(binds[i].address, binds[j].address)) continue;
        diag.Error(binds[i].mark, binds[i].path,
                   "\"" + binds[i].address + "\" is already bound by " + binds[j].path +
                       (binds[i].address == binds[j].address
                            ? ""
                            : " (\"" + binds[j].address + "\": the same port)") +
                       "; two sockets cannot bind one address");
        break;
      }
    }
  } catch (const std::exception&) {
    // LoadConfigFile reported the file's problems already.
  }
  return diag.TakeErrors();
}

}  // namespace privmon
