#!/usr/bin/env python3
"""Writes a Graph JSON $batch response of sign-in listings, indented as `az rest` and Graph
PowerShell save it, to measure the file source's memory on one (docs/operations.md).

usage: gen_graph_batch.py RESPONSES PER_RESPONSE > batch.json
Each response is a v1.0 signIns page (the record of Microsoft's signIn get example, with its own
id, user and time); the last response is a failed one (403, an error body).
"""
import json
import re
import sys
from pathlib import Path

SAMPLE = (Path(__file__).resolve().parent.parent.parent / "shared/corpus/more/microsoft-graph-docs"
          / "v1.0_api_signin-get_response_1.json")


def main():
    responses, per = int(sys.argv[1]), int(sys.argv[2])
    text = re.sub(r",(\s*[\]}])", r"\1", SAMPLE.read_text())  # the doc sample's trailing commas
    record = json.loads(text)["value"][0]
    out = {"responses": []}
    for r in range(responses):
        page = []
        for i in range(per):
            n = r * per + i
            rec = dict(record)
            rec["id"] = "00000000-0000-4000-8000-%012d" % n
            rec["userPrincipalName"] = "user%d@contoso.example" % (n % 500)
            rec["createdDateTime"] = "2025-01-24T%02d:%02d:%02dZ" % (n // 3600 % 24, n // 60 % 60,
                                                                    n % 60)
            page.append(rec)
        out["responses"].append({
            "id": str(r + 1), "status": 200,
            "headers": {"Content-Type": "application/json; odata.metadata=minimal"},
            "body": {"@odata.context":
                     "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
                     "value": page}})
    out["responses"].append({
        "id": str(responses + 1), "status": 403,
        "headers": {"Content-Type": "application/json"},
        "body": {"error": {"code": "Authorization_RequestDenied",
                           "message": "Insufficient privileges to complete the operation."}}})
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
