#!/usr/bin/env bash
# bench/store.sh: durable settlement throughput of the store, in one run on
# one machine: a synthetic city's registry (yibao gen city --registry-only)
# imported into SQLite and into a throw-away PostgreSQL (scripts/pg.sh);
# `yibao-bench store` (the same city's bills: --persons, --seed) at
# several batch sizes on each; pgbench TPC-B (-i -s 10, -c 4 -j 2 -T 30)
# on the same cluster for scale; the import of the persons file timed with
# /usr/bin/time -v. Prints a markdown table. Not a test: figures vary with
# the disk's fsync latency.
#
#   bench/store.sh            N=200000 PERSONS=1000000 BATCHES="64 256 1024 4096"
set -euo pipefail
cd "$(dirname "$0")/.."
export YIBAO_ROOT=$PWD
Y=build/release/yibao
B=build/release/yibao-bench
N=${N:-200000}
PERSONS=${PERSONS:-1000000}
BATCHES=${BATCHES:-"64 256 1024 4096"}
PGBENCH_SECONDS=${PGBENCH_SECONDS:-30}
[ -x "$Y" ] && [ -x "$B" ] || make release >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-bench-store-XXXXXX")
pgdir=""
cleanup() { [ -n "$pgdir" ] && scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
uri=$(scripts/pg.sh start)
pgdir=$(tail -n 1 "${TMPDIR:-/tmp}/yibao-pg.$(ps -o pgid= $$ | tr -d ' ')")
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
psql -q "$uri" -c "CREATE DATABASE store_bench" >/dev/null
pg_store="${uri%/*}/store_bench"
sq_store="$work/store.db"

import_city() { # db
    local db=$1
    "$Y" import --db "$db" policy tests/vectors/policies/maoming-2020-employee.json \
        tests/vectors/policies/maoming-2020-resident.json >/dev/null
    "$Y" import --db "$db" catalog tests/vectors/catalog.json >/dev/null
    "$Y" import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
    /usr/bin/time -v "$Y" import --db "$db" persons "$work/city/persons.csv" 2>"$work/time.log" >/dev/null
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$work/time.log" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$work/time.log" | awk '{print $NF}')
    echo "$wall $((rss / 1024))"
}

declare -A import_fig
"$Y" gen city --persons "$PERSONS" --seed 1 --out "$work/city" --registry-only >/dev/null
rows=$(($(wc -l <"$work/city/persons.csv") - 1))
import_fig[sqlite]=$(import_city "$sq_store")
import_fig[postgresql]=$(import_city "$pg_store")
city="yibao gen city --persons $PERSONS ($rows rows)"

declare -A rate
for b in $BATCHES; do
    rate[sqlite,$b]=$("$B" store --db "$sq_store" --persons "$PERSONS" --seed 1 --n "$N" --batch "$b" | sed -n 's/.* = \([0-9]*\) durable.*/\1/p')
    rate[postgresql,$b]=$("$B" store --db "$pg_store" --persons "$PERSONS" --seed 1 --n "$N" --batch "$b" | sed -n 's/.* = \([0-9]*\) durable.*/\1/p')
done
"$Y" check --db "$sq_store" >/dev/null
"$Y" check --db "$pg_store" >/dev/null

"$pgbin/pgbench" -i -s 10 -q "$uri" >/dev/null 2>&1
tps=$("$pgbin/pgbench" -c 4 -j 2 -T "$PGBENCH_SECONDS" "$uri" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)

echo "## Durable store ($(nproc) CPUs, $(uname -r); $city; $N settlements per run)"
echo
echo "| backend | $(for b in $BATCHES; do printf 'batch %s | ' "$b"; done)"
echo "|---|$(for b in $BATCHES; do printf -- '---:|'; done)"
for be in sqlite postgresql; do
    printf '| %s durable settlements/s | ' "$be"
    for b in $BATCHES; do printf '%s | ' "${rate[$be,$b]:-?}"; done
    echo
done
echo
echo "pgbench TPC-B (-s 10, -c 4 -j 2, ${PGBENCH_SECONDS} s), same cluster: **${tps%.*} TPS**"
echo
echo "| import persons ($PERSONS) | wall | peak RSS MiB |"
echo "|---|---:|---:|"
for be in sqlite postgresql; do
    read -r wall rss <<<"${import_fig[$be]}"
    echo "| $be | $wall | $rss |"
done
