// Alert: what a detector raises, as a fixed-size value that travels from a shard to the sink
// thread through an SPSC queue (formatting to JSON happens in sinks/, off the shard thread).
// alert_id is a stable hash of (rule code, tenant, account, event-time facts), so a replay yields
// the same ids (docs/operations.md "Alert ids").
// Details are typed (string, number, boolean) so the sinks write numbers as JSON numbers.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "core/event.h"
#include "core/fixed_string.h"
#include "core/rule_catalog.h"

namespace privmon {

struct Evidence {
  EventKind kind = EventKind::kSignIn;
  EventTime time = 0;
  FixedString<80> record_id;
};

enum class DetailType : uint8_t { kString, kNumber, kBool };

struct AlertDetail {
  std::string_view key;  // always a string literal
  DetailType type = DetailType::kString;
  FixedString<96> value;  // the text; decimal digits for a number; "true"/"false" for a boolean
};

struct Alert {
  static constexpr std::size_t kMaxEvidence = 4;
  static constexpr std::size_t kMaxDetails = 4;

  RuleId rule = RuleId::kBG01;
  Severity severity = Severity::kHigh;
  uint64_t alert_id = 0;
  uint64_t tenant_hash = 0;
  FixedString<40> tenant_id;
  FixedString<64> tenant_name;  // the tenant's configured `name`, empty when it has none
  FixedString<40> account_id;
  // The UPN as a checkpoint stores it: up to 96 bytes. upn() reads it whole (account_upn_whole).
  FixedString<96> account_upn;
  EventTime time = 0;  // event time of the event that completed the rule
  EventTime first_seen = 0;
  EventTime last_seen = 0;
  uint32_t count = 1;
  bool update = false;        // the final count of a suppression bucket's repeats (same alert_id)
  uint64_t incident_key = 0;  // core/incident_key.h
  int64_t received_ns = 0;    // receipt of the completing event, for latency
  uint8_t evidence_count = 0;
  uint8_t detail_count = 0;
  std::array<Evidence, kMaxEvidence> evidence{};
  std::array<AlertDetail, kMaxDetails> details{};
  // The UPN whole where it is longer than account_upn holds (Entra ID allows 113 characters, and
  // a guest's #EXT# UPN spells its whole address before the tenant's domain); empty otherwise.
  // Last, so a checkpoint keeps the members before it byte for byte as before and this one after
  // the detail keys (state/checkpoint_codec.cc).
  FixedString<kEventUpnCapacity> account_upn_whole;

  // The account's UPN, whole (what sinks write).
  std::string_view upn() const {
    return account_upn_whole.empty() ? account_upn.view() : account_upn_whole.view();
  }
  void SetUpn(std::string_view upn) {
    account_upn.assign(upn);
    if (account_upn.truncated()) {
      account_upn_whole.assign(upn);
    } else {
      account_upn_whole.clear();
    }
  }

  void AddEvidence(const Event& e) {
    if (evidence_count == kMaxEvidence) return;
    auto& ev = evidence[evidence_count++];
    ev.kind = e.kind;
    ev.time = e.time;
    ev.record_id = e.record_id;
  }
  void AddDetail(std::string_view key, std::string_view value) {
    if (detail_count == kMaxDetails || value.empty()) return;
    details[detail_count].key = key;
    details[detail_count].type = DetailType::kString;
    details[detail_count].value.assign(value);
    ++detail_count;
  }
  // Named apart from AddDetail: a string literal would otherwise convert to bool.
  void AddNumber(std::string_view key, int64_t value) {
    if (detail_count == kMaxDetails) return;
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), value);
    details[detail_count].key = key;
    details[detail_count].type = DetailType::kNumber;
    details[detail_count].value.assign(
        std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    ++detail_count;
  }
  void AddFlag(std::string_view key, bool value) {
    if (detail_count == kMaxDetails) return;
    details[detail_count].key = key;
    details[detail_count].type = DetailType::kBool;
    details[detail_count].value.assign(value ? "true" : "false");
    ++detail_count;
  }
};

}  // namespace privmon
