#!/usr/bin/env bash
# t_bench_whatif.sh: `yibao-bench whatif` (issue 17: the what-if of a
# generated year in memory) against `yibao whatif` over a store holding the
# same generated year. The store: `yibao gen city --registry-only` of the
# seed, the imports, `yibao-bench year --db` (BENCH_WHATIF_PERSONS persons:
# 20,000 on SQLite, 3,000 on PostgreSQL and under the sanitizers).
#  - with the Maoming 2020 resident catastrophic ratio at 0.75 (the shipped
#    0.80 replaced), the bench's before, after and change per fund and the
#    patients' out-of-pocket equal `yibao whatif --policy`'s to the fen,
#    over the same number of settlements, and the catastrophic fund changes;
#  - with the year's own policies every change is 0 and "before" is the same;
#  - bad input (exit 2): no --policy, a policy of another year, a second
#    policy of one key, a file that does not load.
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

YIBAO_BENCH=${YIBAO_BENCH:-$(dirname "$YIBAO")/yibao-bench}
persons=20000
[ "${SVC_BACKEND:-sqlite}" = pg ] && persons=3000
[ "${YIBAO_VARIANT:-release}" = san ] && persons=3000
persons=${BENCH_WHATIF_PERSONS:-$persons}
seed=5
cd "$root" || exit 1

"$YIBAO" gen city --persons "$persons" --seed "$seed" --registry-only --out "$work/reg" >/dev/null ||
    fail "gen city"
y import institutions "$work/reg/institutions.csv" >/dev/null || fail "import institutions"
y import policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null ||
    fail "import policy"
y import catalog policies/catalog-conformance.json >/dev/null || fail "import catalog"
y import persons "$work/reg/persons.csv" >/dev/null || fail "import persons"
"$YIBAO_BENCH" year --persons "$persons" --seed "$seed" --db "$db" >"$work/year.json" ||
    fail "bench year --db"
jq '.catastrophic.bands[0].ratio = 0.75' policies/maoming-2020-resident.json >"$work/res75.json"

# figures FILE: the funds (fund, before, after, change) and the out-of-pocket, as jq prints numbers
figures() { jq -c '[[.funds[] | {fund, before, after, change}], .out_of_pocket]' "$1"; }

y whatif --year 2020 --policy "$work/res75.json" --format json >"$work/store75.json" ||
    fail "yibao whatif (0.75)"
"$YIBAO_BENCH" whatif --persons "$persons" --seed "$seed" --policy "$work/res75.json" \
    >"$work/bench75.json" || fail "yibao-bench whatif (0.75)"
[ "$(figures "$work/bench75.json")" = "$(figures "$work/store75.json")" ] ||
    fail "0.75: the bench's figures differ from yibao whatif's:
bench: $(figures "$work/bench75.json")
store: $(figures "$work/store75.json")"
settled=$(jq .replay.settlements "$work/store75.json")
[ "$(jq .settlements "$work/bench75.json")" = "$settled" ] && [ "$settled" -gt 0 ] ||
    fail "settlements: bench $(jq .settlements "$work/bench75.json"), store $settled"
[ "$(jq '.refused_before + .refused_after' "$work/bench75.json")" = 0 ] || fail "refusals"
jq -e '.funds[] | select(.fund == "hifmi") | .change < 0' "$work/bench75.json" >/dev/null ||
    fail "0.75: the catastrophic fund does not pay less"

"$YIBAO_BENCH" whatif --persons "$persons" --seed "$seed" \
    --policy policies/maoming-2020-employee.json --policy policies/maoming-2020-resident.json \
    >"$work/own.json" || fail "yibao-bench whatif (own)"
jq -e '[.funds[].change, .out_of_pocket.change] | all(. == 0)' "$work/own.json" >/dev/null ||
    fail "own policies: a change is not 0: $(figures "$work/own.json")"
[ "$(jq -c '[.funds[].before]' "$work/own.json")" = "$(jq -c '[.funds[].before]' "$work/store75.json")" ] ||
    fail "own policies: before differs from the store's"

# bad_input NAME PATTERN ARGS...: exit 2, stderr matching PATTERN, no figures
bad_input() {
    local name=$1 pattern=$2 rc=0
    shift 2
    "$YIBAO_BENCH" whatif --persons 100 --seed "$seed" "$@" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
    [ "$rc" = 2 ] || fail "$name: exit $rc, not 2"
    grep -q -- "$pattern" "$work/bad.err" || fail "$name: stderr: $(cat "$work/bad.err")"
    [ ! -s "$work/bad.out" ] || fail "$name: figures printed"
}
jq '.year = 2021' policies/maoming-2020-resident.json >"$work/res2021.json"
echo '{"format": "yibao-policy/1", "region": ' >"$work/broken.json"
bad_input "no --policy" "usage" --bills 10
bad_input "another year" "year: is 2021, not the city's year 2020" --policy "$work/res2021.json"
bad_input "a second of one key" "insutype" --policy "$work/res75.json" \
    --policy policies/maoming-2020-resident.json
bad_input "broken file" "broken.json" --policy "$work/broken.json"
echo "ok: t_bench_whatif ($SVC_BACKEND, $persons persons, $settled settlements)"
