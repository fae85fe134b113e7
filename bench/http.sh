#!/usr/bin/env bash
# bench/http.sh: load benchmark of the settlement service on this machine:
# a city of PERSONS persons (`yibao gen city --registry-only`; the load
# comes from one of its township hospitals), `yibao serve` (2 HTTP threads; writes wait for
# their group commit suspended, not blocking a thread), then `yibao-bench
# http` (signs in with 9001 once per run, then one event-loop thread,
# sha256-signed keep-alive requests):
#   - SQLite: one-shot 2207 settlements (5-30 fee lines) at CONNECTIONS, and
#     the hospital visit flow (--flow visit) at VISIT_CONNECTIONS;
#   - PostgreSQL (a throw-away cluster, scripts/pg.sh): both flows at
#     PG_CONNECTIONS.
# RUNS runs each. Prints a markdown section on stdout: per concurrency the
# median run's settlements/s, requests/s and p50/p99/p999 latency, the range
# over the runs, and the load generator's own CPU (it shares the machine).
#   bench/http.sh [SECONDS] [CONNECTIONS...]   (defaults: 10 s; 32 128 256; RUNS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
YIBAO=${YIBAO:-build/release/yibao}
YIBAO_BENCH=${YIBAO_BENCH:-build/release/yibao-bench}
secs=${1:-10}; shift || true
conns=("${@:-32 128 256}"); conns=(${conns[@]})
persons=${PERSONS:-5000}
runs=${RUNS:-3}
visit_conns=(${VISIT_CONNECTIONS:-32 128})    # the hospital visit flow's concurrencies
pg_conns=(${PG_CONNECTIONS:-32})              # PostgreSQL: both flows
[ -x "$YIBAO" ] && [ -x "$YIBAO_BENCH" ] || make release >/dev/null
work=$(mktemp -d /tmp/yibao-bench-http.XXXXXX)
# the services' token key (a PostgreSQL store has no DB.key beside it)
export YIBAO_KEY_FILE="$work/service.key"
pid=""
pgdir=""
cleanup() { # under set -e: nothing here may fail
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    if [ -n "$pgdir" ]; then scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
$YIBAO gen city --persons "$persons" --seed 1 --registry-only --out "$work/city" >/dev/null
code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$work/city/institutions.csv")
# All load comes from one institution's credential here, so its nonce cache
# must hold every request of the ±300 s window (24k/s x 600 s): 16M entries.
SERVE_OPTS=${SERVE_OPTS:---nonce-cache 16777216}

serve() { # DB: imports the city, issues the credential, starts the server (url, pid)
    local db=$1
    $YIBAO import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
    $YIBAO import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
    $YIBAO import --db "$db" catalog policies/catalog-conformance.json >/dev/null
    $YIBAO import --db "$db" persons "$work/city/persons.csv" >/dev/null
    eval "$($YIBAO credential issue "$code" --db "$db" | grep -E '^(paasid|token)=')"
    rm -f "$work/serve.log"
    $YIBAO serve --db "$db" --listen 127.0.0.1:0 ${SERVE_OPTS:-} >"$work/serve.log" 2>&1 &
    pid=$!
    url=""
    for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
    [ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
}
unserve() { # DB: stops the server; verdict = yibao check's last line
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    verdict=$($YIBAO check --db "$1" | tail -n 1)
}

field() { sed -n "s|.* $1 \([0-9.]*\).*|\1|p"; }  # value after a label in a result line
measure() { # FLOW CONNECTIONS...: fills rows[] with one markdown row per concurrency
    local flow=$1 c r line median lo hi; shift
    rows=()
    for c in "$@"; do
        : >"$work/runs"
        for r in $(seq "$runs"); do
            line=$(YIBAO_TOKEN="$token" $YIBAO_BENCH http --url "$url" --paasid "$paasid" --code "$code" \
                --connections "$c" --seconds "$secs" --persons "$persons" --seed 1 --flow "$flow")
            echo "bench http: $flow run $r: $line" >&2
            echo "$(echo "$line" | field 'settlements/s') $line" >>"$work/runs"
        done
        median=$(sort -n "$work/runs" | sed -n "$(((runs + 1) / 2))p")
        lo=$(sort -n "$work/runs" | head -n 1 | cut -d' ' -f1)
        hi=$(sort -n "$work/runs" | tail -n 1 | cut -d' ' -f1)
        rows+=("| $c | **$(echo "$median" | cut -d' ' -f1)** | $lo-$hi | $(echo "$median" | field 'requests/s') | $(echo "$median" | field p50) | $(echo "$median" | field p99) | $(echo "$median" | field p999) | $(echo "$median" | sed -n 's/.*client-cpu \([0-9]*%\).*/\1/p') |")
    done
}
table() { # ROWS...: the table of measure's rows
    echo "| connections | settlements/s (median) | range | requests/s | p50 ms | p99 ms | p999 ms | load generator CPU |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "$@"
}

serve "$work/db.sqlite"
measure oneshot "${conns[@]}"; oneshot_rows=("${rows[@]}")
measure visit "${visit_conns[@]}"; visit_rows=("${rows[@]}")
unserve "$work/db.sqlite"; check=$verdict

pg_check=""
if uri=$(scripts/pg.sh start 2>/dev/null); then
    pgdir=$(tail -n 1 "${TMPDIR:-/tmp}/yibao-pg.$(ps -o pgid= $$ | tr -d ' ')")
    psql -q "$uri" -c "CREATE DATABASE http_bench" >/dev/null
    pg_db="${uri%/*}/http_bench"
    serve "$pg_db"
    measure oneshot "${pg_conns[@]}"; pg_oneshot_rows=("${rows[@]}")
    measure visit "${pg_conns[@]}"; pg_visit_rows=("${rows[@]}")
    unserve "$pg_db"; pg_check=$verdict
else
    echo "bench http: PostgreSQL could not be started; its rows are missing" >&2
fi

echo "## HTTP settlement service ($(nproc) CPUs, $(uname -r); $persons persons)"
echo
echo "Server and load generator on the same machine; $runs runs of ${secs} s per concurrency, the median run shown. One-shot 2207 settlements (5-30 fee lines, sha256-signed, keep-alive) on SQLite:"
echo
echo '```'
echo "yibao serve --db DB --listen 127.0.0.1:0 ${SERVE_OPTS:-}"
echo "yibao gen city --persons $persons --seed 1 --registry-only --out city   # imported with the maoming-2020 policies"
echo "YIBAO_TOKEN=T yibao-bench http --url URL --paasid P --code $code --connections C --seconds $secs --persons $persons --seed 1 --flow oneshot"
echo '```'
echo
table "${oneshot_rows[@]}"
echo
echo "The hospital visit flow on SQLite, as hospital systems settle an outpatient visit: five requests per settlement (2201 register, 2203 visit information, 2204 fee lines, 2206 pre-settle, 2207 settle by mdtrt_id); the service tables' writes are group-committed by their own writer (svcq.c), the settlement by the store's. Latency is per request; same server, \`--flow visit\`:"
echo
table "${visit_rows[@]}"
echo
echo "After the SQLite runs: \`$check\`"
if [ -n "$pg_check" ]; then
    echo
    echo "The same on PostgreSQL (a cluster of its own on this machine, \`synchronous_commit = on\`; \`yibao serve --db postgresql://...\`), one-shot then visit flow:"
    echo
    table "${pg_oneshot_rows[@]}"
    echo
    table "${pg_visit_rows[@]}"
    echo
    echo "After the PostgreSQL runs: \`$pg_check\`"
fi
