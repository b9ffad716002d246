// IP address text -> 16 bytes (IPv4 mapped to ::ffff:a.b.c.d). Accepts dotted-quad IPv4 and RFC
// 4291 IPv6 text (with "::" and an embedded IPv4 tail); anything else (CIDR, "<null>", bogus forms,
// octets with a leading zero such as "010.1.1.1") is unparseable. privmon's one IP parser: events
// and the config's IP ranges (config/scalars.cc) read addresses alike. Pure, no allocation, O(len).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace privmon::parsers {

// Returns 4 or 6 and fills `out`, or 0 when `text` is not an IP address.
uint8_t ParseIpAddress(std::string_view text, std::array<uint8_t, 16>& out);

// An address as a record may write it: also with a port ("203.0.113.9:50432", "[2001:db8::7]:443"),
// in brackets ("[2001:db8::7]") or with an IPv6 zone ("fe80::1%eth0"); the address is the same
// place with or without them. The config's ranges are read by ParseIpAddress alone.
uint8_t ParseRecordIpAddress(std::string_view text, std::array<uint8_t, 16>& out);

}  // namespace privmon::parsers
