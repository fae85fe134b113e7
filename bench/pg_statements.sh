#!/usr/bin/env bash
# bench/pg_statements.sh YIBAO [YIBAO...]: statements per visit on
# PostgreSQL, i.e. the visit flow's round trips, counted by
# pg_stat_statements. For each binary in turn: a fresh database on PG_URI
# holding the city of bench/http.sh (5,000 persons), `yibao serve`, the
# statistics reset, SECONDS_PER_RUN (10) seconds of `yibao-bench http
# --flow visit` at CONNECTIONS (32); prints the visits, the statements per
# visit and the TOP (15) statements by calls per visit. Statements are not
# round trips (a simple query of two statements, or a pipeline, is one):
# with STRACE=1 the server also runs under strace, which counts its sends
# of PostgreSQL messages (libpq sends once per round trip) per 6 HTTP
# answers (a visit); strace slows the server several times, so only the
# counts mean anything then, not the rates.
# PG_URI's cluster must preload pg_stat_statements, e.g.
#   uri=$(scripts/pg.sh start); psql "$uri" -c "ALTER SYSTEM SET
#   shared_preload_libraries = 'pg_stat_statements'"; restart the cluster
#   (pg_ctl -D DIR/data restart, as postgres); psql "$uri" -c "CREATE
#   EXTENSION pg_stat_statements" (the script creates it in its database)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: PG_URI=URI bench/pg_statements.sh YIBAO [YIBAO...]" >&2; exit 2; }
[ -n "${PG_URI:-}" ] || { echo "bench/pg_statements.sh: PG_URI is not set" >&2; exit 2; }
cd "$(dirname "$0")/.."
bench=${YIBAO_BENCH:-build/release/yibao-bench}
conns=${CONNECTIONS:-32}; secs=${SECONDS_PER_RUN:-10}; top=${TOP:-15}
work=$(mktemp -d /tmp/yibao-pgstat.XXXXXX)
export YIBAO_KEY_FILE="$work/service.key" PGOPTIONS="-c client_min_messages=warning"
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/visit_lib.sh # (the working directory is the repository)
visit_city "$1" "$work"
for y in "$@"; do
    psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS yibao_pgstat" -c "CREATE DATABASE yibao_pgstat" >/dev/null
    db="${PG_URI%/*}/yibao_pgstat"
    visit_store "$y" "$db" "$work"
    visit_serve "$y" "$db" "$work/serve.log"
    psql -q "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
    spid=""
    if [ -n "${STRACE:-}" ]; then
        strace -f -qq -e trace=sendto,sendmsg,write,writev -e signal=none -s 8 -o "$work/strace" -p "$pid" &
        spid=$!
        sleep 1
    fi
    line=$("$bench" http --url "$url" --paasid "$paasid" --token "$token" --code "$code" \
        --connections "$conns" --seconds "$secs" --persons 5000 --seed 1 --flow visit)
    visits=$(sed -n 's/.* settlements \([0-9]*\) .*/\1/p' <<<"$line")
    [ "${visits:-0}" -gt 0 ] || { echo "no visit settled: $line" >&2; exit 1; }
    if [ -n "$spid" ]; then kill "$spid"; wait "$spid" 2>/dev/null || true; fi
    kill -TERM "$pid"; wait "$pid" || true; pid=""
    echo "$y: $line"
    if [ -n "$spid" ]; then
        awk '/"HTTP\// { h++; next } /^[0-9]+ +(sendto|write|writev|sendmsg)\([0-9]+, "[PBQSEDCHF]/ { p++ }
            END { printf "round trips (sends of PostgreSQL messages) %d for %d HTTP answers: %.1f a visit\n", p, h, h ? 6 * p / h : 0 }' "$work/strace"
    fi
    psql -qtA -F' ' "$db" -c "SELECT sum(calls), round(sum(calls)::numeric / $visits, 1) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'yibao_pgstat'" |
        awk -v v="$visits" '{ print "visits " v ", statements " $1 ", per visit " $2 }'
    psql -qtA -F' | ' "$db" -c "SELECT round(calls::numeric / $visits, 2), left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'yibao_pgstat' ORDER BY calls DESC LIMIT $top"
done
psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS yibao_pgstat" >/dev/null
