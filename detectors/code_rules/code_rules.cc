// The handler table of the C++ rules (code_rule.h): which rule runs for which record kind and
// side, in run order. Constant; any thread.
#include <array>

#include "detectors/code_rules/account_lifecycle.h"
#include "detectors/code_rules/approved_controls.h"
#include "detectors/code_rules/code_rule.h"
#include "detectors/code_rules/elevate_access.h"
#include "detectors/code_rules/eligible_assignment.h"
#include "detectors/code_rules/mfa_fraud.h"
#include "detectors/code_rules/mfa_interrupt.h"
#include "detectors/code_rules/naming_policy.h"
#include "detectors/code_rules/pim_activations.h"
#include "detectors/code_rules/pim_settings_weakened.h"
#include "detectors/code_rules/signin_novelty.h"
#include "detectors/code_rules/unused_account.h"
#include "detectors/code_rules/unusual_change.h"
#include "detectors/code_rules/unusual_elevation.h"
#include "detectors/code_rules/working_hours.h"

namespace privmon {
namespace {

using code_rules::AccountLifecycle;
using code_rules::ApprovedControls;
using code_rules::ElevateAccess;
using code_rules::EligibleAssignment;
using code_rules::MfaFraud;
using code_rules::MfaInterrupt;
using code_rules::NamingPolicy;
using code_rules::PimActivations;
using code_rules::PimSettingsWeakened;
using code_rules::SignInNovelty;
using code_rules::UnusedAccount;
using code_rules::UnusualChange;
using code_rules::UnusualElevation;
using code_rules::WorkingHours;

constexpr EventKind kSignIn = EventKind::kSignIn, kAudit = EventKind::kAudit,
                    kAzure = EventKind::kAzureActivity;
constexpr AccountSide kAccount = AccountSide::kAccount, kActor = AccountSide::kActor;

constexpr std::array kHandlers = {
    CodeRuleHandler{RuleId::kPA05, kSignIn, kAccount, &UnusedAccount::OnSignIn},
    CodeRuleHandler{RuleId::kSI13, kSignIn, kAccount, &SignInNovelty::OnSignIn, true},  // +SI-14
    CodeRuleHandler{RuleId::kSI03, kSignIn, kAccount, &NamingPolicy::OnSignIn, true},
    CodeRuleHandler{RuleId::kSI04, kSignIn, kAccount, &MfaInterrupt::OnSignIn, true},
    CodeRuleHandler{RuleId::kSI08, kSignIn, kAccount, &MfaFraud::OnSignIn, true},
    CodeRuleHandler{RuleId::kSI09, kSignIn, kAccount, &ApprovedControls::OnSignIn, true},
    CodeRuleHandler{RuleId::kSI10, kSignIn, kAccount, &WorkingHours::OnSignIn, true},
    CodeRuleHandler{RuleId::kEL06, kSignIn, kAccount, &PimActivations::OnSignIn, true},
    CodeRuleHandler{RuleId::kSI03, kAudit, kAccount, &NamingPolicy::OnAuditTarget},
    CodeRuleHandler{RuleId::kEL01, kAudit, kAccount, &EligibleAssignment::OnAuditTarget},
    CodeRuleHandler{RuleId::kPA01, kAudit, kAccount, &AccountLifecycle::OnAuditTarget},  // +PA-02
    CodeRuleHandler{RuleId::kSI08, kAudit, kAccount, &MfaFraud::OnAuditTarget, true},
    // Replayed: an activation judged before its role's name was known (PIM's record naming a
    // custom role by its id alone) is an admin's once its copy teaches the name (breaker round
    // 45; DetectionEngine::PairedByNameOrId), as one whose older role gain came later.
    CodeRuleHandler{RuleId::kEL06, kAudit, kAccount, &PimActivations::OnAuditTarget,
                    true},  // +EL-08
    CodeRuleHandler{RuleId::kEL03, kAudit, kAccount, &UnusualElevation::OnAuditTarget, true},
    CodeRuleHandler{RuleId::kSI08, kAudit, kActor, &MfaFraud::OnAuditActor, true},
    CodeRuleHandler{RuleId::kEL05, kAudit, kActor, &PimSettingsWeakened::OnAuditActor},
    CodeRuleHandler{RuleId::kEL07, kAudit, kActor, &ElevateAccess::OnAuditActor},
    CodeRuleHandler{RuleId::kCH01, kAudit, kActor, &UnusualChange::OnAuditActor, true},
    CodeRuleHandler{RuleId::kEL03, kAudit, kActor, &UnusualElevation::OnAuditActor, true},
    CodeRuleHandler{RuleId::kEL07, kAzure, kAccount, &ElevateAccess::OnAzureActivity},
};

}  // namespace

std::span<const CodeRuleHandler> CodeRuleHandlers() { return kHandlers; }

}  // namespace privmon
