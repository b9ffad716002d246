// One record-to-be of `privmon gen`, before it is rendered in a format: what happened, to whom,
// when, from where. Plain 48-byte value; the renderers (render.h) turn it into JSON text.
#pragma once

#include <cstdint>

#include "core/event_time.h"

namespace privmon {

enum class GenFormat : uint8_t { kDiag, kGraph, kLa };
enum class GenKind : uint8_t { kSignIn, kAudit, kRegistration };
enum class GenActivity : uint8_t {
  kUpdateUser,
  kAddMemberToRole,  // Core Directory, direct assignment
  kPimActivation,    // "Add member to role completed (PIM activation)"
  kUpdateDevice,
  kAddUser,
  kPimExpired,     // "Remove member from role completed (PIM activation expired)"
  kPimDeactivate,  // "Remove member from role completed (PIM deactivate)": ended early
};

// The activations of PIM and their ends render the same Role, Request and User targets.
inline bool IsPimActivity(GenActivity a) {
  return a == GenActivity::kPimActivation || a == GenActivity::kPimExpired ||
         a == GenActivity::kPimDeactivate;
}
enum class GenClient : uint8_t { kBrowser, kMobileDesktop, kImap4 };

inline constexpr uint32_t kNoAccount = UINT32_MAX;
inline constexpr uint32_t kNoScenario = UINT32_MAX;
inline constexpr uint8_t kNewDevice = 255;  // a device the account never used (from rnd)
inline constexpr uint8_t kHomePlace = 255;  // else an index into GenWorld::foreign_places()

struct GenEvent {
  EventTime time = 0;             // event time
  EventTime order = 0;            // emission sort key: time plus jitter (< 2 min)
  uint64_t rnd = 0;               // per-record entropy: ids, minor values
  uint32_t account = kNoAccount;  // sign-in user, audit actor (kNoAccount: an app), registrant
  uint32_t target = kNoAccount;   // audit target user (kNoAccount: derived from scenario)
  uint32_t scenario = kNoScenario;
  int32_t error_code = 0;
  GenKind kind = GenKind::kSignIn;
  GenFormat format = GenFormat::kDiag;
  GenActivity activity = GenActivity::kUpdateUser;
  GenClient client = GenClient::kBrowser;
  uint8_t device = 0;  // index into the account's devices, or kNewDevice
  uint8_t place = kHomePlace;
  uint8_t app = 0;
  uint8_t role = 0;  // privileged role index (or plain role index for benign role adds)
  bool interactive = true;
  bool risky = false;
  bool plain_role = false;
};

}  // namespace privmon
