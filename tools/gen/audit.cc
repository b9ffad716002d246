// Audit records (Update user, Add member to role, PIM activation, Update device, Add user) in the
// three formats, and the registration (Graph userRegistrationDetails) record.
#include <array>
#include <string_view>

#include "core/json_writer.h"
#include "tools/gen/json.h"
#include "tools/gen/render.h"

namespace privmon {
namespace {

using namespace genjson;  // NOLINT: a family of tiny writers

// Built-in role template ids, in the order of GenWorld::roles() and GenWorld::plain_roles().
constexpr std::array<const char*, 10> kRoleTemplates = {
    "62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d", "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "29232cdf-9323-42fd-ade2-1d097af3e4de", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "3a2c62db-5318-420d-8d74-23affee5d9d5", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"};
constexpr std::array<const char*, 4> kPlainRoleTemplates = {
    "4a5d8f65-41da-4de4-8968-e035b65339cf", "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "75934031-6c7e-415a-99d7-48dbd49e875e"};
constexpr std::array<const char*, 4> kDepartments = {"Sales", "Marketing", "Finance",
                                                     "Engineering"};
constexpr std::string_view kPowerShellUa =
    "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.17763.1971";

struct AuditView {
  const GenTenant* tenant;
  const GenAccount* actor;   // nullptr: an app
  const GenAccount* target;  // nullptr: see target_upn / target_id
  std::string target_upn, target_id, target_name;
  std::string id, correlation_id, request_id;
  const char* activity;
  const char* category;
  const char* service;
  const char* operation_type;
  const char* role_name = nullptr;
  const char* role_template = nullptr;
  std::string role_id;
  std::string result_reason;
};

AuditView Resolve(const GenRenderer& r, const GenWorld& world, const GenEvent& e) {
  AuditView v{};
  v.actor = e.account != kNoAccount ? &world.accounts()[e.account] : nullptr;
  v.target = e.target != kNoAccount ? &world.accounts()[e.target] : nullptr;
  v.tenant = &world.tenants()[(v.target ? v.target : v.actor)->tenant];
  v.correlation_id = world.Guid(21, e.rnd);
  v.request_id = world.Guid(22, e.rnd);
  if (v.target != nullptr) {
    v.target_upn = v.target->upn;
    v.target_id = v.target->id;
    v.target_name = v.target->display_name;
  } else {
    v.target_upn = r.NewUserUpn(e);
    v.target_id = r.NewUserId(e);
    v.target_name = v.target_upn.substr(0, v.target_upn.find('@'));
  }
  v.service = "Core Directory";
  switch (e.activity) {
    case GenActivity::kUpdateUser:
      v.activity = "Update user";
      v.category = "UserManagement";
      v.operation_type = "Update";
      break;
    case GenActivity::kAddMemberToRole:
      v.activity = "Add member to role";
      v.category = "RoleManagement";
      v.operation_type = "Assign";
      break;
    case GenActivity::kPimActivation:
      v.activity = "Add member to role completed (PIM activation)";
      v.category = "RoleManagement";
      v.service = "PIM";
      v.operation_type = "Add";
      v.result_reason = "Routine maintenance";
      break;
    case GenActivity::kPimExpired:
    case GenActivity::kPimDeactivate:
      v.activity = e.activity == GenActivity::kPimExpired
                       ? "Remove member from role completed (PIM activation expired)"
                       : "Remove member from role completed (PIM deactivate)";
      v.category = "RoleManagement";
      v.service = "PIM";
      v.operation_type = "Remove";
      v.result_reason = "Routine maintenance";
      break;
    case GenActivity::kUpdateDevice:
      v.activity = "Update device";
      v.category = "Device";
      v.operation_type = "Update";
      break;
    case GenActivity::kAddUser:
      v.activity = "Add user";
      v.category = "UserManagement";
      v.operation_type = "Add";
      break;
  }
  if (e.activity == GenActivity::kAddMemberToRole || IsPimActivity(e.activity)) {
    if (e.plain_role) {
      v.role_name = GenWorld::plain_roles()[e.role % kPlainRoleTemplates.size()];
      v.role_template = kPlainRoleTemplates[e.role % kPlainRoleTemplates.size()];
    } else {
      v.role_name = GenWorld::roles()[e.role % kRoleTemplates.size()];
      v.role_template = kRoleTemplates[e.role % kRoleTemplates.size()];
    }
    v.role_id = world.Guid(23, static_cast<uint64_t>(v.tenant - world.tenants().data()) * 64 +
                                   (e.plain_role ? 32u : 0u) + e.role);
  }
  if (IsPimActivity(e.activity)) {
    v.id = "PIM_" + v.request_id;
  } else {
    v.id = "Directory_" + v.correlation_id + "_";
    AppendHex(v.id, e.rnd, 5);
    v.id += '_';
    AppendJsonInt(static_cast<int64_t>(e.rnd % 100000000), v.id);
  }
  return v;
}

void InitiatedBy(std::string& o, const AuditView& v) {
  o += '{';
  if (v.actor != nullptr) {
    Open(o, "user", '{');
    Str(o, "id", v.actor->id);
    Str(o, "displayName", v.actor->display_name);
    Str(o, "userPrincipalName", v.actor->upn);
    Str(o, "ipAddress", v.actor->ip);
    Open(o, "roles", '[');
    o += "]}";
  } else {
    Open(o, "app", '{');
    Null(o, "appId");
    Str(o, "displayName", "Device Registration Service");
    Str(o, "servicePrincipalId", v.request_id);
    Str(o, "servicePrincipalName", "Device Registration Service");
    o += '}';
  }
  o += '}';
}

void Modified(std::string& o, std::string_view name, std::string_view old_value,
              std::string_view new_value) {
  Open(o, "", '{');
  Str(o, "displayName", name);
  Str(o, "oldValue", old_value);
  Str(o, "newValue", new_value);
  o += '}';
}

void UserTarget(std::string& o, const GenEvent& e, const AuditView& v) {
  Open(o, "", '{');
  Str(o, "id", v.target_id);
  Str(o, "displayName", v.target_name);
  Str(o, "type", "User");
  Str(o, "userPrincipalName", v.target_upn);
  Open(o, "modifiedProperties", '[');
  switch (e.activity) {
    case GenActivity::kUpdateUser: {
      const char* from = kDepartments[e.rnd % kDepartments.size()];
      const char* to = kDepartments[(e.rnd + 1) % kDepartments.size()];
      Modified(o, "Department", std::string("[\\\"") + from + "\\\"]",
               std::string("[\\\"") + to + "\\\"]");
      Modified(o, "Included Updated Properties", "", "\\\"Department\\\"");
      Modified(o, "TargetId.UserType", "", "\\\"Member\\\"");
      break;
    }
    case GenActivity::kAddMemberToRole:
      Modified(o, "Role.ObjectID", "", "\\\"" + v.role_id + "\\\"");
      Modified(o, "Role.DisplayName", "", std::string("\\\"") + v.role_name + "\\\"");
      Modified(o, "Role.TemplateId", "", std::string("\\\"") + v.role_template + "\\\"");
      break;
    case GenActivity::kAddUser:
      Modified(o, "AccountEnabled", "[]", "[true]");
      Modified(o, "DisplayName", "[]", "[\\\"" + v.target_name + "\\\"]");
      Modified(o, "UserPrincipalName", "[]", "[\\\"" + v.target_upn + "\\\"]");
      Modified(o, "UserType", "[]", "[\\\"Member\\\"]");
      Modified(o, "Included Updated Properties", "",
               "\\\"AccountEnabled, DisplayName, UserPrincipalName, UserType\\\"");
      break;
    default:
      break;
  }
  o += "]";
  Open(o, "administrativeUnits", '[');
  o += "]}";
}

void Targets(std::string& o, const GenWorld& world, const GenEvent& e, const AuditView& v) {
  o += '[';
  if (e.activity == GenActivity::kUpdateDevice) {
    const GenAccount& owner = *v.target;
    const GenDevice& d = owner.devices[e.device % owner.devices.size()];
    Open(o, "", '{');
    Str(o, "displayName", d.name);
    Str(o, "id", d.id);
    Open(o, "modifiedProperties", '[');
    Modified(o, "Included Updated Properties", "", "\\\"\\\"");
    o += "]";
    Str(o, "type", "Device");
    o += '}';
  } else if (IsPimActivity(e.activity)) {
    Open(o, "", '{');
    Open(o, "administrativeUnits", '[');
    o += ']';
    Str(o, "displayName", v.role_name);
    Str(o, "id", v.role_id);
    Open(o, "modifiedProperties", '[');
    Modified(o, "RoleDefinitionOriginId", "\\\"\\\"",
             std::string("\\\"") + v.role_template + "\\\"");
    Modified(o, "RoleDefinitionOriginType", "\\\"\\\"", "\\\"BuiltInRole\\\"");
    Modified(o, "TemplateId", "\\\"\\\"", std::string("\\\"") + v.role_template + "\\\"");
    o += ']';
    Str(o, "type", "Role");
    o += '}';
    Open(o, "", '{');
    Str(o, "id", v.request_id);
    Str(o, "type", "Request");
    o += '}';
    Open(o, "", '{');
    Str(o, "displayName", v.target_name);
    Str(o, "id", v.target_id);
    Str(o, "type", "User");
    Str(o, "userPrincipalName", v.target_upn);
    o += '}';
    Open(o, "", '{');
    Str(o, "displayName", v.tenant->domain);
    Str(o, "id", v.tenant->id);
    Str(o, "type", "Directory");
    o += '}';
  } else {
    UserTarget(o, e, v);
  }
  (void)world;
  o += ']';
}

void AdditionalDetails(std::string& o, const GenEvent& e, const AuditView& v) {
  o += '[';
  auto kv = [&](std::string_view k, std::string_view val) {
    Open(o, "", '{');
    Str(o, "key", k);
    Str(o, "value", val);
    o += '}';
  };
  if (IsPimActivity(e.activity)) {
    kv("RoleDefinitionOriginId", v.role_template);
    kv("RoleDefinitionOriginType", "BuiltInRole");
    kv("TemplateId", v.role_template);
    std::string start;
    AppendTime(start, e.time, TimeStyle::kZ7, static_cast<int>(e.rnd % 10));
    kv("StartTime", start);
    kv("Justification", v.result_reason);
    kv("oid", v.actor->id);
    kv("tid", v.tenant->id);
    kv("wids", v.role_template);
    kv("ipaddr", v.actor->ip);
    kv("RequestId", v.request_id);
  } else if (e.activity == GenActivity::kUpdateDevice) {
    kv("AdditionalInfo", "");
  } else {
    kv("User-Agent", kPowerShellUa);
  }
  o += ']';
}

void GraphAudit(std::string& o, const GenWorld& world, const GenEvent& e, const AuditView& v,
                bool diag) {
  o += '{';
  Key(o, "activityDateTime");
  o += '"';
  AppendTime(o, e.time, diag ? TimeStyle::kOffset7 : TimeStyle::kZ7, static_cast<int>(e.rnd % 10));
  o += '"';
  Str(o, "activityDisplayName", v.activity);
  Key(o, "additionalDetails");
  AdditionalDetails(o, e, v);
  Str(o, "category", v.category);
  Str(o, "correlationId", v.correlation_id);
  Str(o, "id", v.id);
  Key(o, "initiatedBy");
  InitiatedBy(o, v);
  Str(o, "loggedByService", v.service);
  Str(o, "operationType", v.operation_type);
  Str(o, "result", "success");
  Str(o, "resultReason", v.result_reason);
  Key(o, "targetResources");
  Targets(o, world, e, v);
  o += '}';
}

}  // namespace

std::string GenRenderer::NewUserUpn(const GenEvent& e) const {
  const GenAccount& actor = world_.accounts()[e.account];
  std::string upn = "temp.support";
  AppendJsonInt(static_cast<int64_t>(e.scenario), upn);
  return upn + "@" + world_.tenants()[actor.tenant].domain;
}

std::string GenRenderer::NewUserId(const GenEvent& e) const { return world_.Guid(24, e.scenario); }

void GenRenderer::Audit(const GenEvent& e, std::string& o) {
  const AuditView v = Resolve(*this, world_, e);
  if (e.format == GenFormat::kGraph) {
    GraphAudit(o, world_, e, v, false);
    return;
  }
  const std::string actor_name =
      v.actor != nullptr ? v.actor->display_name : std::string("Device Registration Service");
  if (e.format == GenFormat::kDiag) {
    o += '{';
    Str(o, "category", "AuditLogs");
    Str(o, "correlationId", v.correlation_id);
    Int(o, "durationMs", 0);
    if (v.actor != nullptr) Str(o, "callerIpAddress", v.actor->ip);
    Str(o, "identity", actor_name);
    Int(o, "Level", 4);
    Str(o, "operationName", v.activity);
    Str(o, "operationVersion", "1.0");
    Key(o, "properties");
    GraphAudit(o, world_, e, v, true);
    Str(o, "resourceId", "/tenants/" + v.tenant->id + "/providers/Microsoft.aadiam");
    Str(o, "resultSignature", "None");
    Str(o, "tenantId", v.tenant->id);
    Key(o, "time");
    o += '"';
    AppendTime(o, e.time, TimeStyle::kZ7, static_cast<int>(e.rnd % 10));
    o += "\"}";
    return;
  }
  std::string& s = scratch_;
  o += '{';
  Str(o, "TenantId", v.tenant->workspace_id);
  Str(o, "SourceSystem", "Azure AD");
  Key(o, "TimeGenerated");
  o += '"';
  AppendTime(o, e.time, TimeStyle::kZ3);
  o += '"';
  Str(o, "ResourceId", "/tenants/" + v.tenant->id + "/providers/Microsoft.aadiam");
  Str(o, "OperationName", v.activity);
  Str(o, "OperationVersion", "1.0");
  Str(o, "Category", v.category);
  Str(o, "ResultSignature", "None");
  Str(o, "CorrelationId", v.correlation_id);
  Str(o, "Resource", "Microsoft.aadiam");
  Str(o, "ResourceGroup", "Microsoft.aadiam");
  Str(o, "Level", "4");
  s.clear();
  AdditionalDetails(s, e, v);
  JsonTextStr(o, "AdditionalDetails", s);
  Str(o, "Id", v.id);
  s.clear();
  InitiatedBy(s, v);
  JsonTextStr(o, "InitiatedBy", s);
  Str(o, "LoggedByService", v.service);
  Str(o, "Result", "success");
  Str(o, "ResultReason", v.result_reason);
  s.clear();
  Targets(s, world_, e, v);
  JsonTextStr(o, "TargetResources", s);
  Str(o, "AADTenantId", v.tenant->id);
  Str(o, "ActivityDisplayName", v.activity);
  Key(o, "ActivityDateTime");
  o += '"';
  AppendTime(o, e.time, TimeStyle::kZ3);
  o += '"';
  Str(o, "AADOperationType", v.operation_type);
  Str(o, "Type", "AuditLogs");
  o += '}';
}

void GenRenderer::Registration(const GenEvent& e, std::string& o) {
  const GenAccount& a = world_.accounts()[e.account];
  o += '{';
  Str(o, "id", a.id);
  Str(o, "userPrincipalName", a.upn);
  Str(o, "userType", "member");
  Bool(o, "isAdmin", a.privileged);
  Bool(o, "isMfaRegistered", true);
  Bool(o, "isMfaCapable", true);
  Open(o, "methodsRegistered", '[');
  Elem(o, "microsoftAuthenticatorPush");
  if (e.rnd % 2 == 0) Elem(o, "mobilePhone");
  o += ']';
  Key(o, "lastUpdatedDateTime");
  o += '"';
  AppendTime(o, e.time, TimeStyle::kZ7, static_cast<int>(e.rnd % 10));
  o += "\"}";
}

void GenRenderer::Render(const GenEvent& e, std::string& out) {
  // Graph directoryAudit and userRegistrationDetails name no tenant: a collector polling Graph per
  // tenant knows it and frames the line with it (pipeline/framed_line.h), so every record gen
  // writes can be attributed in a multi-tenant file.
  if ((e.kind == GenKind::kAudit && e.format == GenFormat::kGraph) ||
      e.kind == GenKind::kRegistration) {
    const uint32_t who = e.target != kNoAccount ? e.target : e.account;
    out += world_.tenants()[world_.accounts()[who].tenant].id;
    out += '\t';
  }
  switch (e.kind) {
    case GenKind::kSignIn:
      SignIn(e, out);
      break;
    case GenKind::kAudit:
      Audit(e, out);
      break;
    case GenKind::kRegistration:
      Registration(e, out);
      break;
  }
}

}  // namespace privmon
