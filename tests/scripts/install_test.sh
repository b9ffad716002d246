#!/usr/bin/env bash
# `cmake --install` gives a working layout: the binary runs and names its commit, the shipped
# example config passes `privmon check`, the dashboard and docs are there, and the systemd unit
# (hardened, dedicated user) passes `systemd-analyze verify`. Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d /tmp/privmon-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
fail=0
for f in bin/privmon share/privmon/examples/privmon.yaml share/privmon/examples/demo.yaml \
  share/privmon/dashboards/privmon.json share/doc/privmon/RULES.md \
  lib/systemd/system/privmon.service lib/sysusers.d/privmon.conf; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
version=$("$prefix/bin/privmon" --version)
echo "$version" | grep -qE '^privmon [0-9.]+ \(commit [0-9a-f]{7,}' ||
  { echo "FAIL: --version names no commit: $version"; fail=1; }
"$prefix/bin/privmon" check --quiet --config "$prefix/share/privmon/examples/privmon.yaml" ||
  { echo "FAIL: the installed example config does not pass check"; fail=1; }
unit="$prefix/lib/systemd/system/privmon.service"
grep -q "^ExecStart=$prefix/bin/privmon run" "$unit" || { echo "FAIL: ExecStart"; fail=1; }
for key in User=privmon NoNewPrivileges=yes ProtectSystem=strict StateDirectory=privmon; do
  grep -q "^$key" "$unit" || { echo "FAIL: unit lacks $key"; fail=1; }
done
if ! command -v systemd-analyze >/dev/null; then
  echo "FAIL: systemd-analyze missing (scripts/install-deps.sh installs systemd)"; fail=1
elif ! systemd-analyze verify "$unit"; then
  echo "FAIL: systemd-analyze verify"; fail=1
fi
[ "$fail" -eq 0 ] && echo "install: ok ($version)"
exit "$fail"
