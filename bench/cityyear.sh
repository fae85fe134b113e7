#!/usr/bin/env bash
# bench/cityyear.sh: a whole city-year, end to end, on one store (issues 16,
# 17 and 18's Done-when at a million persons): a generated city's registry
# and enrolment (`yibao gen city --registry-only`: persons, institutions,
# employers, episodes, wages, bindings), the twelve employee months and the
# residents' year contributed, the year's settlements (`yibao-bench year`),
# payment agreements (tests/ref/pay_agreements.py) and the twelve pay runs,
# the year-end settlement, `check`, the trial balance, the four fund
# reports, the what-if under the year's own policies and the scan.
#
# Each step runs under /usr/bin/time (wall seconds, peak RSS) and is
# printed as a markdown table row on stdout as it ends; a step that fails
# is printed with its exit status and its stderr's last line, and the run
# goes on where the next step does not need it. Then the checks, each
# "ok" or "FAILED": check passes; the trial balance ties; per fund the
# report's revenue and spending equal an independent SQL sum over the
# postings (sqlite3, or psql on PostgreSQL) and opening + revenue -
# spending = closing; the what-if under the year's own policies changes
# nothing.
#
#   bench/cityyear.sh [PERSONS] [DIR] [PG_URI]   (defaults: 1000000, a temp dir, SQLite)
# With PG_URI the store is a database created on that cluster (its URI
# kept in DIR/store, so that a run started again goes on in it; dropped at
# the end unless DIR is given) and the checks' SQL goes through psql.
# DIR is kept when given (the store DIR/city.db and the registry DIR/reg,
# reusable for more measurements); a step whose marker DIR/done.STEP exists
# is skipped, so a run stopped half-way goes on where it stopped.
# Environment: YIBAO, YIBAO_BENCH (binaries), SEED (1), CITYYEAR_STOP_BEFORE
# (a step's name: stop there, exit 0). A failed step ends the run (exit
# its status), its row saying why.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
yibao=${YIBAO:-$root/build/release/yibao}
bench=${YIBAO_BENCH:-$root/build/release/yibao-bench}
persons=${1:-1000000}
seed=${SEED:-1}
if [ -n "${2:-}" ]; then
    dir=$2
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/yibao-cityyear.XXXXXX")
    temp_dir=$dir
