// Pack / Unpack of the shard queue's PackedEvent (pipeline/packed_event.h).
#include "pipeline/packed_event.h"

#include <cstring>
#include <string_view>

namespace privmon {

// A field added to Event must be carried here (Pack, UnpackFixed, ForEachPackedString) and in
// tests/pipeline/packed_event_test.cc (its Fill and ExpectSameEvent): this fails until then.
static_assert(sizeof(Event) == 1400, "Event changed: update pipeline/packed_event.cc");

namespace {

enum PackedBool : uint8_t {
  kPackedFraudReported = 1 << 0,
  kPackedDeviceCompliant = 1 << 1,
  kPackedDeviceManaged = 1 << 2,
  kPackedGuest = 1 << 3,
  kPackedMfaRegistered = 1 << 4,
  kPackedAdmin = 1 << 5,
  kPackedElevateAccess = 1 << 6,
  kPackedAdminStated = 1 << 7,
};

// The capacities, in the order above, sum to kMaxPackedStringBytes.
constexpr std::size_t CapacitySum() {
  Event e;
  std::size_t sum = 0;
  ForEachPackedString(e, [&](const auto& s) { sum += s.capacity(); });
  return sum;
}
static_assert(CapacitySum() == kMaxPackedStringBytes);

// Zeros for the bytes a shorter string leaves behind (every FixedString capacity is < 256).
constexpr char kZeros[256] = {};

// Sets `s` to the `len` bytes at `bytes` and `truncated` (FixedString::assign cuts a longer input
// at a character boundary, so a truncated string may keep fewer than N bytes). The bytes past the
// old length are zeroed first: a parser's Event has zeros past each string (Event{}), and the state
// that copies a FixedString whole (PrivilegedState, checkpointed raw) must not pick up another
// event's bytes from the shard's reused scratch Event.
template <std::size_t N>
void RestorePackedString(FixedString<N>& s, const char* bytes, std::size_t len, bool truncated) {
  if (s.size() > len) s.assign(std::string_view(kZeros, s.size()));
  s.assign(std::string_view(bytes, len));
  s.set_truncated(truncated);
}

// memcpy of n bytes (a string: n < 256) without a library call: overlapping moves of 16, 8, 4 or
// 1 bytes, all within both ranges.
inline void CopyString(char* dst, const char* src, std::size_t n) {
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n != 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

}  // namespace

std::size_t PackedStringBytes(const Event& e) {
  std::size_t n = 0;
  ForEachPackedString(e, [&](const auto& s) { n += s.size(); });
  return n;
}

void Pack(const Event& e, uint8_t roles, char* strings, PackedEvent* out) {
  PackedEvent& p = *out;
  p.time = e.time;
  p.received_ns = e.received_ns;
  p.sequence = e.sequence;
  p.fingerprint = e.fingerprint;
  p.content_key = e.content_key;
  p.expanded_row = e.expanded_row ? 1 : 0;
  p.tenant_hash = e.tenant_hash;
  p.account_key = e.account.key;
  p.account_id_hash = e.account.id_hash;
  p.account_upn_hash = e.account.upn_hash;
  p.actor_key = e.actor.key;
  p.actor_id_hash = e.actor.id_hash;
  p.actor_upn_hash = e.actor.upn_hash;
  const SignInFields& si = e.signin;
  p.client_app_hash = si.client_app_hash;
  p.device_hash = si.device_hash;
  // An audit record has no sign-in location: the slot carries its custom role's id instead (a
  // PackedEvent has no 8 bytes to spare).
  p.location_hash = e.kind == EventKind::kAudit ? e.audit.role_id_hash : si.location_hash;
  p.home_tenant_hash = si.home_tenant_hash;
  p.resource_tenant_hash = si.resource_tenant_hash;
  const AuditFields& au = e.audit;
  // A sign-in has no activity or role: the slots carry its device's alias and its client app's
  // former key.
  const bool signin = e.kind == EventKind::kSignIn;
  p.activity_hash = signin ? si.device_alias_hash : au.activity_hash;
  p.role_hash = signin ? si.former_client_app_hash : au.role_hash;
  p.app_hashes = au.app_hashes;
  p.ip = si.ip;
  // An audit has no error code: the slot carries PIM's schedule start.
  p.error_code = e.kind == EventKind::kAudit ? static_cast<int32_t>(e.pim_start) : si.error_code;
  p.event_id = e.security.event_id;
  p.audit_flags = au.flags;
  p.kind = e.kind;
  p.format = e.format;
  p.source_index = e.source_index;
  p.roles = roles;
  p.principal = si.principal;
  p.channel = si.channel;
  p.ca_status = si.ca_status;
  p.risk_state = si.risk_state;
  p.risk_during = si.risk_during;
  p.risk_aggregated = si.risk_aggregated;
  p.client_app = si.client_app;
  p.ip_family = si.ip_family;
  std::memcpy(p.country, si.country, sizeof p.country);
  p.activity = au.activity;
  p.category = au.category;
  p.service = au.service;
  p.eligible_name = au.eligible_name;
  p.unit_scoped = static_cast<uint8_t>((au.unit_scoped ? 1 : 0) | ((au.more_flags & 0x3f) << 1) |
                                       (si.device_unstated ? 0x80 : 0));
  p.app_hash_count = au.app_hash_count;
  p.bools = static_cast<uint8_t>((si.fraud_reported ? kPackedFraudReported : 0) |
                                 (si.device_compliant ? kPackedDeviceCompliant : 0) |
                                 (si.device_managed ? kPackedDeviceManaged : 0) |
                                 (si.guest ? kPackedGuest : 0) |
                                 (e.registration.is_mfa_registered ? kPackedMfaRegistered : 0) |
                                 (e.registration.is_admin ? kPackedAdmin : 0) |
                                 (e.registration.is_admin_stated ? kPackedAdminStated : 0) |
                                 (e.elevate_access ? kPackedElevateAccess : 0));
  std::size_t i = 0, at = 0;
  uint16_t truncated = 0;
  ForEachPackedString(e, [&](const auto& s) {
    const std::size_t n = s.size();
    p.lengths[i] = static_cast<uint8_t>(n);
    if (s.truncated()) truncated = static_cast<uint16_t>(truncated | (1u << i));
    CopyString(strings + at, s.view().data(), n);
    at += n;
    ++i;
  });
  p.truncated = truncated;
  p.string_bytes = static_cast<uint16_t>(at);
}

const PackedEvent& EmptyPackedEvent() {
  static const PackedEvent empty = [] {
    PackedEvent p;
    char none = 0;
    Pack(Event{}, 0, &none, &p);
    p.arena_end = 0;
    return p;
  }();
  return empty;
}

void UnpackFixed(const PackedEvent& p, Event* out) {
  Event& e = *out;
  e.kind = p.kind;
  e.format = p.format;
  e.source_index = p.source_index;
  e.time = p.time;
  e.received_ns = p.received_ns;
  e.sequence = p.sequence;
  e.fingerprint = p.fingerprint;
  e.content_key = p.content_key;
  e.expanded_row = p.expanded_row != 0;
  e.tenant_hash = p.tenant_hash;
  e.account.key = p.account_key;
  e.account.id_hash = p.account_id_hash;
  e.account.upn_hash = p.account_upn_hash;
  e.actor.key = p.actor_key;
  e.actor.id_hash = p.actor_id_hash;
  e.actor.upn_hash = p.actor_upn_hash;
  SignInFields& si = e.signin;
  const bool audit = p.kind == EventKind::kAudit;
  si.error_code = audit ? 0 : p.error_code;
  e.pim_start = audit ? static_cast<uint32_t>(p.error_code) : 0;
  si.principal = p.principal;
  si.channel = p.channel;
  si.ca_status = p.ca_status;
  si.risk_state = p.risk_state;
  si.risk_during = p.risk_during;
  si.risk_aggregated = p.risk_aggregated;
  si.client_app = p.client_app;
  si.fraud_reported = (p.bools & kPackedFraudReported) != 0;
  si.device_compliant = (p.bools & kPackedDeviceCompliant) != 0;
  si.device_managed = (p.bools & kPackedDeviceManaged) != 0;
  si.guest = (p.bools & kPackedGuest) != 0;
  si.device_unstated = (p.unit_scoped & 0x80) != 0;
  si.client_app_hash = p.client_app_hash;
  si.device_hash = p.device_hash;
  si.location_hash = p.kind == EventKind::kAudit ? 0 : p.location_hash;
  si.home_tenant_hash = p.home_tenant_hash;
  si.resource_tenant_hash = p.resource_tenant_hash;
  si.ip = p.ip;
  si.ip_family = p.ip_family;
  std::memcpy(si.country, p.country, sizeof si.country);
  AuditFields& au = e.audit;
  au.activity = p.activity;
  au.category = p.category;
  au.service = p.service;
  au.eligible_name = p.eligible_name;
  au.unit_scoped = (p.unit_scoped & 1) != 0;
  au.more_flags = static_cast<uint8_t>((p.unit_scoped >> 1) & 0x3f);
  au.flags = p.audit_flags;
  const bool signin = p.kind == EventKind::kSignIn;
  si.device_alias_hash = signin ? p.activity_hash : 0;
  si.former_client_app_hash = signin ? p.role_hash : 0;
  au.activity_hash = signin ? 0 : p.activity_hash;
  au.role_hash = signin ? 0 : p.role_hash;
  au.role_id_hash = p.kind == EventKind::kAudit ? p.location_hash : 0;
  au.app_hashes = p.app_hashes;
  au.app_hash_count = p.app_hash_count;
  e.registration.is_mfa_registered = (p.bools & kPackedMfaRegistered) != 0;
  e.registration.is_admin = (p.bools & kPackedAdmin) != 0;
  e.registration.is_admin_stated = (p.bools & kPackedAdminStated) != 0;
  e.security.event_id = p.event_id;
  e.elevate_access = (p.bools & kPackedElevateAccess) != 0;
}

void Unpack(const PackedEvent& p, const char* strings, Event* out) {
  UnpackFixed(p, out);
  std::size_t i = 0, at = 0;
  ForEachPackedString(*out, [&](auto& s) {
    const std::size_t n = p.lengths[i];
    RestorePackedString(s, strings + at, n, (p.truncated >> i & 1u) != 0);
    at += n;
    ++i;
  });
}

}  // namespace privmon
