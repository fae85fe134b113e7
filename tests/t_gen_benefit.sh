#!/usr/bin/env bash
# t_gen_benefit.sh: `yibao gen city` types each person's benefit_start and
# contribution_short in persons.csv by the rules `yibao derive-benefits`
# applies to the episodes it writes (FUNDS.md §4; docs/GENERATOR.md,
# "Benefit start by the rule"), so that a generated city's settlements do
# not change once derive-benefits runs: a 1,500-person city imported into
# two stores, one of them derived; every person's benefit_start and
# contribution_short are the same in both (8 % of the registered retirees
# planted short: --rate-short-career), and every other bill of the city
# settled in each store gets the same answer (but its setl_id), the short
# retirees' refusals (E_CONTRIBUTION_SHORT) included. `check` passes on the
# derived store. Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

typed=$db # the city as generated
if [ "$SVC_BACKEND" = pg ]; then
    pg_db2="yibao_gb_$$_$RANDOM"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pg_db2" >/dev/null || fail "createdb"
    trap 'psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pg_db2 WITH (FORCE)" >/dev/null 2>&1; cleanup' EXIT
    derived="${YIBAO_PG_URI%/*}/$pg_db2"
    sql() { psql -qAt "$1" -c "$2"; }
else
    derived=$work/derived.sqlite
    sql() { sqlite3 -cmd ".timeout 5000" "$1" "$2"; }
fi
city=$work/city
# 8 % of the registered retirees short of the minimum months (typed contribution_short)
"$YIBAO" gen city --persons 1500 --seed 7 --rate-short-career 0.08 --out "$city" >/dev/null || fail "gen city"
awk 'NR % 2 == 1' "$city/bills.jsonl" >"$work/sample.jsonl" # every other bill
for d in "$typed" "$derived"; do
    "$YIBAO" import --db "$d" institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
    "$YIBAO" import --db "$d" policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "import policy"
    "$YIBAO" import --db "$d" catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "import catalog"
    "$YIBAO" import --db "$d" persons "$city/persons.csv" >/dev/null || fail "import persons"
    for k in employers episodes wages bindings; do
        # shellcheck disable=SC2086
        "$YIBAO" import --db "$d" "$k" $(ls "$city"/$k*.csv) >/dev/null 2>"$work/err" || fail "import $k: $(cat "$work/err")"
    done
done
out=$("$YIBAO" derive-benefits --db "$derived") || fail "derive-benefits: $out"
# the employees of the city's region derived (a few of out-of-area regions have no policy)
n=$(sed -n 's/.*employee episodes, [0-9]* residents with a premium charged: \([0-9]*\) derived.*/\1/p' <<<"$out")
[ -n "$n" ] && [ "$n" -gt 400 ] || fail "derive-benefits derived too few: $out"

registry() { sql "$1" "SELECT psn_no || ' ' || benefit_start || ' ' || (flags & 15) FROM persons ORDER BY psn_no"; }
registry "$typed" >"$work/typed.txt"
registry "$derived" >"$work/derived.txt"
[ "$(wc -l <"$work/typed.txt")" -gt 1400 ] || fail "the persons: $(wc -l <"$work/typed.txt")"
diff "$work/typed.txt" "$work/derived.txt" >"$work/diff" || fail "derived values differ from the generated: $(head -5 "$work/diff")"
short=$(sql "$derived" "SELECT count(*) FROM persons WHERE flags & 8 <> 0")
[ "$short" -gt 0 ] || fail "no retiree typed contribution_short"

for d in typed derived; do
    "$YIBAO" settle --db "${!d}" --answers "$work/ans_$d" "$work/sample.jsonl" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "settle ($d): exit $rc"
    jq -c 'del(.setl_id)' "$work/ans_$d" >"$work/stripped_$d" || fail "answers ($d)"
done
[ "$(wc -l <"$work/stripped_typed")" = "$(wc -l <"$work/sample.jsonl")" ] || fail "not every bill answered"
grep -q '"E_CONTRIBUTION_SHORT"' "$work/stripped_typed" || fail "no short retiree's bill refused in the sample"
cmp -s "$work/stripped_typed" "$work/stripped_derived" ||
    fail "the answers differ after derive-benefits: $(diff "$work/stripped_typed" "$work/stripped_derived" | head -4)"
"$YIBAO" check --db "$derived" >"$work/check" 2>&1 || fail "check: $(cat "$work/check")"
echo "PASS t_gen_benefit ($SVC_BACKEND)"
