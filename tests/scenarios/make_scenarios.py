#!/usr/bin/env python3
"""Writes the end-to-end scenarios of tests/scenarios/ (see README.md there).

Each scenario is a function of one record format: it is called once per format it supports, with
accounts and a tenant of that format, and it writes records and the alerts it expects. The record
shapes are copies of real samples in /work/shared/corpus (elastic-azure signinlogs/auditlogs for the
Azure Monitor diagnostic records, microsoft-graph-docs for Graph, otrf-security-datasets and
azure-sentinel for Log Analytics rows, panther-analysis for audit activities), with only values
changed. Run it from anywhere; it rewrites every scenario folder it knows and nothing else.

    python3 tests/scenarios/make_scenarios.py
"""
import datetime
import hashlib
import json
import random
import os

HERE = os.path.dirname(os.path.abspath(__file__))

T1 = "11111111-2222-3333-4444-555555555555"  # Contoso: diagnostic records and Graph (--tenant)
T2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"  # Fabrikam: Log Analytics rows (AADTenantId)
T3 = "bbbbbbbb-0000-4000-8000-000000000003"  # Northwind: Graph records of the mixed scenario
TENANT_NAMES = {T1: "Contoso", T2: "Fabrikam", T3: "Northwind"}
OTHER_TENANT = "cccccccc-1234-4321-abcd-0123456789ab"
WORKSPACE = "0f0e0d0c-0b0a-4909-8807-060504030201"  # LA TenantId: the workspace, not the tenant

FORMATS = ("diag", "graph", "la")
TENANT = {"diag": T1, "graph": T1, "la": T2}
DOMAIN = {"diag": "contoso.com", "graph": "contoso.com", "la": "fabrikam.com"}
TAG = {"diag": "d", "graph": "g", "la": "l"}
FILE = {"diag": "diag.ndjson", "graph": "graph.ndjson", "la": "la.ndjson"}

FAILURE_REASONS = {
    0: None,
    50126: "Error validating credentials due to invalid username or password.",
    53003: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    53000: "Device is not in required device state: {state}. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune.",
    50053: "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
    50055: "The password is expired.",
    50057: "User account is disabled. The account has been disabled by an administrator.",
    50074: "Strong Authentication is required.",
    500121: "Authentication failed during strong authentication request.",
}


def guid(text):
    h = hashlib.md5(text.lower().encode()).hexdigest()
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def at(day, hh=15, mm=0, ss=0):
    return datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        days=day - 1, hours=hh, minutes=mm, seconds=ss)


def iso7(t):  # 2026-11-03T15:00:00.1234567Z
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".1234567Z"


def iso_offset(t):  # 2026-11-03T15:00:00.1234567+00:00 (diag properties)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".1234567+00:00"


def iso3(t):  # 2026-11-03T15:00:00.123Z (Log Analytics)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".123Z"


def jtext(obj):
    return json.dumps(obj, separators=(",", ":"))


