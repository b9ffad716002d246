// The builtin rules no generic kind expresses (docs/rules-language.md "Builtin rules that stay
// C++"), as small named handlers beside the generic evaluators: one file per rule (or family) in
// this folder, each a handler per record kind and side it reads. DetectionEngine builds a table of
// them by (record kind, side) when it takes a rule set (only rules the set defines as `kind: code`)
// and calls each once per event of its kind: one indirect call per rule per event, no virtual call.
// Handlers keep no state of their own: a rule's state lives in the account's AccountState /
// PrivilegedState slots (checkpointed by detectors/engine_checkpoint.cc, DESIGN.md section 10).
// Called only from the owning shard's thread; a handler allocates nothing.
#pragma once

#include <cstdint>
#include <span>

#include "core/alert.h"
#include "core/config.h"
#include "core/event.h"
#include "core/event_time.h"
#include "rules/rule_language.h"
#include "state/account_table.h"
#include "state/deletion_history.h"
#include "state/known_values.h"
#include "state/timer_queue.h"

namespace privmon {

class DetectionEngine;

// What a C++ rule may use of its shard's DetectionEngine (detectors/code_rules/code_rule.cc
// forwards to the engine's private helpers). One per engine; the shard's thread only.
class CodeRuleContext {
 public:
  explicit CodeRuleContext(DetectionEngine& engine) : engine_(engine) {}
  // Names the alert's account from its kept identity, then emits it (the tenant's rule settings
  // decide enabled, severity and suppression).
  bool Emit(Alert& a, uint64_t account_key, const TenantSettings& tenant,
            bool row_counted = false);  // DetectionEngine::Emit
  // Emit for a verdict timed by the earliest of the triggers completing it, whichever arrived
  // first (DetectionEngine::EmitEarliest).
  bool EmitEarliest(Alert& a, uint64_t account_key, const TenantSettings& tenant,
                    bool only_replace);
  // An mv-expand row whose record's other rows were already counted by `rule` for this account
  // (a window, a baseline): the rule skips it, so one record counts once. Call once per event.
  bool RowCounted(RuleId rule, uint64_t account_key);
  // Whether the account is still in its tenant's learning period at `t`.
  bool InLearning(const AccountState& st, Seconds32 t, const TenantSettings& tenant) const;
  // Records `value` as known for the account (KnownValues, under the event's tenant); true when
  // it was new. Each answer for a record judged as of an ordinary account is kept with it
  // (DetectionEngine::NoteLearnAnswer); when a later role gain has the record judged again
  // (ReplayPrivilege) the same calls get those answers back, in order, and learn nothing: the
  // value was new, or not, when the record first came (docs/RULES.md "Learned privilege").
  bool Learn(uint64_t account_key, NoveltyKind kind, uint64_t value, Seconds32 t);
  // Learn for a value whose key was folded from several spellings (a renamed activity, a legacy
  // protocol's client names, an OS written with or without spaces): `former` are the keys the
  // same value was learned under before the fold (a checkpoint's). New only when neither the key
  // nor any former one is known for the account.
  bool LearnFolded(uint64_t account_key, NoveltyKind kind, uint64_t value,
                   std::span<const uint64_t> former, Seconds32 t);
  // LearnFolded's answer without learning the value.
  bool NewFolded(uint64_t account_key, NoveltyKind kind, uint64_t value,
                 std::span<const uint64_t> former, Seconds32 t);
  PrivilegedState* PrivilegedIfAny(const AccountState& st) const;
  // Calls fn(arg, e) for each sign-in kept for a later role gain (PrivilegeReplay: the records of
  // the account judged as an ordinary account's, not late) with event time in [from, to], oldest
  // first. No allocation.
  void ForEachKeptSignIn(uint64_t account_key, Seconds32 from, Seconds32 to,
                         void (*fn)(void* arg, const Event& e), void* arg);
  // Whether the account, unprivileged as of the record at hand, learned its privilege at a later
  // event time (a role gain that arrived before this older record). One probe.
  bool PrivilegedLater(uint64_t account_key) const;
  // Arms an event-time timer of the tenant (TimerQueue; FireTimer dispatches it when due).
  void PushTimer(uint64_t tenant_hash, const Timer& t);
  // The privileged state of an account (made on first use; call for privileged accounts only).
  PrivilegedState& Privileged(AccountState& st);
  // Records a successful deletion or restore of the account (DeletionHistory), and reads them:
  // nullptr when none was seen (or the state came from a checkpoint written before they were).
  void NoteDeletion(uint64_t account_key, Seconds32 t, bool restore);
  const DeletionHistory* DeletionsOf(uint64_t account_key) const;

 private:
  // Whether no former spelling of `value` (other than itself; 0: none) is known for the account.
  bool FormerSpellingsUnknown(uint64_t account_key, NoveltyKind kind, uint64_t value,
                              std::span<const uint64_t> former, Seconds32 t) const;

  DetectionEngine& engine_;
};

// One rule's handler for one record kind and side: `who` is the account on that side, `st` its
// state, already resolved and updated by the engine for this event.
using CodeRuleFn = void (*)(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant);

struct CodeRuleHandler {
  RuleId rule;
  EventKind kind;
  AccountSide side;
  CodeRuleFn run;
  // Gated on the account's privilege alone, changing nothing for an unprivileged account (or only
  // idempotently): run again on a record kept for an account a later-arriving older role gain
  // made privileged at its time (DetectionEngine::ReplayPrivilege). The novelty rules too: they
  // learn every account's values, so a second look would find nothing new, but CodeRuleContext's
  // Learn gives a replay the answers of the record's first judgement.
  bool replay = false;
};

// Every handler of the rules in this folder, in run order (code_rules.cc).
std::span<const CodeRuleHandler> CodeRuleHandlers();

}  // namespace privmon
