#include "parsers/ip_address.h"

namespace privmon::parsers {
namespace {

bool ParseIpv4(std::string_view s, uint8_t* out) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size()) return false;
    int value = 0, digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      if (++digits > 3 || value > 255) return false;
      ++i;
    }
    // "010" would be 10 here and 8 to inet_aton: an ambiguous octet is no address (as inet_pton).
    if (digits == 0 || (digits > 1 && s[i - digits] == '0')) return false;
    out[part++] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseIpv6(std::string_view s, std::array<uint8_t, 16>& out) {
  uint16_t groups[8] = {};
  int count = 0;
  int gap = -1;  // index in groups where "::" sits
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  bool tail_v4 = false;
  while (i < s.size()) {
    if (count >= 8) return false;
    // An embedded IPv4 tail takes two groups.
    const std::size_t next_colon = s.find(':', i);
    const std::string_view token =
        s.substr(i, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - i);
    if (next_colon == std::string_view::npos && token.find('.') != std::string_view::npos) {
      uint8_t v4[4];
      if (count > 6 || !ParseIpv4(token, v4)) return false;
      groups[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      tail_v4 = true;
      break;
    }
    if (token.empty() || token.size() > 4) return false;
    uint16_t value = 0;
    for (char c : token) {
      const int h = HexValue(c);
      if (h < 0) return false;
      value = static_cast<uint16_t>(value << 4 | h);
    }
    groups[count++] = value;
    i += token.size();
    if (i == s.size()) break;
    ++i;  // the ':'
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = count;
      ++i;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  (void)tail_v4;
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count > 7) return false;
  uint16_t full[8] = {};
  if (gap < 0) {
    for (int k = 0; k < 8; ++k) full[k] = groups[k];
  } else {
    const int tail = count - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xFF);
  }
  return true;
}

}  // namespace

uint8_t ParseIpAddress(std::string_view text, std::array<uint8_t, 16>& out) {
  std::array<uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    bytes[10] = 0xFF;
    bytes[11] = 0xFF;
    if (!ParseIpv4(text, bytes.data() + 12)) return 0;
    out = bytes;
    return 4;
  }
  if (!ParseIpv6(text, bytes)) return 0;
  out = bytes;
  return 6;
}

uint8_t ParseRecordIpAddress(std::string_view text, std::array<uint8_t, 16>& out) {
  if (!text.empty() && text.front() == '[') {
    // "[v6]" or "[v6]:port"
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return 0;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return 0;
    text = text.substr(1, close - 1);
  } else if (const std::size_t colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos &&
             text.substr(0, colon).find('.') != std::string_view::npos) {
    text = text.substr(0, colon);  // "a.b.c.d:port": one colon, after a dotted quad
  }
  if (const std::size_t zone = text.find('%');
      zone != std::string_view::npos && text.find(':') != std::string_view::npos) {
    text = text.substr(0, zone);
  }
  return ParseIpAddress(text, out);
}

}  // namespace privmon::parsers
