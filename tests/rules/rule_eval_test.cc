// Compiled predicates against Events: every operator of the language (equals, in, not, not_in,
// any_of) and the account-state fields, each with a case that holds and one that does not.
#include "rules/rule_eval.h"

#include <gtest/gtest.h>

#include "core/hash.h"
#include "rules/rule_loader.h"

namespace privmon {
namespace {

Predicate Compile(const std::string& when, EventKind source = EventKind::kSignIn) {
  const std::string kind = source == EventKind::kAudit ? "audit" : "signin";
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText("rules:\n  - id: EVAL-" + std::to_string(std::hash<std::string>{}(when) % 100000) +
                   "\n    name: t\n    kind: match\n    sources: [" + kind +
                   "]\n    severity: low\n    when: " + when + "\n",
               "eval.yaml", false, &set, &errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].message);
  return set.generic.empty() ? Predicate{} : set.generic[0].when;
}

Event SignInWith(int32_t code, RiskState state, RiskLevel during) {
  Event e;
  e.kind = EventKind::kSignIn;
  e.signin.error_code = code;
  e.signin.risk_state = state;
  e.signin.risk_during = during;
  e.signin.country[0] = 'F';
  e.signin.country[1] = 'R';
  return e;
}

TEST(RuleEval, EveryOperatorHoldsAndFails) {
  const AccountFacts admin{true, false}, user{false, false};
  const Event bad = SignInWith(50126, RiskState::kAtRisk, RiskLevel::kHigh);
  const Event ok = SignInWith(0, RiskState::kNone, RiskLevel::kNone);

  const Predicate eq = Compile("{signin.error_code: 50126, account.privileged: true}");
  EXPECT_TRUE(Matches(eq, bad, admin));
  EXPECT_FALSE(Matches(eq, bad, user));
  EXPECT_FALSE(Matches(eq, ok, admin));

  const Predicate in = Compile("{signin.risk_state: {in: [atRisk, confirmedCompromised]}}");
  EXPECT_TRUE(Matches(in, bad, user));
  EXPECT_FALSE(Matches(in, ok, user));

  const Predicate not_ = Compile("{signin.error_code: {not: 0}}");
  EXPECT_TRUE(Matches(not_, bad, user));
  EXPECT_FALSE(Matches(not_, ok, user));

  const Predicate not_in = Compile("{signin.country: {not_in: [US, CA]}}");
  EXPECT_TRUE(Matches(not_in, ok, user));  // FR
  Event us = ok;
  us.signin.country[0] = 'U';
  us.signin.country[1] = 'S';
  EXPECT_FALSE(Matches(not_in, us, user));

  const Predicate any = Compile(
      "{signin.error_code: {not: 0}, any_of: [{signin.risk_during: high}, "
      "{signin.risk_aggregated: high, account.break_glass: true}]}");
  EXPECT_TRUE(Matches(any, bad, user));
  Event aggregated = SignInWith(50126, RiskState::kAtRisk, RiskLevel::kNone);
  aggregated.signin.risk_aggregated = RiskLevel::kHigh;
  EXPECT_FALSE(Matches(any, aggregated, user));         // second alternative needs break_glass
  EXPECT_TRUE(Matches(any, aggregated, {true, true}));  // ... which it has here
}

TEST(RuleEval, AuditNamesAndFlagsCompileToHashesAndBits) {
  Event e;
  e.kind = EventKind::kAudit;
  e.audit.activity = Activity::kUpdateUser;
  e.audit.activity_hash = HashLower("Update user");
  e.audit.flags = kAuditSuccess | kGuestPromotedToMember;
  e.audit.service = AuditService::kCoreDirectory;
  const Predicate p = Compile(
      "{audit.activity: Update user, audit.activity_name: UPDATE USER, audit.success: true, "
      "audit.guest_promoted_to_member: true, audit.service: Core Directory}",
      EventKind::kAudit);
  EXPECT_TRUE(Matches(p, e, {}));
  e.audit.flags = kAuditSuccess;
  EXPECT_FALSE(Matches(p, e, {}));
}

}  // namespace
}  // namespace privmon
