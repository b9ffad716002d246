#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/mitre_attack.h"
#include "core/rule_catalog.h"

namespace privmon {
namespace {

bool WellFormedTacticId(std::string_view id) {
  if (id.size() != 6 || id.substr(0, 2) != "TA") return false;
  for (char c : id.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

TEST(RuleAttack, EveryRuleNamesAtLeastOneWellFormedKnownTechnique) {
  ASSERT_EQ(kRuleCount, 42u);  // 41 guide rows and PRIV-OP-01
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    const auto id = static_cast<RuleId>(i);
    const RuleAttack& attack = GetRuleAttack(id);
    const std::string code(GetRuleInfo(id).code);
    EXPECT_EQ(attack.id, id) << code << ": row out of order";
    EXPECT_FALSE(attack.techniques[0].empty()) << code << ": no technique";
    for (std::string_view t : attack.techniques) {
      if (t.empty()) continue;
      EXPECT_TRUE(IsWellFormedTechniqueId(t)) << code << ": " << t;
      const auto known = FindTechnique(t);
      ASSERT_TRUE(known.has_value()) << code << ": " << t << " has no name";
      EXPECT_FALSE(known->name.empty());
      EXPECT_TRUE(FindTechnique(ParentTechniqueId(t)).has_value())
          << code << ": parent of " << t << " has no name";
    }
    EXPECT_NE(attack.techniques[0], attack.techniques[1]) << code;
    EXPECT_TRUE(WellFormedTacticId(attack.tactic.id)) << code << ": " << attack.tactic.id;
    EXPECT_FALSE(attack.tactic.name.empty()) << code;
  }
}

TEST(RuleAttack, TechniqueIdsAreCheckedForShape) {
  EXPECT_TRUE(IsWellFormedTechniqueId("T1078"));
  EXPECT_TRUE(IsWellFormedTechniqueId("T1078.004"));
  EXPECT_FALSE(IsWellFormedTechniqueId("T1078.4"));
  EXPECT_FALSE(IsWellFormedTechniqueId("T107"));
  EXPECT_FALSE(IsWellFormedTechniqueId("TA0001"));
  EXPECT_FALSE(IsWellFormedTechniqueId("t1078"));
  EXPECT_FALSE(IsWellFormedTechniqueId("T1078-004"));
  EXPECT_EQ(ParentTechniqueId("T1098.003"), "T1098");
}

TEST(RuleAttack, TheVocabularyHasNoDuplicateIds) {
  std::set<std::string_view> ids;
  for (const auto& t : kAttackTechniques) {
    EXPECT_TRUE(ids.insert(t.id).second) << t.id;
    EXPECT_TRUE(IsWellFormedTechniqueId(t.id)) << t.id;
  }
}

}  // namespace
}  // namespace privmon