class Scenario:
    """Collects the records of one scenario folder, per file, and the expected alerts."""

    def __init__(self, name, about):
        self.name = name
        self.about = about
        self.lines = {f: [] for f in FORMATS}
        self.expected = []
        self.tenants = {}  # tenant id -> dict of lists / settings
        self.graph_tenant = T1
        self.counter = 0
        self.single_file = None  # a file name: every format in one file, interleaved
        self.jitter = None       # random.Random: delay each record by 0-4 minutes of arrival

    # --- config -------------------------------------------------------------------------------
    def tenant(self, fmt):
        return self.graph_tenant if fmt == "graph" else TENANT[fmt]

    def cfg(self, fmt, key, values):
        t = self.tenants.setdefault(self.tenant(fmt), {})
        if isinstance(values, list):
            lst = t.setdefault(key, [])
            for v in values:
                if v not in lst:
                    lst.append(v)
        elif isinstance(values, dict):  # approved: merge the lists of each format
            d = t.setdefault(key, {})
            for k, v in values.items():
                if isinstance(v, list):
                    d.setdefault(k, [])
                    d[k] += [x for x in v if x not in d[k]]
                else:
                    d[k] = v
        else:
            t[key] = values

    def expect(self, rule, account):
        self.expected.append(f"{rule} {account}")

    def next_id(self):
        self.counter += 1
        return guid(f"{self.name}-record-{self.counter}")

    # --- records --------------------------------------------------------------------------------
    def signin(self, fmt, t, upn, code=0, client_app="Browser", device_id="", device_name=None,
               os_name="Windows 10", browser="Edge 120.0.2210", country="US", city="Redmond",
               state="Washington", ip="203.0.113.10", ca="success", risk_state="none",
               risk_during="none", risk_aggregated="none", home=None, resource=None,
               step_detail="First factor requirement satisfied by claim in the token",
               status_detail=None, compliant=False, managed=False, interactive=True, order=None):
        tenant = self.tenant(fmt)
        rid = self.next_id()
        corr = guid(rid + "corr")
        uid = guid(upn)
        display = upn.split("@")[0]
        home = home or tenant
        resource = resource or tenant
        status = {"errorCode": code, "failureReason": FAILURE_REASONS.get(code, "Other."),
                  "additionalDetails": status_detail}
        device = {"deviceId": device_id, "displayName": device_name, "operatingSystem": os_name,
                  "browser": browser, "isCompliant": compliant, "isManaged": managed,
                  "trustType": "Azure AD joined" if device_id else None}
        location = {"city": city, "state": state, "countryOrRegion": country,
                    "geoCoordinates": {"altitude": None, "latitude": 47.68, "longitude": -122.12}}
        auth = [{"authenticationStepDateTime": iso_offset(t), "authenticationMethod": "Password",
                 "succeeded": code == 0, "authenticationStepResultDetail": step_detail,
                 "authenticationStepRequirement": "Primary authentication",
                 "StatusSequence": 0, "RequestSequence": 0}]
        graph = {
            "id": rid, "createdDateTime": iso7(t), "userDisplayName": display,
            "userPrincipalName": upn, "userId": uid,
            "appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "appDisplayName": "Azure Portal",
            "ipAddress": ip, "clientAppUsed": client_app, "correlationId": corr,
            "conditionalAccessStatus": ca, "isInteractive": interactive,
            "riskDetail": "none", "riskLevelAggregated": risk_aggregated,
            "riskLevelDuringSignIn": risk_during, "riskState": risk_state,
            "riskEventTypes": [], "riskEventTypes_v2": [],
            "resourceDisplayName": "Windows Azure Service Management API",
            "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
            "resourceTenantId": resource, "homeTenantId": home,
            "status": status, "deviceDetail": device, "location": location,
            "authenticationDetails": auth, "appliedConditionalAccessPolicies": [],
            "authenticationRequirement": "singleFactorAuthentication", "userType": "Member",
        }
        if fmt == "graph":
            rec = graph
        elif fmt == "diag":
            props = dict(graph)
            props["createdDateTime"] = iso_offset(t)
            rec = {"time": iso7(t),
                   "resourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam",
                   "operationName": "Sign-in activity", "operationVersion": "1.0",
                   "category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
                   "tenantId": tenant, "resultType": str(code),
                   "resultSignature": "None", "durationMs": 0, "callerIpAddress": ip,
                   "correlationId": corr, "identity": display, "Level": 4, "location": country,
                   "properties": props}
        else:
            rec = {"TenantId": WORKSPACE, "SourceSystem": "Azure AD", "TimeGenerated": iso3(t),
                   "ResourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam",
                   "OperationName": "Sign-in activity", "OperationVersion": "1.0",
                   "Category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
                   "ResultType": str(code), "ResultSignature": "None",
                   "ResultDescription": status["failureReason"] or "", "DurationMs": "0",
                   "CorrelationId": corr, "Resource": "Microsoft.aadiam",
                   "ResourceGroup": "Microsoft.aadiam", "Identity": display, "Level": "4",
                   "Location": country, "AppDisplayName": "Azure Portal",
                   "AppId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
                   "AuthenticationDetails": jtext(auth),
                   "AuthenticationRequirement": "singleFactorAuthentication",
                   "ClientAppUsed": client_app, "ConditionalAccessPolicies": "[]",
                   "ConditionalAccessStatus": ca, "CreatedDateTime": iso3(t),
                   "DeviceDetail": jtext(device), "IsInteractive": interactive, "Id": rid,
                   "IPAddress": ip, "LocationDetails": jtext(location), "RiskDetail": "none",
                   "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]",
                   "RiskLevelAggregated": risk_aggregated, "RiskLevelDuringSignIn": risk_during,
                   "RiskState": risk_state,
                   "ResourceDisplayName": "Windows Azure Service Management API",
                   "Status": jtext(status), "UserDisplayName": display, "UserId": uid,
                   "UserPrincipalName": upn, "AADTenantId": tenant, "UserType": "Member",
                   "ResourceTenantId": resource, "HomeTenantId": home,
                   "Type": "SigninLogs" if interactive else "AADNonInteractiveUserSignInLogs"}
        self.add(fmt, t, rec, order)

    def audit(self, fmt, t, activity, targets, actor=None, app_actor=None,
              category="UserManagement", service="Core Directory", operation_type="Update",
              result="success", reason="", details=None, order=None):
        tenant = self.tenant(fmt)
        rid = f"Directory_{self.next_id()}"
        corr = guid(rid + "corr")
        if actor is not None:
            initiated = {"user": {"id": guid(actor), "displayName": None,
                                  "userPrincipalName": actor, "ipAddress": "203.0.113.10",
                                  "roles": []}}
            identity = actor
        else:
            app_name = app_actor or "MS-PIM"
            initiated = {"app": {"appId": None, "displayName": app_name,
                                 "servicePrincipalId": guid(app_name), "servicePrincipalName": None}}
            identity = app_name
        details = details or [{"key": "User-Agent", "value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}]
        graph = {"id": rid, "category": category, "correlationId": corr, "result": result,
                 "resultReason": reason, "activityDisplayName": activity,
                 "activityDateTime": iso7(t), "loggedByService": service,
                 "operationType": operation_type, "initiatedBy": initiated,
                 "targetResources": targets, "additionalDetails": details}
        if fmt == "graph":
            rec = graph
        elif fmt == "diag":
            props = dict(graph)
            props["activityDateTime"] = iso_offset(t)
            rec = {"time": iso7(t), "resourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam",
                   "operationName": activity, "operationVersion": "1.0", "category": "AuditLogs",
                   "tenantId": tenant, "resultSignature": "None", "durationMs": 0,
                   "callerIpAddress": "203.0.113.10", "correlationId": corr, "identity": identity,
                   "Level": 4, "properties": props}
        else:
            rec = {"TenantId": WORKSPACE, "SourceSystem": "Azure AD", "TimeGenerated": iso3(t),
                   "ResourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam",
                   "OperationName": activity, "OperationVersion": "1.0", "Category": category,
                   "ResultSignature": "None", "CorrelationId": corr, "Resource": "Microsoft.aadiam",
                   "ResourceGroup": "Microsoft.aadiam", "Level": "4",
                   "AdditionalDetails": jtext(details), "Id": rid, "InitiatedBy": jtext(initiated),
                   "LoggedByService": service, "Result": result, "ResultReason": reason,
                   "TargetResources": jtext(targets), "AADTenantId": tenant,
                   "ActivityDisplayName": activity, "ActivityDateTime": iso3(t),
                   "AADOperationType": operation_type, "Type": "AuditLogs"}
        self.add(fmt, t, rec, order)

    def registration(self, t, upn, is_admin, registered, order=None):
        rec = {"id": guid(upn), "userPrincipalName": upn, "userDisplayName": upn.split("@")[0],
               "userType": "member", "isAdmin": is_admin, "isSsprRegistered": registered,
               "isSsprEnabled": False, "isSsprCapable": False, "isMfaRegistered": registered,
               "isMfaCapable": registered, "isPasswordlessCapable": False,
               "methodsRegistered": ["microsoftAuthenticatorPush"] if registered else [],
               "defaultMfaMethod": "microsoftAuthenticatorPush" if registered else "none",
               "isSystemPreferredAuthenticationMethodEnabled": False,
               "lastUpdatedDateTime": iso7(t)}
        self.add("graph", t, rec, order)

    def azure_activity(self, fmt, t, upn, operation, order=None):
        tenant = TENANT["diag"]
        corr = self.next_id()
        claims = {"aud": "https://management.core.windows.net/",
                  "iss": f"https://sts.windows.net/{tenant}/",
                  "http://schemas.microsoft.com/identity/claims/tenantid": tenant,
                  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": upn,
                  "http://schemas.microsoft.com/identity/claims/objectidentifier": guid(upn),
                  "name": upn.split("@")[0], "ipaddr": "203.0.113.10"}
        scope = "/providers/Microsoft.Authorization"
        if fmt == "diag":
            rec = {"time": iso7(t), "resourceId": scope, "operationName": operation,
                   "category": "Administrative", "resultType": "Success",
                   "resultSignature": "Succeeded.", "durationMs": 301,
                   "callerIpAddress": "203.0.113.10", "correlationId": corr,
                   "identity": {"authorization": {"scope": scope, "action": operation,
                                                  "evidence": {"role": "Global Administrator"}},
                                "claims": claims},
                   "level": "Information", "location": "global",
                   "properties": {"statusCode": "OK", "serviceRequestId": None}}
        else:
            rec = {"TenantId": WORKSPACE, "SourceSystem": "Azure", "CallerIpAddress": "203.0.113.10",
                   "CategoryValue": "Administrative", "CorrelationId": corr,
                   "Authorization": jtext({"scope": scope, "action": operation}),
                   "Claims": jtext(claims), "Level": "Informational",
                   "OperationNameValue": operation, "Caller": upn,
                   "EventDataId": guid(corr), "ActivityStatusValue": "Success",
                   "ActivitySubstatusValue": "", "TimeGenerated": iso3(t),
                   "OperationName": "", "Type": "AzureActivity", "_ResourceId": scope}
        self.add(fmt, t, rec, order)

    def security_event(self, t, account, event_id, order=None):
        domain, user = account.split("\\")
        rec = {"TenantId": WORKSPACE, "TimeGenerated": iso3(t), "SourceSystem": "OpsManager",
               "Account": account, "AccountType": "User",
               "Computer": "dc01.aaddscontoso.com", "EventSourceName": "Microsoft-Windows-Security-Auditing",
               "Channel": "Security", "Task": 13056, "Level": "8", "EventID": event_id,
               "Activity": f"{event_id} - A privileged service was called." if event_id == 4673
               else f"{event_id} - An operation was attempted on a privileged object.",
               "SubjectAccount": account, "SubjectUserName": user, "SubjectDomainName": domain,
               "SubjectLogonId": "0x3e7", "PrivilegeList": "SeTcbPrivilege",
               "Process": "C:\\Windows\\System32\\lsass.exe", "ProcessName": "lsass.exe",
               "ObjectServer": "NT Local Security Authority / Authentication Service",
               "Service": "LsaRegisterLogonProcess()", "Type": "SecurityEvent"}
        self.add("la", t, rec, order)

    def add(self, fmt, t, rec, order):
        # Records go in event-time order unless `order` overrides it (out-of-order cases).
        key = order if order is not None else t
        if self.jitter is not None:
            key = key + datetime.timedelta(seconds=self.jitter.randrange(0, 240))
        self.lines[fmt].append((key, len(self.lines[fmt]), rec))

    # --- output ---------------------------------------------------------------------------------
    def write(self):
        d = os.path.join(HERE, self.name)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if name.endswith(".ndjson"):
                os.remove(os.path.join(d, name))
        if self.single_file:
            self.write_single(d)
        for fmt, lines in self.lines.items():
            if not lines or self.single_file:
                continue
            with open(os.path.join(d, FILE[fmt]), "w") as f:
                for _, _, rec in sorted(lines, key=lambda x: (x[0], x[1])):
                    if fmt == "diag":
                        rec = {"records": [rec]}  # an Event Hubs message of one record
                    f.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
        self.write_common(d)

    def write_single(self, d):
        # Interleaved in arrival order; consecutive diagnostic records share an Event Hubs batch
        # and consecutive Graph objects a Graph page, as collectors deliver them.
        merged = sorted(((k, i, fmt, rec) for fmt, lines in self.lines.items()
                         for (k, i, rec) in lines), key=lambda x: (x[0], x[2], x[1]))
        out, batch, batch_fmt = [], [], None
        def flush():
            if batch:
                key = "records" if batch_fmt == "diag" else "value"
                out.append({key: list(batch)} if len(batch) > 1 or batch_fmt == "diag" else batch[0])
                batch.clear()
        for _, _, fmt, rec in merged:
            if fmt == "la" or fmt != batch_fmt or len(batch) == 2:
                flush()
            batch_fmt = fmt
            if fmt == "la":
                out.append(rec)
                batch_fmt = None
            else:
                batch.append(rec)
        flush()
        with open(os.path.join(d, self.single_file), "w") as f:
            for rec in out:
                f.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")

    def write_common(self, d):
        with open(os.path.join(d, "expected.txt"), "w") as f:
            for line in sorted(self.expected):
                f.write(line + "\n")
        with open(os.path.join(d, "args"), "w") as f:
            f.write(f"--tenant {self.graph_tenant}\n")
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(f"# {self.name}: {self.about}\n# Written by make_scenarios.py.\n")
            f.write("pipeline: {allowed_lateness: 5m}\ndead_letter: {path: \"\"}\n")
            if self.tenants:
                f.write("tenants:\n")
            for tenant, settings in sorted(self.tenants.items()):
                f.write(f"  \"{tenant}\":\n")
                f.write(f"    name: {TENANT_NAMES[tenant]}\n")
                for key, value in settings.items():
                    if key == "approved":
                        continue
                    f.write(f"    {key}: {yaml_value(value)}\n")
                if "approved" in settings:
                    f.write("    approved:\n")
                    for k, v in settings["approved"].items():
                        f.write(f"      {k}: {yaml_value(v)}\n")


def yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(x)}" for k, x in v.items()) + "}"
    return "'" + str(v).replace("'", "''") + "'"


