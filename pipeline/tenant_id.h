// What a transport may name as a message's tenant: a framed line's "<tenant>\t", a ZeroMQ tenant
// frame, a Kafka `tenant` header or key, a source's `tenant:`, `scan --tenant`, `replay --tenant`.
// Entra tenant ids are GUIDs; a name there ("contoso", a typo) would make a tenant whose records
// no `tenants:` entry matches (its lists never apply), so every entry point refuses it as
// `tenants:` does (config/lint.cc). The accepted forms are those `tenants:` accepts: any case, the
// braces of the registry form "{GUID}", the dashes left out; parsers::CanonicalId spells each the
// one way records and config compare. Pure; O(length), no allocation; any thread.
#pragma once

#include <string_view>

#include "parsers/text_util.h"

namespace privmon {

inline bool IsTenantId(std::string_view text) {
  return parsers::IsGuidText(text) || parsers::IsDashlessGuidText(text);
}

// The reason a message whose transport names a tenant that is no GUID is rejected (bad_frames).
inline constexpr const char* kTenantFrameNotGuid =
    "the tenant frame is not a tenant id: an Entra tenant id is a GUID, "
    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (a framed line's \"<tenant>\\t\", a ZeroMQ first frame, "
    "a Kafka tenant header or key)";

// The message `privmon check`, the config loader and the command line give for such an id.
inline constexpr std::string_view kTenantIdHint =
    "a tenant id is the Entra tenant's GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx; braces and "
    "upper case are accepted)";

}  // namespace privmon
