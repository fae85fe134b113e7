#!/usr/bin/env bash
# ab_http.sh OLD_YIBAO NEW_YIBAO: two builds of yibao side by side on the
# HTTP load of bench/http.sh (a generated city of 5,000 persons, the load
# from one of its township hospitals; SQLite,
# or PostgreSQL with PG_URI),
# runs alternated (old, new, old, new, ...) so that the machine's noise
# falls on both, each on a fresh database; prints every run and the two
# medians (settlements/s, requests/s, p99) with their ratios. For a
# change's cost before it lands, e.g.
#   git worktree add /tmp/old HEAD~1 && make -C /tmp/old release
#   bench/ab_http.sh /tmp/old/build/release/yibao build/release/yibao
# The load generator is the same for both: YIBAO_BENCH (default
# build/release/yibao-bench).
# Environment: FLOW (visit|oneshot, default visit), CONNECTIONS (32),
# SECONDS_PER_RUN (15), RUNS (3 per build), OLD_OPTS / NEW_OPTS (more
# `yibao serve` options for one side, e.g. NEW_OPTS="--threads 3" with the
# same binary twice to compare a setting), PG_URI (a PostgreSQL URI, e.g.
# from scripts/pg.sh start: each run then gets a fresh database there
# instead of a SQLite file), OLD_RULES / NEW_RULES (a yibao-rules/1 file
# imported for one side: the cost of rules inside settlement with the same
# binary twice, docs/RULES.md; e.g. NEW_RULES=bench/rules-bench.json).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/ab_http.sh OLD_YIBAO NEW_YIBAO" >&2; exit 2; }
cd "$(dirname "$0")/.."
bench=${YIBAO_BENCH:-build/release/yibao-bench}
[ -x "$bench" ] || make release >/dev/null
flow=${FLOW:-visit}; conns=${CONNECTIONS:-32}; secs=${SECONDS_PER_RUN:-15}; runs=${RUNS:-3}
work=$(mktemp -d /tmp/yibao-ab.XXXXXX)
# the services' token key (a PostgreSQL store has no DB.key beside it)
export YIBAO_KEY_FILE="$work/service.key"
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$2" gen city --persons 5000 --seed 1 --registry-only --out "$work/city" >/dev/null
code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$work/city/institutions.csv")

serial=0
export PGOPTIONS="-c client_min_messages=warning"
fresh_db() { # prints a fresh database target: a SQLite file, or database $serial on PG_URI
    if [ -z "${PG_URI:-}" ]; then rm -f "$work/db.sqlite"*; echo "$work/db.sqlite"; return; fi
    psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS yibao_ab_$serial" -c "CREATE DATABASE yibao_ab_$serial" >/dev/null
    echo "${PG_URI%/*}/yibao_ab_$serial"
}
run() { # YIBAO LABEL OPTS [RULES]: one run on a fresh database; appends "LABEL RATE" to runs
    local y=$1 opts=$3 rules=${4:-} db url="" line paasid token
    serial=$((serial + 1))
    db=$(fresh_db)
    "$y" import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
    "$y" import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
    "$y" import --db "$db" catalog policies/catalog-conformance.json >/dev/null
    "$y" import --db "$db" persons "$work/city/persons.csv" >/dev/null
    if [ -n "$rules" ]; then "$y" import --db "$db" rules "$rules" >/dev/null; fi
    eval "$("$y" credential issue "$code" --db "$db" | grep -E '^(paasid|token)=')"
    "$y" serve --db "$db" --listen 127.0.0.1:0 --nonce-cache 16777216 $opts >"$work/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
    [ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
    line=$("$bench" http --url "$url" --paasid "$paasid" --token "$token" --code "$code" \
        --connections "$conns" --seconds "$secs" --persons 5000 --seed 1 --flow "$flow")
    kill -TERM "$pid"; wait "$pid" || true; pid=""
    if [ -n "${PG_URI:-}" ]; then psql -q "$PG_URI" -c "DROP DATABASE yibao_ab_$serial" >/dev/null; fi
    echo "$2: $line"
    echo "$2 $(echo "$line" | sed -n 's/.* settlements\/s \([0-9]*\).*/\1/p')" >>"$work/runs"
    echo "$2 $(echo "$line" | sed -n 's/.* requests\/s \([0-9]*\).*/\1/p')" >>"$work/reqs"
    echo "$2 $(echo "$line" | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p')" >>"$work/p99"
}
for _ in $(seq "$runs"); do
    run "$1" old "${OLD_OPTS:-}" "${OLD_RULES:-}"
    run "$2" new "${NEW_OPTS:-}" "${NEW_RULES:-}"
done
median() { grep "^$1 " "$work/${2:-runs}" | cut -d' ' -f2 | sort -g | sed -n "$(((runs + 1) / 2))p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
old=$(median old); new=$(median new)
echo "flow $flow, $conns connections, $runs runs of $secs s each: median settlements/s old $old, new $new, new/old $(ratio "$new" "$old")"
old=$(median old reqs); new=$(median new reqs)
echo "median requests/s old $old, new $new, new/old $(ratio "$new" "$old")"
old=$(median old p99); new=$(median new p99)
echo "median p99 ms old $old, new $new, new/old $(ratio "$new" "$old")"
