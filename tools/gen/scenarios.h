// Attack scenarios `privmon gen` injects for privileged accounts, one per RULES.md threat: each
// becomes a few events (counted in the attack share) plus one truth record naming the scenario,
// the rule it should trip, the tenant, the account and the time. Placed after the learning
// period (day 14, or half-way through shorter runs), well inside a UTC day. Deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/gen/event.h"
#include "tools/gen/traffic.h"
#include "tools/gen/world.h"

namespace privmon {

enum class GenScenario : uint8_t {
  kBadPasswordBurst,
  kNewCountryDevice,
  kBreakGlassSignIn,
  kNewUserGlobalAdmin,
  kPimNonPaw,
  kLockout,
  kRiskySignIn,
  kCaBlock,
  kLegacyProtocol,
};
inline constexpr int kGenScenarioCount = 9;

const char* GenScenarioName(GenScenario s);
const char* GenScenarioRule(GenScenario s);  // the RULES.md id it should trip

struct GenTruth {
  GenScenario scenario;
  uint32_t tenant;
  std::string upn;  // the account the expected alert names
  EventTime time;   // of the record that completes the scenario
  int records;
  EventTime start = 0;  // of the scenario's first record (its alert is raised in [start, time])
  uint32_t account = kNoAccount;  // the attacked account (kNoAccount: a user the attack creates)
  // Whether the rules can raise it when privmon runs on the config `gen --config-out` writes,
  // and if not, why (truth.h); `needs` names the tenant list the rule reads, if any.
  bool raisable = true;
  std::string why_not;
  const char* needs = nullptr;
};

struct GenAttacks {
  std::vector<GenEvent> events;  // unsorted; scenario index in GenEvent::scenario
  std::vector<GenTruth> truth;   // in scenario index order
};

// Builds scenarios until about `records` attack records exist (never more).
GenAttacks GenerateAttacks(const GenWorld& world, const GenFormatPicker& formats, EventTime start,
                           int days, uint64_t records);

}  // namespace privmon
