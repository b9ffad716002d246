// Compiles the process-wide sections of the config (everything but defaults and tenants) into
// CompiledConfig fields: pipeline sizing, sources, sinks, metrics endpoint, dead-letter file,
// alert grouping.
// A section given replaces the builtin value; `sources:`/`sinks:` lists replace the builtin lists.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "core/config.h"

namespace privmon::config {

void ReadPipeline(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                  PipelineSettings* out);
void ReadSources(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                 std::vector<SourceSettings>* out);
void ReadSinks(const YAML::Node& node, std::string_view path, Diagnostics& diag,
               std::vector<SinkSettings>* out);
// `kafka:` items of sources and sinks (config/kafka.cc): brokers, topics or topic_regex
// (source), topic (sink), group (source), properties passed to librdkafka and checked by it,
// sasl_password_file. A sink's `format` is read by the caller.
void ReadKafkaSource(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                     SourceSettings* out);
void ReadKafkaSink(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                   SinkSettings* out);
// `format: native|ocsf` of any sink.
void ReadSinkFormat(const YAML::Node& value, std::string_view path, Diagnostics& diag,
                    AlertFormat* out);

// `metrics: {listen}`; an empty, null or `off` listen address disables the endpoint.
void ReadMetrics(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                 std::string* listen);
// `dead_letter: {path, keep_skipped}`; an empty, null or `off` path disables the dead-letter file;
// keep_skipped (default false) also copies records of Entra categories privmon does not read.
void ReadDeadLetter(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                    std::string* file, bool* keep_skipped,
                    std::optional<SinkSettings>* kafka = nullptr);

// `checkpoint: {dir, interval}`: where and how often engine state is checkpointed (default 60s).
void ReadCheckpoint(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                    CheckpointSettings* out);

// `alerts: {incident_span}`: the span of event time over which one account's alerts share an
// incident_key (core/incident_key.h); 0 groups by triggering record only.
void ReadAlerts(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                int64_t* incident_span_s);

// `rule_files: [path, ...]`: custom rules (docs/rules-language.md) after the builtin catalogue.
// Errors inside a rule file name that file and line (file_errors); a custom rule's settings start
// in `defaults` from its file.
void ReadRuleFiles(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                   std::vector<ConfigError>* file_errors, CompiledConfig* out,
                   TenantSettings* defaults);

}  // namespace privmon::config
