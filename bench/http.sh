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
#     PG_CONNECTIONS, then pgbench TPC-B on the same cluster (-i -s 10,
#     -c 4 -j 2, as bench/store.sh) for scale.
# RUNS runs each. Prints a markdown section on stdout: per concurrency the
# median run's settlements/s, requests/s and p50/p99/p999 latency, the range
# over the runs, and the load generator's own CPU (it shares the machine);
# then issue 14's goals for the visit flow, each met or not: on SQLite a
# p99 of at most 10 ms at 32 connections (the median of the runs' p99), on
# PostgreSQL at least twice pgbench's TPS in requests/s (the medians).
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
unserve() { # DB: stops the server; verdict = yibao check's verdict (its last line but the head)
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    verdict=$($YIBAO check --db "$1" 2>&1 | grep -v '^head ' | tail -n 1)
}

field() { sed -n "s|.* $1 \([0-9.]*\).*|\1|p"; }  # value after a label in a result line
median_of() { sort -g | sed -n "$(((runs + 1) / 2))p"; } # of RUNS numbers, one a line
measure() { # FLOW CONNECTIONS...: fills rows[] with one markdown row per concurrency, and
    # p99[BACKEND FLOW C] and reqs[BACKEND FLOW C] with the medians over the runs
    local flow=$1 c r line median lo hi; shift
    rows=()
    for c in "$@"; do
        : >"$work/runs"
        for r in $(seq "$runs"); do
            line=$(YIBAO_TOKEN="$token" $YIBAO_BENCH http --url "$url" --paasid "$paasid" --code "$code" \
                --connections "$c" --seconds "$secs" --persons "$persons" --seed 1 --flow "$flow")
            echo "bench http: $backend $flow run $r ($(uptime | sed 's/.*load/load/')): $line" >&2
            echo "$(echo "$line" | field 'settlements/s') $line" >>"$work/runs"
        done
        p99[$backend $flow $c]=$(cut -d' ' -f2- "$work/runs" | field p99 | median_of)
        reqs[$backend $flow $c]=$(cut -d' ' -f2- "$work/runs" | field 'requests/s' | median_of)
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

declare -A p99 reqs
pgbench_tps() { # URI: pgbench TPC-B on a database of its own there, RUNS runs of SECONDS; tps[] and tps_range
    local uri=$1 r t
    psql -q "$uri" -c "CREATE DATABASE http_pgbench" >/dev/null
    "$pgbin/pgbench" -i -s 10 -q "${uri%/*}/http_pgbench" >/dev/null 2>&1
    : >"$work/tps"
    for r in $(seq "$runs"); do
        t=$("$pgbin/pgbench" -c 4 -j 2 -T "$secs" "${uri%/*}/http_pgbench" 2>/dev/null |
            sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
        echo "bench http: pgbench run $r ($(uptime | sed 's/.*load/load/')): tps $t" >&2
        echo "${t%.*}" >>"$work/tps"
    done
    tps=$(median_of <"$work/tps")
    tps_range="$(sort -n "$work/tps" | head -n 1)-$(sort -n "$work/tps" | tail -n 1)"
}
verdict_of() { awk -v ok="$1" 'BEGIN { print (ok ? "**met**" : "**not met**") }'; }

backend=sqlite
serve "$work/db.sqlite"
measure oneshot "${conns[@]}"; oneshot_rows=("${rows[@]}")
measure visit "${visit_conns[@]}"; visit_rows=("${rows[@]}")
unserve "$work/db.sqlite"; check=$verdict

pg_check=""
if uri=$(scripts/pg.sh start 2>/dev/null); then
    pgdir=$(tail -n 1 "${TMPDIR:-/tmp}/yibao-pg.$(ps -o pgid= $$ | tr -d ' ')")
    psql -q "$uri" -c "CREATE DATABASE http_bench" >/dev/null
    pg_db="${uri%/*}/http_bench"
    backend=postgresql
    serve "$pg_db"
    measure oneshot "${pg_conns[@]}"; pg_oneshot_rows=("${rows[@]}")
    measure visit "${pg_conns[@]}"; pg_visit_rows=("${rows[@]}")
    unserve "$pg_db"; pg_check=$verdict
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    pgbench_tps "$uri" # the server stopped: pgbench has the machine as the visits had it
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
echo "The hospital visit flow on SQLite, as hospital systems settle an outpatient visit: six requests per settlement (2201 register, 2203 visit information, two 2204 charge batches, 2206 pre-settle, 2207 settle by mdtrt_id; the settled sum must be both batches'); the service tables' writes (svcq.c) and the settlements are group-committed together by the store's writer, one writer for the file. Latency is per request; same server, \`--flow visit\`:"
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
    echo
    echo "pgbench TPC-B on the same cluster right after (-i -s 10, -c 4 -j 2, $runs runs of ${secs} s): **$tps TPS** (median; range $tps_range)."
fi
c=${visit_conns[0]}
echo
echo "Issue 14's goals for the visit flow, medians over the runs of this one run of the script:"
echo
echo "| goal | measured | verdict |"
echo "|---|---:|---|"
echo "| SQLite: p99 ≤ 10 ms at $c connections | p99 ${p99[sqlite visit $c]} ms | $(verdict_of "$(awk -v a="${p99[sqlite visit $c]}" 'BEGIN { print (a <= 10) }')") |"
if [ -n "$pg_check" ] && [ -n "${tps:-}" ]; then
    v=${reqs[postgresql visit ${pg_conns[0]}]}
    echo "| PostgreSQL: visit requests/s ≥ 2 × pgbench TPS at ${pg_conns[0]} connections | $v requests/s, pgbench $tps TPS: ratio $(awk -v a="$v" -v b="$tps" 'BEGIN { printf "%.2f", a / b }') | $(verdict_of "$(awk -v a="$v" -v b="$tps" 'BEGIN { print (a >= 2 * b) }')") |"
fi
