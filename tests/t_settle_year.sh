#!/usr/bin/env bash
# t_settle_year.sh: the year-end settlement `yibao settle-year --year`
# (issue 17 item 3; FUNDS.md §6, §7; docs/PAYMENT.md) on a generated
# 2,000-person city with one settlement revoked: bad years refused (exit 2);
# a run before any agreement refused with every institution listed and
# nothing written; with the agreements (Maoming: a global budget in the
# quota list, two DIP hospitals sharing the region's budget, a capitated
# township centre with signed persons, a pharmacy paid as billed; the
# other regions fee for service and one global budget), the month paid
# (deposits withheld), the year settled: each institution's F and
# adjustment equal to tests/ref/settle_year_expect.py's (the spec's
# independent model over the settle answers and the bills), each deposit
# released in full (no sanctions) into the bank account, the DIP dues
# adding up to the budget; a second run posts nothing; `check` (and
# --deep) pass, the trial balance ties, the deposits of the year are 0
# and the Maoming basic pool moved by exactly the adjustments, which `report
# funds` counts as the pool's spending (no revenue: no contributions here),
# its December balance the ledger's. Both
# backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

gen_city_store 2000 7
head -n 6000 "$city/bills.jsonl" >"$work/bills.jsonl"
y settle "$work/bills.jsonl" >"$work/answers" 2>/dev/null || fail "settle"
# an inpatient settlement of the DIP hospital revoked: it leaves F, DIP and quotas
setl=$(python3 - "$work/bills.jsonl" "$work/answers" <<'EOF'
import json, sys
bills = [json.loads(l) for l in open(sys.argv[1])]
for l in open(sys.argv[2]):
    a = json.loads(l)
    b = bills[a["input_line"] - 1]
    if "setlinfo" in a and b["fixmedins_code"] == "H44090000002" and b["med_type"] == "21":
        print(a["setl_id"]); break
EOF
)
[ -n "$setl" ] || fail "no inpatient settlement at H44090000002"
y revoke "$setl" --operator t --reason t_settle_year >/dev/null || fail "revoke"
echo "$setl" >"$work/revoked"
# signed to the township centre: 40 of its outpatients, some only half the year
python3 - "$work/bills.jsonl" >"$work/signings.csv" <<'EOF'
import json, sys
seen = []
for l in open(sys.argv[1]):
    b = json.loads(l)
    if b["fixmedins_code"] == "H44090000004" and b["med_type"] == "11" and b["psn_no"] not in seen:
        seen.append(b["psn_no"])
print("fixmedins_code,psn_no,from_date,to_date")
for i, p in enumerate(seen[:40]):
    print("H44090000004,%s,%s,%s" % (p, "2019-07-01" if i % 3 else "2020-03-15", "2020-06-30" if i % 4 == 0 else ""))
EOF
y import signings "$work/signings.csv" >/dev/null || fail "import signings"

# bad years; no agreement yet: refused, each institution listed, nothing written
records=$(sql "SELECT count(*) FROM journal")
for bad in 20 2020x abcd 0000 ""; do
    y settle-year --year "$bad" >/dev/null 2>"$work/err"; rc=$?
    [ "$rc" = 2 ] || fail "--year '$bad': exit $rc"
    grep -q "yibao settle-year: --year '$bad': not a year" "$work/err" || fail "--year '$bad': $(cat "$work/err")"
done
y settle-year >/dev/null 2>&1; [ $? = 2 ] || fail "no --year taken"
y settle-year --year 2020 >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "settle-year without agreements: exit $rc"
for code in $(jq -r .fixmedins_code "$work/bills.jsonl" | sort -u); do
    grep -q "yibao settle-year: $code: no payment agreement for the year" "$work/err" || fail "$code not listed: $(cat "$work/err")"
done
[ "$(sql "SELECT count(*) FROM journal")" = "$records" ] || fail "a refused run wrote"

python3 "$root/tests/ref/pay_agreements.py" "$city/institutions.csv" "$work" || fail "agreements"
for f in "$work"/pay-*.json; do y import payment "$f" >/dev/null || fail "import $f"; done
months=$(sql "SELECT time_us FROM journal WHERE kind IN (1, 2)" |
    python3 -c 'import sys, time; print(" ".join(sorted({time.strftime("%Y-%m", time.localtime(int(l) // 1000000)) for l in sys.stdin})))')
