#!/usr/bin/env python3
"""Include-layering check: data flows one way.

A folder includes only from itself and from folders before it in the data-flow order
(README "Layout"): core, parsers, pipeline, state, detectors, sinks, metrics, app. Exits 1 and
names every include that reaches back up the chain.
"""
import pathlib
import re
import sys

ORDER = ["core", "parsers", "pipeline", "state", "rules", "detectors", "sinks", "metrics", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    faults = []
    for rank, folder in enumerate(ORDER):
        for path in sorted((root / folder).glob("*.[ch]*")):
            text = path.read_text(encoding="utf-8", errors="replace")
            for line_no, line in enumerate(text.splitlines(), 1):
                m = INCLUDE.match(line)
                if not m or m.group(1) not in ORDER:
                    continue
                if ORDER.index(m.group(1)) > rank:
                    faults.append(f"{path.relative_to(root)}:{line_no}: {folder}/ includes "
                                  f"{m.group(1)}/, which comes after it in the data flow")
    for f in faults:
        print(f)
    if faults:
        print(f"layering: {len(faults)} include(s) reach back up the data flow "
              f"({' -> '.join(ORDER)})")
        return 1
    print(f"layering: ok ({' -> '.join(ORDER)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
