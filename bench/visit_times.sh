#!/usr/bin/env bash
# bench/visit_times.sh [YIBAO] [SECONDS] [CONNECTIONS]: one run of the
# SQLite hospital visit flow (a 5,000-person city as bench/http.sh builds
# it, `yibao serve`, `yibao-bench http --flow visit`), then prints the load
# generator's line and what the server printed at its stop: where the
# writes' time went (docs/SERVICE.md, "Where the writes' time went"): the
# store writer's rounds, their COMMITs, the service jobs, the WAL's
# checkpoints and the HTTP side, as counts, means, maxima and totals,
# which are less noisy than a p99 on a shared machine. Alternate two
# binaries to compare them (defaults: build/release/yibao, 10 s, 32).
set -euo pipefail
cd "$(dirname "$0")/.."
Y=${1:-build/release/yibao}; secs=${2:-10}; conns=${3:-32}
B=${YIBAO_BENCH:-build/release/yibao-bench}
work=$(mktemp -d /tmp/yibao-visit-times.XXXXXX)
export YIBAO_KEY_FILE="$work/service.key"
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
"$Y" gen city --persons 5000 --seed 1 --registry-only --out "$work/city" >/dev/null
code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$work/city/institutions.csv")
db=$work/db.sqlite
"$Y" import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
"$Y" import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
"$Y" import --db "$db" catalog policies/catalog-conformance.json >/dev/null
"$Y" import --db "$db" persons "$work/city/persons.csv" >/dev/null
eval "$("$Y" credential issue "$code" --db "$db" 2>/dev/null | grep -E '^(paasid|token)=')"
"$Y" serve --db "$db" --listen 127.0.0.1:0 --nonce-cache 16777216 >"$work/serve.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
uptime | sed 's/.*load/load/'
YIBAO_TOKEN="$token" "$B" http --url "$url" --paasid "$paasid" --code "$code" --connections "$conns" \
    --seconds "$secs" --persons 5000 --seed 1 --flow visit
kill -TERM "$pid"; wait "$pid" || true; pid=""
grep -v "listening on" "$work/serve.log"
"$Y" check --db "$db" >/dev/null || { echo "visit_times: yibao check failed" >&2; exit 1; }
