// The legacy authentication clients of the sign-in log's clientAppUsed (RULES.md PRIV-SI-13), by
// protocol: one protocol is spelled several ways by the exports ("IMAP4" in the sign-in log's
// filter, "IMAP" in Graph's documentation and the guide, "Other clients; IMAP" in older records;
// "Exchange ActiveSync" / "Exchange Active Sync" / "Exchange ActiveSync (Supported)"), compared
// ignoring case and spaces. A protocol is learned by one key (LegacyProtocolKey), whatever the
// spelling of the sign-in that taught it. Pure functions over one constant table: no allocation,
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/event.h"

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

// A client app name as the sign-in rules read it, from one pass over the table.
struct ClientAppClass {
  ClientApp app = ClientApp::kUnknown;  // kUnknown: no name; kLegacy: a protocol below
  LegacyProtocol protocol = LegacyProtocol::kNone;
  uint64_t protocol_key = 0;  // LegacyProtocolKey(protocol): 0 for kNone and kUnlisted
};

// Classifies `client_app` (clientAppUsed; surrounding spaces ignored): modern, legacy and which
// protocol, or unknown when empty. At most one compare per spelling starting with its letter.
ClientAppClass ClassifyClientApp(std::string_view client_app);

// The key a protocol is learned by: HashLower of the sign-in log's own name for it ("IMAP4",
// "POP3", "Authenticated SMTP", "Exchange ActiveSync", ...), the key its commonest spelling had
// before; 0 for kNone and kUnlisted (keyed by their own name).
uint64_t LegacyProtocolKey(LegacyProtocol protocol);

// The keys a build before this one learned `key`'s protocol under (HashLower of each spelling in
// the table, its own key included), written to `out`; returns how many. None for a key that is no
// protocol's.
std::size_t LegacyProtocolSpellingKeys(uint64_t key, std::span<uint64_t> out);

}  // namespace privmon::parsers
