#!/usr/bin/env bash
# t_cases.sh: supervision cases and sanctions (issue 18 item 5;
# docs/SUPERVISION.md, "Cases and sanctions"). On the service's small city
# with `yibao serve` running: two identical visits settled over HTTP make a
# duplicate-charge finding (`supervise scan`); a case opened from that
# finding's line goes open -> review1 -> review2 -> decision, each step a
# journal record with who and why; steps out of order, on an unknown case,
# by an operator without the role or by the same reviewer twice are
# refused, exit 2, the journal unchanged; a recovery decision posts
# F:hifp <- I:<code>, shown by the trial balance (which ties) and by `report
# funds` as spending returned; the same decision again writes nothing, one
# with other content is refused. A case opened by hand and decided
# "suspend until" makes the running server refuse the institution's next
# 2207 naming it; an appeal that lifts it lets it settle again; a
# revocation refuses it again; a deduction is bounded by the deposit the
# payment run withheld; a second deduction is lifted on appeal; the
# year-end (and `whatif --payment`) releases the deposit withheld less the
# deduction not lifted, to the fen, against the journal's own bodies, the
# money leaving the deposit once. `check` and `check --deep` pass; bad options
# exit 2 naming the option; a case's evidence changed in SQL fails check.
# Both backends (SVC_BACKEND=pg with
# YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

records() { y show journal --json | jq '.journal | length'; }
# refused CMD...: exit 2, nothing written, stderr kept in $work/err
refused() {
    local before rc
    before=$(records)
    y "$@" >/dev/null 2>"$work/err"; rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, not 2 ($(cat "$work/err"))"
    [ "$(records)" = "$before" ] || fail "$*: refused, but the journal changed"
}
visit() { # CODE PSN MSGID
    call "$1" 2207 '{"data":{"psn_no":"'"$2"'","med_type":"11","begntime":"2020-07-01","endtime":"2020-07-01","medfee_sumamt":36.00},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36}]}' "$3"
}
balance() { # ACCOUNT: its balance in the trial balance (yuan), 0 when absent
    y report trial-balance --format json |
        jq -r --arg a "$1" '[.lines[] | select(.account == $a) | .balance][0] // 0'
}

make_city
credential H3
start_server
sign_in H3

# the finding: the same outpatient line twice the same day at H3
expect_ok "$(visit H3 P0010 V1)"
expect_ok "$(visit H3 P0010 V2)"
y supervise scan --year 2020 --out "$work/find.jsonl" >/dev/null || fail "scan"
line=$(grep -n '"duplicate_charge"' "$work/find.jsonl" | head -1 | cut -d: -f1)
[ -n "$line" ] || fail "no duplicate_charge finding: $(cat "$work/find.jsonl")"

# roles
for g in "alice reviewer" "bob reviewer" "carol decider" "dave decider"; do
    set -- $g
    y case grant --to "$1" --role "$2" --operator admin --reason "appointed" >/dev/null ||
        fail "grant $g"
done
out=$(y case grant --to alice --role reviewer --operator admin --reason "appointed") || fail "grant again"
grep -q "recorded already" <<<"$out" || fail "a grant again: $out"

# open from the finding
out=$(y case open --year 2020 --finding "$work/find.jsonl" --line "$line" --operator alice \
    --reason "scan of 2020: the same line charged twice") || fail "open: $out"
id=$(sed -n 's/^case \(C[0-9a-f]*\) open: recorded .*/\1/p' <<<"$out")
[ -n "$id" ] || fail "open: no case id: $out"
step() { y case advance --case "$id" "$@"; }

refused case advance --case "$id" --step review2 --operator bob --reason x
grep -q "review2 before review1: out of order" "$work/err" || fail "review2 first: $(cat "$work/err")"
refused case advance --case "$id" --step appeal --outcome upheld --operator dave --reason x
grep -q "appeal before decision: out of order" "$work/err" || fail "an appeal first: $(cat "$work/err")"
refused case advance --case C000000000000 --step review1 --operator alice --reason x
grep -q "unknown case 'C000000000000'" "$work/err" || fail "an unknown case: $(cat "$work/err")"
refused case advance --case "$id" --step review1 --operator carol --reason x
grep -q "operator 'carol' has no right to record review1" "$work/err" || fail "no right: $(cat "$work/err")"
step --step review1 --operator alice --reason "bills checked: one visit" >/dev/null || fail review1
refused case advance --case "$id" --step review2 --operator alice --reason x
grep -q "another reviewer's than the first" "$work/err" || fail "four eyes: $(cat "$work/err")"
step --step review2 --operator bob --reason "agreed" >/dev/null || fail review2
refused case advance --case "$id" --step decision --sanction recover --amount 36 --operator bob --reason x
grep -q "operator 'bob' has no right to record decision" "$work/err" || fail "a reviewer decides: $(cat "$work/err")"