# Targets, shaped as in the corpus (Core Directory role assignments carry the role in the user
# target's Role.DisplayName; PIM records carry a target of type Role).
def user_target(upn, props=None):
    return {"id": guid(upn), "displayName": upn.split("@")[0], "type": "User",
            "userPrincipalName": upn, "modifiedProperties": props or [], "administrativeUnits": []}


def role_target(role):
    return {"id": guid("role " + role), "displayName": role, "type": "Role",
            "modifiedProperties": [], "administrativeUnits": []}


def role_props(role):
    return [{"displayName": "Role.ObjectID", "oldValue": None, "newValue": jtext(guid("role " + role))},
            {"displayName": "Role.DisplayName", "oldValue": None, "newValue": jtext(role)},
            {"displayName": "Role.TemplateId", "oldValue": None, "newValue": jtext(guid("tpl " + role))},
            {"displayName": "Role.WellKnownObjectName", "oldValue": None, "newValue": "\"\""}]


def prop(name, old, new):
    return {"displayName": name, "oldValue": old, "newValue": new}


def pim_targets(role, upn):
    return [role_target(role),
            {"id": guid("request " + upn + role), "displayName": None, "type": "Request",
             "modifiedProperties": [], "administrativeUnits": []},
            user_target(upn)]


def acct(fmt, name):
    return f"{name}-{TAG[fmt]}@{DOMAIN[fmt]}"


SCENARIOS = []


def scenario(name, about, formats=FORMATS):
    def wrap(fn):
        SCENARIOS.append((name, about, formats, fn))
        return fn
    return wrap


# ------------------------------------------------------------------------------------------------
# The scenarios. Each function gets the scenario and one format, and uses only that format's
# accounts (acct(fmt, ...)), so the three files of a folder never share an account.

@scenario("break_glass", "PRIV-BG-01..04: every sign-in and change of an emergency access account")
def break_glass(s, f):
    bg = [acct(f, f"bg{i}") for i in range(1, 7)]
    admin, user = acct(f, "adm-helpdesk"), acct(f, "pat")
    s.cfg(f, "break_glass", bg)
    s.cfg(f, "privileged_accounts", [admin])
    s.signin(f, at(3, 15), bg[0])                                   # BG-01 success
    s.expect("PRIV-BG-01", bg[0])
    s.signin(f, at(3, 15, 5), bg[5], code=50126, interactive=False)  # BG-01 failure
    s.expect("PRIV-BG-01", bg[5])
    s.audit(f, at(3, 15, 10), "Reset user password", [user_target(bg[1])], actor=admin)
    s.expect("PRIV-BG-02", bg[1])
    s.expect("PRIV-SI-12", bg[1])  # break-glass accounts are privileged
    s.audit(f, at(3, 15, 20), "Remove member from role",
            [user_target(bg[2], role_props("Global Administrator"))], actor=admin,
            category="RoleManagement", operation_type="Unassign")
    s.expect("PRIV-BG-03", bg[2])
    s.audit(f, at(3, 15, 30), "Update user",
            [user_target(bg[3], [prop("StrongAuthenticationMethod", "[]", "[{\"MethodType\":6,\"Default\":true}]"),
                                 prop("Included Updated Properties", None, "\"StrongAuthenticationMethod\"")])],
            actor=admin)
    s.expect("PRIV-BG-04", bg[3])
    s.audit(f, at(3, 15, 40), "User registered security info", [user_target(bg[4])], actor=bg[4],
            service="Authentication Methods", operation_type="Add",
            reason="User registered Authenticator App with Notification and Code")
    s.expect("PRIV-BG-04", bg[4])
    s.expect("PRIV-PA-03", bg[4])
    # Near misses: the same changes to accounts that are not break-glass and not privileged.
    s.signin(f, at(3, 15, 45), user)
    s.audit(f, at(3, 15, 50), "Reset user password", [user_target(user)], actor=admin)
    s.audit(f, at(3, 15, 55), "Remove member from role",
            [user_target(user, role_props("Global Administrator"))], actor=admin,
            category="RoleManagement", operation_type="Unassign")
    # A break-glass "Update user" that does not touch strong authentication methods.
    s.audit(f, at(3, 16, 0), "Update user",
            [user_target(bg[3], [prop("DisplayName", "[\"BG 4\"]", "[\"Break glass 4\"]"),
                                 prop("Included Updated Properties", None, "\"DisplayName\"")])],
            actor=admin)


@scenario("signin_failures", "PRIV-SI-01 bad-password burst, SI-02 CA block, SI-06 lockout, SI-07 disabled")
def signin_failures(s, f):
    burst, slow, four, blocked, locked, disabled, user = (
        acct(f, n) for n in ("adm-ana", "adm-sam", "adm-ben", "adm-cleo", "adm-dan", "adm-eli", "pat"))
    s.cfg(f, "privileged_accounts", [burst, slow, four, blocked, locked, disabled])
    for i in range(5):                                   # 5 in 10m -> one SI-01 (suppressed after)
        s.signin(f, at(3, 15, i * 2), burst, code=50126)
    s.signin(f, at(3, 15, 9), burst, code=50126)
    s.expect("PRIV-SI-01", burst)
    for i in range(4):                                   # near miss: 4 in 10m
        s.signin(f, at(3, 15, i * 2, 30), four, code=50126)
    for i in range(5):                                   # near miss: 5 spread over 30m
        s.signin(f, at(3, 15, i * 7, 10), slow, code=50126)
    for i in range(6):                                   # near miss: not privileged
        s.signin(f, at(3, 15, i, 40), user, code=50126)
    s.signin(f, at(3, 16, 0), blocked, code=53003, ca="failure")
    s.expect("PRIV-SI-02", blocked)
    s.signin(f, at(3, 16, 1), four, code=53000, ca="failure")     # near miss: other CA code
    s.signin(f, at(3, 16, 2), user, code=53003, ca="failure")     # near miss: not privileged
    s.signin(f, at(3, 16, 5), locked, code=50053)
    s.expect("PRIV-SI-06", locked)
    s.signin(f, at(3, 16, 6), slow, code=50055)                   # near miss: password expired
    s.signin(f, at(3, 16, 7), user, code=50053)
    s.signin(f, at(3, 16, 10), disabled, code=50057)
    s.expect("PRIV-SI-07", disabled)
    s.signin(f, at(3, 16, 11), user, code=50057)


