#!/usr/bin/env bash
# The demo: installs what is missing, builds privmon, generates a small multi-tenant world of Entra
# logs with injected attacks (`privmon gen`, with the tenant config of that world), runs
# `privmon run` on that config (ZeroMQ PULL on tcp://127.0.0.1:5556, alerts to a file, metrics on
# 127.0.0.1:9464), replays the logs into it over ZeroMQ with `privmon replay`, and prints the
# alerts readably, a per-rule summary, the attacks gen injected and a few metrics. Every record is
# attributable and on time: a reject or a late event here would be a bug, and the demo says so.
# Keeps serving until Ctrl-C (or for DEMO_SECONDS seconds when set; DEMO_SECONDS=0 stops at once).
set -euo pipefail
trap 'echo "demo.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build privmon

BIN=build/privmon
DEMO_DIR=${DEMO_DIR:-$(mktemp -d /tmp/privmon-demo-XXXXXX)}
mkdir -p "$DEMO_DIR"
# The embedded defaults' ports; DEMO_ZMQ_PORT / DEMO_METRICS_PORT move them (the test picks free
# ones, so a port another process holds cannot fail it).
ZMQ_PORT=${DEMO_ZMQ_PORT:-5556}
METRICS_PORT=${DEMO_METRICS_PORT:-9464}
METRICS=http://127.0.0.1:$METRICS_PORT/metrics
echo "== generating demo logs: 3 tenants, 120 accounts, 20 days, attacks injected after the"
echo "   14-day learning period; gen also writes the tenant config of its world"
$BIN gen --out "$DEMO_DIR/logs.ndjson" --tenants 3 --accounts 120 --days 20 --records 12000 \
  --seed 7 --attack-share 0.03 --quiet --truth "$DEMO_DIR/truth.jsonl" \
  --config-out "$DEMO_DIR/config.yaml" 2>"$DEMO_DIR/gen.log"
if [ "$ZMQ_PORT" != 5556 ] || [ "$METRICS_PORT" != 9464 ]; then
  cat >>"$DEMO_DIR/config.yaml" <<YAML
sources: [{zmq: {endpoint: "tcp://127.0.0.1:$ZMQ_PORT", bind: true, name: collectors}}]
metrics: {listen: "127.0.0.1:$METRICS_PORT"}
YAML
fi
$BIN check --quiet --config "$DEMO_DIR/config.yaml"

echo "== starting privmon run --config $DEMO_DIR/config.yaml (alerts to $DEMO_DIR/alerts.jsonl)"
$BIN run --config "$DEMO_DIR/config.yaml" >"$DEMO_DIR/alerts.jsonl" 2>"$DEMO_DIR/run.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "$METRICS" >/dev/null && break
  sleep 0.1
done

echo "== replaying $(wc -l <"$DEMO_DIR/logs.ndjson") records over ZeroMQ TCP"
$BIN replay "$DEMO_DIR/logs.ndjson" --to "tcp://127.0.0.1:$ZMQ_PORT" 2>&1 | tail -1
# Wait until privmon's shards have taken every record (the replay returns once the socket took
# them; on a busy machine the shards may still be working): at most 60 s.
want=$(wc -l <"$DEMO_DIR/logs.ndjson")
for _ in $(seq 600); do
  got=$(curl -s "$METRICS" | awk '/^privmon_(events_total|events_rejected_total|records_skipped_total)/ {s += $2} END {print s + 0}')
  [ "${got%.*}" -ge "$want" ] && break
  sleep 0.1
done
sleep 1

metric() { curl -s "$METRICS" | awk -v n="$1" '$1 ~ "^"n {s += $2} END {printf "%d", s}'; }
# An alert's update lines ("update":true: its count went on after it was sent) are not alerts.
alerts() { grep -v '"update":true' "$DEMO_DIR/alerts.jsonl" || true; }
echo "== alerts (time, rule, severity, tenant, account)"
alerts | sed -E 's/.*"rule_id":"([^"]*)".*"severity":"([^"]*)".*"tenant_id":"([^"]*)".*"upn":"([^"]*)".*"time":"([^"]*)".*/\5  \1  \2  \3  \4/' |
  grep -v '^{' | sort | awk 'NR <= 40'  # reads all: no SIGPIPE
total=$(alerts | grep -c . || true)
[ "$total" -gt 40 ] && echo "   ... $((total - 40)) more in $DEMO_DIR/alerts.jsonl"
echo "== alerts per rule (update lines not counted)"
alerts | grep -o '"rule_id":"[^"]*","rule":"[^"]*"' |
  sed -E 's/"rule_id":"([^"]*)","rule":"([^"]*)"/\1  \2/' | sort | uniq -c | sort -k2
echo "== attacks gen injected: $(grep -c . "$DEMO_DIR/truth.jsonl"), of which raisable on this" \
  "config: $(grep -c '"raisable":true' "$DEMO_DIR/truth.jsonl") ($DEMO_DIR/truth.jsonl says why not)"
rejected=$(metric privmon_events_rejected_total)
late=$(metric privmon_late_events_total)
echo "== metrics ($METRICS): records $(metric privmon_events_total), rejected $rejected," \
  "late $late, accounts $(metric privmon_accounts), alerts $(metric privmon_alerts_total)"
if [ "$rejected" != 0 ] || [ "$late" != 0 ]; then
  echo "!! privmon rejected or found late records in clean input: a bug (see $DEMO_DIR/run.log)"
  exit 1
fi
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
else
  echo "== privmon keeps serving ($METRICS); Ctrl-C to stop"
  wait $PID
fi
