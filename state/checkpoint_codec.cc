#include "state/checkpoint_codec.h"

#include <mutex>
#include <set>

namespace privmon {
namespace {

// Detail keys restored from a checkpoint: a handful of distinct literals, kept for the process.
std::string_view Intern(std::string_view key) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> keys;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = keys.find(key);
  if (it == keys.end()) it = keys.emplace(key).first;
  return *it;
}

}  // namespace

void EncodeAlert(std::string& out, const Alert& a) {
  out.append(reinterpret_cast<const char*>(&a), kAlertStoredBytes);
  for (uint8_t i = 0; i < a.detail_count && i < Alert::kMaxDetails; ++i) {
    const std::string_view k = a.details[i].key;
    out.push_back(static_cast<char>(std::min<std::size_t>(k.size(), 255)));
    out.append(k.substr(0, 255));
  }
  // A UPN longer than account_upn holds: a tag byte, its length and its bytes, after the keys (an
  // alert is the last thing of its record; a file without them reads as before).
  if (!a.account_upn_whole.empty()) {
    out.push_back(static_cast<char>(kAlertWholeUpnTag));
    out.push_back(static_cast<char>(a.account_upn_whole.size()));
    out.append(a.account_upn_whole.view());
  }
}

bool DecodeAlert(std::string_view& in, Alert* a) {
  if (in.size() < kAlertStoredBytes) return false;
  *a = Alert{};
  std::memcpy(static_cast<void*>(a), in.data(), kAlertStoredBytes);
  in.remove_prefix(kAlertStoredBytes);
  if (a->detail_count > Alert::kMaxDetails || a->evidence_count > Alert::kMaxEvidence) return false;
  // Values no build writes (checkpoint_codec.h, Plausible): refused, not loaded.
  if (static_cast<std::size_t>(a->rule) >= kMaxRules || a->severity > Severity::kHigh ||
      !ByteIsBool(a->update) || !Plausible(a->tenant_id) || !Plausible(a->tenant_name) ||
      !Plausible(a->account_id) || !Plausible(a->account_upn)) {
    return false;
  }
  for (uint8_t i = 0; i < a->evidence_count; ++i) {
    const Evidence& e = a->evidence[i];
    if (e.kind >= EventKind::kCount || !Plausible(e.record_id)) return false;
  }
  for (uint8_t i = 0; i < a->detail_count; ++i) {
    const AlertDetail& d = a->details[i];
    if (d.type > DetailType::kBool || !Plausible(d.value)) return false;
  }
  for (uint8_t i = 0; i < Alert::kMaxDetails; ++i) {
    if (i >= a->detail_count) {
      a->details[i].key = {};
      continue;
    }
    if (in.empty()) return false;
    const std::size_t len = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    if (in.size() < len) return false;
    a->details[i].key = Intern(in.substr(0, len));
    in.remove_prefix(len);
  }
  if (!in.empty() && static_cast<uint8_t>(in[0]) == kAlertWholeUpnTag) {
    if (in.size() < 2) return false;
    const std::size_t len = static_cast<uint8_t>(in[1]);
    if (len > decltype(Alert::account_upn_whole)::capacity() || in.size() < 2 + len) return false;
    a->account_upn_whole.assign(in.substr(2, len));
    in.remove_prefix(2 + len);
    if (!Plausible(a->account_upn_whole)) return false;
  }
  return true;
}

}  // namespace privmon
