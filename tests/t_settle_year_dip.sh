#!/usr/bin/env bash
# t_settle_year_dip.sh: what `settle-year` reads stays what it posts on
# (issue 17; docs/PAYMENT.md, "A settlement journaled while the year-end
# runs"), for the two cases the fifteenth session left open:
# 1. An import of the payment agreements between the year's read and its
#    posting (the test hook YIBAO_TEST_SETTLE_YEAR_HOOK, no timing): the
#    batch is refused, naming the import, and the year read again, so the
#    records posted are computed on the new terms (the DIP budget the
#    import changed: the region's dues add up to the new budget).
# 2. A DIP region's institutions are posted in one batch, whatever
#    --batch: with --batch 1 and a settlement at a DIP institution
#    between two batches (YIBAO_TEST_SETTLE_YEAR_BATCH_HOOK), the region's
#    dues, all computed on one reading, add up to its budget to the fen,
#    and the settlement is named late. H0 and H8 share the DIP region, H3
#    (between them by code) is on a global budget.
# Then the trial balance ties, `check` and `check --deep` pass. Both
# backends (YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

# stay N PSN INST YEAR: an inpatient stay into $work/stay-N.json (msgid SN)
stay() {
    printf '{"psn_no":"%s","msgid":"S%s","fixmedins_code":"%s","med_type":"21","begntime":"%s-03-%02d","endtime":"%s-03-%02d","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":%d,"pric":30.0,"det_item_fee_sumamt":%d.0}]}\n' \
        "$2" "$1" "$3" "$4" "$1" "$4" "$(($1 + 5))" "$((200 + 10 * $1))" "$(((200 + 10 * $1) * 30))" >"$work/stay-$1.json"
}
settle_stay() {
    y settle "$work/stay-$1.json" >"$work/ans-$1" 2>&1 || fail "settle S$1: $(cat "$work/ans-$1")"
    jq -e '.setlinfo.hifp_pay' "$work/ans-$1" >/dev/null || fail "S$1 not settled: $(cat "$work/ans-$1")"
}
# agreement YEAR BUDGET: the region's agreements of YEAR into $work/pay-YEAR.json
agreement() {
    cat >"$work/pay-$1.json" <<EOF
{"format":"yibao-payment/1","id":"pay-440900-$1-$2","region":"440900","year":$1,"withhold_rate":0,
 "dip":{"budget":$2,"coefficients":{"township":0.8,"level2":1.0},
        "groups":{"*":{"points":100,"avg_cost":6000.00},"K35":{"points":80.5,"avg_cost":5000.00}}},
 "institutions":{"H0":{"method":"dip"},"H8":{"method":"dip"},
                 "H3":{"method":"global_budget","budget":100.00,"savings_corridor":0.1,"savings_share":0.5,
                       "overspend_corridor":0.1,"overspend_share":0.5}}}
EOF
}
# dues YEAR FILE: the sum of F + adjustment of the DIP records in FILE (yuan)
dues() {
    python3 - "$1" "$2" <<'EOF'
import sys
from decimal import Decimal as D
t = D(0)
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) > 5 and f[0] in ("year-end/H0/%s" % sys.argv[1], "year-end/H8/%s" % sys.argv[1]):
        assert f[1] == "dip", l
        t += D(f[3]) + D(f[5])
print(t.quantize(D("0.01")))
EOF
}
# the hooks: each call runs the next line of $work/actions, logged in
# $work/calls (t_service_lib.sh)
action_hook

make_city
sed 's/"year": 2020/"year": 2021/; s/maoming-2020-resident/maoming-2021-resident/' \
    "$root/policies/maoming-2020-resident.json" >"$work/policy-2021.json"
y import policy "$work/policy-2021.json" >/dev/null || fail "import the 2021 policy"
stay 1 P0010 H0 2020
stay 2 P0011 H8 2020
stay 3 P0012 H3 2020
stay 4 P0013 H8 2020
stay 11 P0020 H0 2021
stay 12 P0021 H8 2021
stay 13 P0022 H3 2021
stay 14 P0023 H8 2021
for n in 1 2 3 4 11 12 13 14; do settle_stay $n; done

