// CodeRuleContext: forwards to the DetectionEngine helpers a C++ rule may use (a friend of the
// engine). No state; the shard's thread only.
#include "detectors/code_rules/code_rule.h"

#include "detectors/detection_engine.h"

namespace privmon {

bool CodeRuleContext::Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                           bool row_counted) {
  return engine_.Emit(a, account_key, tenant, row_counted);
}

bool CodeRuleContext::EmitEarliest(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                                   bool only_replace) {
  return engine_.EmitEarliest(a, account_key, tenant, only_replace);
}

bool CodeRuleContext::RowCounted(RuleId rule, uint64_t account_key) {
  return engine_.RowCounted(account_key, static_cast<uint64_t>(rule) + 1);
}

bool CodeRuleContext::InLearning(const AccountState& st, Seconds32 t,
                                 const TenantSettings& tenant) const {
  return engine_.InLearning(st, t, tenant);
}

bool CodeRuleContext::Learn(uint64_t account_key, NoveltyKind kind, uint64_t value, Seconds32 t) {
  if (engine_.replaying_) return engine_.ReplayedLearnAnswer();
  return engine_.NoteLearnAnswer(
      engine_.known_.Add(account_key, kind, value, t, engine_.current_tenant_));
}

bool CodeRuleContext::LearnFolded(uint64_t account_key, NoveltyKind kind, uint64_t value,
                                  std::span<const uint64_t> former, Seconds32 t) {
  if (engine_.replaying_) return engine_.ReplayedLearnAnswer();
  const bool fresh = engine_.known_.Add(account_key, kind, value, t, engine_.current_tenant_);
  return engine_.NoteLearnAnswer(fresh &&
                                 FormerSpellingsUnknown(account_key, kind, value, former, t));
}

bool CodeRuleContext::NewFolded(uint64_t account_key, NoveltyKind kind, uint64_t value,
                                std::span<const uint64_t> former, Seconds32 t) {
  if (engine_.replaying_) return engine_.ReplayedLearnAnswer();
  const bool fresh = !engine_.known_.Known(account_key, kind, value, t);
  return engine_.NoteLearnAnswer(fresh &&
                                 FormerSpellingsUnknown(account_key, kind, value, former, t));
}

bool CodeRuleContext::FormerSpellingsUnknown(uint64_t account_key, NoveltyKind kind, uint64_t value,
                                             std::span<const uint64_t> former, Seconds32 t) const {
  for (const uint64_t key : former) {
    if (key != 0 && key != value && engine_.known_.Known(account_key, kind, key, t)) return false;
  }
  return true;
}

void CodeRuleContext::PushTimer(uint64_t tenant_hash, const Timer& t) {
  engine_.PushTimer(tenant_hash, t);
}

PrivilegedState& CodeRuleContext::Privileged(AccountState& st) {
  return engine_.accounts_.Privileged(st);
}

PrivilegedState* CodeRuleContext::PrivilegedIfAny(const AccountState& st) const {
  return engine_.accounts_.PrivilegedIfAny(st);
}

void CodeRuleContext::NoteDeletion(uint64_t account_key, Seconds32 t, bool restore) {
  engine_.deletions_[account_key].Add(t, restore);
}

const DeletionHistory* CodeRuleContext::DeletionsOf(uint64_t account_key) const {
  if (engine_.deletions_.empty()) return nullptr;
  const auto it = engine_.deletions_.find(account_key);
  return it == engine_.deletions_.end() ? nullptr : &it->second;
}

void CodeRuleContext::ForEachKeptSignIn(uint64_t account_key, Seconds32 from, Seconds32 to,
                                        void (*fn)(void* arg, const Event& e), void* arg) {
  if (to == UINT32_MAX) --to;
  engine_.replay_.ForEachOf(account_key, from, to + 1, [&](const PrivilegeReplay::Entry& kept) {
    if (kept.side == 0 && kept.event.kind == EventKind::kSignIn) fn(arg, kept.event);
  });
}

bool CodeRuleContext::PrivilegedLater(uint64_t account_key) const {
  return engine_.learned_since_.contains(account_key);
}

}  // namespace privmon
