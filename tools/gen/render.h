// Renders a GenEvent as one NDJSON record (no newline) in its format, appending to out. Field
// names are exactly those of the real samples in corpus/ (see corpus/SCHEMA.md): Azure Monitor
// diagnostic records with `properties`, Graph resources, Log Analytics rows (PascalCase, dynamic
// columns as JSON text). Thread-compatible: a Renderer owns its scratch buffers; O(record size).
#pragma once

#include <string>

#include "tools/gen/event.h"
#include "tools/gen/world.h"

namespace privmon {

class GenRenderer {
 public:
  explicit GenRenderer(const GenWorld& world) : world_(world) {}

  void Render(const GenEvent& e, std::string& out);

  // The UPN / id of the user an attack scenario creates (target kNoAccount).
  std::string NewUserUpn(const GenEvent& e) const;
  std::string NewUserId(const GenEvent& e) const;

 private:
  void SignIn(const GenEvent& e, std::string& out);
  void Audit(const GenEvent& e, std::string& out);
  void Registration(const GenEvent& e, std::string& out);

  const GenWorld& world_;
  std::string scratch_;  // inner JSON of Log Analytics dynamic columns
};

}  // namespace privmon
