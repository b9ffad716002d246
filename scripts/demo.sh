#!/usr/bin/env bash
# The demo: installs what is missing, builds privmon, runs `privmon run` on the builtin default
# config (ZeroMQ PULL on tcp://127.0.0.1:5556, alerts to stdout, metrics on 127.0.0.1:9464),
# replays recorded Entra logs into it over ZeroMQ with `privmon replay`, prints the alerts and a
# few metrics, and keeps serving until Ctrl-C (or for DEMO_SECONDS seconds when set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build privmon

BIN=build/privmon
DEMO_DIR=$(mktemp -d /tmp/privmon-demo-XXXXXX)
echo "== generating demo logs: 2 tenants, 40 accounts, 20 days, attacks injected"
$BIN gen --out "$DEMO_DIR/gen.ndjson" --tenants 2 --accounts 40 --days 20 --records 4000 \
  --seed 7 --attack-share 0.05 --quiet
cat tests/data/pipeline/stream.ndjson "$DEMO_DIR/gen.ndjson" > "$DEMO_DIR/demo.ndjson"

echo "== starting privmon run (builtin config); alerts follow as JSON lines"
$BIN run &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf http://127.0.0.1:9464/metrics >/dev/null && break
  sleep 0.1
done

echo "== replaying $(wc -l < "$DEMO_DIR/demo.ndjson") records over ZeroMQ TCP"
$BIN replay "$DEMO_DIR/demo.ndjson" --to tcp://127.0.0.1:5556
sleep 1
echo "== a few metrics from http://127.0.0.1:9464/metrics"
curl -s http://127.0.0.1:9464/metrics |
  grep -E '^privmon_(events_total|events_rejected_total\{reason="invalid_json"|accounts|alerts_total\{rule_id="PRIV-(SI-01|PA-01)")' || true
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
else
  echo "== privmon keeps serving (metrics: http://127.0.0.1:9464/metrics); Ctrl-C to stop"
  wait $PID
fi
