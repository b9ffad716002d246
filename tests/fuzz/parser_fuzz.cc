// libFuzzer target: arbitrary bytes as one message through RecordParser::Parse. Checks the parser's
// own invariants (every rejection's raw bytes lie inside the message) besides the sanitizers'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parsers/record_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static privmon::RecordParser parser(1u << 20);
  privmon::ParseContext ctx;
  ctx.source_tenant = "fuzz-tenant";
  ctx.multi_tenant = true;  // the source tenant only fills in
  ctx.sequence = 1;
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const privmon::ParseResult& result = parser.Parse(message, ctx);
  for (const privmon::Rejection& r : result.rejections) {
    const bool inside = r.raw.data() >= message.data() &&
                        r.raw.data() + r.raw.size() <= message.data() + message.size();
    if (!inside && !(r.raw.empty() && message.empty())) std::abort();
  }
  for (const privmon::Event& e : result.events) {
    if (e.tenant_hash == 0 || (!e.account.present() && !e.actor.present())) std::abort();
  }
  return 0;
}
