// A custom rule of each generic kind (match, threshold, sequence, novelty, schedule, absence),
// loaded from tests/data/rules/generic_kinds.yaml like a config's rule_files: each fires on its
// case and stays silent on its near miss; sequence and absence state survives a checkpoint; a
// parameter or key that means nothing for a kind is an error naming the file and line.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "config/loader.h"
#include "rules/rule_loader.h"
#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"

namespace privmon {
namespace {

using testing::EngineHarness;

constexpr const char* kGenericKindsTenant = "00000000-0000-4000-8000-0000000000c1";
constexpr const char* kGenericKindsAdmin = "admin@contoso.com";

RuleId IdOf(const CompiledRuleSet& set, std::string_view code) {
  for (const RuleDefinition& d : set.definitions) {
    if (d.code == code) return d.id;
  }
  ADD_FAILURE() << code << " not loaded";
  return RuleId::kCount;
}

class GenericKinds : public ::testing::Test {
 protected:
  // The rule file loaded as a config's rule_files does (config/rule_files.cc): custom rules start
  // enabled with their file's parameters.
  void SetUp() override {
    config_ = Load("generic_kinds.yaml");
    ASSERT_NE(config_, nullptr);
  }
  // A config whose rule_files is tests/data/rules/`name`.
  static std::shared_ptr<const CompiledConfig> Load(const std::string& name) {
    const std::string file = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/" + name;
    const std::string tenant = std::string("\"") + kGenericKindsTenant +
                               "\": {privileged_accounts: [" + kGenericKindsAdmin + "]}";
    const ConfigLoadResult r =
        LoadConfigText("rule_files: [\"" + file + "\"]\ntenants: {" + tenant + "}\n");
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.line << ": " << e.message;
    return r.config;
  }
  std::unique_ptr<EngineHarness> Harness() { return std::make_unique<EngineHarness>(config_); }
  // How many alerts of `code` the harness raised (after Finish: watermark-bound verdicts too).
  std::size_t Count(EngineHarness& h, std::string_view code) {
    h.Finish();
    const RuleId id = IdOf(*config_->rules, code);
    const std::vector<RuleId> ids = h.Rules();
    return static_cast<std::size_t>(std::count(ids.begin(), ids.end(), id));
  }
  static Event SignInFrom(const char* time, int32_t error, const char* country) {
    Event e = testing::SignIn(kGenericKindsTenant, kGenericKindsAdmin, time, error);
    e.signin.country[0] = country[0];
    e.signin.country[1] = country[1];
    return e;
  }
  static Event AuditOf(const char* name, const char* time) {
    return testing::Audit(kGenericKindsTenant, Activity::kOther, name, kGenericKindsAdmin, time);
  }

