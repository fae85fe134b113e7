#!/usr/bin/env bash
# t_reports.sh: `yibao report funds|institutions|reimbursement|participation`
# (issue 17 item 4; docs/REPORTS.md) on a generated 2,000-person city with
# its enrolment, three months of employee contributions, the residents'
# year, the city's settlements, a revoke and a payment agreement. Each
# report's totals equal independent sums: the funds' revenue and spending
# against SQL over the postings (classified there by the accounts'
# prefixes), their closing balances against `show fund`; the ratios'
# figures against the settle answers joined to the bills (python); the
# institutions' payments the same way; participation against the CSV
# files. The JSON and CSV parse; --plot writes SVG that parses as XML;
# early warnings exit 3 (months of support, an institution over its
# corridor); bad options exit 2 naming the option. The postings' business
# months: a contribution's moved is found by check; the store taken back
# to schema 19 reports the same, and migrated again has the same months
# (months_lib.sh). Both backends
# (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
. "$(dirname "$0")/months_lib.sh"

gen_city_store 2000 7
for k in employers episodes wages; do y import "$k" "$city/$k"*.csv >/dev/null || fail "import $k"; done
for m in 01 02 03; do y contribute --month 2020-$m >/dev/null 2>&1 || fail "contribute 2020-$m"; done
y contribute --year 2020 --residents >/dev/null 2>&1 || fail "contribute residents"
head -n 6000 "$city/bills.jsonl" >"$work/bills.jsonl"
y settle "$work/bills.jsonl" >"$work/answers" 2>/dev/null || fail "settle"
setl=$(sed -n 7p "$work/answers" | jq -r .setl_id)
y revoke "$setl" --operator t --reason "t_reports" >/dev/null || fail "revoke"

# a payment agreement: the two busiest hospitals on global budgets, the
# busiest with a budget far below what it is paid (a warning), the other
# with room; a third institution paid fee for service
python3 - "$city" "$work" <<'EOF' || fail "agreement"
import json, sys, collections
city, work = sys.argv[1], sys.argv[2]
bills = [json.loads(l) for l in open(work + "/bills.jsonl")]
answers = [json.loads(l) for l in open(work + "/answers")]
paid = collections.Counter()
for a in answers:
    if "setlinfo" in a:
        paid[bills[a["input_line"] - 1]["fixmedins_code"]] += round(a["setlinfo"]["fund_pay_sumamt"] * 100)
top = [c for c, _ in paid.most_common() if c.startswith("H")][:3]
inst = {top[0]: {"method": "global_budget", "budget": 1000.00, "savings_corridor": 0.1,
                 "savings_share": 0.5, "overspend_corridor": 0.1, "overspend_share": 0.5},
        top[1]: {"method": "global_budget", "budget": round(paid[top[1]] * 3 / 100, 2),
                 "savings_corridor": 0.1, "savings_share": 0.5, "overspend_corridor": 0.1,
                 "overspend_share": 0.5},
        top[2]: {"method": "fee_for_service"}}
json.dump({"format": "yibao-payment/1", "id": "t-reports", "region": "440900", "year": 2020,
           "institutions": inst}, open(work + "/payment.json", "w"))
open(work + "/over", "w").write(top[0])
EOF
y import payment "$work/payment.json" >/dev/null || fail "import payment"

# ---- funds ------------------------------------------------------------------
j=$(y report funds --year 2020 --format json 2>"$work/err"); rc=$?
[ $rc = 3 ] || fail "funds: exit $rc, want 3 (the funds paid out more than three months brought in)"
grep -q "warning: fund hifp of region 440900: .* months of support at 2020-12, below 6" "$work/err" ||
    fail "funds warning: $(cat "$work/err")"
