// Evaluating a compiled predicate (rules/rule_language.h) against one Event: one switch per
// condition over the event's fixed-size fields and the named account's state, comparisons of
// integers only; an `in_list` condition probes one of the tenant's hash sets (no allocation).
// No string work (but a guest's #EXT# UPN read as its home UPN for an account list), no virtual
// call. Pure; any thread.
#pragma once

#include <cstddef>
#include <span>

#include "core/config.h"
#include "parsers/activity_names.h"
#include "parsers/legacy_clients.h"
#include "parsers/text_util.h"
#include "rules/rule_language.h"

namespace privmon {

// What a predicate may read besides the event (filled by the shard): the named account's state,
// the account itself (account.id) and its tenant's settings (in_list).
struct AccountFacts {
  bool privileged = false;
  bool break_glass = false;
  const AccountRef* who = nullptr;
  const TenantSettings* tenant = nullptr;
};

// Whether an account list (break_glass, privileged_accounts, approved.inviters, ...) names `ref`:
// by its object id or UPN, or, for a guest named by its #EXT# UPN (the directory's form: audit
// and registration records), by the home UPN that spells (the address it signs in with, as an
// admin lists a guest; config lists add the home UPN of their #EXT# entries the other way round).
// The string work is for a UPN holding '#' only.
inline bool AccountListed(const absl::flat_hash_set<uint64_t>& set, const AccountRef& ref) {
  if ((ref.id_hash != 0 && set.contains(ref.id_hash)) ||
      (ref.upn_hash != 0 && set.contains(ref.upn_hash))) {
    return true;
  }
  const std::string_view upn = ref.upn.view();
  if (upn.find('#') == std::string_view::npos) return false;
  char buffer[decltype(ref.upn)::capacity()];
  const std::string_view home = parsers::GuestHomeUpn(upn, buffer, sizeof(buffer));
  return !home.empty() && set.contains(HashLower(home));
}

// The tenant's set an `in_list` condition reads (a switch over ListId: no lookup by name).
inline const absl::flat_hash_set<uint64_t>* ListSet(const TenantSettings& t, ListId l) {
  switch (l) {
    case ListId::kPrivilegedRoles:
      return &t.privileged_roles;
    case ListId::kPrivilegedAccounts:
      return &t.privileged_accounts;
    case ListId::kBreakGlass:
      return &t.break_glass;
    case ListId::kPawDevices:
      return &t.paw_devices;
    case ListId::kApprovedInviters:
      return &t.approved_inviters;
    case ListId::kHighValueApps:
      return &t.high_value_apps;
    case ListId::kNone:
      break;
  }
  return nullptr;
}

// The integer a field of `e` holds (`flag`: the AuditFlag bit of Field::kAuditFlag).
// Multi-valued fields (audit.app, account.id) give their first value here (novelty, sequence keys);
// conditions read them all (AnyValue).
inline uint64_t FieldValue(const Event& e, Field field, uint16_t flag, const AccountFacts& facts) {
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
    case Field::kAuditActivityName:  // a renamed activity under any of its names
      return parsers::CanonicalActivityKey(au.activity_hash);
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
    case Field::kAuditMoreFlag:
      return (au.more_flags & flag) != 0;
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
    case Field::kSignInCrossTenant:
      return si.resource_tenant_hash != 0 && si.home_tenant_hash == e.tenant_hash &&
             si.resource_tenant_hash != si.home_tenant_hash;
    case Field::kAuditApp:
      return au.app_hash_count > 0 ? au.app_hashes[0] : 0;
    case Field::kAccountId:
      return facts.who == nullptr      ? 0
             : facts.who->id_hash != 0 ? facts.who->id_hash
                                       : facts.who->upn_hash;
  }
  return 0;
}

// The keys a build before the names were folded gave the value FieldValue reads now (`value`) for
// `field`: a renamed activity's other spellings (audit.activity_name), a legacy protocol's
// spellings and the record's own client app name (signin.client_app_name), the device as spelled
// (signin.device). A novelty rule's state in a checkpoint may hold them: the value is not new when
// one is known. Written to `out`; returns how many (0 for any other field). No allocation.
inline std::size_t FormerFieldValues(const Event& e, Field field, uint64_t value,
                                     std::span<uint64_t> out) {
  const SignInFields& si = e.signin;
  std::size_t n = 0;
  switch (field) {
    case Field::kAuditActivityName:
      return parsers::FormerActivityKeys(e.audit.activity_hash, out);
    case Field::kSignInClientAppName:
      if (si.client_app != ClientApp::kLegacy || out.empty()) return 0;
      out[n++] = si.former_client_app_hash;
      return n + parsers::LegacyProtocolSpellingKeys(value, out.subspan(n));
    case Field::kSignInDevice:
      // A device id's alias is its OS and browser, another device's key (SignInFields).
      if (si.device_alias_hash == 0 || !si.device_id.empty() || out.empty()) return 0;
      out[n++] = si.device_alias_hash;
      return n;
    default:
      return 0;
  }
}

// Whether `pred` holds for one of the field's values: every app target of audit.app, the id or
// the UPN of account.id (absent ones skipped), else the one value FieldValue gives.
template <class Pred>
inline bool AnyValue(const Event& e, const Condition& c, const AccountFacts& facts, Pred pred) {
  if (c.field == Field::kAuditApp) {
    for (uint8_t i = 0; i < e.audit.app_hash_count; ++i) {
      if (pred(e.audit.app_hashes[i])) return true;
    }
    return false;
  }
  if (c.field == Field::kAccountId) {
    if (facts.who == nullptr) return false;
    return (facts.who->id_hash != 0 && pred(facts.who->id_hash)) ||
           (facts.who->upn_hash != 0 && pred(facts.who->upn_hash));
  }
  return pred(FieldValue(e, c.field, c.flag, facts));
}

inline bool Holds(const Condition& c, const Event& e, const AccountFacts& facts) {
  if (c.list != ListId::kNone) {
    const absl::flat_hash_set<uint64_t>* set =
        facts.tenant == nullptr ? nullptr : ListSet(*facts.tenant, c.list);
    if (set == nullptr || set->empty()) return false;  // not configured: nothing to judge by
    // account.id: its id, its UPN, or a guest's home UPN (AccountListed), as the account lists
    // of Resolve match them: an inviter approved by the address it signs in with is the guest the
    // audit record names by its #EXT# UPN.
    const bool in =
        c.field == Field::kAccountId
            ? facts.who != nullptr && AccountListed(*set, *facts.who)
            : AnyValue(e, c, facts, [set](uint64_t v) { return v != 0 && set->contains(v); });
    return in != c.negate;
  }
  const bool in = AnyValue(e, c, facts, [&c](uint64_t v) {
    bool any = false;
    for (uint8_t i = 0; i < c.count; ++i) any |= c.values[i] == v;
    return any;
  });
  return in != c.negate;
}

inline bool HoldsAll(const std::vector<Condition>& all, const Event& e, const AccountFacts& facts) {
  for (const Condition& c : all) {
    if (!Holds(c, e, facts)) return false;
  }
  return true;
}

inline bool Matches(const Predicate& p, const Event& e, const AccountFacts& facts) {
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
