#!/usr/bin/env bash
# Installs the Debian packages privmon needs to build, test and demo. Idempotent; needs root or sudo.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config git curl ca-certificates tzdata
      libsimdjson-dev libboost-dev libabsl-dev libzmq3-dev cppzmq-dev prometheus-cpp-dev libcivetweb-dev
      libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libcli11-dev libre2-dev
      librdkafka-dev
      clang libclang-rt-14-dev clang-format clang-tidy prometheus ccache systemd python3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
