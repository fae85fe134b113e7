#!/usr/bin/env bash
# t_settle_year_late.sh: settlements journaled while `settle-year` runs,
# and after it (issue 17; docs/PAYMENT.md, "A settlement journaled while
# the year-end runs"). The year-end reads the year in one snapshot; its
# posting transaction refuses when a settlement or revoke of the year was
# journaled after the last record the snapshot saw, and the year is read
# again (SETTLE_YEAR_READINGS_MAX readings in all). The test hook
# YIBAO_TEST_SETTLE_YEAR_HOOK runs a command after the reads and before
# the posting (no timing): there it settles or revokes a bill of 2020.
# H3 is paid by a global budget of 100.00 it overspends (§6a: due =
# budget + min(F - budget, 10.00) x 0.5 = 105.00, adjustment = 105.00 -
# F), so a stale F would show in the adjustment too.
# 1. A settlement at H3 at each reading: refused, exit 2, the settlement
#    named, no year-end record, the journal grown by the three settlements
#    only, `check` passes.
# 2. A settlement and a revoke at H3 at the first reading, a settlement
#    of 2021 at the second: read again once (another year's is not
#    watched), posted; H3's F is the sum of the hifp_pay of its settlements
#    not revoked, taken from the settle answers (the one settled meanwhile
#    in, the one revoked meanwhile out), its adjustment 105.00 - F.
# 3. After the year-end: a settlement of 2020 at H3 is paid monthly, not
#    settled again: a rerun with the hook settling it posts nothing and is
#    not refused (one reading: a batch with nothing to post checks
#    nothing); the next run leaves the year-end records as they were and
#    says "late: 1 ... at 1 institution(s)".
# 4. SETTLE_YEAR_SETTLEMENTS_MAX: with the test's lower limit
#    (YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX) under the year's count, the
#    run is refused, exit 2, naming the limit, nothing written; at the
#    count it goes on; 2021's one settlement is not over a limit of 1;
#    a limit out of range is refused as bad input.
# Then the trial balance ties, `check` and `check --deep` pass. Both
# backends (YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

year_ends() { sql "SELECT count(*) FROM journal WHERE msgid LIKE 'year-end/%'"; }
# stay N PSN INST: a 2020 inpatient stay into $work/stay-N.json (msgid SN)
stay() {
    printf '{"psn_no":"%s","msgid":"S%s","fixmedins_code":"%s","med_type":"21","begntime":"2020-03-%02d","endtime":"2020-03-%02d","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":%d,"pric":30.0,"det_item_fee_sumamt":%d.0}]}\n' \
        "$2" "$1" "$3" "$1" "$(($1 + 5))" "$((200 + 10 * $1))" "$(((200 + 10 * $1) * 30))" >"$work/stay-$1.json"
}
# the settle answer of stay N: its setl_id and hifp_pay (yuan) in $work/ans-N
settle_stay() {
    y settle "$work/stay-$1.json" >"$work/ans-$1" 2>&1 || fail "settle S$1: $(cat "$work/ans-$1")"
    jq -e '.setlinfo.hifp_pay' "$work/ans-$1" >/dev/null || fail "S$1 not settled: $(cat "$work/ans-$1")"
}
setl_id() { jq -r '.setl_id' "$work/ans-$1"; }
hifp() { jq -r '.setlinfo.hifp_pay' "$work/ans-$1"; }

make_city
cat >"$work/pay.json" <<'EOF'
{"format":"yibao-payment/1","id":"pay-440900","region":"440900","year":2020,"withhold_rate":0.05,
 "institutions":{"H3":{"method":"global_budget","budget":100.00,"savings_corridor":0.1,"savings_share":0.5,
                       "overspend_corridor":0.1,"overspend_share":0.5},
                 "H8":{"method":"fee_for_service"}}}
EOF
y import payment "$work/pay.json" >/dev/null || fail "import payment"
stay 1 P0003 H3
stay 2 P0010 H8
stay 3 P0011 H3
settle_stay 1
settle_stay 2
settle_stay 3
y pay --month "$(date -u -d '+8 hours' +%Y-%m)" >/dev/null || fail "pay"

# the hook: each call (a reading of the year) runs the next line of
# $work/actions; every reading is logged in $work/calls
action_hook
export YIBAO_TEST_SETTLE_YEAR_HOOK="bash $work/hook.sh"

