// The legacy authentication clients of the sign-in log's clientAppUsed (RULES.md PRIV-SI-13), by
// protocol: one protocol is spelled several ways by the exports ("IMAP4" in the sign-in log's
// filter, "IMAP" in Graph's documentation and the guide, "Other clients; IMAP" in older records;
// "Exchange ActiveSync" / "Exchange Active Sync" / "Exchange ActiveSync (Supported)"), compared
// ignoring case and spaces. A protocol is learned by one key (LegacyProtocolKey), whatever the
// spelling of the sign-in that taught it. Pure functions over constant tables: no allocation,
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace privmon::parsers {

enum class LegacyProtocol : uint8_t {
  kNone,  // not a legacy client (or no name)
  kOtherClients,
  kImap,
  kPop,
  kSmtp,
  kMapi,
  kOlderOfficeClients,
  kExchangeActiveSync,
  kExchangeWebServices,
  kAutoDiscover,
  kExchangeOnlinePowerShell,
  kOutlookAnywhere,
  kOfflineAddressBook,
  kReportingWebServices,
  kOutlookService,
  kUnlisted,  // "Other clients; <a protocol no table here names>": legacy, keyed by its name
};

// The protocol `client_app` (clientAppUsed, trimmed) names; kNone for a modern client or none.
LegacyProtocol FindLegacyProtocol(std::string_view client_app);

// The key a protocol is learned by: HashLower of the sign-in log's own name for it ("IMAP4",
// "POP3", "Authenticated SMTP", "Exchange ActiveSync", ...), the key its commonest spelling had
// before; 0 for kNone and kUnlisted (keyed by their own name).
uint64_t LegacyProtocolKey(LegacyProtocol protocol);

// The keys a build before this one learned `key`'s protocol under (HashLower of each spelling in
// the table, its own key included), written to `out`; returns how many. None for a key that is no
// protocol's.
std::size_t LegacyProtocolSpellingKeys(uint64_t key, std::span<uint64_t> out);

}  // namespace privmon::parsers
