#!/usr/bin/env python3
"""Writes stream.ndjson, the pipeline tests' input: Azure Monitor diagnostic records shaped like
the real samples in shared/corpus/elastic-azure (same field names), for two tenants, with attacks
the builtin config detects (new account made Global Administrator, bad-password bursts, CA blocks,
PIM alert disabled), ordinary noise, and a few malformed lines. Deterministic; run it again to
regenerate: python3 make_stream.py > stream.ndjson"""
import json, random

rng = random.Random(7)
TENANTS = ["11111111-2222-3333-4444-555555555555", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]


def ts(minute):
    h, m = divmod(minute, 60)
    d, h = divmod(h, 24)
    return "2026-11-%02dT%02d:%02d:%02d.%07dZ" % (10 + d, h, m, rng.randrange(60), rng.randrange(10**7))


def signin(tenant, upn, uid, minute, code=0, country="US", device=""):
    t = ts(minute)
    rid = "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), rng.getrandbits(48))
    return {"time": t, "resourceId": "/tenants/%s/providers/Microsoft.aadiam" % tenant,
            "operationName": "Sign-in activity", "operationVersion": "1.0", "category": "SignInLogs",
            "tenantId": tenant, "resultType": str(code), "resultSignature": "None", "durationMs": 0,
            "callerIpAddress": "203.0.113.%d" % rng.randrange(1, 250), "correlationId": rid,
            "identity": upn, "Level": 4, "location": country,
            "properties": {"id": rid, "createdDateTime": t, "userDisplayName": upn,
                           "userPrincipalName": upn, "userId": uid,
                           "appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "appDisplayName": "Azure Portal",
                           "ipAddress": "203.0.113.7", "status": {"errorCode": code}, "clientAppUsed": "Browser",
                           "deviceDetail": {"deviceId": device, "operatingSystem": "Windows 10", "browser": "Edge 97.0.1072"},
                           "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": country},
                           "conditionalAccessStatus": "success", "isInteractive": True,
                           "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none",
                           "riskState": "none", "resourceTenantId": tenant, "homeTenantId": tenant}}


def audit(tenant, activity, category, target_upn, target_id, minute, role=None, service="Core Directory",
          actor="hr-admin@contoso.com"):
    t = ts(minute)
    rid = "Directory_%08x_%d" % (rng.getrandbits(32), rng.randrange(10**6))
    targets = [{"id": target_id, "displayName": target_upn, "type": "User", "userPrincipalName": target_upn,
                "modifiedProperties": []}]
    if role:
        targets[0]["modifiedProperties"].append({"displayName": "Role.DisplayName", "oldValue": None,
                                                 "newValue": json.dumps(role)})
    return {"time": t, "resourceId": "/tenants/%s/providers/Microsoft.aadiam" % tenant,
            "operationName": activity, "operationVersion": "1.0", "category": "AuditLogs", "tenantId": tenant,
            "resultSignature": "None", "durationMs": 0, "correlationId": rid, "Level": 4,
            "properties": {"id": rid, "category": category, "correlationId": rid, "result": "success",
                           "resultReason": "", "activityDisplayName": activity, "activityDateTime": t,
                           "loggedByService": service, "operationType": "Add",
                           "initiatedBy": {"user": {"id": "9d1c0000-0000-4000-8000-00000000a0a0",
                                                    "userPrincipalName": actor, "ipAddress": "203.0.113.9"}},
                           "targetResources": targets, "additionalDetails": []}}


records = []
for ti, tenant in enumerate(TENANTS):
    admin = "adm_%s@contoso.com" % ("alice" if ti == 0 else "bob")
    admin_id = "%08d-aaaa-4000-8000-000000000001" % ti
    records.append(audit(tenant, "Add user", "UserManagement", admin, admin_id, 10))
    records.append(audit(tenant, "Add member to role", "RoleManagement", admin, admin_id, 40,
                         role="Global Administrator"))
    for i in range(6):
        records.append(signin(tenant, admin, admin_id, 100 + i, code=50126))
    records.append(signin(tenant, admin, admin_id, 200, code=53003))
    records.append(audit(tenant, "Disable PIM alert", "RoleManagement", admin, admin_id, 300, service="PIM"))
    for u in range(150):
        upn = "user%03d@contoso.com" % u
        uid = "%08d-bbbb-4000-8000-%012d" % (ti, u)
        for k in range(6):
            records.append(signin(tenant, upn, uid, rng.randrange(0, 600), code=rng.choice([0, 0, 0, 50126, 50140])))
records.sort(key=lambda r: r["time"])
lines = [json.dumps(r, separators=(",", ":")) for r in records]
lines.insert(100, "this is not json")
lines.insert(500, '{"records":[{"category":"SignInLogs"}]}')
lines.insert(900, '{"unknown": true}')
print("\n".join(lines))