# 1. a settlement at every reading: refused, nothing but them written
for n in 4 5 6; do stay $n "P00$((20 + n))" H3; done
before=$(records)
printf 'y settle %s >%s\n' "$work/stay-4.json" "$work/ans-4" "$work/stay-5.json" "$work/ans-5" \
    "$work/stay-6.json" "$work/ans-6" >"$work/actions"
y settle-year --year 2020 --verbose >"$work/out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "settle-year raced at every reading: exit $rc, not 2: $(cat "$work/out")"
grep -q "refused: a settlement seq [0-9]* of 2020 at H3 was journaled after the year was read (up to seq [0-9]*): the year-end's F would leave it out, on each of the 3 readings of the year; this batch wrote nothing" \
    "$work/out" || fail "the refusal: $(cat "$work/out")"
[ "$(tr '\n' ' ' <"$work/calls")" = "1 2 3 " ] || fail "the readings: $(cat "$work/calls")"
for n in 4 5 6; do jq -e '.setlinfo.hifp_pay' "$work/ans-$n" >/dev/null || fail "S$n: $(cat "$work/ans-$n")"; done
[ "$(year_ends)" = 0 ] || fail "refused, but $(year_ends) year-end records written"
[ "$(records)" = $((before + 3)) ] || fail "refused: $(records) records, not $before + the 3 settlements"
y check >"$work/check" 2>&1 || fail "check after the refusal: $(cat "$work/check")"

# 2. a settlement and a revoke at the first reading: read again, F has
# them; a settlement of another year (2021) at the second: not watched,
# posted at the second reading
rm -f "$work/calls"
stay 7 P0030 H3
sed 's/"year": 2020/"year": 2021/; s/maoming-2020-resident/maoming-2021-resident/' \
    "$root/policies/maoming-2020-resident.json" >"$work/policy-2021.json"
y import policy "$work/policy-2021.json" >/dev/null || fail "import the 2021 policy"
sed 's/"S7"/"S2021"/; s/2020-03-/2021-03-/g' "$work/stay-7.json" >"$work/stay-2021.json"
printf 'y settle %s >%s; y revoke %s --operator t --reason late >/dev/null\ny settle %s >%s\n:\n' \
    "$work/stay-7.json" "$work/ans-7" "$(setl_id 3)" "$work/stay-2021.json" "$work/ans-2021" >"$work/actions"
y settle-year --year 2020 --verbose >"$work/out" 2>&1 || fail "settle-year: $(cat "$work/out")"
[ "$(tr '\n' ' ' <"$work/calls")" = "1 2 " ] ||
    fail "the readings: $(cat "$work/calls") (not 1 2: the 2020 settlement not seen, or the 2021 one taken)"
[ "$(sql "SELECT count(*) FROM journal WHERE kind = 1 AND year = 2021")" = 1 ] ||
    fail "the 2021 stay not settled: $(cat "$work/ans-2021")"
grep -q "2 records posted, 0 already settled" "$work/out" || fail "settle-year: $(cat "$work/out")"
grep -q "^late:" "$work/out" && fail "late settlements counted: $(cat "$work/out")"
# H3's settlements: 1, 4, 5, 6, 7 (3 revoked)
f=$(python3 -c "import sys; from decimal import Decimal as D; print(sum(D(a) for a in sys.argv[1:]).quantize(D('0.01')))" \
    "$(hifp 1)" "$(hifp 4)" "$(hifp 5)" "$(hifp 6)" "$(hifp 7)")
adj=$(python3 -c "import sys; from decimal import Decimal as D; print((D('105.00') - D(sys.argv[1])).quantize(D('0.01')))" "$f")
grep -q "^year-end/H3/2020 global_budget F $f adjustment $adj deposit " "$work/out" ||
    fail "H3's year-end: $(grep H3 "$work/out"), want F $f adjustment $adj"
f8=$(python3 -c "import sys; from decimal import Decimal as D; print(D(sys.argv[1]).quantize(D('0.01')))" "$(hifp 2)")
grep -q "^year-end/H8/2020 fee_for_service F $f8 adjustment 0.00 " "$work/out" ||
    fail "H8's year-end: $(grep H8 "$work/out"), want F $f8"

