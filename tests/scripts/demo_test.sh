#!/usr/bin/env bash
# End-to-end test of the README's demo command: runs scripts/demo.sh (bounded) and asserts what a
# newcomer must see: it succeeds, no record rejected or late, alerts from at least five rule
# families (BG, SI, PA, EL, CH, ...), and metrics served. Registered in ctest (label "process").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/privmon-demo-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
out="$dir/demo.out"
# Free loopback ports, not the defaults (5556, 9464): a process elsewhere holding those must not
# fail this test.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
zmq_port=$(free_port)
metrics_port=$(free_port)
while [ "$metrics_port" = "$zmq_port" ]; do metrics_port=$(free_port); done
if ! DEMO_SECONDS=0 DEMO_DIR="$dir/demo" DEMO_ZMQ_PORT=$zmq_port DEMO_METRICS_PORT=$metrics_port \
  timeout 600 bash "$root/scripts/demo.sh" >"$out" 2>&1; then
  echo "FAIL: scripts/demo.sh exited non-zero"; tail -30 "$out"; exit 1
fi
fail=0
check() { if ! grep -qE "$1" "$out"; then echo "FAIL: demo output lacks: $2"; fail=1; fi; }
check 'rejected 0, late 0' "no rejected and no late records"
check "^== metrics \\(http://127.0.0.1:$metrics_port/metrics\\): records 12000" "metrics served with every record"
families=$(grep -oE '^ +[0-9]+ PRIV-[A-Z]+' "$out" | awk '{print $2}' | sort -u | wc -l)
if [ "$families" -lt 5 ]; then echo "FAIL: alerts from $families rule families, want >= 5"; fail=1; fi
if [ "$fail" -ne 0 ]; then cat "$out"; exit 1; fi
echo "demo: ok ($families rule families)"