  std::shared_ptr<const CompiledConfig> config_;
};

TEST_F(GenericKinds, Match) {
  auto h = Harness();
  h->Feed(SignInFrom("2026-11-03T10:00:00Z", 50055, "US"));
  EXPECT_EQ(Count(*h, "KIND-MATCH"), 1u);
  auto miss = Harness();
  miss->Feed(SignInFrom("2026-11-03T10:00:00Z", 50056, "US"));
  EXPECT_EQ(Count(*miss, "KIND-MATCH"), 0u);
}

TEST_F(GenericKinds, Threshold) {
  auto h = Harness();
  h->Feed(SignInFrom("2026-11-03T10:00:00Z", 50072, "US"));
  h->Feed(SignInFrom("2026-11-03T10:02:00Z", 50076, "US"));
  h->Feed(SignInFrom("2026-11-03T10:04:00Z", 50072, "US"));
  EXPECT_EQ(Count(*h, "KIND-THRESHOLD"), 1u);
  auto miss = Harness();  // three, but never three within 5 minutes
  miss->Feed(SignInFrom("2026-11-03T10:00:00Z", 50072, "US"));
  miss->Feed(SignInFrom("2026-11-03T10:04:00Z", 50076, "US"));
  miss->Feed(SignInFrom("2026-11-03T10:08:00Z", 50072, "US"));
  EXPECT_EQ(Count(*miss, "KIND-THRESHOLD"), 0u);
}

TEST_F(GenericKinds, Sequence) {
  auto h = Harness();
  h->Feed(AuditOf("Reset user password", "2026-11-03T10:00:00Z"));
  h->Feed(SignInFrom("2026-11-03T10:30:00Z", 0, "US"));
  EXPECT_EQ(Count(*h, "KIND-SEQUENCE"), 1u);
  auto late = Harness();  // the second step beyond the span
  late->Feed(AuditOf("Reset user password", "2026-11-03T10:00:00Z"));
  late->Feed(SignInFrom("2026-11-03T11:30:00Z", 0, "US"));
  EXPECT_EQ(Count(*late, "KIND-SEQUENCE"), 0u);
  auto reversed = Harness();  // the steps in the wrong order
  reversed->Feed(SignInFrom("2026-11-03T10:00:00Z", 0, "US"));
  reversed->Feed(AuditOf("Reset user password", "2026-11-03T10:10:00Z"));
  EXPECT_EQ(Count(*reversed, "KIND-SEQUENCE"), 0u);
}

TEST_F(GenericKinds, Novelty) {
  auto h = Harness();
  h->Feed(SignInFrom("2026-11-03T10:00:00Z", 0, "US"));  // learning
  h->Feed(SignInFrom("2026-11-05T10:00:00Z", 0, "FR"));  // new after the learning period
  EXPECT_EQ(Count(*h, "KIND-NOVELTY"), 1u);
  auto miss = Harness();
  miss->Feed(SignInFrom("2026-11-03T10:00:00Z", 0, "US"));
  miss->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "FR"));  // new, but while learning
  miss->Feed(SignInFrom("2026-11-05T10:00:00Z", 0, "US"));  // after, but known
  miss->Feed(SignInFrom("2026-11-05T11:00:00Z", 0, "FR"));
  EXPECT_EQ(Count(*miss, "KIND-NOVELTY"), 0u);
}

TEST_F(GenericKinds, Schedule) {
  auto h = Harness();
  h->Feed(SignInFrom("2026-11-03T03:00:00Z", 0, "FR"));  // a Tuesday, before 08:00
  EXPECT_EQ(Count(*h, "KIND-SCHEDULE"), 1u);
  auto weekend = Harness();
  weekend->Feed(SignInFrom("2026-11-07T10:00:00Z", 0, "FR"));  // a Saturday
  EXPECT_EQ(Count(*weekend, "KIND-SCHEDULE"), 1u);
  auto miss = Harness();
  miss->Feed(SignInFrom("2026-11-03T10:00:00Z", 0, "FR"));  // Tuesday 10:00
  miss->Feed(SignInFrom("2026-11-03T17:59:00Z", 0, "FR"));
  EXPECT_EQ(Count(*miss, "KIND-SCHEDULE"), 0u);
}

TEST_F(GenericKinds, Absence) {
  auto h = Harness();
  h->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  h->Feed(SignInFrom("2026-11-03T11:30:00Z", 0, "US"));  // after the period: still absent
  EXPECT_EQ(Count(*h, "KIND-ABSENCE"), 1u);
  auto miss = Harness();
  miss->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  miss->Feed(SignInFrom("2026-11-03T10:30:00Z", 0, "US"));
  miss->Feed(SignInFrom("2026-11-03T12:30:00Z", 0, "US"));
  EXPECT_EQ(Count(*miss, "KIND-ABSENCE"), 0u);
}

// Breaker round 125: each trigger is judged on its own, so the verdict is the same in any arrival
// order within the lateness. Roles added at 10:00 and 10:03, a sign-in at 10:02: the 10:03 one is
// never used (one alert, timed at 11:03). It was absorbed by the pending 10:00 trigger when both
// arrived before the sign-in, which then settled both: no alert.
TEST_F(GenericKinds, AbsenceJudgesEachTriggerInAnyArrivalOrder) {
  const Event first = AuditOf("Add member to role", "2026-11-03T10:00:00Z");
  const Event second = AuditOf("Add member to role", "2026-11-03T10:03:00Z");
  const Event used = SignInFrom("2026-11-03T10:02:00Z", 0, "US");
  const std::vector<std::vector<const Event*>> orders = {
      {&first, &used, &second}, {&first, &second, &used}, {&second, &used, &first},
      {&used, &second, &first}, {&second, &first, &used}, {&used, &first, &second}};
  const RuleId id = IdOf(*config_->rules, "KIND-ABSENCE");
  for (const auto& order : orders) {
    auto h = Harness();
    for (const Event* e : order) h->Feed(*e);
    h->Feed(SignInFrom("2026-11-03T11:30:00Z", 0, "US"));  // after both windows: moves time on
    h->Finish();
    std::vector<EventTime> times;
    for (const Alert& a : h->Drain()) {
      if (a.rule == id) times.push_back(a.time);
    }
    ASSERT_EQ(times.size(), 1u) << order[0]->time << " " << order[1]->time;
    EXPECT_EQ(times[0], second.time + 3600 * kMicrosPerSecond);
  }
}