# recovery: F:hifp <- I:H3, the trial balance ties and shows it
fund0=$(balance F:hifp:440900:2020)
tb0=$(y report trial-balance --format json | jq -r '[.lines[] | select(.account == "I:*") | .balance][0]')
step --step decision --sanction recover --amount 21.60 --operator carol \
    --reason "the second charge recovered" >/dev/null || fail decision
fund1=$(balance F:hifp:440900:2020)
tb1=$(y report trial-balance --format json | jq -r '[.lines[] | select(.account == "I:*") | .balance][0]')
python3 -c "import sys; from decimal import Decimal as D
a,b,c,d = map(D, sys.argv[1:])
assert b - a == D('21.60'), (a, b)
assert c - d == D('21.60'), (c, d)" "$fund0" "$fund1" "$tb0" "$tb1" ||
    fail "the recovery in the trial balance: fund $fund0 -> $fund1, I:* $tb0 -> $tb1"
y report trial-balance --format json | jq -e '.debit == .credit' >/dev/null || fail "the trial balance does not tie"
out=$(step --step decision --sanction recover --amount 21.60 --operator carol \
    --reason "the second charge recovered") || fail "the decision again"
grep -q "recorded already, nothing written" <<<"$out" || fail "the decision again: $out"
refused case advance --case "$id" --step decision --sanction recover --amount 30 --operator carol --reason x
grep -q "is recorded already" "$work/err" || fail "another decision: $(cat "$work/err")"
[ "$(balance F:hifp:440900:2020)" = "$fund1" ] || fail "the decision again posted"
y case show --case "$id" --format json >"$work/show" || fail "show"
jq -e '.steps | map(.step) == ["open","review1","review2","decision"]' "$work/show" >/dev/null ||
    fail "show: $(cat "$work/show")"
jq -e '.inst == "H3" and .kind == "duplicate_charge" and .steps[3].by == "carol"
    and (.evidence | contains("duplicate_charge"))' "$work/show" >/dev/null ||
    fail "show: $(cat "$work/show")"
# the fund report: spending returned (the visits paid nothing from the pool)
spent=$(y report funds --year 2020 --format json | jq '[.months[] | select(.fund == "hifp") | .spending] | add')
[ "$spent" = -21.6 ] || fail "report funds: the pool's spending $spent, not -21.60"

# a deduction from the deposit held: at most what the month's payment run withheld
echo '{"format":"yibao-payment/1","id":"pay-440900","region":"440900","year":2020,"withhold_rate":0.5,"institutions":{"H3":{"method":"fee_for_service"}}}' >"$work/pay.json"
y import payment "$work/pay.json" >/dev/null || fail "import payment"
# a stay the pooled fund pays for (the visits above it pays nothing: the deductible)
printf '{"psn_no":"P0003","msgid":"S1","fixmedins_code":"H3","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' >"$work/stay.json"
y settle "$work/stay.json" >/dev/null || fail "the stay"
y pay --month "$(date -u -d '+8 hours' +%Y-%m)" >/dev/null || fail "pay"
held=$(balance "D:*") # H3 the only institution paid
y case open --year 2020 --inst H3 --kind over_quantity --amount 10 --evidence "a pack of 300" \
    --operator bob --reason audit >"$work/out" || fail "open (deduct)"
id=$(sed -n 's/^case \(C[0-9a-f]*\) open: .*/\1/p' "$work/out")
step --step review1 --operator bob --reason ok >/dev/null || fail "review1 (deduct)"
step --step review2 --operator alice --reason ok >/dev/null || fail "review2 (deduct)"
refused case advance --case "$id" --step decision --sanction deduct --amount 99999 --operator carol --reason x
grep -q "more than the deposit held, D:H3:2020" "$work/err" || fail "a deduction above the deposit: $(cat "$work/err")"
step --step decision --sanction deduct --amount 0.50 --operator carol --reason "deducted" >/dev/null 2>"$work/err" ||
    fail "deduct (deposit $held): $(cat "$work/err")"
python3 -c "import sys; from decimal import Decimal as D
assert D(sys.argv[1]) - D(sys.argv[2]) == D('0.50'), sys.argv" "$held" "$(balance "D:*")" ||
    fail "the deduction: D:* $held -> $(balance "D:*")"

