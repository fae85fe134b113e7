#!/usr/bin/env bash
# t_settle_year_race.sh: a case decided while `settle-year` runs (issue 17;
# docs/PAYMENT.md, "A case decided while the year-end runs"). The year-end
# reads the cases' sanctions, the settlements and the deposits in one
# snapshot, and its posting transaction checks that each deposit still
# holds what was read. The test hook YIBAO_TEST_SETTLE_YEAR_HOOK runs a
# command after the reads and before the posting (no timing): there it
# decides a deduction from H3's deposit. First a deduction decided at
# each reading: refused, exit 2, the account named, no year-end record
# written (the three readings, SETTLE_YEAR_READINGS_MAX, logged: the
# change was seen, the year read again, changed again). Then a fourth
# decided at the first reading only: the
# posting sees the deposit changed, the year is read again, and the
# year-end counts the four deductions exactly once (deposit, sanctions,
# release to the fen; the deposit 0 after, not negative; the bank account
# up by the release). Settlements journaled while it runs:
# t_settle_year_late.sh.
# Both: the trial balance ties, `check` and `check --deep` pass. Both
# backends (YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

balance() { # ACCOUNT: its balance over the ledger's postings, in yuan ("12.30")
    local fen
    fen=$(sql "SELECT coalesce(sum(CASE WHEN debit = '$1' THEN amount ELSE -amount END), 0)
        FROM postings WHERE debit = '$1' OR credit = '$1'") || fail "the balance of $1"
    python3 -c "import sys; f = int(sys.argv[1]); print('%s%d.%02d' % ('-' if f < 0 else '', abs(f) // 100, abs(f) % 100))" "$fen"
}
year_ends() { sql "SELECT count(*) FROM journal WHERE msgid LIKE 'year-end/%'"; }

make_city
echo '{"format":"yibao-payment/1","id":"pay-440900","region":"440900","year":2020,"withhold_rate":0.5,"institutions":{"H3":{"method":"fee_for_service"},"H8":{"method":"fee_for_service"}}}' >"$work/pay.json"
y import payment "$work/pay.json" >/dev/null || fail "import payment"
for s in "P0003 S1 H3" "P0010 S2 H8"; do
    set -- $s
    printf '{"psn_no":"%s","msgid":"%s","fixmedins_code":"%s","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' \
        "$1" "$2" "$3" >"$work/stay.json"
    y settle "$work/stay.json" >/dev/null || fail "the stay $2"
done
y pay --month "$(date -u -d '+8 hours' +%Y-%m)" >/dev/null || fail "pay"
withheld=$(balance "D:H3:2020")
python3 -c "import sys; from decimal import Decimal as D; assert D(sys.argv[1]) > 1" "$withheld" ||
    fail "H3's deposit withheld: $withheld"
for g in "alice reviewer" "bob reviewer" "carol decider"; do
    set -- $g
    y case grant --to "$1" --role "$2" --operator admin --reason appointed >/dev/null || fail "grant $g"
done
# open_reviewed EVIDENCE: a deduction case at H3 up to its decision; its id in $id
open_reviewed() {
    y case open --year 2020 --inst H3 --kind over_quantity --amount 5 --evidence "$1" \
        --operator alice --reason audit >"$work/out" || fail "open: $(cat "$work/out")"
    id=$(sed -n 's/^case \(C[0-9a-f]*\) open: .*/\1/p' "$work/out")
    [ -n "$id" ] || fail "open: no id: $(cat "$work/out")"
    y case advance --case "$id" --step review1 --operator alice --reason ok >/dev/null || fail review1
    y case advance --case "$id" --step review2 --operator bob --reason ok >/dev/null || fail review2
}
open_reviewed "a pack of 300"
case_a=$id
open_reviewed "a pack of 200"
case_b=$id
open_reviewed "a pack of 100"
case_c=$id
open_reviewed "a pack of 50"
case_d=$id
[ "$(printf '%s\n' "$case_a" "$case_b" "$case_c" "$case_d" | sort -u | wc -l)" = 4 ] ||
    fail "a case opened twice: $case_a $case_b $case_c $case_d"

# the hook: each call (a reading of the year) takes the next line of
# $work/actions: "CASE AMOUNT" decides that deduction, "-" nothing; every
# reading is logged
cat >"$work/hook.sh" <<EOF
echo "\$YIBAO_TEST_READING" >>"$work/readings"
read -r c amount <"$work/actions"
sed -i 1d "$work/actions"
[ "\$c" = - ] || "$YIBAO" case advance --case "\$c" --step decision --sanction deduct \\
    --amount "\$amount" --operator carol --reason "decided while the year-end ran" --db "$db" >/dev/null
EOF
export YIBAO_TEST_SETTLE_YEAR_HOOK="bash $work/hook.sh"
bank0=$(balance "B:H3")
before=$(records)

# raced at every reading: refused, nothing but the three decisions written
printf '%s 0.50\n%s 0.30\n%s 0.10\n' "$case_a" "$case_b" "$case_d" >"$work/actions"
y settle-year --year 2020 --verbose >"$work/out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "settle-year raced thrice: exit $rc, not 2: $(cat "$work/out")"
grep -q "refused: D:H3:2020 holds .* when the year was read .*on each of the 3 readings" "$work/out" ||
    fail "the refusal: $(cat "$work/out")"
[ "$(tr '\n' ' ' <"$work/readings")" = "1 2 3 " ] || fail "the readings: $(cat "$work/readings")"
[ "$(year_ends)" = 0 ] || fail "refused, but $(year_ends) year-end records written"
[ "$(records)" = $((before + 3)) ] || fail "refused: $(records) records, not $before + the 3 decisions"
y check >"$work/check" 2>&1 || fail "check after the refusal: $(cat "$work/check")"

# raced at the first reading only: read again, the deduction counted once
rm -f "$work/readings"
printf '%s 0.20\n-\n' "$case_c" >"$work/actions"
y settle-year --year 2020 --verbose >"$work/out" 2>&1 || fail "settle-year: $(cat "$work/out")"
[ "$(tr '\n' ' ' <"$work/readings")" = "1 2 " ] ||
    fail "the readings: $(cat "$work/readings") (the change was not seen)"
grep -q "2 records posted, 0 already settled" "$work/out" || fail "settle-year: $(cat "$work/out")"
unset YIBAO_TEST_SETTLE_YEAR_HOOK
sanctions=1.10
[ "$(year_ends)" = 2 ] || fail "$(year_ends) year-end records, not 2"
release=$(python3 -c "import sys; from decimal import Decimal as D; print(D(sys.argv[1]) - D(sys.argv[2]))" \
    "$withheld" "$sanctions")
grep -q "^year-end/H3/2020 fee_for_service .* deposit $withheld sanctions $sanctions released $release paid $release\$" \
    "$work/out" || fail "H3's year-end: $(cat "$work/out"), want deposit $withheld sanctions $sanctions released $release"
[ "$(balance "D:H3:2020")" = 0.00 ] || fail "H3's deposit after the year-end: $(balance "D:H3:2020"), not 0"
[ "$(balance "D:H8:2020")" = 0.00 ] || fail "H8's deposit after the year-end: $(balance "D:H8:2020"), not 0"
python3 -c "import sys; from decimal import Decimal as D
assert D(sys.argv[2]) - D(sys.argv[1]) == D(sys.argv[3]), sys.argv" "$bank0" "$(balance "B:H3")" "$release" ||
    fail "H3's bank account: $bank0 -> $(balance "B:H3"), not + $release"
y report trial-balance --format json | jq -e '.debit == .credit' >/dev/null || fail "the trial balance does not tie"
out=$(y settle-year --year 2020) || fail "settle-year once more"
grep -q "0 records posted, 2 already settled" <<<"$out" || fail "settle-year once more: $out"
y check >"$work/out" 2>&1 || fail "check: $(cat "$work/out")"
y check --deep >"$work/out" 2>&1 || fail "check --deep: $(cat "$work/out")"
echo "t_settle_year_race: ok ($SVC_BACKEND)"
