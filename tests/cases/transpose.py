#!/usr/bin/env python3
"""Writes a field case (../shared/cases, tests/regressions) again in another of the three shapes that
carry Entra data, so that the same case is judged in every shape privmon reads.

    transpose.py FORM CASE_DIR OUT_DIR        FORM: graph | diag | la | la_text | graph_ps |
                                              graph_batch | ecs

The three shapes (../shared/corpus/SCHEMA.md): a Microsoft Graph object (signIn, directoryAudit;
one per line, with a "<tenant>\\t" frame when the tenant is known: Graph records name none), an Azure
Monitor diagnostic record (the Graph object in `properties`, `time`, `tenantId`, `category`,
`operationName`, `resultType`, `correlationId`, `identity` around it) and a Log Analytics row
(PascalCase columns, `Type` naming the table, the tenant in `AADTenantId`). Sign-ins and audit
records are read from any of the three (an Event Hubs batch or a Graph page is read element by
element) and written one per line in FORM; every other line or record (registration details, Azure
Activity, other categories, lines that are not JSON) is written as it was. Two variants of the
shapes as real exports write them: `la_text` (a row's dynamic columns as JSON text) and `graph_ps`
(a Graph object with PascalCase names at every depth, as Graph PowerShell's ConvertTo-Json writes),
`graph_batch` (each Graph object in an indented Graph JSON $batch response) and `ecs` (each
record as Elastic's Azure integration stores it, the diagnostic record in event.original). config.yaml, args and
expected.txt are copied: the verdicts must not depend on the shape.

What a shape cannot carry is not invented: a diagnostic record's `identity` has no Graph field (it
is dropped in the Graph shape) and a Graph record names no tenant (the frame carries it).
Exit 0 when OUT_DIR was written, 2 on a usage error.
"""
import json
import re
import os
import shutil
import sys

SIGNIN_TABLES = {  # diagnostic category -> Log Analytics table
    "SignInLogs": "SigninLogs",
    "NonInteractiveUserSignInLogs": "AADNonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs": "AADServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs": "AADManagedIdentitySignInLogs",
}
AUDIT_TABLE = "AuditLogs"
# Graph name -> Log Analytics column where the column is not the name with its first letter raised.
SIGNIN_RENAMED = {
    "ipAddress": "IPAddress",
    "location": "LocationDetails",
    "appliedConditionalAccessPolicies": "ConditionalAccessPolicies",
    "riskEventTypes_v2": "RiskEventTypes_V2",
}
AUDIT_RENAMED = {"operationType": "AADOperationType"}
WORKSPACE_ID = "00000000-0000-4000-8000-0000000000a1"  # the LA workspace (TenantId column)


def upper_first(name):
    return name[:1].upper() + name[1:]


def lower_first(name):
    return name[:1].lower() + name[1:]


# Graph beta's signInEventTypes -> the diagnostic category that holds such sign-ins.
EVENT_TYPE_CATEGORIES = {
    "servicePrincipal": "ServicePrincipalSignInLogs",
    "managedIdentity": "ManagedIdentitySignInLogs",
    "nonInteractiveUser": "NonInteractiveUserSignInLogs",
    "interactiveUser": "SignInLogs",
}


# Members only a Graph signIn has among the objects with createdDateTime and a user (a user,
# Global Secure Access's networkAccessTraffic): privmon reads an object as a sign-in by one of them.
SIGNIN_MEMBERS = ("status", "resultType", "clientAppUsed", "conditionalAccessStatus", "isInteractive",
                  "signInEventTypes", "appId", "riskState", "riskLevelDuringSignIn",
                  "riskLevelAggregated", "deviceDetail", "location")
# Graph resources of the logs privmon does not read (a record's @odata.type, a page's context).
OTHER_LOG_RESOURCES = ("networkaccess", "riskyserviceprincipal", "serviceprincipalriskdetection",
                       "riskyuser", "riskdetection", "provisioning", "signup")


# Members only the objects of those logs have (parsers/record_fields.h, OtherLogMember): privmon
# tells such an object by one of them when no @odata annotation names its log.
OTHER_LOG_MEMBERS = ("risklastupdateddatetime", "riskeventtype", "detecteddatetime",
                     "transactionid", "traffictype", "destinationfqdn", "provisioningaction",
                     "provisioningsteps", "provisioningstatusinfo")


def other_log_resource(name):
    return isinstance(name, str) and any(r in name.lower() for r in OTHER_LOG_RESOURCES)


