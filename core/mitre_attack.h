// MITRE ATT&CK (Enterprise) vocabulary the rule catalogue refers to: technique and sub-technique
// ids with their names, and the tactics. Alerts carry the ids (native "attack" list); the OCSF
// format also writes the names. Compile-time data, read-only, safe from any thread; lookups are
// linear scans over a few dozen entries, done on the sink thread only.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace privmon {

struct AttackTechnique {
  std::string_view id;    // "T1078" or "T1078.004"
  std::string_view name;  // the technique's, or the sub-technique's own name ("Cloud Accounts")
};

struct AttackTactic {
  std::string_view id;  // "TA0003"
  std::string_view name;
};

// Every technique a rule names, and the parent of every sub-technique.
inline constexpr std::array<AttackTechnique, 23> kAttackTechniques = {{
    {"T1070", "Indicator Removal"},
    {"T1078", "Valid Accounts"},
    {"T1078.002", "Domain Accounts"},
    {"T1078.004", "Cloud Accounts"},
    {"T1098", "Account Manipulation"},
    {"T1098.001", "Additional Cloud Credentials"},
    {"T1098.003", "Additional Cloud Roles"},
    {"T1098.005", "Device Registration"},
    {"T1110", "Brute Force"},
    {"T1110.001", "Password Guessing"},
    {"T1136", "Create Account"},
    {"T1136.003", "Cloud Account"},
    {"T1484", "Domain or Tenant Policy Modification"},
    {"T1531", "Account Access Removal"},
    {"T1548", "Abuse Elevation Control Mechanism"},
    {"T1548.005", "Temporary Elevated Cloud Access"},
    {"T1556", "Modify Authentication Process"},
    {"T1556.006", "Multi-Factor Authentication"},
    {"T1556.009", "Conditional Access Policies"},
    {"T1562", "Impair Defenses"},
    {"T1562.001", "Disable or Modify Tools"},
    {"T1562.008", "Disable or Modify Cloud Logs"},
    {"T1621", "Multi-Factor Authentication Request Generation"},
}};

inline constexpr AttackTactic kInitialAccess{"TA0001", "Initial Access"};
inline constexpr AttackTactic kPersistence{"TA0003", "Persistence"};
inline constexpr AttackTactic kPrivilegeEscalation{"TA0004", "Privilege Escalation"};
inline constexpr AttackTactic kDefenseEvasion{"TA0005", "Defense Evasion"};
inline constexpr AttackTactic kCredentialAccess{"TA0006", "Credential Access"};
inline constexpr AttackTactic kImpact{"TA0040", "Impact"};

// "T1234" or "T1234.567": a 'T', four digits, optionally a dot and three digits.
constexpr bool IsWellFormedTechniqueId(std::string_view id) {
  const auto digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (id.size() != 5 && id.size() != 9) return false;
  if (id[0] != 'T' || !digits(id.substr(1, 4))) return false;
  return id.size() == 5 || (id[5] == '.' && digits(id.substr(6)));
}

constexpr std::optional<AttackTechnique> FindTechnique(std::string_view id) {
  for (const auto& t : kAttackTechniques) {
    if (t.id == id) return t;
  }
  return std::nullopt;
}

// "T1078.004" -> "T1078"; a technique id is its own parent.
constexpr std::string_view ParentTechniqueId(std::string_view id) { return id.substr(0, 5); }

}  // namespace privmon
