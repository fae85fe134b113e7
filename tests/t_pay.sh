#!/usr/bin/env bash
# t_pay.sh: the monthly payment run `yibao pay --month` (issue 17 item 3;
# FUNDS.md §7; docs/PAYMENT.md) on a generated 2,000-person city: bad
# months refused (exit 2, the option named); a run before any agreement
# refused with every institution listed and nothing written; with each
# region's yibao-payment/1 file (default and own withhold rates) every
# month that holds settlements is paid: each institution's payable equal
# to an independent sum over the settle answers (fund_pay_sumamt +
# acct_pay + acct_mulaid_pay, by the bills' institutions), its withhold
# the rate's share rounded half up once; a second run posts nothing and
# says so; `check` passes; the trial balance ties, the payables are 0, the
# bank and deposit classes equal the sums paid and withheld (SQL); the
# reconciliation's totals (`show institution`) do not change and the
# service's 3201 of an institution agrees with the settle answers; a revoke after the run leaves a negative payable that
# `check` accepts and the next run nets by a catch-up record. Both
# backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

gen_city_store 2000 7
head -n 6000 "$city/bills.jsonl" >"$work/bills.jsonl"
y settle "$work/bills.jsonl" >"$work/answers" 2>/dev/null || fail "settle"

# the months that hold settlements (the journal's times, local): usually one
months=$(sql "SELECT time_us FROM journal WHERE kind IN (1, 2)" |
    python3 -c 'import sys, time; print(" ".join(sorted({time.strftime("%Y-%m", time.localtime(int(l) // 1000000)) for l in sys.stdin})))')
[ -n "$months" ] || fail "no months"
month=${months%% *}

# bad months: exit 2, the option named, nothing written
records=$(sql "SELECT count(*) FROM journal")
for bad in 2020-13 2020-00 2020-3 20200-1 abcd-ef 2020/03 ""; do
    y pay --month "$bad" >/dev/null 2>"$work/err"; rc=$?
    [ "$rc" = 2 ] || fail "--month '$bad': exit $rc"
    grep -q "yibao pay: --month '$bad': " "$work/err" || fail "--month '$bad': $(cat "$work/err")"
done
y pay >/dev/null 2>&1; [ $? = 2 ] || fail "no --month taken"
y pay --month "$month" --batch 0 >/dev/null 2>&1; [ $? = 2 ] || fail "--batch 0 taken"

# no agreement yet: refused, each institution listed, nothing written
institutions=$(jq -r .fixmedins_code "$work/bills.jsonl" | sort -u)
y pay --month "$month" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "a run without agreements: exit $rc"
for code in $institutions; do
    grep -q "yibao pay: institution $code, policy year 2020: no payment agreement for the policy year" "$work/err" ||
        fail "$code not listed: $(cat "$work/err")"
done
grep -q "refused: .* problem(s) above; nothing was paid" "$work/err" || fail "refusal: $(cat "$work/err")"
[ "$(sql "SELECT count(*) FROM journal")" = "$records" ] || fail "a refused run wrote"

# each region's agreement: 5 % by default, the second institution 10 %, the third 0
python3 - "$city/institutions.csv" "$work" <<'EOF' || fail "agreements"
import csv, json, sys
regions = {}
for r in csv.DictReader(open(sys.argv[1])):
    regions.setdefault(r["admdvs"], []).append(r["fixmedins_code"])
rates = {}
for region, codes in regions.items():
    terms = {}
    for i, code in enumerate(codes):
        terms[code] = {"method": "fee_for_service"}
        rates[code] = 500
        if i == 1: terms[code]["withhold_rate"] = 0.1; rates[code] = 1000
        if i == 2: terms[code]["withhold_rate"] = 0; rates[code] = 0
    json.dump({"format": "yibao-payment/1", "id": "pay-" + region, "region": region, "year": 2020,
               "withhold_rate": 0.05, "institutions": terms},
              open("%s/pay-%s.json" % (sys.argv[2], region), "w"))
json.dump(rates, open(sys.argv[2] + "/rates.json", "w"))
EOF
for f in "$work"/pay-*.json; do y import payment "$f" >/dev/null || fail "import $f"; done

# the reconciliation's figures before the runs
recon() { for code in $institutions; do y show institution "$code" --json | jq -c '[.settlements, .fund_pay_sumamt]'; done; }
before=$(recon)

for m in $months; do
    y pay --month "$m" --verbose >"$work/pay-$m.out" 2>"$work/err" || fail "pay $m: $(cat "$work/err")"
done
cat "$work"/pay-*.out >"$work/pay.out"
# independent: each institution's payable from the answers and the bills
python3 - "$work/bills.jsonl" "$work/answers" "$work/rates.json" "$work/pay.out" <<'EOF' || fail "sums differ"
import json, sys
from decimal import Decimal, ROUND_HALF_UP
bills = [json.loads(l) for l in open(sys.argv[1])]
want = {}
for l in open(sys.argv[2]):
    a = json.loads(l)
    if "setlinfo" not in a: continue
    s = a["setlinfo"]
    code = bills[a["input_line"] - 1]["fixmedins_code"]
    fen = sum(int(Decimal(str(s[k])) * 100) for k in ("fund_pay_sumamt", "acct_pay", "acct_mulaid_pay"))
    want[code] = want.get(code, 0) + fen
rates = json.load(open(sys.argv[3]))
got = {}
for l in open(sys.argv[4]):
    if not l.startswith("pay/"): continue
    f = l.split()
    code = f[0].split("/")[1]
    payable, withhold, paid = (int(Decimal(x) * 100) for x in (f[2], f[4], f[6]))
    w = int((Decimal(payable) * rates[code] / 10000).quantize(Decimal(1), ROUND_HALF_UP))
    assert withhold == w, (l, w)
    assert paid == payable - withhold, l
    got[code] = got.get(code, 0) + payable