fi
reg=$dir/reg
pg=${3:-}
pg_drop=""
if [ -n "$pg" ]; then
    if [ ! -s "$dir/store" ]; then
        name="yibao_cityyear_$$"
        psql -q "$pg" -c "CREATE DATABASE $name" >/dev/null || exit 1
        echo "${pg%/*}/$name" >"$dir/store"
    fi
    db=$(cat "$dir/store")
    [ -n "${2:-}" ] || pg_drop=${db##*/}
    backend=PostgreSQL
else
    db=$dir/city.db
    backend=SQLite
fi
cleanup() {
    [ -n "$pg_drop" ] && psql -q "$pg" -c "DROP DATABASE IF EXISTS $pg_drop WITH (FORCE)" >/dev/null
    [ -n "${temp_dir:-}" ] && rm -rf "$temp_dir"
}
trap cleanup EXIT
# q SQL: one query's rows, columns separated by '|', on either backend
q() {
    if [ -n "$pg" ]; then psql -X -q -At "$db" -c "$1"; else sqlite3 "$db" "$1"; fi
}
# the month (YYYY-MM, local time) of a journal record's time_us
if [ -n "$pg" ]; then
    # the machine's offset from UTC now (+0800: 28800 s), as sqlite3's 'localtime'
    off=$(date +%z)
    off_s=$(((10#${off:1:2} * 3600 + 10#${off:3:2} * 60) * (${off:0:1}1)))
    month_sql="to_char(to_timestamp(time_us / 1000000 + $off_s) AT TIME ZONE 'UTC', 'YYYY-MM')"
else
    month_sql="strftime('%Y-%m', time_us / 1000000, 'unixepoch', 'localtime')"
fi

echo "## A city-year of $persons persons (seed $seed), $backend, $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| step | wall s | peak RSS MiB | load before | note |"
echo "|---|---:|---:|---|---|"

# step NAME CMD...: runs CMD once (its marker), prints its row; a step
# that fails ends the run (the steps after it would run on a store
# missing what it should have written, and be marked done). With
# CITYYEAR_STOP_BEFORE=NAME the run stops, exit 0, before step NAME (the
# set-up done now, the rest by a run started again later).
step() {
    local name=$1
    shift
    if [ "${CITYYEAR_STOP_BEFORE:-}" = "$name" ]; then
        echo
        echo "stopped before $name (CITYYEAR_STOP_BEFORE)"
        exit 0
    fi
    [ -e "$dir/done.$name" ] && return 0
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %M' -o "$dir/time.$name" "$@" >"$dir/out.$name" 2>"$dir/err.$name"
    local rc=$?
    read -r wall rss < <(tail -n 1 "$dir/time.$name") || { wall=?; rss=0; }
    local note
    note=$(tail -n 1 "$dir/out.$name" | cut -c1-120 | tr '|' '/')
    if [ $rc -ne 0 ]; then
        note="FAILED (exit $rc): $(grep -v '^Command exited' "$dir/err.$name" | tail -n 1 | cut -c1-160 | tr '|' '/')"
    fi
    echo "| $name | $wall | $((rss / 1024)) | $load | $note |"
    [ $rc -eq 0 ] || exit $rc
    touch "$dir/done.$name"
}

step gen "$yibao" gen city --persons "$persons" --seed "$seed" --registry-only --out "$reg"
[ -n "$pg" ] || step init "$yibao" init --db "$db"
step import-registry bash -c "
    set -e
    '$yibao' import --db '$db' institutions '$reg/institutions.csv'
    '$yibao' import --db '$db' policy '$root/policies/maoming-2020-employee.json' '$root/policies/maoming-2020-resident.json'
    '$yibao' import --db '$db' catalog '$root/policies/catalog-conformance.json'
    '$yibao' import --db '$db' persons '$reg/persons.csv'"
step import-enrolment bash -c "
    set -e
    '$yibao' import --db '$db' employers '$reg/employers.csv'
    '$yibao' import --db '$db' episodes '$reg'/episodes*.csv
    '$yibao' import --db '$db' wages '$reg'/wages*.csv
    '$yibao' import --db '$db' bindings '$reg/bindings.csv'"
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    step "contribute-2020-$m" "$yibao" contribute --db "$db" --month "2020-$m"
done
step contribute-residents "$yibao" contribute --db "$db" --year 2020 --residents
# the same month again: nothing posted (the journal's count unchanged)
[ -e "$dir/done.contribute-2020-01-again" ] ||
    q "SELECT count(*) FROM journal" >"$dir/journal.before-again"
step contribute-2020-01-again "$yibao" contribute --db "$db" --month 2020-01
[ -e "$dir/journal.after-again" ] || q "SELECT count(*) FROM journal" >"$dir/journal.after-again"
# each settlement journaled at its bill's end time (--dated: the store's
# simulated time), so that the year's settlements fall in 2020-01..2020-12
step settle-year-of-bills "$bench" year --persons "$persons" --seed "$seed" --db "$db" --dated
# agreements for every institution, sized by what each was paid
# (bench/city_agreements.py: level 3 global budgets, level 2 DIP, the rest
# fee for service)
paid_sql="SELECT substr(debit, 3), sum(amount) FROM postings p JOIN journal j ON j.seq = p.seq
        WHERE j.kind = 1 AND debit LIKE 'I:%' AND credit LIKE 'F:%' GROUP BY 1"
export -f q
export db pg
step agreements bash -c "q \"$paid_sql\" | tr '|' '\t' >'$dir/paid.tsv' &&
    python3 '$root/bench/city_agreements.py' '$reg/institutions.csv' '$dir/paid.tsv' 2020 '$dir' &&
    for f in '$dir'/pay-*.json; do
        '$yibao' import --db '$db' payment \"\$f\" --operator bench --reason cityyear || exit 1
    done"
# a pay run per month the settlements were journaled in (PAYMENT.md: the
# month is the record's time; --dated above journaled each at its bill's
# end, so these are the twelve runs 2020-01 .. 2020-12, each posting)
months=$(q "SELECT DISTINCT $month_sql FROM journal WHERE kind IN (1, 2) ORDER BY 1")
for m in $months; do
    step "pay-$m" "$yibao" pay --db "$db" --month "$m"
done
step settle-year "$yibao" settle-year --db "$db" --year 2020
step check "$yibao" check --db "$db"
step trial-balance "$yibao" report trial-balance --db "$db" --format json
for r in funds institutions reimbursement participation; do
    step "report-$r" bash -c "'$yibao' report $r --db '$db' --year 2020 --format json --warn-months 0 >'$dir/$r.json'; rc=\$?; [ \$rc = 0 ] || [ \$rc = 3 ] && echo exit \$rc"
done
step whatif-own "$yibao" whatif --db "$db" --year 2020 --policy "$root/policies/maoming-2020-employee.json" \
    --policy "$root/policies/maoming-2020-resident.json" --format json
step scan "$yibao" supervise scan --db "$db" --year 2020 --catalog "$root/policies/catalog-conformance.json" --out "$dir/findings.jsonl"

echo
echo "Checks:"
verdict() { if [ "$2" = 0 ]; then echo "- $1: ok"; else echo "- $1: FAILED"; fi; }
grep -q '^check ok' "$dir/out.check" 2>/dev/null
verdict "check passes ($(head -c 100 "$dir/out.check" 2>/dev/null))" $?
jq -e '.debit == .credit and .pieces > 0' "$dir/out.trial-balance" >/dev/null 2>&1
verdict "the trial balance ties ($(jq -c 'del(.lines)' "$dir/out.trial-balance" 2>/dev/null))" $?
if [ -s "$dir/funds.json" ]; then
    for fund in hifp hifob hifmi maf; do
        # by the other account's prefix: institutions (I:), their banks (B:,
        # the year-end's adjustments) and personal accounts (P:) are
        # spending, another pool (F:) spending of the payer and revenue of
        # the payee, anything else (receivables R:, openings S:) revenue
        want_rev=$(q "SELECT coalesce(sum(CASE WHEN debit LIKE 'F:$fund:%' THEN amount ELSE -amount END), 0)
            FROM postings WHERE (debit LIKE 'F:$fund:%' AND substr(credit, 1, 2) NOT IN ('I:', 'P:', 'B:'))
               OR (credit LIKE 'F:$fund:%' AND substr(debit, 1, 2) NOT IN ('I:', 'P:', 'B:', 'F:'))")
        want_spend=$(q "SELECT coalesce(sum(CASE WHEN credit LIKE 'F:$fund:%' THEN amount ELSE -amount END), 0)
            FROM postings WHERE (credit LIKE 'F:$fund:%' AND substr(debit, 1, 2) IN ('I:', 'P:', 'B:', 'F:'))
               OR (debit LIKE 'F:$fund:%' AND substr(credit, 1, 2) IN ('I:', 'P:', 'B:'))")
        got=$(jq -r "[.funds[] | select(.fund == \"$fund\")] |
            [([.[].revenue * 100 | round] | add // 0), ([.[].spending * 100 | round] | add // 0),
             ([.[] | (.opening + .revenue - .spending - .closing) * 100 | round | fabs] | add // 0)] | @tsv" "$dir/funds.json")
        read -r rev spend gap <<<"$got"
        [ "$rev" = "$want_rev" ] && [ "$spend" = "$want_spend" ] && [ "$gap" = 0 ]
        verdict "fund $fund: report revenue $rev, spending $spend fen = SQL $want_rev, $want_spend; opening + revenue - spending - closing = $gap" $?
    done
fi
cmp -s "$dir/journal.before-again" "$dir/journal.after-again"
verdict "a second run of 2020-01 posts nothing ($(cat "$dir/journal.before-again" 2>/dev/null) -> $(cat "$dir/journal.after-again" 2>/dev/null) journal records)" $?
jq -e '[.. | objects | select(has("change")) | .change | select(type == "number" and . != 0)] | length == 0' \
    "$dir/out.whatif-own" >/dev/null 2>&1
verdict "the what-if under the year's own policies changes nothing" $?
