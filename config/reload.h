// What a SIGHUP reload can change in a running process: tenants, defaults and rule settings take
// effect at once; the sections that shape threads and sockets (sources, sinks, metrics,
// dead_letter, pipeline sizing) are read at start-up only. SectionsNeedingRestart names those that
// differ, so the operator is told instead of believing they were applied. Cheap; any thread.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace privmon {

std::vector<std::string> SectionsNeedingRestart(const CompiledConfig& running,
                                                const CompiledConfig& next);

}  // namespace privmon
