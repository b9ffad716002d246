#include "rules/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_set>

#include "core/alert.h"
#include "core/custom_rules.h"
#include "core/hash.h"
#include "core/mitre_attack.h"
#include "core/small_file.h"
#include "rules/rule_fields.h"
#include "state/rule_slots.h"

namespace privmon {
namespace {

RuleKind CatalogueKindOf(LangKind k) {
  switch (k) {
    case LangKind::kThreshold:
      return RuleKind::kThreshold;
    case LangKind::kSequence:
      return RuleKind::kSequence;
    case LangKind::kNovelty:
      return RuleKind::kNovelty;
    case LangKind::kSchedule:
      return RuleKind::kSchedule;
    case LangKind::kAbsence:
      return RuleKind::kAbsence;
    case LangKind::kMatch:
    case LangKind::kCode:
      break;
  }
  return RuleKind::kMatch;
}

// The parameters each generic kind has; any other is an error.
bool KindTakes(LangKind k, std::string_view param) {
  switch (k) {
    case LangKind::kThreshold:
      return param == "threshold" || param == "window";
    case LangKind::kSequence:
    case LangKind::kAbsence:
      return param == "window";
    case LangKind::kNovelty:
      return param == "learning_period";
    case LangKind::kMatch:
    case LangKind::kSchedule:
    case LangKind::kCode:
      break;
  }
  return false;
}

std::string_view KindParameters(LangKind k) {
  switch (k) {
    case LangKind::kThreshold:
      return "it takes threshold and window";
    case LangKind::kSequence:
      return "it takes window, the span from the first step to the last";
    case LangKind::kAbsence:
      return "it takes window, how long the expected event may take";
    case LangKind::kNovelty:
      return "it takes learning_period";
    case LangKind::kMatch:
      return "it fires on each event";
    case LangKind::kSchedule:
      return "its hours are under hours:";
    case LangKind::kCode:
      break;
  }
  return "";
}

// "a threshold rule", "an absence rule".
std::string A(LangKind k) { return k == LangKind::kAbsence ? "an " : "a "; }

// The rule-level keys each generic kind reads besides the common ones.
bool KindHasKey(LangKind k, std::string_view key) {
  if (key == "when") {
    return k == LangKind::kMatch || k == LangKind::kThreshold || k == LangKind::kNovelty ||
           k == LangKind::kSchedule;
  }
  if (key == "steps" || key == "key") return k == LangKind::kSequence;
  if (key == "value") return k == LangKind::kNovelty;
  if (key == "hours") return k == LangKind::kSchedule;
  if (key == "trigger" || key == "expect") return k == LangKind::kAbsence;
  return true;
}

// The tenant list a custom rule needs (`privmon rules`, `check`'s silent rules): the first list its
// in_list / not_in_list conditions read that the catalogue's TenantList names.
TenantList NeedsOf(const GenericRule& g) {
  auto of = [](ListId l) {
    switch (l) {
      case ListId::kBreakGlass:
        return TenantList::kBreakGlass;
      case ListId::kPawDevices:
        return TenantList::kPawDevices;
      case ListId::kApprovedInviters:
        return TenantList::kInviters;
      case ListId::kHighValueApps:
        return TenantList::kHighValueApps;
      case ListId::kPrivilegedRoles:
      case ListId::kPrivilegedAccounts:
      case ListId::kNone:
        break;
    }
    return TenantList::kNone;
  };
  auto scan = [&](const Predicate& p) {
    for (const Condition& c : p.all) {
      if (of(c.list) != TenantList::kNone) return of(c.list);
    }
    for (const auto& group : p.any) {
      for (const auto& alternative : group) {
        for (const Condition& c : alternative) {
          if (of(c.list) != TenantList::kNone) return of(c.list);
        }
      }
    }
    return TenantList::kNone;
  };
  if (const TenantList l = scan(g.when); l != TenantList::kNone) return l;
  for (const RuleStep& step : g.steps) {
    if (const TenantList l = scan(step.when); l != TenantList::kNone) return l;
  }
  return TenantList::kNone;
}

class Loader {
 public:
  Loader(const std::string& origin, bool builtin, CompiledRuleSet* out,
         std::vector<RuleFileError>* errors)
      : origin_(origin), builtin_(builtin), out_(out), errors_(errors) {}

  void Error(const YAML::Mark& m, std::string_view path, std::string_view what) {
    RuleFileError e;
    e.line = m.is_null() ? 0 : m.line + 1;
    e.column = m.is_null() ? 0 : m.column + 1;
    e.message = origin_ + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": ";
    if (!path.empty()) e.message.append(path).append(": ");
    e.message.append(what);
    errors_->push_back(std::move(e));
  }