want = {k: v for k, v in want.items() if v != 0}
assert got == want, (got, want)
EOF
n=$(grep -c '^pay/' "$work/pay.out")
[ "$n" -ge 1 ] && [ "$n" = "$(sql "SELECT count(*) FROM journal WHERE kind = 5")" ] || fail "$n records printed"

# a second run: nothing
out=$(y pay --month "$month") || fail "pay again: $out"
grep -q "^pay $month: .* 0 records posted, [1-9][0-9]* already paid" <<<"$out" || fail "pay again said: $out"
[ "$(sql "SELECT count(*) FROM journal WHERE kind = 5")" = "$n" ] || fail "a second run posted"

# the books
out=$(y check) || fail "check: $out"
class_sql() { # LIKE-PATTERN: the class's balance in fen (checkpoint + postings after it)
    sql "SELECT coalesce((SELECT sum(balance) FROM accounts WHERE account LIKE '$1'), 0)
          + coalesce((SELECT sum(amount) FROM postings WHERE debit LIKE '$1'
                      AND seq > (SELECT seq FROM checkpoint)), 0)
          - coalesce((SELECT sum(amount) FROM postings WHERE credit LIKE '$1'
                      AND seq > (SELECT seq FROM checkpoint)), 0)"
}
j=$(y report trial-balance --format json) || fail "trial-balance"
[ "$(jq -r '.debit == .credit' <<<"$j")" = true ] || fail "trial balance: $(jq -c '{debit, credit}' <<<"$j")"
[ "$(class_sql 'I:%')" = 0 ] || fail "payables after paying every month: $(class_sql 'I:%')"
sums=$(python3 -c '
import sys
from decimal import Decimal
p = w = 0
for l in open(sys.argv[1]):
    if l.startswith("pay/"):
        f = l.split(); p += int(Decimal(f[6]) * 100); w += int(Decimal(f[4]) * 100)
print(p, w)' "$work/pay.out")
[ "$(class_sql 'B:%') $(class_sql 'D:%')" = "$sums" ] || fail "bank, deposits $(class_sql 'B:%') $(class_sql 'D:%'), paid, withheld $sums"
for pair in 'B:*|B:%' 'D:*|D:%'; do
    key=${pair%%|*} pattern=${pair#*|}
    got=$(jq -r --arg k "$key" '[.lines[] | select(.account == $k) | .balance * 100 | round] | add // 0' <<<"$j")
    [ "$got" = "$(class_sql "$pattern")" ] || fail "class $key: report $got fen, SQL $(class_sql "$pattern")"
done
[ "$(recon)" = "$before" ] || fail "the reconciliation's figures changed"
# the service's reconciliation (3201) of one institution agrees with the
# settle answers after the run
code=H44090000001
begn=$(sql "SELECT min(time_us) FROM journal WHERE kind = 1" |
    python3 -c 'import sys, time; print(time.strftime("%Y-%m-%d", time.localtime(int(sys.stdin.read()) // 1000000)))')
totals=$(python3 - "$work/bills.jsonl" "$work/answers" "$code" <<'EOF2'
import json, sys
from decimal import Decimal
bills = [json.loads(l) for l in open(sys.argv[1])]
n, medfee, fund, acct = 0, Decimal(0), Decimal(0), Decimal(0)
for l in open(sys.argv[2]):
    a = json.loads(l, parse_float=Decimal)
    if "setlinfo" in a and bills[a["input_line"] - 1]["fixmedins_code"] == sys.argv[3]:
        s = a["setlinfo"]
        n += 1; medfee += s["medfee_sumamt"]; fund += s["fund_pay_sumamt"]; acct += s["acct_pay"]
print('"medfee_sumamt":%s,"fund_pay_sumamt":%s,"acct_pay":%s,"fixmedins_setl_cnt":%d' % (medfee, fund, acct, n))
EOF2
)
credential "$code"
start_server
sign_in "$code"
a=$(call "$code" 3201 "{\"data\":{\"stmt_begndate\":\"$begn\",\"stmt_enddate\":\"$(date +%Y-%m-%d)\",$totals}}")
expect_field "$a" .output.stmtinfo.stmt_rslt 0
stop_server

# a revoke after the run: the payable goes negative, check accepts it, the next run nets it
setl=$(jq -r 'select(.setlinfo != null and .setlinfo.fund_pay_sumamt > 0) | .setl_id' "$work/answers" | head -1)
y revoke "$setl" --operator t --reason t_pay >/dev/null || fail "revoke"
y check >/dev/null || fail "check with a negative payable: $(y check 2>&1)"
[ "$(class_sql 'I:%')" -lt 0 ] || fail "the revoke left payables $(class_sql 'I:%')"
now=$(date +%Y-%m)
out=$(y pay --month "$now" --verbose) || fail "pay after the revoke: $out"
grep -q "^pay/[A-Z0-9]*/$now\(/2\)\? payable -" <<<"$out" || fail "no netting record: $out"
[ "$(class_sql 'I:%')" = 0 ] || fail "payables after the netting run: $(class_sql 'I:%')"
y check >/dev/null || fail "check after the netting run: $(y check 2>&1)"
out=$(y pay --month "$now") || fail "pay once more: $out"
grep -q " 0 records posted" <<<"$out" || fail "pay once more said: $out"
y check --deep >/dev/null || fail "check --deep: $(y check --deep 2>&1)"
echo "t_pay: ok ($SVC_BACKEND): $n institution-months paid in $months"