for m in $months; do y pay --month "$m" >/dev/null 2>"$work/err" || fail "pay $m: $(cat "$work/err")"; done

# the deposits and the Maoming pool before
balance() { # ACCOUNT: its balance in fen now (checkpoint + postings after it)
    sql "SELECT coalesce((SELECT sum(balance) FROM accounts WHERE account = '$1'), 0)
          + coalesce((SELECT sum(amount) FROM postings WHERE debit = '$1' AND seq > (SELECT seq FROM checkpoint)), 0)
          - coalesce((SELECT sum(amount) FROM postings WHERE credit = '$1' AND seq > (SELECT seq FROM checkpoint)), 0)"
}
for a in $(sql "SELECT DISTINCT debit FROM postings WHERE debit LIKE 'D:%'"); do echo "$a $(balance "$a")"; done >"$work/deposits"
pool_before=$(balance F:hifp:440900:2020)

y settle-year --year 2020 --verbose >"$work/year.out" 2>"$work/err" || fail "settle-year: $(cat "$work/err")"
INSTITUTIONS_CSV=$city/institutions.csv python3 "$root/tests/ref/settle_year_expect.py" 2020 "$work/bills.jsonl" \
    "$work/answers" "$work/revoked" "$work/deposits" "$work/signings.csv" "$work/year.out" "$work"/pay-*.json ||
    fail "settle-year differs from the model"
n=$(grep -c '^year-end/' "$work/year.out")
[ "$n" = "$(sql "SELECT count(*) FROM journal WHERE kind = 6")" ] || fail "$n records printed"
out=$(y settle-year --year 2020) || fail "settle-year again: $out"
grep -q "^settle-year 2020: $n institutions, 0 records posted, $n already settled" <<<"$out" || fail "again said: $out"

# the books
y check >/dev/null || fail "check: $(y check 2>&1)"
y check --deep >/dev/null || fail "check --deep: $(y check --deep 2>&1)"
j=$(y report trial-balance --format json) || fail "trial-balance"
[ "$(jq -r '.debit == .credit' <<<"$j")" = true ] || fail "trial balance: $(jq -c '{debit, credit}' <<<"$j")"
for a in $(cut -d' ' -f1 "$work/deposits"); do
    [ "$(balance "$a")" = 0 ] || fail "$a holds $(balance "$a") after the year's settlement"
done
adj=$(python3 -c '
import sys
from decimal import Decimal
print(sum(int(Decimal(l.split()[5]) * 100) for l in open(sys.argv[1]) if l.startswith("year-end/H440900") or l.startswith("year-end/P440900")))' "$work/year.out")
[ $((pool_before - $(balance F:hifp:440900:2020))) = "$adj" ] || fail "the Maoming pool moved $((pool_before - $(balance F:hifp:440900:2020))), adjustments $adj"
# the fund report counts the adjustments as the pool's spending: its year
# still closes on the ledger's balance (the report refuses otherwise)
f=$(y report funds --year 2020 --region 440900 --format json); rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "report funds after settle-year: exit $rc"
printf '%s\n' "$f" >"$work/funds.json"
python3 - "$work/funds.json" "$(balance F:hifp:440900:2020)" <<'PY' || fail "report funds after settle-year: $(head -c 300 "$work/funds.json")"
import json, sys
from decimal import Decimal
d = json.load(open(sys.argv[1]))
dec = [m for m in d["months"] if m["fund"] == "hifp" and m["month"] == "2020-12"]
assert len(dec) == 1, "no hifp December"
got = int(Decimal(str(dec[0]["balance"])) * 100)
assert abs(got) == abs(int(sys.argv[2])), (got, sys.argv[2])
# no contributions in this store: the adjustments paid to (or recovered
# from) the institutions' bank accounts are the pool's spending, not revenue
rev = sum(Decimal(str(m["revenue"])) for m in d["months"] if m["fund"] == "hifp")
assert rev == 0, "hifp revenue %s" % rev
PY
echo "t_settle_year: ok ($SVC_BACKEND): $n institutions settled"
