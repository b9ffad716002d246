"""Which regressions the repeating suites judge in one run: a slice that turns with the commit.

The suites that judge every case many times over (the transposed shapes, determinism, the
variations) and the ASan pass take one regression in PARTS, chosen by the SHA-1 of
"SEED/name" (SEED: the commit, set by CMakeLists.txt at configure time); the field cases (names
starting with a digit) are always judged. Every commit judges a different slice, so each
regression is judged in every shape across a few commits, while one CI run stays within its
time budget (the full sweep of ~600 regressions x 8 shapes was a third of the run). The release
pass still runs every regression once as written (ctest's `regressions.*`).

    --sample SEED/PARTS   (PARTS 1, or no --sample: every case)

CMakeLists.txt computes the same slice for the ASan pass's labels (PRIVMON_CASE_SAMPLE); the two
must agree: `in_slice` below and its foreach there.
"""
import hashlib


def in_slice(name, sample):
    """True when case `name` is judged under `sample` ("SEED/PARTS", or "" for every case)."""
    if not sample or name[:1].isdigit():
        return True
    seed, parts = sample.rsplit("/", 1)
    parts = int(parts)
    if parts <= 1:
        return True
    digest = hashlib.sha1(f"{seed}/{name}".encode()).hexdigest()
    return int(digest[:6], 16) % parts == 0


def describe(sample, judged, listed):
    """One line saying how many of the listed cases the slice judged."""
    if not sample or sample.endswith("/1"):
        return f"{judged} of {listed} cases judged (every case)"
    return (f"{judged} of {listed} cases judged (slice {sample}: the field cases and one "
            "regression in PARTS; --sample SEED/1 judges every case)")