# by hand: suspension, the running server refuses H3's next 2207
y case open --year 2020 --inst H3 --kind overcharging --amount 500 \
    --evidence "audit 2020-08: 12 bills above the price list" --operator bob --reason audit >"$work/out" ||
    fail "open by hand: $(cat "$work/out")"
id=$(sed -n 's/^case \(C[0-9a-f]*\) open: .*/\1/p' "$work/out")
step --step review1 --operator bob --reason ok >/dev/null || fail "review1 (2)"
step --step review2 --operator alice --reason ok >/dev/null || fail "review2 (2)"
out=$(step --step decision --sanction suspend --until 2099-12-31 --operator dave --reason "suspended") ||
    fail "suspend: $out"
grep -q "designation changed" <<<"$out" || fail "suspend: $out"
expect_err "$(visit H3 P0011 V3)" "E_UNKNOWN_INSTITUTION: fixmedins_code 'H3' is no designated institution"
step --step appeal --outcome lifted --operator carol --reason "the hearing lifted it" >/dev/null || fail "appeal"
expect_ok "$(visit H3 P0011 V4)"
refused case advance --case "$id" --step appeal --outcome upheld --operator dave --reason x

# revocation
y case open --year 2020 --inst H3 --kind ghost_beds --amount 900 --evidence "inspection" \
    --operator alice --reason inspection >"$work/out" || fail "open (3)"
id=$(sed -n 's/^case \(C[0-9a-f]*\) open: .*/\1/p' "$work/out")
step --step review1 --operator alice --reason ok >/dev/null || fail "review1 (3)"
step --step review2 --operator bob --reason ok >/dev/null || fail "review2 (3)"
step --step decision --sanction revoke --operator carol --reason "revoked" >/dev/null || fail "revoke"
expect_err "$(visit H3 P0012 V5)" "E_UNKNOWN_INSTITUTION: fixmedins_code 'H3' is no designated institution"
[ "$(y case list --format json | wc -l)" = 4 ] || fail "list: $(y case list)"
stop_server

# a second deduction, lifted on appeal: no sanction left of it
y case open --year 2020 --inst H3 --kind over_quantity --amount 5 --evidence "a pack of 200" \
    --operator alice --reason audit >"$work/out" || fail "open (4)"
id=$(sed -n 's/^case \(C[0-9a-f]*\) open: .*/\1/p' "$work/out")
step --step review1 --operator alice --reason ok >/dev/null || fail "review1 (4)"
step --step review2 --operator bob --reason ok >/dev/null || fail "review2 (4)"
step --step decision --sanction deduct --amount 0.30 --operator carol --reason deducted >/dev/null ||
    fail "deduct (4)"
step --step appeal --outcome lifted --operator dave --reason "the pack was right" >/dev/null ||
    fail "appeal (4)"

# the year-end: the deposit the pay runs withheld, less the deductions
# decided and not lifted, to the fen; both sums independent of settle-year,
# from the journal's bodies (pay: p.N=YEAR:payable:withhold; case: the
# decisions and appeals)
if [ "$SVC_BACKEND" = pg ]; then sql() { psql -qAt "$db" -c "$1"; }; else sql() { sqlite3 "$db" "$1"; }; fi
sql "SELECT kind || ' ' || body FROM journal WHERE kind IN (5, 8) ORDER BY seq" >"$work/bodies"
expect=$(python3 - "$work/bodies" <<'PY'
import re, sys
withheld = deducted = 0
for l in open(sys.argv[1]):
    kind, body = l.split(" ", 1)
    f = dict(kv.split("=", 1) for kv in body.split())
    if kind == "5" and f["inst"] == "H3":
        for k, v in f.items():
            if re.fullmatch(r"p\.\d+", k) and v.split(":")[0] == "2020":
                withheld += int(v.split(":")[2])
    if kind == "8" and f["inst"] == "H3" and f["year"] == "2020" and f["sanction"] == "deduct":
        if f["step"] == "decision":
            deducted += int(f["amount"])
        elif f["step"] == "appeal" and f["outcome"] == "lifted":
            deducted -= int(f["amount"])
y = lambda fen: "%d.%02d" % divmod(fen, 100)
print(y(withheld), y(deducted), y(withheld - deducted))
PY
) || fail "the journal's sums"
read -r withheld deducted release <<<"$expect"
[ "$deducted" = 0.50 ] || fail "the journal's deductions: $deducted, not 0.50"
# the what-if with the year's agreement shows the same sanctions and release
y whatif --year 2020 --payment "$work/pay.json" --format json >"$work/wi" || fail "whatif --payment"
jq -e --arg s "$deducted" --arg r "$release" '.payment.institutions[] | select(.institution == "H3")
    | (.sanctions | tostring) == ($s | tonumber | tostring) and (.released | tostring) == ($r | tonumber | tostring)' \
    "$work/wi" >/dev/null || fail "whatif --payment: $(jq -c .payment "$work/wi"), want sanctions $deducted released $release"
