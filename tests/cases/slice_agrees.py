#!/usr/bin/env python3
"""slice_agrees.py BUILD_DIR SEED/PARTS REGRESSIONS_DIR: the ASan pass's slice (CMakeLists.txt
labels every regression outside it `outside_slice`) is the one sample.py gives the repeating
suites. Both compute it, in CMake and in Python; this test fails when they part (the regressions
`ctest -N -LE outside_slice` lists against sample.in_slice over the folder). Exit 1 on any
difference, listing it."""
import os
import re
import subprocess
import sys

import sample


def main():
    build, spec, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    names = sorted(n for n in os.listdir(folder)
                   if os.path.isfile(os.path.join(folder, n, "input.ndjson")))
    want = {n for n in names if sample.in_slice(n, spec)}
    out = subprocess.run(["ctest", "--test-dir", build, "-N", "-LE", "outside_slice",
                          "-R", r"^regressions\."], capture_output=True, text=True, check=True)
    got = set(re.findall(r"Test\s+#\d+: regressions\.(\S+)", out.stdout))
    if not names or not want:
        print(f"no regressions found in {folder}")
        return 1
    if got == want:
        print(f"ok: the slice {spec} is {len(want)} of {len(names)} regressions in both")
        return 0
    for n in sorted(want - got):
        print(f"in sample.py's slice, labelled outside_slice by CMake: {n}")
    for n in sorted(got - want):
        print(f"in CMake's slice, not in sample.py's: {n}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