def kind_of_graph(rec):
    if other_log_resource(rec.get("@odata.type")):
        return None
    if any(k.lower() in OTHER_LOG_MEMBERS and rec[k] is not None for k in rec):
        return None
    if "createdDateTime" in rec or "CreatedDateTime" in rec:
        if not any(k in rec or upper_first(k) in rec for k in SIGNIN_MEMBERS) and \
                "servicePrincipalId" not in rec:
            return None
        types = rec.get("signInEventTypes")
        if isinstance(types, str):  # plain text names (m7b): an mv-expand row, or names joined
            types = [t for t in re.split(r"[,;\s]+", types) if t]
        for t in types if isinstance(types, list) else []:
            if t in EVENT_TYPE_CATEGORIES:
                return EVENT_TYPE_CATEGORIES[t]
        return "SignInLogs" if rec.get("isInteractive", True) not in (False, "false", "False") \
            else "NonInteractiveUserSignInLogs"
    if "activityDateTime" in rec or "ActivityDateTime" in rec:
        return AUDIT_TABLE
    return None


def dynamic(value):
    """A Log Analytics dynamic column given as JSON text: its value."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def from_la(row):
    """(category, tenant, graph record, identity) of a Log Analytics row, or None."""
    table = row.get("Type")
    category = next((c for c, t in SIGNIN_TABLES.items() if t == table), None)
    if table == AUDIT_TABLE:
        category = AUDIT_TABLE
    if category is None:
        return None
    renamed = AUDIT_RENAMED if category == AUDIT_TABLE else SIGNIN_RENAMED
    back = {v: k for k, v in renamed.items()}
    rec = {}
    skip = {"Type", "TenantId", "AADTenantId", "TimeGenerated", "SourceSystem", "OperationName",
            "Identity", "Level", "Location", "ResultType", "ResultDescription", "ResultSignature",
            "DurationMs", "OperationVersion", "Resource", "ResourceGroup", "ResourceId",
            "ResourceProvider", "_ResourceId", "_SubscriptionId", "Category"}
    for key, value in row.items():
        if key in skip:
            continue
        rec[back.get(key, lower_first(key))] = dynamic(value)
    if category == AUDIT_TABLE:
        rec["category"] = row.get("Category")
        rec.setdefault("activityDisplayName", row.get("OperationName"))
        if row.get("ResultDescription"):  # an audit row's reason, where ResultReason is ""
            rec["resultDescription"] = row["ResultDescription"]
    else:
        status = rec.get("status") if isinstance(rec.get("status"), dict) else {}
        if "ResultType" in row and "errorCode" not in status:
            try:
                status["errorCode"] = int(row["ResultType"])
            except (TypeError, ValueError):
                status["errorCode"] = row["ResultType"]
        if row.get("ResultDescription") and "failureReason" not in status:
            status["failureReason"] = row["ResultDescription"]
        rec["status"] = status
    time_key = "activityDateTime" if category == AUDIT_TABLE else "createdDateTime"
    rec.setdefault(time_key, row.get("TimeGenerated"))
    tenant = row.get("AADTenantId")
    for key in ("_ResourceId", "ResourceId"):  # "/tenants/<id>/providers/Microsoft.aadiam"
        path = str(row.get(key) or "")
        if not tenant and path.lower().startswith("/tenants/"):
            tenant = path.split("/")[2]
    return category, tenant, rec, row.get("Identity")


def from_diag(rec):
    category = rec.get("category")
    if not isinstance(category, str) or (category not in SIGNIN_TABLES and category != AUDIT_TABLE):
        return None
    props = rec.get("properties")
    if isinstance(props, str):
        props = dynamic(props)
    if not isinstance(props, dict):
        return None
    graph = dict(props)
    time_key = "activityDateTime" if category == AUDIT_TABLE else "createdDateTime"
    graph.setdefault(time_key, rec.get("time"))
    if category == AUDIT_TABLE:
        # What a record names only in its envelope (the activity in operationName, the outcome):
        # the Graph shape keeps it where a Graph directoryAudit has it.
        if "activityDisplayName" not in graph and rec.get("operationName"):
            graph["activityDisplayName"] = rec["operationName"]
        outcome = rec.get("result") or rec.get("resultType")
        if "result" not in graph and outcome:
            graph["result"] = outcome
        # The envelope's reason, where some exports leave resultReason "": kept beside the
        # record's (in `properties` of a diagnostic record, a column of a row; no Graph member).
        if "resultDescription" not in graph and rec.get("resultDescription"):
            graph["resultDescription"] = rec["resultDescription"]
    elif rec.get("resultType") not in (None, ""):
        # A sign-in's outcome stated only by the envelope ("50126", or "Failure" as some exports
        # write it): kept in status.errorCode, as from_la keeps a row's ResultType.
        status = dict(graph["status"]) if isinstance(graph.get("status"), dict) else {}
        if "errorCode" not in status:
            try:
                status["errorCode"] = int(rec["resultType"])
            except (TypeError, ValueError):
                status["errorCode"] = rec["resultType"]
            graph["status"] = status
    return category, rec.get("tenantId"), graph, rec.get("identity")


def read(obj, frame_tenant):
    """(category, tenant, graph record, identity) of one record in any shape, or None."""
    if not isinstance(obj, dict):
        return None
    if "Type" in obj:
        return from_la(obj)
    if "properties" in obj and "category" in obj:
        return from_diag(obj)
    category = kind_of_graph(obj)
    if category is None or any(k[:1].isupper() for k in obj):  # PascalCase exports stay as they are
        return None
    return category, frame_tenant, dict(obj), None


def graph_members(rec):
    """A record's Graph members: an audit record's resultDescription (a diagnostic record's or a
    row's reason) is no member of a Graph directoryAudit."""
    return {k: v for k, v in rec.items() if k.lower() != "resultdescription"}


def to_graph(category, tenant, rec, identity):
    line = json.dumps(graph_members(rec), separators=(",", ":"))
    return f"{tenant}\t{line}" if tenant else line


def to_diag(category, tenant, rec, identity):
    audit = category == AUDIT_TABLE
    time = rec.get("activityDateTime" if audit else "createdDateTime")
    out = {"time": time, "resourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam"
           if tenant else "/providers/Microsoft.aadiam",
           "operationName": rec.get("activityDisplayName") if audit else "Sign-in activity",
           "operationVersion": "1.0", "category": category}
    if tenant:
        out["tenantId"] = tenant
    if audit:
        out["resultType"] = rec.get("result") or ""
    else:
        status = rec.get("status") if isinstance(rec.get("status"), dict) else {}
        out["resultType"] = str(status.get("errorCode", ""))
    if rec.get("correlationId"):
        out["correlationId"] = rec["correlationId"]
    if identity:
        out["identity"] = identity
    out["Level"] = 4
    out["properties"] = rec
    return json.dumps(out, separators=(",", ":"))


def to_la(category, tenant, rec, identity):
    audit = category == AUDIT_TABLE
    renamed = AUDIT_RENAMED if audit else SIGNIN_RENAMED
    row = {"TenantId": WORKSPACE_ID, "SourceSystem": "Azure AD",
           "TimeGenerated": rec.get("activityDateTime" if audit else "createdDateTime")}
    for key, value in rec.items():
        row[renamed.get(key, upper_first(key))] = value
    if audit:
        row["OperationName"] = rec.get("activityDisplayName")
        row["Category"] = rec.get("category")
        if identity:
            row["Identity"] = identity
    else:
        status = rec.get("status") if isinstance(rec.get("status"), dict) else {}
        row["OperationName"] = "Sign-in activity"
        row["Category"] = category
        row["ResultType"] = str(status.get("errorCode", ""))
        row["ResultDescription"] = status.get("failureReason")
        location = rec.get("location") if isinstance(rec.get("location"), dict) else {}
        row["Location"] = location.get("countryOrRegion")
    if tenant:
        row["AADTenantId"] = tenant
    row["Type"] = AUDIT_TABLE if audit else SIGNIN_TABLES[category]
    return json.dumps(row, separators=(",", ":"))


def to_la_text(category, tenant, rec, identity):
    """A Log Analytics row whose dynamic columns arrive as JSON text (SCHEMA.md: either way)."""
    row = json.loads(to_la(category, tenant, rec, identity))
    for key, value in row.items():
        if isinstance(value, (dict, list)):
            row[key] = json.dumps(value, separators=(",", ":"))
    return json.dumps(row, separators=(",", ":"))


def pascal(value):
    if isinstance(value, dict):
        return {upper_first(k): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def to_graph_ps(category, tenant, rec, identity):
    """A Graph object as Graph PowerShell's ConvertTo-Json writes it: PascalCase at every depth."""
    return to_graph(category, tenant, pascal(rec), identity)


def to_graph_batch(category, tenant, rec, identity):
    """A Graph object as one response of a Graph JSON $batch response (POST /$batch: the page its
    listing answered), indented as `az rest` and Graph PowerShell save it: the file source streams
    it (pipeline/json_stream_framer.h)."""
    log = "directoryAudits" if category == AUDIT_TABLE else "signIns"
    batch = {"responses": [{
        "id": "1", "status": 200, "headers": {"Content-Type": "application/json"},
        "body": {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/" + log,
                 "value": [graph_members(rec)]}}]}
    text = json.dumps(batch, indent=2)
    return f"{tenant}\t{text}" if tenant else text


def to_ecs(category, tenant, rec, identity):
    """A diagnostic record as Elastic's Azure integration stores it: an Elastic Common Schema
    document (field names as in corpus/more/elastic-integrations/ecs-expected) keeping the record
    in event.original (the integration's preserve_original_event tag), read back from Elasticsearch
    one document per line."""
    original = to_diag(category, tenant, rec, identity)
    diag = json.loads(original)
    log = "auditlogs" if category == AUDIT_TABLE else "signinlogs"
    azure = {log: {"category": category, "operation_name": diag.get("operationName"),
                   "operation_version": "1.0"},
             "resource": {"id": diag["resourceId"], "provider": "Microsoft.aadiam"}}
    if diag.get("correlationId"):
        azure["correlation_id"] = diag["correlationId"]
    if tenant:
        azure["tenant_id"] = tenant
    doc = {"@timestamp": diag.get("time"), "azure": azure, "cloud": {"provider": "azure"},
           "ecs": {"version": "8.11.0"},
           "event": {"action": diag.get("operationName"), "kind": "event", "original": original},
           "tags": ["preserve_original_event"]}
    line = json.dumps(doc, separators=(",", ":"))
    return f"{tenant}\t{line}" if tenant else line


WRITERS = {"graph": to_graph, "diag": to_diag, "la": to_la, "la_text": to_la_text,
           "graph_ps": to_graph_ps, "graph_batch": to_graph_batch, "ecs": to_ecs}


def transpose_line(line, write):
    line = line.removeprefix("\ufeff")  # a byte order mark is no part of a frame or a record
    frame_tenant, payload = None, line
    head = line.lstrip()
    if head[:1] not in ("{", "[") and "\t" in line:
        frame_tenant, payload = line.split("\t", 1)
        frame_tenant = frame_tenant.strip()
    def read_bare(obj, tenant):  # a frame names the tenant bare: "{GUID}" would open a JSON value
        got = read(obj, tenant)
        if got and got[1]:
            got = (got[0], str(got[1]).strip("{}"), got[2], got[3])
        return got
    try:
        doc = json.loads(payload)
    except ValueError:
        return [line]
    context = doc.get("@odata.context") if isinstance(doc, dict) else None
    if isinstance(context, str) and other_log_resource(context.partition("#")[2]):
        return [line]  # a page of another log's resource: its records are that log's
    elements = None
    if isinstance(doc, list):
        elements = doc
    elif isinstance(doc, dict) and isinstance(doc.get("records"), list):
        elements = doc["records"]
    elif isinstance(doc, dict) and isinstance(doc.get("value"), list):
        elements = doc["value"]
    if elements is None:
        got = read_bare(doc, frame_tenant)
        return [write(*got) if got else line]
    out, kept = [], []
    for element in elements:
        got = read_bare(element, frame_tenant)
        if got:
            out.append(write(*got))
        else:
            kept.append(element)
    if kept:  # what cannot be transposed stays in its envelope, in its order
        if isinstance(doc, list):
            rest = kept
        else:
            rest = dict(doc)
            rest["records" if "records" in doc else "value"] = kept
        text = json.dumps(rest, separators=(",", ":"))
        out.insert(0, f"{frame_tenant}\t{text}" if frame_tenant else text)
    return out


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in WRITERS:
        print(__doc__, file=sys.stderr)
        return 2
    transpose_case(sys.argv[1], sys.argv[2], sys.argv[3])
    return 0


def transpose_case(form, case, out_dir):
    """Writes case folder `case` into `out_dir` with its records in `form`."""
    os.makedirs(out_dir, exist_ok=True)
    for name in ("config.yaml", "args", "expected.txt"):
        if os.path.exists(os.path.join(case, name)):
            shutil.copy(os.path.join(case, name), os.path.join(out_dir, name))
    lines = []
    with open(os.path.join(case, "input.ndjson"), encoding="utf-8", errors="surrogateescape") as f:
        for line in f.read().splitlines():
            lines.extend(transpose_line(line, WRITERS[form]) if line.strip() else [line])
    with open(os.path.join(out_dir, "input.ndjson"), "w", encoding="utf-8",
              errors="surrogateescape") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
