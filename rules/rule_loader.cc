#include "rules/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/custom_rules.h"
#include "core/hash.h"
#include "core/mitre_attack.h"
#include "rules/rule_fields.h"

namespace privmon {
namespace {

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

  void File(const YAML::Node& root) {
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
        "attack", "tactic", "needs",     "account", "when",           "details", "parameters"};
    RuleDefinition d;
    d.file = origin_;
    d.line = node.Mark().line + 1;
    d.builtin = builtin_;
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
      for (std::string_view key : {"when", "details", "account"}) {
        if (const YAML::Node n = node[std::string(key)]) {
          Error(n.Mark(), Path(i, key), "only match and threshold rules take " + std::string(key));
        }
      }
    }
    if (errors_->size() != errors_before) return;
    if (!AssignId(node, i, &d)) return;
    if (generic) {
      g.id = d.id;
      if (d.kind == LangKind::kThreshold && !SlotFor(node, i, &g)) return;
      d.generic_index = static_cast<int>(out_->generic.size());
      out_->by_source[static_cast<std::size_t>(g.source) * 2 + static_cast<std::size_t>(g.side)]
          .push_back(static_cast<uint16_t>(out_->generic.size()));
      out_->generic.push_back(std::move(g));
    }
    out_->definitions.push_back(std::move(d));
  }

  void ReadKind(const YAML::Node& node, std::size_t i, RuleDefinition* d) {
    const YAML::Node n = node["kind"];
    const std::string s = n && n.IsScalar() ? n.Scalar() : "";
    if (s == "match") {
      d->kind = LangKind::kMatch;
    } else if (s == "threshold") {
      d->kind = LangKind::kThreshold;
    } else if (s == "code" && builtin_) {
      d->kind = LangKind::kCode;
    } else {
      Error(n ? n.Mark() : node.Mark(), Path(i, "kind"),
            builtin_ ? "expected match, threshold or code"
                     : "expected match or threshold (custom rules use a generic kind)");
    }
    d->catalogue_kind = d->kind == LangKind::kThreshold ? RuleKind::kThreshold : RuleKind::kMatch;
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
      Error(n.Mark(), Path(i, "needs"), "only builtin rules read tenant lists");
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
        if (d->kind == LangKind::kMatch) {
          Error(kv.first.Mark(), path, "a match rule takes no parameters (it fires on each event)");
          continue;
        }
        if (!builtin_ && key == "learning_period") {
          Error(kv.first.Mark(), path, "a threshold rule takes threshold and window only");
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
                                   : "expected a duration such as 10m, 1h or 14d");
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
    if (threshold_kind && d->threshold.means.empty()) d->threshold.means = "matching events";
    if (threshold_kind && d->window.means.empty()) d->window.means = "within this time";
  }

  static bool ParseCount(const std::string& s, int64_t* v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && *v >= 1 && *v <= 1'000'000;
  }

  void CompileGeneric(const YAML::Node& node, std::size_t i, RuleDefinition* d, GenericRule* g) {
    if (std::popcount(d->sources) != 1) {
      Error(node.Mark(), Path(i, "sources"), "a match or threshold rule reads one record kind");
      return;
    }
    g->source = static_cast<EventKind>(std::countr_zero(d->sources));
    if (const YAML::Node a = node["account"]) {
      const std::string s = a.IsScalar() ? a.Scalar() : "";
      if (s == "actor" && g->source == EventKind::kAudit) {
        g->side = AccountSide::kActor;
      } else if (s == "target" || s == "account") {
        g->side = AccountSide::kAccount;
      } else {
        Error(a.Mark(), Path(i, "account"),
              "expected account (the event's account; an audit record's target) or actor "
              "(audit records only)");
      }
    }
    if (d->kind == LangKind::kThreshold && g->side == AccountSide::kActor) {
      Error(node.Mark(), Path(i, "account"), "a threshold rule counts the event's account");
    }
    const YAML::Node when = node["when"];
    if (!when || !when.IsMap() || when.size() == 0) {
      Error(when ? when.Mark() : node.Mark(), Path(i, "when"),
            "a match or threshold rule has a `when:` map of field conditions");
    } else {
      Conditions(when, Path(i, "when"), g->source, &g->when.all, &g->when.any, true);
    }
    if (const YAML::Node n = node["details"]) {
      if (!n.IsSequence() || n.size() > g->details.size()) {
        Error(n.Mark(), Path(i, "details"), "expected a list of up to 4 detail names");
        return;
      }
      for (const auto& item : n) {
        const std::string s = item.IsScalar() ? item.Scalar() : "";
        const std::optional<DetailKind> detail = FindDetail(s);
        if (!detail) {
          Error(item.Mark(), Path(i, "details"), "unknown detail (" + DetailNames() + ")");
          continue;
        }
        g->details[g->detail_count++] = *detail;
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
          Error(values.Mark(), p, "expected one operator: in, not_in or not");
          continue;
        }
        const std::string op = values.begin()->first.Scalar();
        const YAML::Node operand = values.begin()->second;
        if (op == "in" || op == "not_in") {
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
          Error(values.begin()->first.Mark(), p + "." + op, "unknown operator (in, not_in, not)");
          continue;
        }
      } else {
        Value(*spec, values, p, &c);
      }
      if (c.count > 0) all->push_back(c);
    }
  }

  void Value(const FieldSpec& spec, const YAML::Node& v, const std::string& path, Condition* c) {
    if (!v.IsScalar()) {
      Error(v.Mark(), path, "expected a value, or {in: [...]}, {not_in: [...]}, {not: ...}");
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

  bool SlotFor(const YAML::Node& node, std::size_t i, GenericRule* g) {
    if (builtin_ && g->id == RuleId::kSI01) {
      g->threshold_slot = kSlotBadPasswords;
    } else if (builtin_ && g->id == RuleId::kSI06) {
      g->threshold_slot = kSlotLockouts;
    } else if (out_->custom_threshold_slots < kCustomThresholdSlots) {
      g->threshold_slot =
          static_cast<uint8_t>(kFirstCustomThresholdSlot + out_->custom_threshold_slots++);
    } else {
      Error(node.Mark(), Path(i),
            "too many threshold rules (at most " + std::to_string(kCustomThresholdSlots) +
                " custom ones)");
      return false;
    }
    return true;
  }

  const std::string& origin_;
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
  if (scale == 0) return false;
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
  std::ifstream in(path);
  if (!in) {
    errors->push_back({0, 0, path + ": cannot read the rule file"});
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadRuleText(text.str(), path, /*builtin=*/false, out, errors);
}

}  // namespace privmon