@scenario("naming_policy", "PRIV-SI-03: privileged UPNs must match the tenant's naming_policy")
def naming_policy(s, f):
    good, bad_signin, bad_role, user, admin = (
        acct(f, n) for n in ("adm-carl", "carol", "dora", "eve", "adm-root"))
    s.cfg(f, "naming_policy", "^adm-")
    s.cfg(f, "privileged_accounts", [good, bad_signin, admin])
    s.signin(f, at(3, 15), good)                              # near miss: matches the policy
    s.signin(f, at(3, 15, 5), bad_signin)                     # privileged, does not match
    s.signin(f, at(3, 15, 6), bad_signin)                     # once per account
    s.expect("PRIV-SI-03", bad_signin)
    s.signin(f, at(3, 15, 10), user)                          # near miss: not privileged
    s.audit(f, at(3, 15, 20), "Add member to role in PIM completed (timebound)",
            pim_targets("Security Administrator", bad_role), actor=admin,
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.expect("PRIV-SI-03", bad_role)                          # gains a privileged role
    s.audit(f, at(3, 15, 30), "Add member to role in PIM completed (timebound)",
            pim_targets("Reports Reader", user), actor=admin,  # near miss: role not privileged
            category="RoleManagement", service="PIM", operation_type="Assign")


@scenario("mfa_interrupt_fraud", "PRIV-SI-04 MFA interrupted, PRIV-SI-08 MFA fraud (sign-in and audit forms)")
def mfa_interrupt_fraud(s, f):
    failed, pending, settled, early, fraud, fraud_au, user, quiet = (
        acct(f, n) for n in ("adm-fay", "adm-gus", "adm-hal", "adm-ida", "adm-jon", "adm-kim",
                             "pat", "adm-lou"))
    s.cfg(f, "privileged_accounts", [failed, pending, settled, early, fraud, fraud_au, quiet])
    s.signin(f, at(3, 15), failed, code=500121, step_detail="MFA denied; user declined the authentication")
    s.expect("PRIV-SI-04", failed)                      # 500121: at once
    s.signin(f, at(3, 15, 1), pending, code=50074, step_detail="MFA required in Azure AD")
    s.expect("PRIV-SI-04", pending)                     # 50074, no success within 10m
    s.signin(f, at(3, 15, 2), settled, code=50074, step_detail="MFA required in Azure AD")
    s.signin(f, at(3, 15, 4), settled)                  # near miss: success settles it
    # Near miss, out of order: the success (15:05) arrives before the interrupt (15:03).
    s.signin(f, at(3, 15, 5), early)
    s.signin(f, at(3, 15, 3), early, code=50074, step_detail="MFA required in Azure AD",
             order=at(3, 15, 5, 1))
    s.signin(f, at(3, 15, 6), user, code=500121)        # near miss: not privileged
    s.signin(f, at(3, 15, 10), fraud, code=500121, step_detail="MFA denied; fraud code entered")
    s.expect("PRIV-SI-04", fraud)
    s.expect("PRIV-SI-08", fraud)
    s.signin(f, at(3, 15, 12), quiet, step_detail="MFA successfully completed")  # near miss
    s.audit(f, at(3, 15, 20), "Fraud reported - user is blocked for MFA", [user_target(fraud_au)],
            actor=fraud_au, service="MFA", category="UserManagement", operation_type="Update")
    s.expect("PRIV-SI-08", fraud_au)
    s.audit(f, at(3, 15, 25), "Fraud reported - no action taken", [user_target(user)],
            actor=user, service="MFA", category="UserManagement")  # near miss: not privileged
    s.signin(f, at(3, 15, 40), user)                    # traffic past the 10m windows


@scenario("mfa_registration", "PRIV-SI-05: privileged account not registered for MFA (Graph userRegistrationDetails only)",
          formats=("graph",))
def mfa_registration(s, f):
    admin_flag, configured, registered, user = (
        acct(f, n) for n in ("adm-mo", "adm-nia", "adm-oz", "pat"))
    s.cfg(f, "privileged_accounts", [configured])
    s.registration(at(3, 15), admin_flag, is_admin=True, registered=False)
    s.expect("PRIV-SI-05", admin_flag)
    s.registration(at(3, 15, 1), configured, is_admin=False, registered=False)
    s.expect("PRIV-SI-05", configured)
    s.registration(at(3, 15, 2), registered, is_admin=True, registered=True)   # near miss
    s.registration(at(3, 15, 3), user, is_admin=False, registered=False)       # near miss


@scenario("approved_controls", "PRIV-SI-09: sign-ins outside the tenant's approved countries, IP ranges, managed devices")
def approved_controls(s, f):
    away, odd_ip, unmanaged, ok1, ok2, ok3, user = (
        acct(f, n) for n in ("adm-pia", "adm-quin", "adm-ray", "adm-sue", "adm-tom", "adm-uma", "pat"))
    s.cfg(f, "privileged_accounts", [away, odd_ip, unmanaged, ok1, ok2, ok3])
    if f == "la":
        s.cfg(f, "approved", {"countries": ["US"], "require_managed_device": True})
        s.signin(f, at(3, 15), away, country="FR", city="Paris", state="Paris", ip="192.0.2.50",
                 compliant=True, managed=True)
        s.expect("PRIV-SI-09", away)
        s.signin(f, at(3, 15, 5), unmanaged)                             # not compliant / managed
        s.expect("PRIV-SI-09", unmanaged)
        s.signin(f, at(3, 15, 10), ok1, managed=True)                    # near miss
        s.signin(f, at(3, 15, 15), ok2, compliant=True, code=50126)      # near miss
        s.signin(f, at(3, 15, 20), user, country="FR", city="Paris")     # near miss: not privileged
        return
    s.cfg(f, "approved", {"countries": ["US", "CA"], "ip_ranges": ["203.0.113.0/24", "198.51.100.7"]})
    s.signin(f, at(3, 15), away, country="FR", city="Paris", state="Paris", ip="192.0.2.50")
    s.expect("PRIV-SI-09", away)
    s.signin(f, at(3, 15, 5), odd_ip, ip="192.0.2.9", code=50126)        # failures count too
    s.expect("PRIV-SI-09", odd_ip)
    s.signin(f, at(3, 15, 10), ok1, ip="203.0.113.20")                   # near miss
    s.signin(f, at(3, 15, 15), ok2, country="CA", city="Toronto", state="Ontario", ip="198.51.100.7")
    s.signin(f, at(3, 15, 20), ok3, ip="203.0.113.250")                  # near miss
    s.signin(f, at(3, 15, 25), user, country="FR", city="Paris", ip="192.0.2.50")  # not privileged


@scenario("working_hours", "PRIV-SI-10: successful sign-in outside working hours (configured; learned for the LA tenant)")
def working_hours(s, f):
    night, weekend, day, failed, user, few = (
        acct(f, n) for n in ("adm-val", "adm-wes", "adm-xia", "adm-yan", "pat", "adm-zed"))
    s.cfg(f, "privileged_accounts", [night, weekend, day, failed, few])
    if f != "la":
        s.cfg(f, "working_hours", {"timezone": "America/New_York", "days": "Mon-Fri",
                                   "hours": "07:00-19:00"})
        s.signin(f, at(3, 15), day)                           # Tue 10:00 New York: near miss
        s.signin(f, at(4, 3, 30), night)                      # Tue 22:30 New York
        s.expect("PRIV-SI-10", night)
        s.signin(f, at(8, 15), weekend)                       # Sunday 10:00 New York
        s.expect("PRIV-SI-10", weekend)
        s.signin(f, at(4, 3, 40), failed, code=50126)         # near miss: not a success
        s.signin(f, at(8, 16), user)                          # near miss: not privileged
        return
    # Fabrikam has no working hours: each account's learning period decides (20 sign-ins, <1%).
    for d in range(1, 11):
        for hh in (14, 15):
            s.signin(f, at(d, hh, 10), night)
            s.signin(f, at(d, hh, 20), day)
    for d in range(1, 4):
        s.signin(f, at(d, 14, 30), few)
    s.signin(f, at(17, 3), night)                             # 03:00 UTC, never seen while learning
    s.expect("PRIV-SI-10", night)
    s.signin(f, at(17, 14, 40), day)                          # near miss: a usual hour
    s.signin(f, at(17, 3, 10), few)                           # near miss: under 20 learned sign-ins


@scenario("risky_cross_tenant", "PRIV-SI-11 risky sign-in, PRIV-SI-16 admin signed in to another tenant")
def risky_cross_tenant(s, f):
    risky, compromised, cross, dismissed, hidden, cross_failed, user = (
        acct(f, n) for n in ("adm-abe", "adm-bo", "adm-cy", "adm-di", "adm-ed", "adm-flo", "pat"))
    s.cfg(f, "privileged_accounts", [risky, compromised, cross, dismissed, hidden, cross_failed])
    s.signin(f, at(3, 15), risky, risk_state="atRisk", risk_during="medium", risk_aggregated="low")
    s.expect("PRIV-SI-11", risky)
    s.signin(f, at(3, 15, 5), compromised, code=50126, risk_state="confirmedCompromised",
             risk_during="none", risk_aggregated="high")
    s.expect("PRIV-SI-11", compromised)
    s.signin(f, at(3, 15, 10), dismissed, risk_state="dismissed", risk_during="high")  # near miss
    # A tenant without Entra ID P2 sees every level "hidden", the risk state still: counts (breaker
    # round 77).
    s.signin(f, at(3, 15, 15), hidden, risk_state="atRisk", risk_during="hidden",
             risk_aggregated="none")
    s.expect("PRIV-SI-11", hidden)
    s.signin(f, at(3, 15, 20), user, risk_state="atRisk", risk_during="high")          # near miss
    tenant = s.tenant(f)
    s.signin(f, at(3, 15, 30), cross, home=tenant, resource=OTHER_TENANT)
    s.expect("PRIV-SI-16", cross)
    s.signin(f, at(3, 15, 35), cross_failed, code=50126, home=tenant, resource=OTHER_TENANT)
    s.signin(f, at(3, 15, 40), user, home=tenant, resource=OTHER_TENANT)


@scenario("password_change", "PRIV-SI-12: password of a privileged account changed or reset")
def password_change(s, f):
    reset, selfsvc, learned, user, helpdesk = (
        acct(f, n) for n in ("adm-gil", "adm-hank", "ivy", "pat", "helpdesk"))
    s.cfg(f, "privileged_accounts", [reset, selfsvc])
    s.audit(f, at(3, 15), "Reset user password", [user_target(reset)], actor=helpdesk)
    s.expect("PRIV-SI-12", reset)
    s.audit(f, at(3, 15, 5), "Change password (self-service)", [user_target(selfsvc)],
            actor=selfsvc, service="Self-service Password Management")
    s.expect("PRIV-SI-12", selfsvc)
    # ivy is made privileged by a role assignment in PIM, then her password is reset.
    s.audit(f, at(3, 15, 10), "Add member to role in PIM completed (timebound)",
            pim_targets("Helpdesk Administrator", learned), actor=helpdesk,
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.audit(f, at(3, 15, 20), "Reset password (by admin)", [user_target(learned)], actor=helpdesk,
            service="Self-service Password Management")
    s.expect("PRIV-SI-12", learned)
    s.audit(f, at(3, 15, 30), "Reset user password", [user_target(user)], actor=helpdesk)   # near miss
    s.audit(f, at(3, 15, 35), "Update user", [user_target(reset, [prop("DisplayName", "[\"a\"]", "[\"b\"]")])],
            actor=helpdesk)                                                                   # near miss


@scenario("signin_novelty", "PRIV-SI-13 legacy protocol and PRIV-SI-14 new device or location, after 14 days of learning")
def signin_novelty(s, f):
    legacy, legacy_known, device, place, same, user = (
        acct(f, n) for n in ("adm-jo", "adm-kai", "adm-lex", "adm-max", "adm-ned", "pat"))
    s.cfg(f, "privileged_accounts", [legacy, legacy_known, device, place, same])
    paw = guid("laptop " + f)
    for who in (legacy, legacy_known, device, place, same, user):
        s.signin(f, at(1, 15), who, device_id=paw, device_name="LAPTOP-ADM")
        s.signin(f, at(2, 15), who, device_id=paw, device_name="LAPTOP-ADM")
    s.signin(f, at(3, 15), legacy_known, client_app="IMAP4", device_id=paw, device_name="LAPTOP-ADM")
    s.signin(f, at(4, 15), place, device_id=paw, country="CA", city="Toronto", state="Ontario")  # learning
    s.signin(f, at(17, 15), legacy, client_app="IMAP4", device_id=paw, device_name="LAPTOP-ADM")
    s.expect("PRIV-SI-13", legacy)
    s.signin(f, at(17, 15, 5), legacy_known, client_app="IMAP4", device_id=paw, device_name="LAPTOP-ADM")
    s.signin(f, at(17, 15, 10), device, device_id=guid("kiosk"), device_name="KIOSK-7")
    s.expect("PRIV-SI-14", device)
    s.signin(f, at(17, 15, 15), place, device_id=paw, country="DE", city="Berlin", state="Berlin")
    s.expect("PRIV-SI-14", place)
    s.signin(f, at(17, 15, 20), place, device_id=paw, country="CA", city="Toronto", state="Ontario")
    s.signin(f, at(17, 15, 25), same, device_id=paw, device_name="LAPTOP-ADM")       # near miss
    s.signin(f, at(17, 15, 30), same, code=50126, device_id=guid("kiosk"))            # near miss: failure
    s.signin(f, at(17, 15, 35), user, client_app="POP3", device_id=guid("kiosk"))     # not privileged


@scenario("tenant_hygiene", "PRIV-SI-15 PIM alert disabled, SI-17 guest promoted to member, SI-18 unapproved inviter (any account)")
def tenant_hygiene(s, f):
    actor, approved, other, guest, member = (
        acct(f, n) for n in ("nora", "hr", "oscar", "guest", "paula"))
    s.cfg(f, "approved", {"inviters": [approved]})
    s.audit(f, at(3, 15), "Disable PIM alert", [{"id": guid("alert"), "displayName": "Roles don't require multi-factor authentication for activation",
                                                  "type": "Other", "modifiedProperties": []}],
            actor=actor, category="RoleManagement", service="PIM")
    s.expect("PRIV-SI-15", actor)
    s.audit(f, at(3, 15, 5), "Enable PIM alert", [{"id": guid("alert"), "displayName": "Roles don't require multi-factor authentication for activation",
                                                    "type": "Other", "modifiedProperties": []}],
            actor=other, category="RoleManagement", service="PIM")                       # near miss
    ext = guest.replace("@", "_") .replace(".", "_") + "#EXT#@" + DOMAIN[f]
    s.audit(f, at(3, 15, 10), "Update user",
            [user_target(ext, [prop("UserType", "[\"Guest\"]", "[\"Member\"]"),
                               prop("Included Updated Properties", None, "\"UserType\"")])],
            actor=actor)
    s.expect("PRIV-SI-17", ext)
    s.audit(f, at(3, 15, 15), "Update user",
            [user_target(member, [prop("UserType", "[\"Member\"]", "[\"Guest\"]"),
                                  prop("Included Updated Properties", None, "\"UserType\"")])],
            actor=actor)                                                                  # near miss
    invited = [user_target("john_justice.org#EXT#@" + DOMAIN[f])]
    s.audit(f, at(3, 15, 20), "Invite external user", invited, actor=other,
            service="Invited Users", operation_type="Add",
            details=[{"key": "invitedUserEmailAddress", "value": "john@justice.org"}])
    s.expect("PRIV-SI-18", other)
    s.audit(f, at(3, 15, 25), "Invite external user", invited, actor=approved,
            service="Invited Users", operation_type="Add")                               # near miss


@scenario("admin_changes", "PRIV-CH-01: a privileged admin performs an activity not seen while learning")
def admin_changes(s, f):
    admin, steady, user, target = (acct(f, n) for n in ("adm-quill", "adm-rex", "pat", "sam"))
    s.cfg(f, "privileged_accounts", [admin, steady])
    for who in (admin, steady, user):
        s.audit(f, at(1, 15), "Update user", [user_target(target, [prop("Department", "[\"A\"]", "[\"B\"]")])], actor=who)
    group = [{"id": guid("group"), "displayName": "Finance", "type": "Group", "modifiedProperties": []}]
    s.audit(f, at(17, 15), "Add group", group, actor=admin, category="GroupManagement", operation_type="Add")
    s.expect("PRIV-CH-01", admin)
    s.audit(f, at(17, 15, 5), "Update user", [user_target(target, [prop("Department", "[\"B\"]", "[\"C\"]")])],
            actor=steady)                                                                 # near miss
    s.audit(f, at(17, 15, 10), "Add group", group, actor=user, category="GroupManagement",
            operation_type="Add")                                                         # not privileged


@scenario("posture_and_apps", "PRIV-CH-02 security posture lowered, PRIV-CH-03 high-value app changed (any account)")
def posture_and_apps(s, f):
    ca_admin, loc_admin, other, dev = (acct(f, n) for n in ("cara", "lou", "mia", "dev"))
    app_id = guid("payroll app " + f)
    s.cfg(f, "high_value_apps", [app_id, "HR Portal"])
    policy = [{"id": guid("policy"), "displayName": "Require MFA for admins", "type": "Policy",
               "modifiedProperties": [prop("ConditionalAccessPolicy", "{\"state\":\"enabled\"}", "{\"state\":\"disabled\"}")]}]
    s.audit(f, at(3, 15), "Update conditional access policy", policy, actor=ca_admin,
            category="Policy", service="Conditional Access")
    s.expect("PRIV-CH-02", ca_admin)
    s.audit(f, at(3, 15, 5), "Delete named location",
            [{"id": guid("loc"), "displayName": "HQ", "type": "Policy", "modifiedProperties": []}],
            actor=loc_admin, category="Policy", service="Conditional Access", operation_type="Delete")
    s.expect("PRIV-CH-02", loc_admin)
    s.audit(f, at(3, 15, 10), "Add conditional access policy", policy, actor=other,
            category="Policy", service="Conditional Access", operation_type="Add")       # near miss
    app = [{"id": app_id, "displayName": "SimuLandApp", "type": "Application",
            "modifiedProperties": [prop("KeyDescription", "[]", "[\"[KeyIdentifier=59eaeebc,KeyType=Password,KeyUsage=Verify,DisplayName=SimuLandCreds]\"]")]}]
    s.audit(f, at(3, 15, 20), "Update application – Certificates and secrets management ", app,
            actor=dev, category="ApplicationManagement")
    s.expect("PRIV-CH-03", dev)
    sp = [{"id": guid("hr sp"), "displayName": "HR Portal", "type": "ServicePrincipal", "modifiedProperties": []}]
    automation = f"Deployment Pipeline {TAG[f]}"
    s.audit(f, at(3, 15, 25), "Update service principal", sp, app_actor=automation,
            category="ApplicationManagement")
    s.expect("PRIV-CH-03", automation)  # an app actor is named by its display name (issue 9)
    other_app = [{"id": guid("wiki"), "displayName": "Wiki", "type": "Application", "modifiedProperties": []}]
    s.audit(f, at(3, 15, 30), "Update application – Certificates and secrets management ", other_app,
            actor=other, category="ApplicationManagement")                               # near miss


@scenario("domain_services", "PRIV-CH-04: sensitive privilege use (4673) in Entra Domain Services (LA SecurityEvent only)",
          formats=("la",))
def domain_services(s, f):
    admin, user = "AADDSCONTOSO\\adm-ds", "AADDSCONTOSO\\pat"
    s.tenants.setdefault(T1, {}).setdefault("privileged_accounts", []).append(admin)
    s.security_event(at(3, 15), admin, 4673)
    s.expect("PRIV-CH-04", admin)
    s.security_event(at(3, 15, 5), admin, 4674)      # near miss: another event id
    s.security_event(at(3, 15, 10), user, 4673)      # near miss: not privileged


@scenario("new_account_sequences", "PRIV-PA-01 new account made privileged, PRIV-PA-02 short-lived account (24h, either order)")
def new_account_sequences(s, f):
    admin = acct(f, "ops")
    made, late_add, slow, nonpriv, brief, brief2, kept = (
        acct(f, n) for n in ("nu", "oli", "pam", "quentin", "rae", "stu", "tia"))
    def add_user(t, who, order=None):
        s.audit(f, t, "Add user", [user_target(who, [prop("AccountEnabled", "[]", "[true]")])],
                actor=admin, operation_type="Add", order=order)
    def make_admin(t, who, role="Global Administrator", order=None):
        s.audit(f, t, "Add member to role in PIM completed (timebound)", pim_targets(role, who),
                actor=admin, category="RoleManagement", service="PIM", operation_type="Assign",
                order=order)
    add_user(at(3, 15), made)
    make_admin(at(3, 17), made)
    s.expect("PRIV-PA-01", made)
    # Out of order: the role (15:03) arrives before the account's creation (15:00).
    make_admin(at(3, 15, 3), late_add, role="User Administrator")
    add_user(at(3, 15), late_add, order=at(3, 15, 3, 1))
    s.expect("PRIV-PA-01", late_add)
    add_user(at(3, 15, 10), slow)                                 # near miss: role 25h later
    make_admin(at(4, 16, 11), slow)
    add_user(at(3, 15, 20), nonpriv)                              # near miss: role not privileged
    make_admin(at(3, 15, 30), nonpriv, role="Reports Reader")
    add_user(at(3, 16), brief)
    s.audit(f, at(3, 18), "Delete user", [user_target(brief)], actor=admin, operation_type="Delete")
    s.expect("PRIV-PA-02", brief)
    # Out of order: the hard delete (16:04) arrives before the creation (16:00).
    s.audit(f, at(3, 16, 4), "Hard delete user", [user_target(brief2)], actor=admin,
            operation_type="Delete")
    add_user(at(3, 16), brief2, order=at(3, 16, 4, 1))
    s.expect("PRIV-PA-02", brief2)
    add_user(at(3, 16, 30), kept)                                 # near miss: deleted after 2 days
    s.audit(f, at(5, 16, 40), "Delete user", [user_target(kept)], actor=admin, operation_type="Delete")


@scenario("auth_methods", "PRIV-PA-03 privileged auth methods changed, PRIV-PA-07 Temporary Access Pass issued")
def auth_methods(s, f):
    reg, admin_upd, tap, phone, user, helpdesk = (
        acct(f, n) for n in ("adm-uli", "adm-vic", "adm-wu", "adm-xe", "pat", "helpdesk"))
    s.cfg(f, "privileged_accounts", [reg, admin_upd, tap, phone])
    s.audit(f, at(3, 15), "User registered security info", [user_target(reg)], actor=reg,
            service="Authentication Methods", operation_type="Add",
            reason="User registered Authenticator App with Notification and Code")
    s.expect("PRIV-PA-03", reg)
    s.audit(f, at(3, 15, 5), "Admin updated security info", [user_target(admin_upd)], actor=helpdesk,
            service="Authentication Methods", reason="Admin updated phone method for user")
    s.expect("PRIV-PA-03", admin_upd)
    s.audit(f, at(3, 15, 10), "User started security info registration", [user_target(phone)],
            actor=phone, service="Authentication Methods")                               # near miss
    s.audit(f, at(3, 15, 15), "User registered security info", [user_target(user)], actor=user,
            service="Authentication Methods", operation_type="Add")                      # not privileged
    s.audit(f, at(3, 15, 20), "Admin registered security info", [user_target(tap)], actor=helpdesk,
            service="Authentication Methods", operation_type="Add",
            reason="Admin registered temporary access pass method for user")
    s.expect("PRIV-PA-07", tap)
    s.audit(f, at(3, 15, 25), "Admin registered security info", [user_target(phone)], actor=helpdesk,
            service="Authentication Methods", operation_type="Add",
            reason="Admin registered phone method for user")       # PA-07 near miss, PA-03 (y06)
    s.expect("PRIV-PA-03", phone)
    s.audit(f, at(3, 15, 30), "Admin registered security info", [user_target(user)], actor=helpdesk,
            service="Authentication Methods", operation_type="Add",
            reason="Admin registered temporary access pass method for user")              # not privileged


@scenario("role_assignment", "PRIV-PA-04 permanent privileged assignment, PRIV-EL-01 made eligible, PRIV-EL-02 assigned outside PIM")
def role_assignment(s, f):
    admin = acct(f, "ops")
    direct, perm, eligible, eligible_perm, pim_direct, reader, requested, timebound = (
        acct(f, n) for n in ("yara", "zane", "amy", "bea", "cal", "dee", "fin", "gia"))
    s.audit(f, at(3, 15), "Add member to role", [user_target(direct, role_props("Global Administrator"))],
            actor=admin, category="RoleManagement", operation_type="Assign")
    s.expect("PRIV-PA-04", direct)
    s.expect("PRIV-EL-02", direct)
    s.audit(f, at(3, 15, 5), "Add member to role in PIM completed (permanent)",
            pim_targets("Exchange Administrator", perm), actor=admin, category="RoleManagement",
            service="PIM", operation_type="Assign")
    s.expect("PRIV-PA-04", perm)
    s.audit(f, at(3, 15, 10), "Add eligible member to role in PIM completed (timebound)",
            pim_targets("Privileged Role Administrator", eligible), actor=admin,
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.expect("PRIV-EL-01", eligible)
    s.audit(f, at(3, 15, 15), "Add eligible member to role in PIM completed (permanent)",
            pim_targets("Security Administrator", eligible_perm), actor=admin,
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.expect("PRIV-EL-01", eligible_perm)
    s.expect("PRIV-PA-04", eligible_perm)
    # Near misses: PIM's own "Add member to role" record (panther sample), a role that is not
    # privileged, a request that is not completed, a timebound assignment.
    s.audit(f, at(3, 15, 20), "Add member to role", pim_targets("Global Administrator", pim_direct),
            actor=admin, category="RoleManagement", service="PIM", operation_type="Assign")
    s.audit(f, at(3, 15, 25), "Add member to role", [user_target(reader, role_props("Reports Reader"))],
            actor=admin, category="RoleManagement", operation_type="Assign")
    s.audit(f, at(3, 15, 30), "Add eligible member to role in PIM requested (timebound)",
            pim_targets("Global Administrator", requested), actor=admin,
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.audit(f, at(3, 15, 35), "Add member to role in PIM completed (timebound)",
            pim_targets("Global Administrator", timebound), actor=admin,
            category="RoleManagement", service="PIM", operation_type="Assign")


@scenario("unused_account", "PRIV-PA-05: privileged account with no successful sign-in for 30 days of event time")
def unused_account(s, f):
    idle, active, failing, user = (acct(f, n) for n in ("adm-hugo", "adm-iris", "adm-jack", "pat"))
    s.cfg(f, "privileged_accounts", [idle, active, failing])
    s.signin(f, at(1, 15), idle)
    s.expect("PRIV-PA-05", idle)
    s.signin(f, at(1, 15, 5), active)
    s.signin(f, at(20, 15, 5), active)                       # near miss: signed in on day 20
    s.signin(f, at(2, 15), failing, code=50126)              # only failures: no success in 30 days
    s.expect("PRIV-PA-05", failing)
    for d in range(1, 37, 5):                                 # 36 days of other traffic
        s.signin(f, at(d, 16), user)


@scenario("ca_exempt", "PRIV-PA-06: successful privileged sign-in with conditional access notApplied (break-glass excluded)")
def ca_exempt(s, f):
    exempt, failed, applied, bg, user = (acct(f, n) for n in ("adm-kev", "adm-lia", "adm-mae", "bg1", "pat"))
    s.cfg(f, "privileged_accounts", [exempt, failed, applied])
    s.cfg(f, "break_glass", [bg])
    s.signin(f, at(3, 15), exempt, ca="notApplied")
    s.expect("PRIV-PA-06", exempt)
    s.signin(f, at(3, 15, 5), failed, code=50126, ca="notApplied")   # near miss: failure
    s.signin(f, at(3, 15, 10), applied, ca="success")                # near miss
    s.signin(f, at(3, 15, 15), user, ca="notApplied")                # near miss: not privileged
    s.signin(f, at(3, 15, 20), bg, ca="notApplied")                  # break-glass: BG-01 only
    s.expect("PRIV-BG-01", bg)


def activation(s, f, t, who, role="Global Administrator", order=None):
    s.audit(f, t, "Add member to role completed (PIM activation)", pim_targets(role, who),
            actor=who, category="RoleManagement", service="PIM", operation_type="Assign",
            reason="Ticket 4711", order=order)


def expiry(s, f, t, who, role="Global Administrator", order=None):
    s.audit(f, t, "Remove member from role completed (PIM activation expired)",
            pim_targets(role, who), app_actor="MS-PIM", category="RoleManagement",
            service="PIM", operation_type="Unassign", reason="Timebound assignment expired",
            order=order)


def deactivation(s, f, t, who, role="Global Administrator", order=None):
    s.audit(f, t, "Remove member from role completed (PIM deactivate)", pim_targets(role, who),
            actor=who, category="RoleManagement", service="PIM", operation_type="Unassign",
            order=order)


@scenario("elevation_novelty", "PRIV-EL-03: PIM activation of a role the account did not activate while learning")
def elevation_novelty(s, f):
    newrole, same, user = (acct(f, n) for n in ("adm-ned", "adm-ola", "pat"))
    s.cfg(f, "privileged_accounts", [newrole, same])
    for who in (newrole, same):
        activation(s, f, at(1, 15), who, role="Security Administrator")
        expiry(s, f, at(1, 16), who, role="Security Administrator")
    activation(s, f, at(17, 15), newrole, role="Global Administrator")
    expiry(s, f, at(17, 16), newrole, role="Global Administrator")
    s.expect("PRIV-EL-03", newrole)
    activation(s, f, at(17, 15, 10), same, role="Security Administrator")          # near miss
    expiry(s, f, at(17, 16, 10), same, role="Security Administrator")
    if f == "la":
        # Fabrikam has no working hours: outside the hours this account learned (as PRIV-SI-10).
        night, usual = acct(f, "adm-pia"), acct(f, "adm-quinn")
        s.cfg(f, "privileged_accounts", [night, usual])
        for who in (night, usual):
            for d in range(1, 11):
                for hh in (14, 15):
                    s.signin(f, at(d, hh, 10), who)
            activation(s, f, at(2, 15), who, role="Security Administrator")
            expiry(s, f, at(2, 16), who, role="Security Administrator")
        activation(s, f, at(17, 3), night, role="Security Administrator")      # 03:00 UTC
        expiry(s, f, at(17, 4), night, role="Security Administrator")
        s.expect("PRIV-EL-03", night)
        s.expect("PRIV-SI-10", night)  # its sign-in before the activation is off-hours too
        s.signin(f, at(17, 2, 55), night)
        activation(s, f, at(17, 14, 30), usual, role="Security Administrator")  # near miss
        expiry(s, f, at(17, 15, 30), usual, role="Security Administrator")
    s.signin(f, at(17, 18), user)


@scenario("elevation_requests_settings", "PRIV-EL-04 elevation request denied, PRIV-EL-05 PIM settings changed (any account)")
def elevation_requests_settings(s, f):
    denied, approved, user, approver, setter, other = (
        acct(f, n) for n in ("adm-pat", "adm-rob", "pat", "adm-boss", "sid", "tess"))
    s.cfg(f, "privileged_accounts", [denied, approved, approver])
    if f == "graph":
        s.audit(f, at(3, 15), "Request denied", pim_targets("Global Administrator", denied),
                actor=approver, category="RoleManagement", service="PIM")
    else:
        s.audit(f, at(3, 15), "Add member to role request denied (PIM activation)",
                pim_targets("Global Administrator", denied), actor=approver,
                category="RoleManagement", service="PIM", reason="Not justified")
    s.expect("PRIV-EL-04", denied)
    s.audit(f, at(3, 15, 5), "Add member to role request approved (PIM activation)",
            pim_targets("Global Administrator", approved), actor=approver,
            category="RoleManagement", service="PIM")                                   # near miss
    s.audit(f, at(3, 15, 6), "Add member to role request denied (PIM activation)",
            pim_targets("Reports Reader", user), actor=approver,
            category="RoleManagement", service="PIM")                                   # not privileged
    s.audit(f, at(3, 15, 10), "Update role setting in PIM",
            [role_target("Global Administrator"),
             {"id": guid("setting"), "displayName": "Global Administrator", "type": "Other",
              "modifiedProperties": [prop("Require MFA on activation", "\"True\"", "\"False\"")]}],
            actor=setter, category="RoleManagement", service="PIM")
    s.expect("PRIV-EL-05", setter)
    s.audit(f, at(3, 15, 15), "Enable PIM alert",
            [{"id": guid("alert"), "displayName": "Too many global administrators", "type": "Other",
              "modifiedProperties": []}], actor=other, category="RoleManagement", service="PIM")


@scenario("paw", "PRIV-EL-06: PIM activation without a sign-in from a privileged access workstation in the hour before")
def paw(s, f):
    late, before, nosignin, onpaw, stale = (
        acct(f, n) for n in ("adm-uri", "adm-vera", "adm-will", "adm-xan", "adm-yves"))
    s.cfg(f, "privileged_accounts", [late, before, nosignin, onpaw, stale])
    paw_id = guid("paw " + f)
    s.cfg(f, "paw_devices", [paw_id])
    laptop = guid("laptop " + f)
    # Out of order: the activation (15:00) arrives before the non-PAW sign-in of 14:57.
    activation(s, f, at(3, 15), late)
    s.signin(f, at(3, 14, 57), late, device_id=laptop, device_name="LAPTOP-HOME", order=at(3, 15, 0, 1))
    s.expect("PRIV-EL-06", late)
    s.signin(f, at(3, 14, 20), before, device_id=laptop, device_name="LAPTOP-HOME")
    activation(s, f, at(3, 15, 10), before)
    s.expect("PRIV-EL-06", before)
    activation(s, f, at(3, 15, 15), nosignin)                 # no sign-in seen in the hour
    s.expect("PRIV-EL-06", nosignin)
    s.signin(f, at(3, 15, 18), onpaw, device_id=paw_id, device_name="PAW-01")   # near miss
    activation(s, f, at(3, 15, 20), onpaw)
    s.signin(f, at(3, 13, 30), stale, device_id=laptop, device_name="LAPTOP-HOME")  # > 1h before
    s.signin(f, at(3, 15, 25), stale, device_id=paw_id, device_name="PAW-01")
    activation(s, f, at(3, 15, 30), stale)                                       # near miss
    for who, t in ((late, 15), (before, 25), (nosignin, 30), (onpaw, 35), (stale, 40)):
        deactivation(s, f, at(3, 15, t + 5), who)


@scenario("elevate_access", "PRIV-EL-07: elevated to manage all Azure subscriptions (Azure Activity and audit forms, any account)")
def elevate_access(s, f):
    aa, au, other = (acct(f, n) for n in ("zoe", "ari", "ben"))
    if f in ("diag", "la"):
        s.azure_activity(f, at(3, 15), aa, "Microsoft.Authorization/elevateAccess/action")
        s.expect("PRIV-EL-07", aa)
        s.azure_activity(f, at(3, 15, 5), other, "Microsoft.Authorization/roleAssignments/write")
    s.audit(f, at(3, 15, 10), "User has elevated their access to User Access Administrator for their Azure Resources",
            [], actor=au, category="AzureRBACRoleManagementElevateAccess",
            service="Azure RBAC (Elevated Access)", operation_type="Assign",
            details=[{"key": "Action", "value": "Microsoft.Authorization/elevateAccess/action"}])
    s.expect("PRIV-EL-07", au)
    s.audit(f, at(3, 15, 15), "Update user", [user_target(other, [prop("Department", "[\"A\"]", "[\"B\"]")])],
            actor=au)                                                                    # near miss


@scenario("elevation_expiry", "PRIV-EL-08: PIM activation not ended within the policy (1h + 5m grace)")
def elevation_expiry(s, f):
    long_, late, expired, early, learned, user = (
        acct(f, n) for n in ("adm-zia", "adm-ace", "adm-bex", "adm-cid", "dax", "pat"))
    s.cfg(f, "privileged_accounts", [long_, late, expired, early])
    activation(s, f, at(3, 15), long_)                          # never ended
    s.expect("PRIV-EL-08", long_)
    # Out of order: the account's sign-in of 15:03 arrives before its activation of 15:00.
    s.signin(f, at(3, 15, 3), late)
    activation(s, f, at(3, 15), late, order=at(3, 15, 3, 1))
    expiry(s, f, at(3, 16, 20), late)                           # ended after 1h20m: too late
    s.expect("PRIV-EL-08", late)
    activation(s, f, at(3, 15, 10), expired)                    # near miss: expired after 1h
    expiry(s, f, at(3, 16, 10), expired)
    # Near miss, out of order: the deactivation (15:24) arrives before the activation (15:20).
    deactivation(s, f, at(3, 15, 24), early)
    activation(s, f, at(3, 15, 20), early, order=at(3, 15, 24, 1))
    # Near miss, out of order, for an account that is privileged only because it activates.
    deactivation(s, f, at(3, 15, 34), learned)
    activation(s, f, at(3, 15, 30), learned, order=at(3, 15, 34, 1))
    s.signin(f, at(3, 18), user)                                # traffic past every deadline


MIXED_DOMAIN = {"diag": "contoso.com", "graph": "northwind.com", "la": "fabrikam.com"}


def mixed(s):
    """Three tenants, all formats in one file, each record delayed 0-4 minutes (within lateness)."""
    s.graph_tenant = T3
    s.single_file = "mixed.ndjson"
    s.jitter = random.Random(20261103)
    def a(fmt, name):
        return f"{name}@{MIXED_DOMAIN[fmt]}"
    d, g, l = "diag", "graph", "la"
    # Contoso (diagnostic records)
    s.cfg(d, "break_glass", [a(d, "bg1")])
    s.cfg(d, "privileged_accounts", [a(d, "adm-ana"), a(d, "adm-bo"), a(d, "adm-cy"), a(d, "adm-dee")])
    s.cfg(d, "approved", {"countries": ["US", "CA"]})
    s.signin(d, at(3, 15), a(d, "bg1"), ca="notApplied")
    s.expect("PRIV-BG-01", a(d, "bg1"))
    s.signin(d, at(3, 15, 2), a(d, "adm-ana"), country="BR", city="Sao Paulo", state="Sao Paulo")
    s.expect("PRIV-SI-09", a(d, "adm-ana"))
    s.signin(d, at(3, 15, 3), a(d, "adm-bo"), country="CA", city="Toronto", state="Ontario")
    s.signin(d, at(3, 15, 5), a(d, "adm-bo"), code=50074, step_detail="MFA required in Azure AD")
    s.expect("PRIV-SI-04", a(d, "adm-bo"))
    s.signin(d, at(3, 15, 6), a(d, "adm-cy"), code=50074, step_detail="MFA required in Azure AD")
    s.signin(d, at(3, 15, 8), a(d, "adm-cy"))
    s.audit(d, at(3, 15, 10), "Reset user password", [user_target(a(d, "adm-cy"))], actor=a(d, "helpdesk"))
    s.expect("PRIV-SI-12", a(d, "adm-cy"))
    s.audit(d, at(3, 15, 12), "Add user", [user_target(a(d, "temp"))], actor=a(d, "ops"), operation_type="Add")
    s.audit(d, at(3, 19), "Delete user", [user_target(a(d, "temp"))], actor=a(d, "ops"), operation_type="Delete")
    s.expect("PRIV-PA-02", a(d, "temp"))
    s.audit(d, at(3, 15, 14), "Add user", [user_target(a(d, "keeper"))], actor=a(d, "ops"), operation_type="Add")
    activation(s, d, at(3, 15, 20), a(d, "adm-dee"))
    s.expect("PRIV-EL-08", a(d, "adm-dee"))
    activation(s, d, at(3, 15, 25), a(d, "adm-ana"))
    expiry(s, d, at(3, 16, 25), a(d, "adm-ana"))
    s.azure_activity(d, at(3, 15, 30), a(d, "zoe"), "Microsoft.Authorization/elevateAccess/action")
    s.expect("PRIV-EL-07", a(d, "zoe"))
    s.azure_activity(d, at(3, 15, 31), a(d, "ops"), "Microsoft.Authorization/roleAssignments/write")
    # Fabrikam (Log Analytics rows)
    s.cfg(l, "privileged_accounts", [a(l, "adm-eve"), a(l, "adm-fay"), a(l, "adm-gil"), a(l, "adm-hal")])
    for i in range(5):
        s.signin(l, at(3, 15, 1 + i), a(l, "adm-eve"), code=50126)
    s.expect("PRIV-SI-01", a(l, "adm-eve"))
    for i in range(4):
        s.signin(l, at(3, 15, 1 + i, 30), a(l, "adm-fay"), code=50126)
    s.signin(l, at(3, 15, 9), a(l, "adm-fay"), ca="notApplied")
    s.expect("PRIV-PA-06", a(l, "adm-fay"))
    s.signin(l, at(3, 15, 11), a(l, "pat"), ca="notApplied")
    s.audit(l, at(3, 15, 15), "Add member to role in PIM completed (timebound)",
            pim_targets("Global Administrator", a(l, "newbie")), actor=a(l, "adm-gil"),
            category="RoleManagement", service="PIM", operation_type="Assign")
    s.audit(l, at(3, 15, 13), "Add user", [user_target(a(l, "newbie"))], actor=a(l, "adm-gil"),
            operation_type="Add", order=at(3, 15, 15, 1))
    s.expect("PRIV-PA-01", a(l, "newbie"))
    s.audit(l, at(3, 15, 20), "Delete conditional access policy",
            [{"id": guid("ca"), "displayName": "Block legacy auth", "type": "Policy", "modifiedProperties": []}],
            actor=a(l, "adm-gil"), category="Policy", service="Conditional Access", operation_type="Delete")
    s.expect("PRIV-CH-02", a(l, "adm-gil"))
    s.audit(l, at(3, 15, 22), "Admin registered security info", [user_target(a(l, "adm-hal"))],
            actor=a(l, "adm-gil"), service="Authentication Methods", operation_type="Add",
            reason="Admin registered temporary access pass method for user")
    s.expect("PRIV-PA-07", a(l, "adm-hal"))
    s.audit(l, at(3, 15, 24), "Admin registered security info", [user_target(a(l, "pat"))],
            actor=a(l, "adm-gil"), service="Authentication Methods", operation_type="Add",
            reason="Admin registered temporary access pass method for user")
    # Northwind (Graph, tenant from --tenant)
    s.cfg(g, "privileged_accounts", [a(g, "adm-ivo"), a(g, "adm-jun"), a(g, "adm-kit"), a(g, "adm-lee")])
    s.cfg(g, "paw_devices", [guid("northwind paw")])
    s.cfg(g, "approved", {"inviters": [a(g, "hr")]})
    s.signin(g, at(3, 15, 4), a(g, "adm-ivo"), code=53003, ca="failure")
    s.expect("PRIV-SI-02", a(g, "adm-ivo"))
    s.signin(g, at(3, 15, 7), a(g, "adm-jun"), risk_state="atRisk", risk_during="high",
             device_id=guid("northwind paw"), device_name="PAW-01")
    s.expect("PRIV-SI-11", a(g, "adm-jun"))
    activation(s, g, at(3, 15, 10), a(g, "adm-jun"))
    deactivation(s, g, at(3, 15, 40), a(g, "adm-jun"))
    s.signin(g, at(3, 15, 12), a(g, "adm-kit"), device_id=guid("kit laptop"), device_name="LAPTOP-KIT")
    activation(s, g, at(3, 15, 16), a(g, "adm-kit"))
    deactivation(s, g, at(3, 15, 50), a(g, "adm-kit"))
    s.expect("PRIV-EL-06", a(g, "adm-kit"))
    s.audit(g, at(3, 15, 18), "Add member to role", [user_target(a(g, "adm-lee"), role_props("Exchange Administrator"))],
            actor=a(g, "adm-ivo"), category="RoleManagement", operation_type="Assign")
    s.expect("PRIV-EL-02", a(g, "adm-lee"))
    s.expect("PRIV-PA-04", a(g, "adm-lee"))
    s.audit(g, at(3, 15, 21), "Invite external user", [user_target("ann_example.com#EXT#@northwind.com")],
            actor=a(g, "sales"), service="Invited Users", operation_type="Add")
    s.expect("PRIV-SI-18", a(g, "sales"))
    s.audit(g, at(3, 15, 23), "Invite external user", [user_target("bob_example.com#EXT#@northwind.com")],
            actor=a(g, "hr"), service="Invited Users", operation_type="Add")
    s.signin(g, at(3, 17), a(g, "pat"))                           # traffic past every deadline


def main():
    for name, about, formats, fn in SCENARIOS:
        s = Scenario(name, about)
        for f in formats:
            fn(s, f)
        s.write()
    s = Scenario("mixed", "three tenants, three formats interleaved in one file, mildly out of order, 17 rules")
    mixed(s)
    s.write()
    print(f"wrote {len(SCENARIOS) + 1} scenarios")


if __name__ == "__main__":
    main()
