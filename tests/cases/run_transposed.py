#!/usr/bin/env python3
"""Judges every case of the given folders again in another shape (tests/cases/transpose.py): the
same records as Graph objects, diagnostic records or Log Analytics rows must give the same verdicts.

    run_transposed.py [--sample SEED/PARTS] FORM PRIVMON_BINARY CASES_DIR...
        FORM: graph | diag | la | la_text | graph_ps | graph_batch | ecs
        --sample: the field cases and one regression in PARTS (tests/cases/sample.py)

Each case folder (one holding expected.txt) is transposed into a temporary folder and judged by
run_case.py, as the case itself is. Cases listed in NOT_CARRIED are skipped in the shapes that
cannot carry what they test (said why). Prints each failure; exit 1 if any, 2 on a usage error.
"""
import contextlib
import io
import os
import sys
import tempfile

import run_case
import sample
import transpose

# case -> (shapes it is skipped in, why): what one shape holds and another has no field for.
NOT_CARRIED = {
    "gp1_graph_pages_newest_first": (
        set(transpose.WRITERS), "tests a listing's @odata.nextLink, which a record per line drops"),
    "m6b_graph_listings_of_two_tenants_interleaved": (
        set(transpose.WRITERS), "tests listings' @odata.nextLink, which a record per line drops"),
    "k15a_graph_listing_across_restart": (
        set(transpose.WRITERS), "tests a listing's @odata.nextLink, which a record per line drops"),
    "h06_pim_mirror_named_by_identity_only": (
        {"graph", "graph_ps"}, "tests the diagnostic envelope's identity: a Graph directoryAudit has none"),
    "t10_pim_mirror_app_named_by_identity": (
        {"graph", "graph_ps"}, "tests the diagnostic envelope's identity: a Graph directoryAudit has none"),
    "n03_empty_location_keeps_envelope_country": (
        set(transpose.WRITERS), "tests the diagnostic envelope's location beside an empty one"),
    "t01_unpadded_hour": (
        set(transpose.WRITERS), "tests the envelope time beside a malformed record time"),
    "m15a_pa07_tap_reason_in_diag_envelope_resultdescription": (
        {"graph", "graph_ps"}, "tests an audit record's resultDescription: a Graph directoryAudit has none"),
    "m15b_pa07_tap_reason_in_properties_resultdescription": (
        {"graph", "graph_ps"}, "tests an audit record's resultDescription: a Graph directoryAudit has none"),
    "m15c_pa07_tap_reason_in_la_resultdescription": (
        {"graph", "graph_ps"}, "tests an audit record's resultDescription: a Graph directoryAudit has none"),
    "m16g_graph_custom_security_attribute_audits_page_skipped": (
        set(transpose.WRITERS),
        "tests a Graph page's @odata.context naming another log, which a record per line drops "
        "(the log's diagnostic category and table are skipped by name: regression 18-v07)"),
    "z33u_graph_app_signin_summary_reports_skipped": (
        set(transpose.WRITERS),
        "tests Graph report pages' @odata.context naming no log, which a record per line drops"),
    "z33z_intune_auditlogs_category_skipped": (
        set(transpose.WRITERS),
        "tests the diagnostic envelope's resourceId naming Intune, which the other shapes drop"),
    "z33i_graph_app_signin_activity_reports_skipped": (
        set(transpose.WRITERS),
        "tests Graph report pages' @odata.context naming no log, which a record per line drops"),
    "k2a_graph_users_are_no_signins": (
        {"diag", "la", "la_text"},
        "tests Graph user objects: the diagnostic and Log Analytics shapes hold no users (transpose.py "
        "would write them as sign-ins)"),
}


def main():
    argv, slice_ = sys.argv[1:], ""
    if argv[:1] == ["--sample"] and len(argv) > 1:
        slice_, argv = argv[1], argv[2:]
    if len(argv) < 3 or argv[0] not in transpose.WRITERS:
        print(__doc__, file=sys.stderr)
        return 2
    form, binary, roots = argv[0], os.path.abspath(argv[1]), argv[2:]
    failed, judged, listed = [], 0, 0
    with tempfile.TemporaryDirectory() as out:
        for root in roots:
            for name in sorted(os.listdir(root)):
                case = os.path.join(root, name)
                if not os.path.isfile(os.path.join(case, "expected.txt")):
                    continue
                # A $batch response carries what a Graph object carries.
                # An ECS document keeps the diagnostic record.
                shape = {"graph_batch": "graph", "ecs": "diag"}.get(form, form)
                if shape in NOT_CARRIED.get(name, (set(),))[0]:
                    continue
                listed += 1
                if not sample.in_slice(name, slice_):
                    continue
                transpose.transpose_case(form, case, os.path.join(out, name))
                judged += 1
                with contextlib.redirect_stdout(io.StringIO()):  # "field case X: N alerts ..."
                    if run_case.judge(binary, out, name) != 0:
                        failed.append(name)
    print(sample.describe(slice_, judged, listed))
    print(f"{judged} cases judged as {form}: {len(failed)} failed {' '.join(failed)}")
    return 1 if failed or judged == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
