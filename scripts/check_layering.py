#!/usr/bin/env python3
"""Include-layering check: data flows one way.

A folder includes only from itself and from folders before it in the data-flow order
(README "Layout"): core, parsers, pipeline, state, rules, detectors, sinks, metrics, config, app.
The programs under tools/ are leaves beside that chain: each includes only the folders it names in
TOOLS, and only app/ (which runs them as commands) includes them. Exits 1 and names every include
that breaks either rule.
"""
import pathlib
import re
import sys

ORDER = ["core", "parsers", "pipeline", "state", "rules", "detectors", "sinks", "metrics",
         "config", "app"]
# tools/gen writes JSON text from its own model (core/ for time and hashes); tools/replay frames
# and sends lines (pipeline/framed_line.h, core/ for time).
TOOLS = {"tools/gen": ["core"], "tools/replay": ["core", "pipeline"]}
INCLUDED_BY_TOOLS = ["app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:tools/)?[a-z_]+)/[^"]+"')


def allowed(folder: str, target: str) -> bool:
    if target == folder:
        return True
    if folder in TOOLS:
        return target in TOOLS[folder]
    if target in TOOLS:
        return folder in INCLUDED_BY_TOOLS
    return ORDER.index(target) <= ORDER.index(folder)


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    faults = []
    for folder in ORDER + list(TOOLS):
        # Subfolders (detectors/code_rules/) belong to their folder.
        for path in sorted((root / folder).rglob("*.[ch]*")):
            text = path.read_text(encoding="utf-8", errors="replace")
            for line_no, line in enumerate(text.splitlines(), 1):
                m = INCLUDE.match(line)
                if not m or (m.group(1) not in ORDER and m.group(1) not in TOOLS):
                    continue
                if not allowed(folder, m.group(1)):
                    faults.append(f"{path.relative_to(root)}:{line_no}: {folder}/ includes "
                                  f"{m.group(1)}/, which it may not (data flow or tools rule)")
    for f in faults:
        print(f)
    flow = " -> ".join(ORDER)
    tools = "; ".join(f"{t} <- {', '.join(d)}" for t, d in TOOLS.items())
    if faults:
        print(f"layering: {len(faults)} include(s) break the data flow ({flow}; {tools})")
        return 1
    print(f"layering: ok ({flow}; {tools})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
