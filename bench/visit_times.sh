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
. bench/visit_lib.sh # (the working directory is the repository)
visit_city "$Y" "$work"
db=$work/db.sqlite
visit_store "$Y" "$db" "$work"
visit_serve "$Y" "$db" "$work/serve.log"
uptime | sed 's/.*load/load/'
YIBAO_TOKEN="$token" "$B" http --url "$url" --paasid "$paasid" --code "$code" --connections "$conns" \
    --seconds "$secs" --persons 5000 --seed 1 --flow visit
kill -TERM "$pid"; wait "$pid" || true; pid=""
grep -v "listening on" "$work/serve.log"
"$Y" check --db "$db" >/dev/null || { echo "visit_times: yibao check failed" >&2; exit 1; }
