// OverlayRules: the per-rule settings of one tenant (or the defaults).
#include <array>
#include <cstdint>
#include <string>

#include "config/reader.h"
#include "config/scalars.h"
#include "config/tenant.h"
#include "core/rule_params.h"
#include "state/privileged_state.h"
#include "state/rule_slots.h"

namespace privmon::config {
namespace {

// The most records a threshold rule can count: the ring of an account's newest records it counts
// in (state/privileged_state.h for the builtin ones, state/rule_slots.h for a custom rule's).
uint32_t MostRecordsCounted(RuleId id) {
  switch (id) {
    case RuleId::kSI01:
      return decltype(PrivilegedState::bad_passwords)::capacity();
    case RuleId::kSI04:
      return decltype(PrivilegedState::strong_auth_failures)::capacity();
    case RuleId::kSI06:
      return decltype(PrivilegedState::lockouts)::capacity();
    default:
      return static_cast<std::size_t>(id) >= kRuleCount ? ThresholdSlot::capacity() : UINT32_MAX;
  }
}

std::string UnknownRuleMessage(std::string_view code) {
  std::array<std::string_view, kRuleCount> codes{};
  for (std::size_t i = 0; i < kRuleCount; ++i) codes[i] = kRuleCatalog[i].code;
  std::string msg = "unknown rule id (rules are " + std::string(codes.front()) + ".." +
                    std::string(codes.back()) + ", listed in RULES.md)";
  // Suggest only spelling variants (priv-si-01, PRIV_SI_01, PRIVSI01): a different number is a
  // different rule, not a typo we can guess.
  auto normalize = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) out += c;
      if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 32);
    }
    return out;
  };
  for (std::string_view candidate : codes) {
    if (normalize(candidate) == normalize(code)) {
      msg += "; did you mean " + std::string(candidate) + "?";
      break;
    }
  }
  return msg;
}

// "PRIV-SI-14 is a novelty rule and takes no window: ..." for a parameter the rule never reads.
std::string NoSuchParameter(RuleId id, std::string_view param) {
  const RuleInfo& info = GetRuleInfo(id);
  static constexpr std::string_view kKinds[] = {"match",   "threshold", "sequence",
                                                "novelty", "schedule",  "absence"};
  std::string msg = std::string(info.code) + " is a " +
                    std::string(kKinds[static_cast<int>(info.kind)]) + " rule and takes no " +
                    std::string(param);
  if (info.kind == RuleKind::kNovelty || info.kind == RuleKind::kSchedule) {
    // A custom rule may set its own learning_period in its rule file (docs/rules-language.md).
    msg += static_cast<std::size_t>(id) >= kRuleCount
               ? " (it learns for its rule file's learning_period, else the tenant's)"
               : " (it learns for the tenant's learning_period)";
  }
  const RuleParams p = ParamsOf(id);
  if (p.accepts & kParamThreshold)
    msg += "; it takes threshold (" + std::string(p.threshold_means) + ")";
  if (p.accepts & kParamWindow) msg += "; it takes window (" + std::string(p.window_means) + ")";
  if (p.accepts == 0) msg += "; it takes only enabled, suppress and severity";
  return msg;
}

void OverlayRule(const YAML::Node& node, std::string_view path, Diagnostics& diag, RuleId id,
                 RuleSettings* rule) {
  // A custom threshold rule takes threshold and window; a custom match rule neither.
  const uint8_t accepts = static_cast<std::size_t>(id) < kRuleCount ? ParamsOf(id).accepts
                          : GetRuleInfo(id).kind == RuleKind::kThreshold
                              ? static_cast<uint8_t>(kParamThreshold | kParamWindow)
                              : uint8_t{0};
  static constexpr std::array<std::string_view, 5> kKeys = {"enabled", "threshold", "window",
                                                            "suppress", "severity"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "enabled") {
      ReadBool(value, key_path, diag, &rule->enabled);
    } else if (key == "threshold" && (accepts & kParamThreshold) == 0) {
      diag.Error(value, key_path, NoSuchParameter(id, "threshold"));
    } else if (key == "window" && (accepts & kParamWindow) == 0) {
      diag.Error(value, key_path, NoSuchParameter(id, "window"));
    } else if (key == "threshold") {
      uint32_t threshold = 0;
      if (!ReadUint32(value, key_path, diag, 0, 1'000'000, &threshold)) return;
      if (threshold == 0) {
        diag.Error(value, key_path, "threshold must be at least 1");
        return;
      }
      // A builtin threshold rule counts in a ring of its account's newest records: a threshold
      // above it could never be reached (breaker round 30: accepted, and the rule silent).
      const uint32_t most = MostRecordsCounted(id);
      if (threshold > most) {
        diag.Error(value, key_path,
                   "threshold at most " + std::to_string(most) + " for " +
                       std::string(GetRuleInfo(id).code) + " (the newest " + std::to_string(most) +
                       " records an account keeps for it)");
        return;
      }
      rule->threshold = threshold;
    } else if (key == "window") {
      ReadDuration(value, key_path, diag, &rule->window_s);
    } else if (key == "suppress") {
      if (ReadDuration(value, key_path, diag, &rule->suppress_s)) rule->suppress_given = true;
    } else if (key == "severity") {
      if (!value.IsScalar() || !ParseSeverity(value.Scalar(), &rule->severity)) {
        diag.Error(value, key_path, "expected low, medium or high, got " + Describe(value));
      }
    }
  });
}

}  // namespace

void OverlayRules(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                  TenantSettings* tenant) {
  ForEachKeyedEntry(node, path, diag, [&](const YAML::Node& key, const YAML::Node& value) {
    const std::string& code = key.Scalar();
    const std::string rule_path = Child(path, code);
    const std::optional<RuleId> id = FindRule(code);
    if (!id) {
      diag.Error(key, rule_path, UnknownRuleMessage(code));
      return;
    }
    OverlayRule(value, rule_path, diag, *id, &tenant->rules[static_cast<std::size_t>(*id)]);
  });
}

}  // namespace privmon::config