// Feeds every record of `from`'s checkpoint to `to`, as a restore does.
void Restore(DetectionEngine& from, DetectionEngine& to) {
  CheckpointShardWriter w(0);
  from.SaveState(w);
  std::size_t slot_records = 0;
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      slot_records += r.tag == kCkRuleSlots ? 1 : 0;
      EXPECT_TRUE(to.LoadState(r)) << "tag " << int{r.tag};
    }));
  }
  EXPECT_GE(slot_records, 1u);
  to.OnRestored();
}

TEST_F(GenericKinds, SequenceAndAbsenceStateIsCheckpointed) {
  auto before = Harness();
  before->Feed(AuditOf("Reset user password", "2026-11-03T10:00:00Z"));
  auto after = Harness();
  Restore(before->engine(), after->engine());
  after->Feed(SignInFrom("2026-11-03T10:30:00Z", 0, "US"));
  EXPECT_EQ(Count(*after, "KIND-SEQUENCE"), 1u);
  auto fresh = Harness();  // the same second step without the restored first one
  fresh->Feed(SignInFrom("2026-11-03T10:30:00Z", 0, "US"));
  EXPECT_EQ(Count(*fresh, "KIND-SEQUENCE"), 0u);

  // An absence trigger restored with its timer, then met in time: silent; unmet: one alert.
  auto armed = Harness();
  armed->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  auto met = Harness();
  Restore(armed->engine(), met->engine());
  met->Feed(SignInFrom("2026-11-03T10:20:00Z", 0, "US"));
  met->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*met, "KIND-ABSENCE"), 0u);
  auto unmet = Harness();
  Restore(armed->engine(), unmet->engine());
  unmet->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*unmet, "KIND-ABSENCE"), 1u);
}

// Breaker round 94: an absence timer named its rule by the rule's slot offset. The same rules in
// another order (KIND-ABSENCE moved first: its slot moves from behind the threshold and sequence
// slots to offset 0) kept the slot's state on a reload but not the timer: the verdict was lost and
// the slot stayed pending, absorbing every later trigger. The timer now follows its rule.
TEST_F(GenericKinds, AbsenceVerdictFollowsItsRuleAcrossAReorderingReload) {
  const auto reordered = Load("generic_kinds_reordered.yaml");
  ASSERT_NE(reordered, nullptr);
  const auto slot_of = [](const CompiledConfig& c) {
    for (const GenericRule& g : c.rules->generic) {
      if (g.kind == LangKind::kAbsence) return g.slot_offset;
    }
    return uint16_t{0xffff};
  };
  ASSERT_NE(slot_of(*config_), slot_of(*reordered));  // the case: the slot moved
  auto h = Harness();
  h->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  h->engine().OnConfig(reordered);
  config_ = reordered;                                   // Count's rule ids
  h->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));  // the hour passed unmet: one alert
  // A later trigger arms afresh (the slot is not left pending) and is judged too.
  h->Feed(AuditOf("Add member to role", "2026-11-04T10:00:00Z"));
  h->Feed(SignInFrom("2026-11-04T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*h, "KIND-ABSENCE"), 2u);

  // A reload that drops the rule drops its timer; the rule back, a new trigger is judged afresh.
  const auto without = Load("generic_kinds_without_absence.yaml");
  ASSERT_NE(without, nullptr);
  auto dropped = Harness();
  dropped->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  dropped->engine().OnConfig(without);
  dropped->Feed(SignInFrom("2026-11-03T10:30:00Z", 0, "US"));
  dropped->engine().OnConfig(reordered);
  config_ = reordered;
  dropped->Feed(AuditOf("Add member to role", "2026-11-03T10:40:00Z"));
  dropped->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*dropped, "KIND-ABSENCE"), 1u);
}

