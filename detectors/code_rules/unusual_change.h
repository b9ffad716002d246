// PRIV-CH-01 "Unusual change by an admin" (RULES.md, guide row "Attempted and completed changes"):
// a privileged admin successfully performed an activity (by its name, one key for the names of a
// renamed one: parsers::CanonicalActivityKey) it never performed
// during its learning period. C++ because it learns from every account's changes (an admin
// promoted later is judged against what it did before) and its learned activities are checkpointed
// under their own key (NoveltyKind::kActivity); a novelty rule learns only what its `when` admits.
// A view or a failed attempt changed nothing and is not learned; nor is the account acting on
// itself (self-service: its own password, security info, activation), no admin change, unless
// it assigns itself a role. State: the
// shard's KnownValues. Thread-safety: the shard's thread. Cost: one KnownValues probe per
// successful audit change of the actor, an alert when it fires.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct UnusualChange {
  static void OnAuditActor(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                           AccountState& st, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
