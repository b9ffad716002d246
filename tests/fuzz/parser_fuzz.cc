// libFuzzer target: arbitrary bytes as one message through RecordParser::Parse. Checks the parser's
// own invariants (every rejection's raw bytes lie inside the message, or are a stringified batch
// element's record) besides the sanitizers'. An input "<tenant>TAB<json>" (pipeline/framed_line.h)
// is read as the file source reads such a line: its tenant frame pins the tenant (a single-tenant
// source: tenant_mismatch paths) and the payload is parsed in place, with exactly the padding a
// line buffer guarantees (an over-read past it shows under ASan). Any other input is one message of
// a multi-tenant source, which the parser copies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "parsers/record_parser.h"
#include "pipeline/framed_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static privmon::RecordParser parser(1u << 20);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const privmon::FramedLine framed = privmon::SplitFramedLine(input);
  privmon::ParseContext ctx;
  ctx.source_tenant = "fuzz-tenant";
  ctx.sequence = 1;
  std::string_view message = input;
  std::unique_ptr<char[]> padded;
  if (!framed.tenant.empty()) {
    ctx.frame_tenant = framed.tenant;
    ctx.multi_tenant = false;
    padded.reset(new char[framed.payload.size() + privmon::kParsePadding]);
    if (!framed.payload.empty()) {
      std::memcpy(padded.get(), framed.payload.data(), framed.payload.size());
    }
    std::memset(padded.get() + framed.payload.size(), 'x', privmon::kParsePadding);
    message = std::string_view(padded.get(), framed.payload.size());
    ctx.readable_after = privmon::kParsePadding;
  } else {
    ctx.multi_tenant = true;  // the source tenant only fills in
  }
  const privmon::ParseResult& result = parser.Parse(message, ctx);
  // Every byte a rejection, a skipped record or an event names is read, so the sanitizer sees a
  // view into freed or reused memory.
  unsigned sum = 0;
  auto touch = [&sum](std::string_view v) {
    for (const char c : v) sum += static_cast<unsigned char>(c);
  };
  // A rejection's raw bytes lie inside the message, except a batch element that holds its record
  // as JSON text ({"records":["{\"time\":...}"]}): that record's bytes are the decoded text (a
  // record on its own, as the dead letter keeps it), which starts with '{'.
  auto check_raw = [&](std::string_view raw) {
    touch(raw);
    const bool inside =
        raw.data() >= message.data() && raw.data() + raw.size() <= message.data() + message.size();
    if (inside || (raw.empty() && message.empty())) return;
    if (raw.empty() || raw.front() != '{') std::abort();
  };
  for (const privmon::Rejection& r : result.rejections) {
    check_raw(r.raw);
    touch(r.detail);
  }
  for (const privmon::Skipped& s : result.skipped) check_raw(s.raw);
  for (std::string_view raw : result.event_raw) check_raw(raw);
  // An event names its tenant, and an account unless it is a record naming nobody that privmon
  // accepts as the tenant's (docs/operations.md "Records naming no account"): an audit record, or
  // an Azure Activity record other than an elevation. A sign-in, registration, security event or
  // elevation naming nobody is rejected as no_account.
  for (const privmon::Event& e : result.events) {
    if (e.tenant_hash == 0) std::abort();
    const bool tenants_own = e.kind == privmon::EventKind::kAudit ||
                             (e.kind == privmon::EventKind::kAzureActivity && !e.elevate_access);
    if (!e.account.present() && !e.actor.present() && !tenants_own) std::abort();
  }
  // The sum keeps the reads (an inline asm the optimizer cannot see through).
  asm volatile("" : : "r"(sum) : "memory");
  return 0;
}
