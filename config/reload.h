// What a SIGHUP reload can change in a running process: tenants, defaults and rule settings take
// effect at once; the sections that shape threads, sockets and clocks (sources, sinks, metrics,
// dead_letter, checkpoint, pipeline sizing, lateness, message limit, idle timeout, future skew)
// are read at start-up only. SectionsNeedingRestart names those that differ, so the operator is
// told instead of believing they were applied; KeepStartupSections gives the config to publish:
// the new one with those sections as running, so no part applies half a change. Cheap (one copy
// of the config); any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"

namespace privmon {

std::vector<std::string> SectionsNeedingRestart(const CompiledConfig& running,
                                                const CompiledConfig& next);

std::shared_ptr<const CompiledConfig> KeepStartupSections(const CompiledConfig& running,
                                                          const CompiledConfig& next);

}  // namespace privmon
