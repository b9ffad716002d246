// Evaluating a compiled predicate (rules/rule_language.h) against one Event: one switch per
// condition over the event's fixed-size fields and the named account's state, comparisons of
// integers only. No allocation, no string work, no virtual call. Pure; any thread.
#pragma once

#include "rules/rule_language.h"

namespace privmon {

// What a predicate may read of the named account's state (filled by the shard).
struct AccountFacts {
  bool privileged = false;
  bool break_glass = false;
};

// The integer a field of `e` holds (`flag`: the AuditFlag bit of Field::kAuditFlag).
inline uint64_t FieldValue(const Event& e, Field field, uint16_t flag, AccountFacts facts) {
  const SignInFields& si = e.signin;
  const AuditFields& au = e.audit;
  switch (field) {
    case Field::kSignInErrorCode:
      return static_cast<uint64_t>(static_cast<int64_t>(si.error_code));
    case Field::kSignInCaStatus:
      return static_cast<uint64_t>(si.ca_status);
    case Field::kSignInRiskState:
      return static_cast<uint64_t>(si.risk_state);
    case Field::kSignInRiskDuring:
      return static_cast<uint64_t>(si.risk_during);
    case Field::kSignInRiskAggregated:
      return static_cast<uint64_t>(si.risk_aggregated);
    case Field::kSignInClientApp:
      return static_cast<uint64_t>(si.client_app);
    case Field::kSignInClientAppName:
      return si.client_app_hash;
    case Field::kSignInFraudReported:
      return si.fraud_reported;
    case Field::kSignInDeviceCompliant:
      return si.device_compliant;
    case Field::kSignInDeviceManaged:
      return si.device_managed;
    case Field::kSignInGuest:
      return si.guest;
    case Field::kSignInChannel:
      return static_cast<uint64_t>(si.channel);
    case Field::kSignInCountry:
      return si.country[0] == 0 ? 0
                                : (static_cast<uint64_t>(static_cast<uint8_t>(si.country[0])) << 8 |
                                   static_cast<uint8_t>(si.country[1]));
    case Field::kAuditActivity:
      return static_cast<uint64_t>(au.activity);
    case Field::kAuditActivityName:
      return au.activity_hash;
    case Field::kAuditCategory:
      return static_cast<uint64_t>(au.category);
    case Field::kAuditService:
      return static_cast<uint64_t>(au.service);
    case Field::kAuditRoleName:
      return au.role_hash;
    case Field::kAuditFlag:
      return (au.flags & flag) != 0;
    case Field::kRegistrationIsMfaRegistered:
      return e.registration.is_mfa_registered;
    case Field::kRegistrationIsAdmin:
      return e.registration.is_admin;
    case Field::kSecurityEventId:
      return e.security.event_id;
    case Field::kElevateAccess:
      return e.elevate_access;
    case Field::kAccountPrivileged:
      return facts.privileged;
    case Field::kAccountBreakGlass:
      return facts.break_glass;
    case Field::kSignInDevice:
      return si.device_hash;
    case Field::kSignInLocation:
      return si.location_hash;
  }
  return 0;
}

inline bool Holds(const Condition& c, const Event& e, AccountFacts facts) {
  const uint64_t v = FieldValue(e, c.field, c.flag, facts);
  bool in = false;
  for (uint8_t i = 0; i < c.count; ++i) in |= c.values[i] == v;
  return in != c.negate;
}

inline bool HoldsAll(const std::vector<Condition>& all, const Event& e, AccountFacts facts) {
  for (const Condition& c : all) {
    if (!Holds(c, e, facts)) return false;
  }
  return true;
}

inline bool Matches(const Predicate& p, const Event& e, AccountFacts facts) {
  if (!HoldsAll(p.all, e, facts)) return false;
  for (const auto& group : p.any) {
    bool one = false;
    for (const auto& alternative : group) {
      if (HoldsAll(alternative, e, facts)) {
        one = true;
        break;
      }
    }
    if (!one) return false;
  }
  return true;
}

}  // namespace privmon
