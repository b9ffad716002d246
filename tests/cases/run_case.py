#!/usr/bin/env python3
"""Runs one field case of ../shared/cases exactly as its README says, and judges it the same way.

    run_case.py PRIVMON_BINARY CASES_DIR CASE

`privmon scan [--config CASE/config.yaml] $(cat CASE/args) CASE/input.ndjson`, run in an empty
temporary directory, must exit 0 and print exactly the alerts of CASE/expected.txt: the multiset
of "RULE_ID account" lines (account = the alert's upn, else its id; case-insensitive; an update
line, "update": true, is not counted), `none` = no alert at all, and `accepted N` = the scan summary
reports N accepted records. No record may be rejected, except in the 18-* case (records of other
Entra categories). Prints a diff and exits 1 on any difference; exits 2 when the case is missing.
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    return judge(sys.argv[1], sys.argv[2], sys.argv[3])


def judge(binary, root, name):
    """0 when case `name` of folder `root` passes; else prints what differs and returns 1 (2: no
    such case)."""
    binary, root = os.path.abspath(binary), os.path.abspath(root)
    case = os.path.join(root, name)
    if not os.path.isfile(os.path.join(case, "expected.txt")):
        print(f"field case {case} is missing (expected {root}/<case>/expected.txt)", file=sys.stderr)
        return 2
    expected = [line.split() for line in open(os.path.join(case, "expected.txt")) if line.strip()]
    want = sorted(" ".join(x).lower() for x in expected if x[0] not in ("none", "accepted"))
    want_none = any(x[0] == "none" for x in expected)
    want_accepted = [int(x[1]) for x in expected if x[0] == "accepted"]
    args_path = os.path.join(case, "args")
    args = open(args_path).read().split() if os.path.exists(args_path) else []
    config = os.path.join(case, "config.yaml")
    argv = [binary, "scan"] + (["--config", config] if os.path.exists(config) else []) + args + [
        os.path.join(case, "input.ndjson")]
    with tempfile.TemporaryDirectory() as cwd:
        p = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=60)

    problems = []
    if p.returncode != 0:
        problems.append(f"exit code {p.returncode}, expected 0")
    got = []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        try:
            alert = json.loads(line)
        except ValueError:
            problems.append(f"stdout line is not JSON: {line}")
            continue
        if alert.get("update"):
            continue
        account = alert.get("account") or {}
        got.append(f'{alert["rule_id"]} {account.get("upn") or account.get("id")}'.lower())
    got.sort()
    if got != want or (want_none and got):
        diff = collections.Counter(want)
        diff.subtract(collections.Counter(got))
        for key, n in sorted(diff.items()):
            problems += [f"missing alert:    {key}"] * max(n, 0)
            problems += [f"unexpected alert: {key}"] * max(-n, 0)

    summary = re.search(r"(\d+) records accepted, (\d+) rejected", p.stderr)
    if summary is None:
        problems.append("no scan summary ('N records accepted, M rejected') on stderr")
    else:
        accepted, rejected = int(summary.group(1)), int(summary.group(2))
        for n in want_accepted:
            if accepted != n:
                problems.append(f"{accepted} records accepted, expected {n}")
        if rejected != 0 and not name.startswith("18-"):
            problems.append(f"{rejected} records rejected, expected none")

    if problems:
        print(f"field case {name} FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        print("--- privmon stderr:\n" + p.stderr, file=sys.stderr)
        print("--- privmon stdout:\n" + p.stdout, file=sys.stderr)
        return 1
    print(f"field case {name}: {len(got)} alerts as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
