#include "sinks/alert_message.h"

#include <algorithm>

#include "core/json_writer.h"
#include "sinks/alert_details_json.h"

namespace privmon {

void AppendAlertMessage(const Alert& a, std::string& out) {
  out.push_back('"');
  AppendJsonEscaped(GetRuleInfo(a.rule).name, out);
  const std::string_view account = a.upn().empty() ? a.account_id.view() : a.upn();
  if (!account.empty()) {  // PRIV-OP-01 names a tenant only
    out.append(": ");
    AppendJsonEscaped(account, out);
  }
  out.append(" in ");
  AppendJsonEscaped(a.tenant_name.empty() ? a.tenant_id.view() : a.tenant_name.view(), out);
  if (a.count > 1) {
    out.append(", ");
    AppendJsonUint(a.count, out);
    out.append(" events");
  }
  const std::size_t n = std::min<std::size_t>(a.detail_count, Alert::kMaxDetails);
  for (std::size_t i = 0; i < n; ++i) {
    if (IsRepeatedDetail(a, i)) continue;  // as in the details object
    out.append(i == 0 ? " (" : ", ");
    AppendJsonEscaped(a.details[i].key, out);
    out.push_back('=');
    AppendJsonEscaped(a.details[i].value.view(), out);
  }
  if (n != 0) out.push_back(')');
  out.push_back('"');
}

}  // namespace privmon
