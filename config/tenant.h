// Compiles the per-tenant part of the config: a `defaults:` map or one `tenants."<id>":` map is
// overlaid onto a TenantSettings that already holds what it inherits (builtin defaults, or the
// compiled defaults for a tenant). Keys absent from the map keep the inherited value; a list
// given replaces the inherited list. Errors go to `diag`; load time only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

#include "config/diagnostics.h"
#include "core/config.h"

namespace privmon::config {

// `is_defaults` rejects `name`, which only a tenant can have.
void OverlayTenant(const YAML::Node& node, std::string_view path, bool is_defaults,
                   Diagnostics& diag, TenantSettings* tenant);

// `rules: {PRIV-XX-NN: {enabled, threshold, window, suppress, severity}}`.
void OverlayRules(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                  TenantSettings* tenant);

// `suppression: {period}`: sets every rule's suppress time (rules: entries may override it).
void OverlaySuppression(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                        TenantSettings* tenant);

// `working_hours: {timezone, days, hours}`; null clears them. Returns false on any error.
bool ReadWorkingHours(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                      WorkingHours* out);

// `approved: {countries, ip_ranges, inviters, require_managed_device}`.
void OverlayApproved(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                     TenantSettings* tenant);

}  // namespace privmon::config
