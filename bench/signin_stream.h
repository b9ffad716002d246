// SignInStream: synthetic steady-state user sign-ins over N accounts of one tenant, built directly
// as Events (no JSON), so a benchmark fed by it measures the detection engine alone. Account i has
// a stable key, device, place and client app; events visit the accounts round-robin and event time
// advances a fixed step per event. Admins() makes a stream of isAdmin registrations that promote
// the same accounts to privileged. Single-threaded value type; Next() is O(1) and never allocates.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/event.h"
#include "core/hash.h"

namespace privmon::bench {

inline constexpr std::string_view kBenchTenant = "00000000-0000-4000-8000-00000000beef";

class SignInStream {
 public:
  // Every failure_every-th event is a bad password (50126; 0 = always success), so threshold rules
  // of privileged accounts run too. Event time advances step_us per event.
  explicit SignInStream(uint64_t accounts, uint32_t failure_every = 0,
                        EventTime step_us = kMicrosPerSecond)
      : accounts_(accounts == 0 ? 1 : accounts), failure_every_(failure_every), step_us_(step_us) {
    e_.kind = EventKind::kSignIn;
    e_.format = RecordFormat::kAzureMonitor;
    e_.tenant_hash = HashLower(kBenchTenant);
    e_.tenant_id.assign(kBenchTenant);
    e_.record_id.assign("bench-record-00000000-0000-0000-0000-000000000000");
    e_.account.id.assign("00000000-0000-0000-0000-000000000000");
    e_.account.upn.assign("bench.user@bench.example");
    e_.signin.principal = PrincipalType::kUser;
    e_.signin.client_app = ClientApp::kModern;
    e_.signin.client_app_hash = HashLower("Browser");
    e_.signin.country[0] = 'U';
    e_.signin.country[1] = 'S';
    e_.signin.ip_family = 4;
  }

  // The event for account i at event time t (microseconds); the reference stays valid until the
  // next call.
  const Event& At(uint64_t i, EventTime t) {
    e_.kind = EventKind::kSignIn;
    e_.time = t;
    e_.account.key = Mix64(i + 1);
    e_.account.id_hash = Mix64(i ^ 0x5bd1e995ULL);
    e_.account.upn_hash = Mix64(i ^ 0x27d4eb2fULL);
    e_.signin.device_hash = Mix64(i * 3 + 11);
    e_.signin.location_hash = Mix64(i % 97 + 7);
    e_.signin.error_code =
        failure_every_ != 0 && (count_ % failure_every_) == failure_every_ - 1 ? 50126 : 0;
    ++count_;
    return e_;
  }

  // The next event of the round-robin stream.
  const Event& Next() {
    const uint64_t i = next_account_;
    if (++next_account_ == accounts_) next_account_ = 0;
    time_ += step_us_;
    return At(i, time_);
  }

  // The next event written into `e`, a copy of an event of this stream: only the fields that vary
  // are written (no 1.1 KB copy), so a batch of events costs what Next() does per event.
  void NextInto(Event& e) {
    const Event& n = Next();
    e.kind = n.kind;
    e.time = n.time;
    e.account.key = n.account.key;
    e.account.id_hash = n.account.id_hash;
    e.account.upn_hash = n.account.upn_hash;
    e.signin.device_hash = n.signin.device_hash;
    e.signin.location_hash = n.signin.location_hash;
    e.signin.error_code = n.signin.error_code;
  }
  // The event Next() returned last (the template NextInto's events start from).
  const Event& last() const { return e_; }

  // An isAdmin registration for account i: the engine learns the account as privileged.
  const Event& AdminRegistration(uint64_t i) {
    time_ += step_us_;
    At(i, time_);
    e_.kind = EventKind::kMfaRegistration;
    e_.registration.is_admin = true;
    e_.registration.is_mfa_registered = true;
    return e_;
  }

  uint64_t accounts() const { return accounts_; }
  EventTime time() const { return time_; }

 private:
  uint64_t accounts_;
  uint32_t failure_every_;
  EventTime step_us_;
  uint64_t next_account_ = 0;
  uint64_t count_ = 0;
  EventTime time_ = 1'736'121'600 * kMicrosPerSecond;  // 2025-01-06T00:00:00Z
  Event e_;
};

}  // namespace privmon::bench
