#!/usr/bin/env bash
# bench/contribute.sh: a contribution run's speed (issue 16 item 2;
# docs/BENCHMARKS.md "Contribution runs"), durable.
#
#   bench/contribute.sh employees PERSONS [PG_URI]
#       a city of PERSONS (yibao gen city --registry-only) whose every person
#       is enrolled in scheme 310 (tests/enrol_city.py --employees-only: in
#       service on a declared wage, one in ten flexible, the retired), and
#       the run of 2020-03: every person one record with its postings
#   bench/contribute.sh residents PERSONS [PG_URI]
#       the same city as generated (residents in 390), the year 2020's
#       resident run
#
# Prints the setup's times (the imports are not what is measured), then
# the run: wall time, records/s and peak memory (/usr/bin/time -v), the
# same run again (nothing posted: the idempotent rerun), `check`'s time and
# `report arrears`' (a read of the whole journal).
# SQLite in a temporary directory unless PG_URI is given (a database is
# created on that cluster and dropped at the end). The machine's load is
# printed before and after: the machine is shared.
set -euo pipefail
mode=${1:?employees or residents}
persons=${2:?PERSONS}
pg=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
yibao=${YIBAO:-$root/build/release/yibao}
work=$(mktemp -d /tmp/yibao-contrib-bench.XXXXXX)
pg_db=""
cleanup() {
    [ -n "$pg_db" ] && psql -q "$pg" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$pg" ]; then
    pg_db="yibao_contrib_bench_$$"
    psql -q "$pg" -c "CREATE DATABASE $pg_db" >/dev/null
    db="${pg%/*}/$pg_db"
    backend=PostgreSQL
else
    db=$work/db.sqlite
    backend=SQLite
fi
t() { # LABEL CMD...: runs it, prints its wall time
    local s e
    s=$(date +%s.%N)
    "${@:2}" >/dev/null
    e=$(date +%s.%N)
    printf "  %-28s %8.1f s\n" "$1" "$(echo "$e - $s" | bc)"
}
echo "contribute bench: $mode, $persons persons, $backend; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
extra=()
[ "$mode" = employees ] && extra=(--employees-only)
t "gen city" "$yibao" gen city --persons "$persons" --out "$work/city" --registry-only
# the generator writes its own enrolment files; these runs use enrol_city.py's
rm -f "$work/city"/employers*.csv "$work/city"/episodes*.csv "$work/city"/wages*.csv "$work/city"/bindings*.csv
t "enrol_city.py" python3 "$root/tests/enrol_city.py" "$work/city" --months 2020-03 "${extra[@]}"
t "import registry" "$yibao" import --db "$db" institutions "$work/city/institutions.csv"
"$yibao" import --db "$db" policy "$root"/policies/maoming-2020-*.json >/dev/null
t "import persons" "$yibao" import --db "$db" persons "$work/city/persons.csv"
t "import employers" "$yibao" import --db "$db" employers "$work/city/employers.csv"
# shellcheck disable=SC2046
t "import episodes" "$yibao" import --db "$db" episodes $(ls "$work"/city/episodes.*.csv)
# shellcheck disable=SC2046
t "import wages" "$yibao" import --db "$db" wages $(ls "$work"/city/wages.*.csv)
if [ "$mode" = employees ]; then run=(--month 2020-03); else run=(--year 2020 --residents); fi
/usr/bin/time -v "$yibao" contribute --db "$db" "${run[@]}" >"$work/run.out" 2>"$work/time.out"
cat "$work/run.out"
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.out")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.out")
posted=$(sed -n 's/^contribute [^:]*: \([0-9,]*\) posted.*/\1/p' "$work/run.out" | tr -d ,)
secs=$(echo "$wall" | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
printf "  run: %s records in %s s = %.0f records/s, peak RSS %.0f MiB\n" "$posted" "$secs" \
    "$(echo "$posted / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
t "the same run again" "$yibao" contribute --db "$db" "${run[@]}"
t "check" "$yibao" check --db "$db"
# the arrears report reads the whole journal once (docs/CONTRIBUTIONS.md)
if [ "$mode" = employees ]; then arrears=(--employers); else arrears=(); fi
t "report arrears" "$yibao" report arrears --db "$db" --year 2020 "${arrears[@]}" --format csv
echo "  load after: $(cut -d' ' -f1-3 /proc/loadavg)"