  // yaml-cpp keeps a repeated key and lookups see its first: `when:` naming
  // `signin.error_code` twice (meant as "either") read as both, and a rule that never fires
  // (breaker round 32). Refused anywhere in the file, as the config refuses it.
  void RefuseDuplicateKeys(const YAML::Node& node, const std::string& path, int depth) {
    if (depth > 64) return;
    // An alias is its anchor's node again (same mark): walked once, or a nest of aliases ("a
    // billion laughs") costs its expanded size (breaker round 35: `check` hung).
    if (node.IsSequence() || node.IsMap()) {
      const YAML::Mark m = node.Mark();
      if (!m.is_null() && !walked_.insert(m.pos).second) return;
    }
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        RefuseDuplicateKeys(node[i], path + "[" + std::to_string(i) + "]", depth + 1);
      }
      return;
    }
    if (!node.IsMap()) return;
    std::vector<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      const std::string child = path.empty() ? key : path + "." + key;
      if (kv.first.IsScalar()) {
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
          Error(kv.first.Mark(), child,
                "duplicate key \"" + key +
                    "\" (every condition of a `when` must hold; for one of two values write "
                    "field: {in: [a, b]}, or any_of:)");
        } else {
          seen.push_back(key);
        }
      }
      RefuseDuplicateKeys(kv.second, child, depth + 1);
    }
  }

  std::unordered_set<int> walked_;  // RefuseDuplicateKeys: containers already walked, by position

  void File(const YAML::Node& root) {
    RefuseDuplicateKeys(root, "", 0);
    if (!root.IsMap()) {
      Error(root.Mark(), "", "a rule file is a map with `rules:` (a list of rules)");
      return;
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key == "section") {
        if (!kv.second.IsScalar()) Error(kv.second.Mark(), key, "expected the section's title");
      } else if (key != "rules") {
        Error(kv.first.Mark(), key, "unknown key (a rule file has section and rules)");
      }
    }
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) {
      Error(root.Mark(), "rules", "expected a list of rules");
      return;
    }
    for (std::size_t i = 0; i < rules.size(); ++i) Rule(rules[i], i);
  }

 private:
  std::string Path(std::size_t i, std::string_view key = {}) const {
    std::string p = "rules[" + std::to_string(i) + "]";
    if (!key.empty()) p.append(".").append(key);
    return p;
  }

  bool Scalar(const YAML::Node& n, const std::string& path, std::string* out) {
    if (!n.IsScalar() || n.Scalar().empty()) {
      Error(n.Mark(), path, "expected a non-empty string");
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  void Rule(const YAML::Node& node, std::size_t i) {
    if (!node.IsMap()) {
      Error(node.Mark(), Path(i), "a rule is a map (id, name, kind, ...)");
      return;
    }
    static constexpr std::string_view kKeys[] = {
        "id",     "name",   "guide_row", "kind",    "catalogue_kind", "sources", "severity",
        "attack", "tactic", "needs",     "account", "when",           "details", "parameters",
        "steps",  "key",    "value",     "hours",   "trigger",        "expect"};
    RuleDefinition d;
    d.file = origin_;
    d.line = node.Mark().line + 1;
    d.builtin = builtin_;
    node_mark_ = node.Mark();
    const std::size_t errors_before = errors_->size();
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        std::string valid;
        for (std::string_view k : kKeys) valid += (valid.empty() ? "" : ", ") + std::string(k);
        Error(kv.first.Mark(), Path(i, key), "unknown key (valid: " + valid + ")");
      }
    }
    auto need = [&](std::string_view key) {
      const YAML::Node n = node[std::string(key)];
      if (!n)
        Error(node.Mark(), Path(i, key),
              "missing (every rule has id, name, kind, sources, severity)");
      return n;
    };
    if (const YAML::Node n = need("id")) Scalar(n, Path(i, "id"), &d.code);
    if (const YAML::Node n = need("name")) Scalar(n, Path(i, "name"), &d.name);
    if (const YAML::Node n = node["guide_row"]) Scalar(n, Path(i, "guide_row"), &d.guide_row);
    ReadKind(node, i, &d);
    ReadSources(need("sources"), i, &d);
    if (const YAML::Node n = need("severity")) {
      const std::string s = n.IsScalar() ? n.Scalar() : "";
      if (s == "low")
        d.severity = Severity::kLow;
      else if (s == "medium")
        d.severity = Severity::kMedium;
      else if (s == "high")
        d.severity = Severity::kHigh;
      else
        Error(n.Mark(), Path(i, "severity"), "expected low, medium or high");
    }
    ReadAttack(node, i, &d);
    ReadNeeds(node, i, &d);
    ReadParameters(node["parameters"], i, &d);
    GenericRule g;
    const bool generic = d.kind != LangKind::kCode;
    if (generic) {
      g.kind = d.kind;
      CompileGeneric(node, i, &d, &g);
    } else {
      for (std::string_view key :
           {"when", "details", "account", "steps", "key", "value", "hours", "trigger", "expect"}) {
        if (const YAML::Node n = node[std::string(key)]) {
          Error(n.Mark(), Path(i, key), "a code rule takes no " + std::string(key));
        }
      }
    }
    if (errors_->size() != errors_before) return;
    if (generic && !builtin_) d.needs = NeedsOf(g);
    if (!AssignId(node, i, &d)) return;
    if (generic) {
      g.id = d.id;
      g.code_hash = HashBytes(d.code);
      if (d.window.set) g.span_s = d.window.value;
      if (d.learning_period.set) g.learning_s = d.learning_period.value;
      if (!SlotFor(node, i, &g)) return;
      d.generic_index = static_cast<int>(out_->generic.size());
      const auto index = static_cast<uint16_t>(out_->generic.size());
      // Registered once per (record kind, side) any of its predicates reads.
      auto add = [&](EventKind source) {
        const AccountSide side = source == EventKind::kAudit ? g.side : AccountSide::kAccount;
        auto& list =
            out_->by_source[static_cast<std::size_t>(source) * 2 + static_cast<std::size_t>(side)];
        if (list.empty() || list.back() != index) list.push_back(index);
      };
      if (g.steps.empty()) {
        add(g.source);
      } else {
        for (const RuleStep& step : g.steps) add(step.source);
      }
      out_->generic.push_back(std::move(g));
    }
    out_->definitions.push_back(std::move(d));
  }

  void ReadKind(const YAML::Node& node, std::size_t i, RuleDefinition* d) {
    const YAML::Node n = node["kind"];
    const std::string s = n && n.IsScalar() ? n.Scalar() : "";
    static constexpr std::pair<std::string_view, LangKind> kLang[] = {
        {"match", LangKind::kMatch},       {"threshold", LangKind::kThreshold},
        {"sequence", LangKind::kSequence}, {"novelty", LangKind::kNovelty},
        {"schedule", LangKind::kSchedule}, {"absence", LangKind::kAbsence}};
    const auto* it = std::find_if(std::begin(kLang), std::end(kLang),
                                  [&](const auto& k) { return k.first == s; });
    if (it != std::end(kLang)) {
      d->kind = it->second;
    } else if (s == "code" && builtin_) {
      d->kind = LangKind::kCode;
    } else {
      Error(n ? n.Mark() : node.Mark(), Path(i, "kind"),
            builtin_ ? "expected match, threshold, sequence, novelty, schedule, absence or code"
                     : "expected match, threshold, sequence, novelty, schedule or absence (custom "
                       "rules use a generic kind)");
    }
    d->catalogue_kind = CatalogueKindOf(d->kind);
    if (const YAML::Node c = node["catalogue_kind"]) {
      static constexpr std::string_view kKinds[] = {"match",   "threshold", "sequence",
                                                    "novelty", "schedule",  "absence"};
      const std::string k = c.IsScalar() ? c.Scalar() : "";
      const auto* it = std::find(std::begin(kKinds), std::end(kKinds), k);
      if (it == std::end(kKinds)) {
        Error(c.Mark(), Path(i, "catalogue_kind"),
              "expected match, threshold, sequence, novelty, schedule or absence");
      } else {
        d->catalogue_kind = static_cast<RuleKind>(it - std::begin(kKinds));
      }
    } else if (builtin_ && d->kind == LangKind::kCode) {
      Error(node.Mark(), Path(i, "catalogue_kind"), "a code rule names its catalogue kind");
    }
  }

  void ReadSources(const YAML::Node& n, std::size_t i, RuleDefinition* d) {
    if (!n) return;
    if (!n.IsSequence() || n.size() == 0) {
      Error(n.Mark(), Path(i, "sources"), "expected a list of record kinds");
      return;
    }
    for (const auto& s : n) {
      bool found = false;
      for (std::size_t k = 0; k < static_cast<std::size_t>(EventKind::kCount); ++k) {
        if (s.IsScalar() && s.Scalar() == EventKindName(static_cast<EventKind>(k))) {
          d->sources |= static_cast<uint8_t>(1u << k);
          found = true;
        }
      }
      if (!found) {
        Error(s.Mark(), Path(i, "sources"),
              "unknown record kind (signin, audit, registration, azure_activity, "
              "security_event)");
      }
    }
  }

  void ReadAttack(const YAML::Node& node, std::size_t i, RuleDefinition* d) {
    if (const YAML::Node n = node["attack"]) {
      if (!n.IsSequence()) {
        Error(n.Mark(), Path(i, "attack"), "expected a list of ATT&CK technique ids");
      } else {
        for (const auto& t : n) {
          const std::string id = t.IsScalar() ? t.Scalar() : "";
          if (!IsWellFormedTechniqueId(id) || !FindTechnique(id) ||
              !FindTechnique(ParentTechniqueId(id))) {
            Error(t.Mark(), Path(i, "attack"),
                  "unknown ATT&CK technique \"" + id + "\" (core/mitre_attack.h lists them)");
          } else {
            d->attack.push_back(id);
          }
        }
      }
    }
    if (d->attack.size() > 2) {
      Error(node["attack"].Mark(), Path(i, "attack"), "at most 2 techniques (the main one first)");
    }
    if (!d->attack.empty() && !node["tactic"]) {
      Error(node["attack"].Mark(), Path(i, "tactic"), "ATT&CK techniques need a tactic (TA....)");
    }
    if (const YAML::Node n = node["tactic"]) {
      static constexpr std::string_view kTactics[] = {"TA0001", "TA0003", "TA0004",
                                                      "TA0005", "TA0006", "TA0040"};
      const std::string s = n.IsScalar() ? n.Scalar() : "";
      if (std::find(std::begin(kTactics), std::end(kTactics), s) == std::end(kTactics)) {
        Error(n.Mark(), Path(i, "tactic"),
              "expected an ATT&CK tactic id: TA0001, TA0003, TA0004, TA0005, TA0006 or TA0040");
      } else {
        d->tactic = s;
      }
    }
  }

  void ReadNeeds(const YAML::Node& node, std::size_t i, RuleDefinition* d) {
    const YAML::Node n = node["needs"];
    if (!n) return;
    if (!builtin_) {
      Error(n.Mark(), Path(i, "needs"),
            "a custom rule's tenant lists are the ones its in_list / not_in_list conditions name");
      return;
    }
    for (int l = 1; l <= static_cast<int>(TenantList::kHighValueApps); ++l) {
      if (n.IsScalar() && n.Scalar() == TenantListName(static_cast<TenantList>(l))) {
        d->needs = static_cast<TenantList>(l);
        return;
      }
    }
    Error(n.Mark(), Path(i, "needs"), "unknown tenant list");
  }

  // `parameters: {threshold: 5, window: 10m}` or, with a meaning, `{threshold: {default, means}}`.
  void ReadParameters(const YAML::Node& n, std::size_t i, RuleDefinition* d) {
    const bool threshold_kind = d->kind == LangKind::kThreshold;
    if (n && !n.IsMap()) {
      Error(n.Mark(), Path(i, "parameters"), "expected a map (threshold, window, learning_period)");
      return;
    }
    if (n) {
      for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        const std::string path = Path(i, "parameters." + key);
        RuleParamDefault* p = key == "threshold"         ? &d->threshold
                              : key == "window"          ? &d->window
                              : key == "learning_period" ? &d->learning_period
                                                         : nullptr;
        if (p == nullptr) {
          Error(kv.first.Mark(), path, "unknown parameter (threshold, window, learning_period)");
          continue;
        }
        if (d->kind != LangKind::kCode && !KindTakes(d->kind, key)) {
          const bool none = d->kind == LangKind::kMatch || d->kind == LangKind::kSchedule;
          Error(kv.first.Mark(), path,
                A(d->kind) + std::string(LangKindName(d->kind)) + " rule takes no " +
                    (none ? std::string("parameters") : key) + " (" +
                    std::string(KindParameters(d->kind)) + ")");
          continue;
        }
        YAML::Node value = kv.second;
        if (value.IsMap()) {
          if (const YAML::Node m = value["means"]; m && m.IsScalar()) p->means = m.Scalar();
          value = value["default"];
          if (!value) {
            Error(kv.second.Mark(), path, "expected {default: ..., means: ...}");
            continue;
          }
        }
        const std::string text = value.IsScalar() ? value.Scalar() : "";
        int64_t v = 0;
        const bool ok = key == "threshold" ? ParseCount(text, &v) : ParseRuleDuration(text, &v);
        if (!ok) {
          Error(value.Mark(), path,
                key == "threshold" ? "expected a count of at least 1"
                                   : "expected a duration such as 10m, 1h or 14d (at most "
                                     "100 years)");
          continue;
        }
        p->set = true;
        p->value = v;
      }
    }
    if (threshold_kind && (!d->threshold.set || !d->window.set)) {
      Error(n ? n.Mark() : YAML::Mark::null_mark(), Path(i, "parameters"),
            "a threshold rule sets parameters.threshold and parameters.window");
    }
    if (threshold_kind && !builtin_ && d->threshold.set &&
        d->threshold.value > static_cast<int64_t>(ThresholdSlot::capacity())) {
      Error(n["threshold"].Mark(), Path(i, "parameters.threshold"),
            "a custom threshold rule counts at most " + std::to_string(ThresholdSlot::capacity()) +
                " events");
    }
    if ((d->kind == LangKind::kSequence || d->kind == LangKind::kAbsence) && !d->window.set) {
      Error(
          n ? n.Mark() : node_mark_, Path(i, "parameters"),
          A(d->kind) + std::string(LangKindName(d->kind)) + " rule sets parameters.window (" +
              std::string(d->kind == LangKind::kSequence ? "the span from first to last step"
                                                         : "how long the expected event may take") +
              ")");
    }
    if (d->kind == LangKind::kSequence && d->window.means.empty()) {
      d->window.means = "from the first step to the last";
    }
    if (d->kind == LangKind::kAbsence && d->window.means.empty()) {
      d->window.means = "how long after the trigger the expected event may come";
    }
    if (threshold_kind && d->threshold.means.empty()) d->threshold.means = "matching events";
    if (threshold_kind && d->window.means.empty()) d->window.means = "within this time";
  }

  static bool ParseCount(const std::string& s, int64_t* v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && *v >= 1 && *v <= 1'000'000;
  }

  void CompileGeneric(const YAML::Node& node, std::size_t i, RuleDefinition* d, GenericRule* g) {
    const LangKind k = d->kind;
    const std::string kind_name(LangKindName(k));
    for (std::string_view key : {"when", "steps", "key", "value", "hours", "trigger", "expect"}) {
      const YAML::Node n = node[std::string(key)];
      if (n && !KindHasKey(k, key)) {
        Error(n.Mark(), Path(i, key), A(k) + kind_name + " rule takes no " + std::string(key));
      }
    }
    const bool stepped = k == LangKind::kSequence || k == LangKind::kAbsence;
    if (d->sources == 0) return;
    if (!stepped && std::popcount(d->sources) != 1) {
      Error(node.Mark(), Path(i, "sources"), A(k) + kind_name + " rule reads one record kind");
      return;
    }
    g->source = static_cast<EventKind>(std::countr_zero(d->sources));
    const bool audit_only = d->sources == (1u << static_cast<unsigned>(EventKind::kAudit));
    if (const YAML::Node a = node["account"]) {
      const std::string s = a.IsScalar() ? a.Scalar() : "";
      if (s == "actor" && audit_only) {
        g->side = AccountSide::kActor;
      } else if (s == "target" || s == "account") {
        g->side = AccountSide::kAccount;
      } else {
        Error(a.Mark(), Path(i, "account"),
              "expected account (the event's account; an audit record's target) or actor "
              "(rules reading audit records only)");
      }
    }
    if (k == LangKind::kThreshold && g->side == AccountSide::kActor) {
      Error(node.Mark(), Path(i, "account"), "a threshold rule counts the event's account");
    }
    if (!stepped) {
      const YAML::Node when = node["when"];
      if (!when || !when.IsMap() || when.size() == 0) {
        Error(when ? when.Mark() : node.Mark(), Path(i, "when"),
              A(k) + kind_name + " rule has a `when:` map of field conditions");
      } else {
        Conditions(when, Path(i, "when"), g->source, &g->when.all, &g->when.any, true);
      }
    }
    if (k == LangKind::kSequence) Sequence(node, i, d, g);
    if (k == LangKind::kAbsence) {
      for (std::string_view key : {"trigger", "expect"}) {
        const YAML::Node n = node[std::string(key)];
        if (!n) {
          Error(node.Mark(), Path(i, key), "an absence rule has trigger and expect");
          continue;
        }
        Step(n, Path(i, key), d, &g->steps.emplace_back());
      }
    }
    if (k == LangKind::kNovelty) {
      const YAML::Node v = node["value"];
      const FieldSpec* spec = v && v.IsScalar() ? FindField(v.Scalar()) : nullptr;
      if (spec == nullptr || spec->source != g->source) {
        Error(v ? v.Mark() : node.Mark(), Path(i, "value"),
              "a novelty rule names the field whose value must be new (fields: " +
                  FieldNamesFor(g->source) + ")");
      } else {
        g->value_field = spec->field;
      }
    }
    if (k == LangKind::kSchedule) Hours(node["hours"], i, g);
    if (const YAML::Node n = node["details"]; n && k == LangKind::kAbsence) {
      Error(n.Mark(), Path(i, "details"), "an absence alert has no event to take details from");
      return;
    }
    if (const YAML::Node n = node["details"]) {
      if (!n.IsSequence() || n.size() > g->details.size()) {
        Error(n.Mark(), Path(i, "details"), "expected a list of up to 4 detail names");
        return;
      }
      // An alert carries at most Alert::kMaxDetails keys: a list whose names add more would
      // lose the last ones silently (breaker round 132: [ca_status, risk_state, result, place]
      // kept the country alone), so it is refused.
      // A schedule alert carries hour_utc and a sequence alert steps before them (breaker round
      // 134: [place, error_code] on a schedule rule lost error_code).
      std::size_t keys = 0;
      std::string added;
      if (k == LangKind::kSchedule || k == LangKind::kSequence) {
        keys = 1;
        added = k == LangKind::kSchedule ? "a schedule alert's own hour_utc"
                                         : "a sequence alert's own steps";
      }
      for (const auto& item : n) {
        const std::string s = item.IsScalar() ? item.Scalar() : "";
        const std::optional<DetailKind> detail = FindDetail(s);
        if (!detail) {
          Error(item.Mark(), Path(i, "details"), "unknown detail (" + DetailNames() + ")");
          continue;
        }
        if (std::find(g->details.begin(), g->details.begin() + g->detail_count, *detail) !=
            g->details.begin() + g->detail_count) {
          continue;  // a name given twice is read once (the alert keeps each key once)
        }
        keys += DetailKeys(*detail);
        added += (added.empty() ? "" : "; ") + s + ": " + std::string(DetailKeyNames(*detail));
        if (keys > Alert::kMaxDetails) {
          Error(item.Mark(), Path(i, "details"),
                "an alert carries at most " + std::to_string(Alert::kMaxDetails) +
                    " detail keys, and these names add up to " + std::to_string(keys) + " (" +
                    added + ")");
          return;
        }
        g->details[g->detail_count++] = *detail;
      }
    }
  }

  // One step: `{source: audit, when: {...}}`; source may be left out when the rule reads one kind.
  void Step(const YAML::Node& n, const std::string& path, const RuleDefinition* d, RuleStep* out) {
    if (!n.IsMap()) {
      Error(n.Mark(), path, "expected {source: ..., when: {...}}");
      return;
    }
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (key != "source" && key != "when") {
        Error(kv.first.Mark(), path + "." + key, "unknown key (a step has source and when)");
      }
    }
    if (const YAML::Node s = n["source"]) {
      bool found = false;
      for (std::size_t k = 0; k < static_cast<std::size_t>(EventKind::kCount); ++k) {
        if (s.IsScalar() && s.Scalar() == EventKindName(static_cast<EventKind>(k))) {
          out->source = static_cast<EventKind>(k);
          found = (d->sources & (1u << k)) != 0;
        }
      }
      if (!found) {
        Error(s.Mark(), path + ".source", "expected one of the rule's sources");
        return;
      }
    } else if (std::popcount(d->sources) == 1) {
      out->source = static_cast<EventKind>(std::countr_zero(d->sources));
    } else {
      Error(n.Mark(), path + ".source", "the rule reads several record kinds: name the step's");
      return;
    }
    const YAML::Node when = n["when"];
    if (!when || !when.IsMap() || when.size() == 0) {
      Error(when ? when.Mark() : n.Mark(), path + ".when", "expected a map of field conditions");
      return;
    }
    Conditions(when, path + ".when", out->source, &out->when.all, &out->when.any, true);
  }

  void Sequence(const YAML::Node& node, std::size_t i, const RuleDefinition* d, GenericRule* g) {
    const YAML::Node steps = node["steps"];
    if (!steps || !steps.IsSequence() || steps.size() < 2 || steps.size() > kMaxSequenceSteps) {
      Error(steps ? steps.Mark() : node.Mark(), Path(i, "steps"),
            "a sequence rule has a list of 2 to 4 steps");
      return;
    }
    for (std::size_t s = 0; s < steps.size(); ++s) {
      Step(steps[s], Path(i, "steps") + "[" + std::to_string(s) + "]", d, &g->steps.emplace_back());
    }
    const YAML::Node key = node["key"];
    if (!key) return;
    const std::string name = key.IsScalar() ? key.Scalar() : "";
    if (name == "account") return;  // the default: every step names the same account
    const FieldSpec* spec = FindField(name);
    const bool everywhere = spec != nullptr && spec->source != kAnySource &&
                            std::all_of(g->steps.begin(), g->steps.end(), [&](const RuleStep& st) {
                              return st.source == spec->source;
                            });
    if (!everywhere) {
      Error(key.Mark(), Path(i, "key"),
            "expected account, or a field every step's record kind has");
      return;
    }
    g->keyed = true;
    g->key_field = spec->field;
  }

  // `hours: working_hours` (the tenant's) or `hours: {from: "08:00", to: "18:00", days: [mon,
  // ...]}` in UTC; the rule fires outside them.
  void Hours(const YAML::Node& n, std::size_t i, GenericRule* g) {
    const std::string path = Path(i, "hours");
    if (!n) {
      Error(node_mark_, path,
            "a schedule rule has hours: working_hours, or {from: HH:MM, to: HH:MM, days: [...]}");
      return;
    }
    if (n.IsScalar() && n.Scalar() == "working_hours") {
      g->tenant_hours = true;
      return;
    }
    if (!n.IsMap()) {
      Error(n.Mark(), path, "expected working_hours or {from: HH:MM, to: HH:MM, days: [...]}");
      return;
    }
    auto minute = [&](const char* key, uint16_t* out) {
      const YAML::Node v = n[key];
      const std::string s = v && v.IsScalar() ? v.Scalar() : "";
      int h = -1, m = -1;
      if (s.size() == 5 && s[2] == ':') {
        std::from_chars(s.data(), s.data() + 2, h);
        std::from_chars(s.data() + 3, s.data() + 5, m);
      }
      if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
        Error(v ? v.Mark() : n.Mark(), path + "." + key, "expected a time of day HH:MM (UTC)");
        return;
      }
      *out = static_cast<uint16_t>(h * 60 + m);
    };
    minute("from", &g->start_minute);
    minute("to", &g->end_minute);
    if (n["from"] && n["to"] && g->start_minute == g->end_minute) {
      // As working_hours refuses it: an empty shift made every event "outside" (breaker round 35).
      Error(n["to"].Mark(), path + ".to",
            "from and to are the same time: no hours at all (00:00 to 24:00 is the whole day)");
    }
    if (const YAML::Node days = n["days"]) {
      static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
      g->day_mask = 0;
      if (!days.IsSequence() || days.size() == 0) {
        Error(days.Mark(), path + ".days", "expected a list of days (mon ... sun)");
      } else {
        for (const auto& day : days) {
          const std::string s = day.IsScalar() ? day.Scalar() : "";
          const auto* it = std::find(std::begin(kDays), std::end(kDays), s);
          if (it == std::end(kDays)) {
            Error(day.Mark(), path + ".days", "expected mon, tue, wed, thu, fri, sat or sun");
          } else {
            g->day_mask |= static_cast<uint8_t>(1u << (it - std::begin(kDays)));
          }
        }
      }
    }
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (key != "from" && key != "to" && key != "days") {
        Error(kv.first.Mark(), path + "." + key, "unknown key (from, to, days)");
      }
    }
  }

  void Conditions(const YAML::Node& map, const std::string& path, EventKind source,
                  std::vector<Condition>* all,
                  std::vector<std::vector<std::vector<Condition>>>* any, bool top) {
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      const std::string p = path + "." + key;
      if (key == "any_of") {
        if (!top) {
          Error(kv.first.Mark(), p, "any_of is allowed only directly under when");
          continue;
        }
        if (!kv.second.IsSequence() || kv.second.size() < 2) {
          Error(kv.second.Mark(), p, "expected a list of at least two condition maps");
          continue;
        }
        auto& group = any->emplace_back();
        for (std::size_t k = 0; k < kv.second.size(); ++k) {
          const YAML::Node alt = kv.second[k];
          if (!alt.IsMap() || alt.size() == 0) {
            Error(alt.Mark(), p + "[" + std::to_string(k) + "]", "expected a map of conditions");
            continue;
          }
          Conditions(alt, p + "[" + std::to_string(k) + "]", source, &group.emplace_back(), nullptr,
                     false);
        }
        continue;
      }
      const FieldSpec* spec = FindField(key);
      if (spec == nullptr) {
        Error(kv.first.Mark(), p,
              "unknown field for " + std::string(EventKindName(source)) +
                  " records (fields: " + FieldNamesFor(source) + ")");
        continue;
      }
      if (spec->source != source && spec->source != kAnySource) {
        Error(kv.first.Mark(), p,
              "a field of " + std::string(EventKindName(spec->source)) +
                  " records, but the rule reads " + std::string(EventKindName(source)) +
                  " records");
        continue;
      }
      Condition c;
      c.field = spec->field;
      c.flag = spec->flag;
      YAML::Node values = kv.second;
      if (values.IsMap()) {
        if (values.size() != 1) {
          Error(values.Mark(), p, "expected one operator: in, not_in, not, in_list or not_in_list");
          continue;
        }
        const std::string op = values.begin()->first.Scalar();
        const YAML::Node operand = values.begin()->second;
        if (op == "in_list" || op == "not_in_list") {
          c.negate = op == "not_in_list";
          const std::string name = operand.IsScalar() ? operand.Scalar() : "";
          const std::optional<ListId> list = FindList(name);
          std::string why;
          if (!list) {
            Error(operand.Mark(), p + "." + op,
                  "\"" + name + "\": unknown tenant list (" + ListNames() + ")");
          } else if (!ListFits(*list, spec->field, &why)) {
            Error(operand.Mark(), p + "." + op, why);
          } else {
            c.list = *list;
          }
        } else if (op == "in" || op == "not_in") {
          c.negate = op == "not_in";
          if (!operand.IsSequence() || operand.size() == 0 ||
              operand.size() > Condition::kMaxValues) {
            Error(operand.Mark(), p + "." + op, "expected a list of 1 to 8 values");
            continue;
          }
          for (const auto& v : operand) Value(*spec, v, p + "." + op, &c);
        } else if (op == "not") {
          c.negate = true;
          Value(*spec, operand, p + ".not", &c);
        } else {
          Error(values.begin()->first.Mark(), p + "." + op,
                "unknown operator (in, not_in, not, in_list, not_in_list)");
          continue;
        }
      } else {
        Value(*spec, values, p, &c);
      }
      if (c.count > 0 || c.list != ListId::kNone) all->push_back(c);
    }
  }

  void Value(const FieldSpec& spec, const YAML::Node& v, const std::string& path, Condition* c) {
    if (!v.IsScalar()) {
      Error(v.Mark(), path,
            "expected a value, or {in: [...]}, {not_in: [...]}, {not: ...}, {in_list: LIST}, "
            "{not_in_list: LIST}");
      return;
    }
    const std::string& s = v.Scalar();
    uint64_t out = 0;
    std::string expected;
    const bool ok = ResolveFieldValue(spec, s, &out, &expected);
    if (!ok) {
      Error(v.Mark(), path, "\"" + s + "\": expected " + expected);
      return;
    }
    if (c->count == Condition::kMaxValues) {
      Error(v.Mark(), path, "at most 8 values");
      return;
    }
    c->values[c->count++] = out;
  }

  bool AssignId(const YAML::Node& node, std::size_t i, RuleDefinition* d) {
    const YAML::Mark at = node["id"].Mark();
    for (const RuleDefinition& other : out_->definitions) {
      if (other.code == d->code) {
        Error(at, Path(i, "id"),
              d->code + " is defined twice (also " + other.file + ":" + std::to_string(other.line) +
                  ")");
        return false;
      }
    }
    if (builtin_) {
      const auto id = FindBuiltinRule(d->code);
      if (!id) {
        Error(at, Path(i, "id"), "not a catalogue rule id (core/rule_catalog.h)");
        return false;
      }
      d->id = *id;
      return true;
    }
    if (FindBuiltinRule(d->code)) {
      Error(at, Path(i, "id"),
            d->code +
                " is a builtin rule; a custom rule takes an id of its own (override a "
                "builtin rule under defaults.rules or tenants.*.rules)");
      return false;
    }
    // An id a SIEM reads as written: letters, digits, '-', '_', '.' (breaker round 95: "
    // PRIV-BG-01", a leading space, passed beside the builtin, and a SIEM that trims fields reads
    // it as it).
    if (d->code.empty() || !std::all_of(d->code.begin(), d->code.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        })) {
      Error(at, Path(i, "id"),
            "\"" + d->code + "\": an id is letters, digits, '-', '_' or '.' (no spaces)");
      return false;
    }
    // The PRIV- namespace is the catalogue's, in any case: "priv-si-02" beside PRIV-SI-02, or a
    // PRIV-ZZ-01 a later catalogue may name, passed (breaker round 94).
    if (d->code.size() >= 5 &&
        std::equal(d->code.begin(), d->code.begin() + 5, "PRIV-", [](char a, char b) {
          return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 'a' + 'A') : a) == b;
        })) {
      Error(at, Path(i, "id"),
            d->code +
                ": the PRIV- prefix is the builtin rules' (any case); a custom rule takes "
                "an id of its own, e.g. ACME-SI-01");
      return false;
    }
    CustomRuleMeta meta;
    meta.code = d->code;
    meta.name = d->name;
    meta.guide_row = d->guide_row;
    meta.kind = d->catalogue_kind;
    meta.severity = d->severity;
    meta.threshold = d->threshold.set ? static_cast<uint32_t>(d->threshold.value) : 1;
    meta.window_s = d->window.set ? d->window.value : 0;
    for (std::size_t t = 0; t < d->attack.size(); ++t) meta.techniques[t] = d->attack[t];
    meta.tactic = d->tactic;
    const auto id = RegisterCustomRule(meta);
    if (!id) {
      Error(at, Path(i, "id"),
            "too many custom rules (at most " + std::to_string(kMaxRules - kRuleCount) + ")");
      return false;
    }
    d->id = *id;
    return true;
  }

  // Lays out the rule's per-account state in the slot record (state/rule_slots.h).
  bool SlotFor(const YAML::Node& node, std::size_t i, GenericRule* g) {
    std::size_t size = 0;
    if (g->kind == LangKind::kThreshold) {
      if (builtin_ && g->id == RuleId::kSI01) {
        g->builtin_ring = GenericRule::kRingBadPasswords;
      } else if (builtin_ && g->id == RuleId::kSI06) {
        g->builtin_ring = GenericRule::kRingLockouts;
      } else {
        size = sizeof(ThresholdSlot);
      }
    } else if (g->kind == LangKind::kSequence) {
      size = sizeof(SequenceSlot);
    } else if (g->kind == LangKind::kAbsence) {
      size = sizeof(AbsenceSlot);
    }
    if (size == 0) return true;
    const std::size_t offset = SlotOffsetAfter(out_->slot_bytes);
    if (offset + size > kMaxSlotBytes) {
      Error(node.Mark(), Path(i),
            "the rules' per-account state would exceed " + std::to_string(kMaxSlotBytes) +
                " bytes (a threshold rule takes " + std::to_string(sizeof(ThresholdSlot)) +
                ", a sequence " + std::to_string(sizeof(SequenceSlot)) + ", an absence " +
                std::to_string(sizeof(AbsenceSlot)) + ")");
      return false;
    }
    g->slot_offset = static_cast<uint16_t>(offset);
    g->slot_size = static_cast<uint16_t>(size);
    out_->slot_bytes = static_cast<uint16_t>(SlotOffsetAfter(offset + size));
    out_->slots.push_back({g->code_hash, g->kind, g->slot_offset, g->slot_size});
    return true;
  }

  const std::string& origin_;
  YAML::Mark node_mark_;
  bool builtin_;
  CompiledRuleSet* out_;
  std::vector<RuleFileError>* errors_;
};

}  // namespace

