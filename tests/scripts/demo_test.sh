#!/usr/bin/env bash
# End-to-end test of the README's demo command: runs scripts/demo.sh (bounded) and asserts what a
# newcomer must see: it succeeds, no record rejected or late, alerts from at least five rule
# families (BG, SI, PA, EL, CH, ...), and metrics served. Registered in ctest (label "process").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/privmon-demo-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
out="$dir/demo.out"
if ! DEMO_SECONDS=0 DEMO_DIR="$dir/demo" timeout 600 bash "$root/scripts/demo.sh" >"$out" 2>&1; then
  echo "FAIL: scripts/demo.sh exited non-zero"; tail -30 "$out"; exit 1
fi
fail=0
check() { if ! grep -qE "$1" "$out"; then echo "FAIL: demo output lacks: $2"; fail=1; fi; }
check 'rejected 0, late 0' "no rejected and no late records"
check '^== metrics \(http://127.0.0.1:9464/metrics\): records 12000' "metrics served with every record"
families=$(grep -oE '^ +[0-9]+ PRIV-[A-Z]+' "$out" | awk '{print $2}' | sort -u | wc -l)
if [ "$families" -lt 5 ]; then echo "FAIL: alerts from $families rule families, want >= 5"; fail=1; fi
if [ "$fail" -ne 0 ]; then cat "$out"; exit 1; fi
echo "demo: ok ($families rule families)"