bank0=$(balance "B:*") # H3 the only institution paid
y settle-year --year 2020 --verbose >"$work/out" 2>&1 || fail "settle-year: $(cat "$work/out")"
grep -q "^year-end/H3/2020 fee_for_service .* adjustment 0.00 deposit $withheld sanctions $deducted released $release paid $release\$" \
    "$work/out" || fail "settle-year: $(cat "$work/out"), want deposit $withheld sanctions $deducted released $release"
grep -q "sanctions=$deducted " "$work/out" || fail "settle-year's total: $(cat "$work/out")"
[ "$(balance "D:*")" = 0 ] || fail "the deposit after the year-end: $(balance "D:*")"
python3 -c "import sys; from decimal import Decimal as D
assert D(sys.argv[2]) - D(sys.argv[1]) == D(sys.argv[3]), sys.argv" "$bank0" "$(balance "B:*")" "$release" ||
    fail "the bank account: $bank0 -> $(balance "B:*"), not + $release"
y report trial-balance --format json | jq -e '.debit == .credit' >/dev/null || fail "the trial balance does not tie"
out=$(y settle-year --year 2020) || fail "settle-year again"
grep -q "0 records posted, 1 already settled" <<<"$out" || fail "settle-year again: $out"

y check >"$work/out" 2>&1 || fail "check: $(cat "$work/out")"
y check --deep >"$work/out" 2>&1 || fail "check --deep: $(cat "$work/out")"

# bad input: exit 2, the option named, nothing written
refused case advance --case "$id" --step decision --sanction fine --operator carol --reason x
grep -q -- "--sanction" "$work/err" || fail "bad sanction: $(cat "$work/err")"
refused case advance --case "$id" --step decision --sanction suspend --until 2099-02-30 --operator carol --reason x
grep -q -- "--until" "$work/err" || fail "bad until: $(cat "$work/err")"
refused case advance --case "$id" --step decision --sanction recover --amount -5 --operator carol --reason x
grep -q -- "--amount" "$work/err" || fail "bad amount: $(cat "$work/err")"
refused case advance --case "$id" --step review3 --operator carol --reason x
grep -q -- "--step" "$work/err" || fail "bad step: $(cat "$work/err")"
refused case open --year 2020 --finding "$work/find.jsonl" --line 999 --operator alice --reason x
grep -q -- "--line" "$work/err" || fail "line past the end: $(cat "$work/err")"
echo '{"kind":"x","evidence":{}}' >"$work/bad.jsonl"
refused case open --year 2020 --finding "$work/bad.jsonl" --line 1 --operator alice --reason x
grep -q "bad.jsonl:1.*evidence.institution" "$work/err" || fail "a finding without institution: $(cat "$work/err")"
refused case open --year 2020 --inst H77 --kind x --amount 1 --evidence e --operator alice --reason x
grep -q -- "--inst: unknown institution 'H77'" "$work/err" || fail "unknown institution: $(cat "$work/err")"
refused case open --year 2020 --inst H3 --kind x --amount 1 --evidence e --operator 'a b' --reason x
grep -q -- "--operator" "$work/err" || fail "bad operator: $(cat "$work/err")"
refused case open --year 0000 --inst H3 --kind x --amount 1 --evidence e --operator alice --reason x
grep -q -- "--year '0000'" "$work/err" || fail "year 0: $(cat "$work/err")"
refused case grant --to eve --role boss --operator admin --reason x
grep -q -- "--role" "$work/err" || fail "bad role: $(cat "$work/err")"
y check >/dev/null 2>&1 || fail "check after the refusals"

# a case's evidence is under the chain: changed in SQL, check finds it
seq=$(sql "SELECT min(seq) FROM journal WHERE kind = 8 AND msgid LIKE 'case/%/open'")
[ -n "$seq" ] || fail "no case record in the journal"
sql "UPDATE journal_data SET data = data || data WHERE seq = $seq" >/dev/null
y check >"$work/out" 2>&1 && fail "check passed with a case's evidence changed"
grep -q "journal seq $seq: its case evidence does not hash to what the record says" "$work/out" ||
    fail "the evidence changed: $(cat "$work/out")"
echo "t_cases: ok ($SVC_BACKEND)"