fen() { jq -r "$1 * 100 | round" <<<"$j"; }
for fund in hifp hifmi maf; do
    # revenue: into the pool from anything but an institution or a personal
    # account (net of the reverse); spending: out of it to one of those or to
    # another pool (net of the reverse); a posting from pool to pool is both
    want_rev=$(sql "SELECT coalesce(sum(CASE WHEN debit LIKE 'F:$fund:%' THEN amount ELSE -amount END), 0)
        FROM postings WHERE (debit LIKE 'F:$fund:%' AND credit NOT LIKE 'I:%' AND credit NOT LIKE 'P:%')
           OR (credit LIKE 'F:$fund:%' AND debit NOT LIKE 'I:%' AND debit NOT LIKE 'P:%' AND debit NOT LIKE 'F:%')")
    want_spend=$(sql "SELECT coalesce(sum(CASE WHEN credit LIKE 'F:$fund:%' THEN amount ELSE -amount END), 0)
        FROM postings WHERE (credit LIKE 'F:$fund:%' AND (debit LIKE 'I:%' OR debit LIKE 'P:%' OR debit LIKE 'F:%'))
           OR (debit LIKE 'F:$fund:%' AND (credit LIKE 'I:%' OR credit LIKE 'P:%'))")
    sel=".funds[] | select(.fund == \"$fund\")"
    got_rev=$(fen "$sel.revenue") got_spend=$(fen "$sel.spending")
    [ "$got_rev" = "$want_rev" ] || fail "$fund revenue: report $got_rev fen, SQL $want_rev"
    [ "$got_spend" = "$want_spend" ] || fail "$fund spending: report $got_spend fen, SQL $want_spend"
    closing=$(fen "$sel.closing")
    want=$(y show fund --json | jq -r "[.funds[] | select(.account | startswith(\"F:$fund:\")) | .balance * 100 | round] | add")
    [ "$closing" = "$want" ] || fail "$fund closing: report $closing fen, show fund $want"
done
# every month: opening + revenue - spending = balance, the next month opens with it
printf '%s\n' "$j" >"$work/funds.json"
python3 - "$work/funds.json" <<'EOF' || fail "funds months do not chain"
import json, sys
d = json.load(open(sys.argv[1]))
f = lambda x: round(x * 100)
for s in d["funds"]:
    rows = [r for r in d["months"] if r["fund"] == s["fund"] and r["region"] == s["region"]]
    assert len(rows) == 12, len(rows)
    assert f(rows[0]["opening"]) == f(s["opening"])
    for a, b in zip(rows, rows[1:]):
        assert f(a["balance"]) == f(b["opening"])
    for r in rows:
        assert f(r["opening"]) + f(r["revenue"]) - f(r["spending"]) == f(r["balance"]), r
    assert sum(f(r["revenue"]) for r in rows) == f(s["revenue"])
    assert sum(f(r["spending"]) for r in rows) == f(s["spending"])
    assert f(s["opening"]) + f(s["revenue"]) - f(s["spending"]) == f(s["closing"])
EOF
# months 1..3: the contributions' months, before the settlements (setl_time now)
y report funds --year 2020 --month 3 --format csv --warn-months 0 >"$work/funds.csv" || fail "funds csv --month 3"
python3 - "$work/funds.csv" <<'EOF' || fail "funds csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and set(r["month"] for r in rows) == {"2020-01", "2020-02", "2020-03"}, rows[:3]
hifp = [r for r in rows if r["fund"] == "hifp"]
assert all(float(r["revenue"]) > 0 for r in hifp), hifp
EOF
y report funds --year 2020 --warn-months 0 >/dev/null 2>&1 || fail "funds --warn-months 0 should not warn"
y report funds --year 2020 --region 999999 --format json | jq -e '.funds == []' >/dev/null ||
    fail "funds of a region without funds"

# ---- reimbursement, institutions: against the answers and bills ----------------
y report reimbursement --year 2020 --format json >"$work/ratios.json" || fail "reimbursement"
y report institutions --year 2020 --format json >"$work/inst.json" 2>"$work/err"; rc=$?
[ $rc = 3 ] || fail "institutions: exit $rc, want 3"
grep -q "warning: institution $(cat "$work/over"): projected .* exceeds its budget 1000.00" "$work/err" ||
    fail "institutions warning: $(cat "$work/err")"
python3 - "$city" "$work" "$setl" <<'EOF' || fail "ratios or institutions differ from the answers"
import json, sys, collections
city, work, revoked = sys.argv[1], sys.argv[2], sys.argv[3]
bills = [json.loads(l) for l in open(work + "/bills.jsonl")]
f = lambda x: round(x * 100)
tot = collections.Counter(); by_inst = collections.Counter()
for a in (json.loads(l) for l in open(work + "/answers")):
    if "setlinfo" not in a or a["setl_id"] == revoked: continue
    s = a["setlinfo"]
    tot["n"] += 1; tot["fund"] += f(s["fund_pay_sumamt"])
    tot["inscp"] += f(s["inscp_scp_amt"]); tot["medfee"] += f(s["medfee_sumamt"])
    by_inst[bills[a["input_line"] - 1]["fixmedins_code"]] += f(s["fund_pay_sumamt"])
r = json.load(open(work + "/ratios.json"))["ratios"]
t = [x for x in r if x["by"] == "total"][0]
assert (t["settlements"], f(t["fund_pay"]), f(t["inscp_scp_amt"]), f(t["medfee_sumamt"])) == \
    (tot["n"], tot["fund"], tot["inscp"], tot["medfee"]), (t, tot)
assert t["policy_scope_ratio"] == round(tot["fund"] * 10000 / tot["inscp"]) / 100
for by in ("level", "scheme", "group"):
    rows = [x for x in r if x["by"] == by]
    assert sum(x["settlements"] for x in rows) == tot["n"], by
    assert sum(f(x["fund_pay"]) for x in rows) == tot["fund"], by
inst = json.load(open(work + "/inst.json"))
assert len(inst["institutions"]) == 3, inst
for i in inst["institutions"]:
    assert f(i["paid"]) == by_inst[i["institution"]], (i, by_inst[i["institution"]])
    assert f(i["projected"]) == by_inst[i["institution"]]  # 12 months
over = open(work + "/over").read()
assert [w for w in inst["warnings"] if over in w], inst["warnings"]
EOF

# ---- participation: against the CSV files --------------------------------------
y report participation --year 2020 --format json >"$work/part.json" || fail "participation"
python3 - "$city" "$work/part.json" <<'EOF' || fail "participation differs from the CSV files"
import csv, json, sys
city, path = sys.argv[1], sys.argv[2]
persons = sum(1 for _ in csv.DictReader(open(city + "/persons.csv")))
on = set()
for e in csv.DictReader(open(city + "/episodes.csv")):
    if e["from_month"] <= "2020-12" and (e["to_month"] == "" or e["to_month"] >= "2020-12"):
        on.add(e["psn_no"])
p = json.load(open(path))["participation"][0]
assert (p["registry_persons"], p["enrolled"]) == (persons, len(on)), (p, persons, len(on))
assert p["participation_rate"] == round(len(on) * 10000 / persons) / 100, p
EOF

# ---- charts ---------------------------------------------------------------------
for r in funds reimbursement institutions; do
    y report $r --year 2020 --plot "$work/charts" >/dev/null 2>&1
    [ $? -le 3 ] || fail "$r --plot"
done
n=$(ls "$work/charts"/*.svg | wc -l)
[ "$n" = 4 ] || fail "charts: $n files, want 4"
python3 -c 'import sys, xml.etree.ElementTree as E
for p in sys.argv[1:]:
    assert E.parse(p).getroot().tag.endswith("svg"), p' "$work/charts"/*.svg || fail "an SVG does not parse"

# ---- the postings' business months (migration 20) ----------------------------------
# a contribution's posting one month on is found by check (its month is exact)
cseq=$(sql "SELECT min(seq) FROM journal WHERE kind = 4")
[ -n "$cseq" ] || fail "no contribution record"
sql "UPDATE postings SET month = month + 1 WHERE seq = $cseq AND idx = 0" >/dev/null
out=$(y check 2>&1) && fail "check passed a contribution's posting a month on"
grep -q "journal seq $cseq: a posting's month .* is not the record's" <<<"$out" || fail "check: $out"
sql "UPDATE postings SET month = month - 1 WHERE seq = $cseq AND idx = 0" >/dev/null
months_again

# ---- bad options -----------------------------------------------------------------
bad() { # WANT ARGS...: exit 2 and the message
    local want=$1; shift
    y report "$@" >/dev/null 2>"$work/err"; local rc=$?
    [ $rc = 2 ] || fail "report $*: exit $rc, want 2"
    grep -q -- "$want" "$work/err" || fail "report $*: $(cat "$work/err")"
}
bad "unknown report 'fundz'" fundz --year 2020
bad "\-\-month '13': not a month" funds --year 2020 --month 13
bad "\-\-month 'x': not a month" reimbursement --year 2020 --month x
bad "\-\-format 'xml': not table, csv or json" institutions --year 2020 --format xml
bad "\-\-year '': is required" participation
bad "\-\-warn-months '-1'" funds --year 2020 --warn-months -1
bad "argument '--plot'" trial-balance --plot "$work/x"
y check >/dev/null || fail "check: $(y check 2>&1)"
echo "t_reports: ok ($SVC_BACKEND)"
