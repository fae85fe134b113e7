#!/usr/bin/env bash
# deps.sh: installs the Debian packages yibao builds and tests with, skipping
# what is present so that the common case costs one dpkg query. Extra package
# names given as arguments are installed too (bench/run.sh adds gnuplot-nox).
set -euo pipefail
packages=(build-essential clang libclang-rt-dev libsqlite3-dev sqlite3 libpq-dev
          postgresql postgresql-contrib libmicrohttpd-dev libssl-dev libcmocka-dev
          curl jq openssl procps python3 clang-format lcov "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