// The same on a restore: the checkpoint's slots are matched by rule id, and its timers follow.
TEST_F(GenericKinds, AbsenceVerdictFollowsItsRuleAcrossAReorderingRestore) {
  auto armed = Harness();
  armed->Feed(AuditOf("Add member to role", "2026-11-03T10:00:00Z"));
  config_ = Load("generic_kinds_reordered.yaml");
  ASSERT_NE(config_, nullptr);
  auto unmet = Harness();
  Restore(armed->engine(), unmet->engine());
  unmet->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));
  unmet->Feed(AuditOf("Add member to role", "2026-11-04T10:00:00Z"));
  unmet->Feed(SignInFrom("2026-11-04T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*unmet, "KIND-ABSENCE"), 2u);
  auto met = Harness();  // met in time after the restore: silent
  Restore(armed->engine(), met->engine());
  met->Feed(SignInFrom("2026-11-03T10:20:00Z", 0, "US"));
  met->Feed(SignInFrom("2026-11-03T12:00:00Z", 0, "US"));
  EXPECT_EQ(Count(*met, "KIND-ABSENCE"), 0u);
}

std::vector<std::string> Errors(const std::string& yaml) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(yaml, "acme.yaml", false, &set, &errors);
  std::vector<std::string> out;
  for (const RuleFileError& e : errors) out.push_back(e.message);
  return out;
}

TEST(GenericKindErrors, AParameterOrKeyThatMeansNothingForTheKindIsAnError) {
  const auto novelty_threshold = Errors(R"(rules:
  - id: ERR-NOV
    name: n
    kind: novelty
    sources: [signin]
    severity: low
    when: {signin.error_code: 0}
    value: signin.country
    parameters: {threshold: 3}
)");
  ASSERT_EQ(novelty_threshold.size(), 1u);
  EXPECT_EQ(novelty_threshold[0],
            "acme.yaml:9:18: rules[0].parameters.threshold: a novelty rule takes no threshold (it "
            "takes learning_period)");

  const auto sequence_when = Errors(R"(rules:
  - id: ERR-SEQ
    name: s
    kind: sequence
    sources: [signin]
    severity: low
    parameters: {window: 1h}
    when: {signin.error_code: 0}
    steps:
      - {when: {signin.error_code: 50074}}
      - {when: {signin.error_code: 0}}
)");
  ASSERT_EQ(sequence_when.size(), 1u);
  EXPECT_EQ(sequence_when[0], "acme.yaml:8:11: rules[0].when: a sequence rule takes no when");

  const auto schedule_window = Errors(R"(rules:
  - id: ERR-SCH
    name: s
    kind: schedule
    sources: [signin]
    severity: low
    when: {signin.error_code: 0}
    hours: working_hours
    parameters: {window: 1h}
)");
  ASSERT_EQ(schedule_window.size(), 1u);
  EXPECT_NE(schedule_window[0].find("acme.yaml:9:18: rules[0].parameters.window: a schedule rule "
                                    "takes no parameters"),
            std::string::npos);

  const auto absence_without_window = Errors(R"(rules:
  - id: ERR-ABS
    name: a
    kind: absence
    sources: [signin]
    severity: low
    trigger: {when: {signin.error_code: 50074}}
    expect: {when: {signin.error_code: 0}}
)");
  ASSERT_EQ(absence_without_window.size(), 1u);
  EXPECT_NE(absence_without_window[0].find("acme.yaml:2:5: rules[0].parameters: an absence rule "
                                           "sets parameters.window"),
            std::string::npos);

  const auto step_source = Errors(R"(rules:
  - id: ERR-STEP
    name: a
    kind: sequence
    sources: [signin, audit]
    severity: low
    parameters: {window: 1h}
    steps:
      - {when: {signin.error_code: 50074}}
      - {source: signin, when: {signin.error_code: 0}}
)");
  ASSERT_EQ(step_source.size(), 1u);
  EXPECT_EQ(step_source[0],
            "acme.yaml:9:9: rules[0].steps[0].source: the rule reads several record kinds: name "
            "the step's");
}

}  // namespace
}  // namespace privmon