bool ParseRuleDuration(std::string_view text, int64_t* seconds) {
  if (text.empty()) return false;
  int64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || n < 0) return false;
  const std::string_view unit(r.ptr, static_cast<std::size_t>(text.data() + text.size() - r.ptr));
  const int64_t scale = unit.empty() || unit == "s" ? 1
                        : unit == "m"               ? kMinute
                        : unit == "h"               ? kHour
                        : unit == "d"               ? kDay
                                                    : 0;
  // At most 100 years, as the config's durations (config/scalars.cc): n * scale overflowed an
  // int64 for a huge count, and windows are added to event times in seconds and microseconds.
  constexpr int64_t kMaxSeconds = 100LL * 365 * kDay;
  if (scale == 0 || n > kMaxSeconds / scale) return false;
  *seconds = n * scale;
  return true;
}

void LoadRuleText(std::string_view yaml, const std::string& origin, bool builtin,
                  CompiledRuleSet* out, std::vector<RuleFileError>* errors) {
  Loader loader(origin, builtin, out, errors);
  try {
    loader.File(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    loader.Error(e.mark, "", "YAML syntax error: " + e.msg);
  }
}

void LoadRuleFile(const std::string& path, CompiledRuleSet* out,
                  std::vector<RuleFileError>* errors) {
  std::string text;
  if (const std::string why = ReadSmallFile(path, &text); !why.empty()) {
    errors->push_back({0, 0, path + ": cannot read the rule file: " + why});
    return;
  }
  LoadRuleText(text, path, /*builtin=*/false, out, errors);
}

}  // namespace privmon