# 3. after the year-end: paid monthly, the year-end stands, the run says so;
# a rerun of the settled year, which writes nothing, is not refused by a
# settlement meanwhile (read once)
bodies=$(sql "SELECT body FROM journal WHERE msgid LIKE 'year-end/%' ORDER BY seq")
stay 8 P0031 H3
rm -f "$work/calls"
printf 'y settle %s >%s\n' "$work/stay-8.json" "$work/ans-8" >"$work/actions"
out=$(y settle-year --year 2020) || fail "settle-year with a settlement meanwhile: $out"
[ "$(tr '\n' ' ' <"$work/calls")" = "1 " ] || fail "the readings: $(cat "$work/calls")"
grep -q "0 records posted, 2 already settled" <<<"$out" || fail "settle-year again: $out"
jq -e '.setlinfo.hifp_pay' "$work/ans-8" >/dev/null || fail "S8: $(cat "$work/ans-8")"
unset YIBAO_TEST_SETTLE_YEAR_HOOK
out=$(y settle-year --year 2020) || fail "settle-year after a late settlement: $out"
grep -q "0 records posted, 2 already settled" <<<"$out" || fail "settle-year again: $out"
grep -q "^late: 1 settlement(s) or revoke(s) of 2020 at 1 institution(s) journaled after their year-end record: paid by the monthly runs, not in the year-end's F, which stands" \
    <<<"$out" || fail "the late settlement not named: $out"
[ "$(sql "SELECT body FROM journal WHERE msgid LIKE 'year-end/%' ORDER BY seq")" = "$bodies" ] ||
    fail "a year-end record changed"

# 4. the limit of settlements a run holds: 8 of 2020 in the journal (S1-S8,
# the revoked S3 among them: a revoked one is held too)
count=$(sql "SELECT count(*) FROM journal WHERE kind = 1 AND year = 2020")
[ "$count" = 8 ] || fail "$count settlements of 2020, not 8"
before=$(records)
# 2021 holds 1 settlement (part 2) and no agreement: at a limit of 1 it is
# refused for the agreement, not the limit (only the year's are counted)
YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX=1 y settle-year --year 2021 >"$work/out" 2>&1
[ $? = 2 ] || fail "2021 without an agreement: $(cat "$work/out")"
grep -q "^yibao settle-year: H3: no payment agreement for the year" "$work/out" || fail "2021: $(cat "$work/out")"
grep -q SETTLE_YEAR_SETTLEMENTS_MAX "$work/out" && fail "2021's 1 settlement over a limit of 1: $(cat "$work/out")"
YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX=$((count - 1)) y settle-year --year 2020 >"$work/out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "more settlements than the limit: exit $rc, not 2: $(cat "$work/out")"
grep -q "^yibao settle-year: settlements: more than $((count - 1)) settlements of 2020, the most a year-end holds in memory (SETTLE_YEAR_SETTLEMENTS_MAX)" \
    "$work/out" || fail "the limit's refusal: $(cat "$work/out")"
grep -q "refused: 1 problem(s) above; nothing was settled" "$work/out" || fail "the refusal: $(cat "$work/out")"
[ "$(records)" = "$before" ] || fail "refused over the limit, but $(records) records, not $before"
YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX=$count y settle-year --year 2020 >"$work/out" 2>&1 ||
    fail "at the limit: $(cat "$work/out")"
grep -q "0 records posted, 2 already settled ($count settlements" "$work/out" || fail "at the limit: $(cat "$work/out")"
for bad in 0 -1 x 20000001; do
    YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX=$bad y settle-year --year 2020 >"$work/out" 2>&1
    rc=$?
    [ "$rc" = 2 ] || fail "limit '$bad': exit $rc, not 2: $(cat "$work/out")"
    grep -q "YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX" "$work/out" || fail "limit '$bad': $(cat "$work/out")"
done
[ "$(records)" = "$before" ] || fail "the limits' runs wrote"

y report trial-balance --format json | jq -e '.debit == .credit' >/dev/null || fail "the trial balance does not tie"
y check >"$work/out" 2>&1 || fail "check: $(cat "$work/out")"
y check --deep >"$work/out" 2>&1 || fail "check --deep: $(cat "$work/out")"
echo "t_settle_year_late: ok ($SVC_BACKEND)"
