// `privmon check CONFIG`: validates a config file and explains it. Prints
// "OK: <file>: N tenants, M rules enabled" and the notes to `out`, or each error to `err`.
// Returns the process exit code: 0 valid, 2 invalid or unreadable. Never throws.
#pragma once

#include <ostream>
#include <string>

namespace privmon {

int RunCheck(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace privmon