# 1. the agreements imported again (budget 1000.00 -> 2000.00) after the read
agreement 2020 1000.00
y import payment "$work/pay-2020.json" >/dev/null || fail "import payment 2020"
agreement 2020 2000.00
printf 'y import payment %s --operator t --reason t >/dev/null\n:\n' "$work/pay-2020.json" >"$work/actions"
rm -f "$work/calls"
YIBAO_TEST_SETTLE_YEAR_HOOK="bash $work/hook.sh" y settle-year --year 2020 --verbose >"$work/out" 2>&1 ||
    fail "settle-year 2020: $(cat "$work/out")"
[ "$(tr '\n' ' ' <"$work/calls")" = "1 2 " ] || fail "2020's readings: $(cat "$work/calls") (the import not seen)"
grep -q "3 records posted, 0 already settled" "$work/out" || fail "settle-year 2020: $(cat "$work/out")"
[ "$(dues 2020 "$work/out")" = 2000.00 ] || fail "the DIP dues of 2020 add up to $(dues 2020 "$work/out"), not the new budget 2000.00"
# a refusal names the import, on each reading
agreement 2021 1000.00
y import payment "$work/pay-2021.json" >/dev/null || fail "import payment 2021"
before=$(records)
printf 'y import payment %s --operator t --reason t >/dev/null\n' "$work/pay-2021.json" "$work/pay-2021.json" "$work/pay-2021.json" >"$work/actions"
YIBAO_TEST_SETTLE_YEAR_HOOK="bash $work/hook.sh" y settle-year --year 2021 >"$work/out" 2>&1
[ $? = 2 ] || fail "settle-year 2021 with an import at every reading: $(cat "$work/out")"
grep -q "refused: an import of payment (seq [0-9]*) was journaled after the year was read (up to seq [0-9]*): the year-end would use the terms it replaced, on each of the 3 readings" \
    "$work/out" || fail "the refusal: $(cat "$work/out")"
[ "$(records)" = $((before + 3)) ] || fail "refused: $(records) records, not $before + the 3 imports"

# 2. --batch 1, a settlement at H8 (DIP) after the first batch: H0 and H8
# were posted together, on the first reading; H3 on the second
stay 15 P0024 H8 2021
printf 'y settle %s >%s\n' "$work/stay-15.json" "$work/ans-15" >"$work/actions"
rm -f "$work/calls"
YIBAO_TEST_SETTLE_YEAR_BATCH_HOOK="bash $work/hook.sh" y settle-year --year 2021 --batch 1 --verbose \
    >"$work/out" 2>&1 || fail "settle-year 2021: $(cat "$work/out")"
jq -e '.setlinfo.hifp_pay' "$work/ans-15" >/dev/null || fail "S15: $(cat "$work/ans-15")"
[ "$(head -n 1 "$work/calls")" = b1 ] || fail "the batch hook: $(cat "$work/calls")"
grep -q "3 records posted, 0 already settled" "$work/out" || fail "settle-year 2021: $(cat "$work/out")"
[ "$(grep -c '^year-end/H[08]/2021 dip ' "$work/out")" = 2 ] || fail "the DIP records: $(cat "$work/out")"
[ "$(dues 2021 "$work/out")" = 1000.00 ] || fail "the DIP dues of 2021 add up to $(dues 2021 "$work/out"), not the budget 1000.00"
[ "$(sql "SELECT count(*) FROM journal WHERE msgid LIKE 'year-end/H0/2021' AND seq < (SELECT seq FROM journal WHERE msgid = 'S15')")" = 1 ] ||
    fail "H0 not posted before the settlement between the batches"
grep -q "^late: 1 settlement(s) or revoke(s) of 2021 at 1 institution(s)" "$work/out" || fail "S15 not named late: $(cat "$work/out")"

y report trial-balance --format json | jq -e '.debit == .credit' >/dev/null || fail "the trial balance does not tie"
y check >"$work/out" 2>&1 || fail "check: $(cat "$work/out")"
y check --deep >"$work/out" 2>&1 || fail "check --deep: $(cat "$work/out")"
echo "t_settle_year_dip: ok ($SVC_BACKEND)"
