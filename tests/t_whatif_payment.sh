#!/usr/bin/env bash
# t_whatif_payment.sh: the payment what-if, `yibao whatif --payment`
# (issue 17 item 5; FUNDS.md §6; docs/PAYMENT.md), on a generated
# 2,000-person city with every region's agreements imported
# (tests/ref/pay_agreements.py: global budget, DIP with quotas, capitation,
# fee for service):
#  - the year's own agreements and policies: every institution's F, method
#    adjustment and year-end payment unchanged, no problems; with a month's
#    contributions in the books, each fund's balance at the year's end is
#    the books' (`report funds`, every region together) and its months of
#    support unchanged;
#  - a changed Maoming agreement (a smaller budget, a DIP hospital on a
#    global budget, a smaller DIP budget): each institution's figures
#    after are exactly what `settle-year` posts once that agreement is
#    imported (settle-year --verbose);
#  - a changed employee policy (inpatient ratios 0.9/0.8 -> 0.7) with the
#    agreements: the institutions' F before and after add up to the basic
#    pool's spending before and after in the same report, and the pool's
#    balance after is the balance before less the change;
#  - refusals (exit 2, the file and key named): a file of another year, of
#    an unregistered institution, a second file of one region, a broken
#    file, no --policy and no --payment.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
if [ -z "${SVC_BACKEND:-}" ]; then
    for b in sqlite ${YIBAO_PG_URI:+pg}; do SVC_BACKEND=$b bash "$0" || exit 1; done
    exit 0
fi
. "$(dirname "$0")/t_service_lib.sh"

gen_city_store 2000 7
for k in employers episodes wages; do y import "$k" "$city/$k"*.csv >/dev/null || fail "import $k"; done
y contribute --month 2020-03 >/dev/null 2>&1 || fail "contribute" # revenue: months of support
head -n 3000 "$city/bills.jsonl" >"$work/bills.jsonl"
y settle "$work/bills.jsonl" >/dev/null 2>&1 || fail "settle"
python3 "$root/tests/ref/pay_agreements.py" "$city/institutions.csv" "$work" || fail "agreements"
for f in "$work"/pay-*.json; do y import payment "$f" >/dev/null || fail "import $f"; done
w() { y whatif --year 2020 "$@"; }

# ---- the year's own agreements: no change ----
w --payment "$work/pay-440900.json" --format json >"$work/same.json" 2>"$work/err" || fail "same: $(cat "$work/err")"
python3 - "$work/same.json" "$work" <<'EOF' || fail "same agreements changed something"
import glob, json, sys
r = json.load(open(sys.argv[1]))["payment"]
assert r["problems_before"] == 0 and r["problems_after"] == 0, r
codes = sorted(c for f in glob.glob(sys.argv[2] + "/pay-*.json") for c in json.load(open(f))["institutions"])
rows = r["institutions"]
assert [x["institution"] for x in rows[:-1]] == codes, ([x["institution"] for x in rows], codes)
for x in rows:
    assert x["f_before"] == x["f_after"] and x["adjustment_change"] == 0 and x["year_end_paid_change"] == 0, x
    assert x["method_before"] == x["method_after"], x
assert any(x["adjustment_before"] != 0 for x in rows), "no method adjusted anything"
EOF
# months of support: the books' December balances, every region together, unchanged
y report funds --year 2020 --format json >"$work/books.json" 2>/dev/null
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "report funds: exit $rc" # 3: an early warning
python3 - "$work/same.json" "$work/books.json" <<'EOF' || fail "months of support"
import json, sys
m = json.load(open(sys.argv[1]))["months_of_support"]
assert m["available"], m
books = {}
for x in json.load(open(sys.argv[2]))["months"]:
    if x["month"] == "2020-12":
        books[x["fund"]] = books.get(x["fund"], 0) + round(x["balance"] * 100)
for f in m["funds"]:
    assert round(f["balance_before"] * 100) == books.get(f["fund"], 0), (f, books)
    assert f["balance_before"] == f["balance_after"] and f["months_before"] == f["months_after"], f
assert any(f["balance_before"] > 0 for f in m["funds"]), m
EOF

# ---- a changed agreement: what settle-year posts under it ----
jq '.institutions.H44090000001.budget = 300000 | .dip.budget = 150000 |
    .institutions.H44090000003 = {"method": "global_budget", "budget": 50000, "savings_corridor": 0.1,
      "savings_share": 0.5, "overspend_corridor": 0.1, "overspend_share": 0.5}' \
    "$work/pay-440900.json" >"$work/new.json"
w --payment "$work/new.json" --format json >"$work/new_w.json" 2>"$work/err" || fail "new: $(cat "$work/err")"
y import payment "$work/new.json" --operator t --reason t_whatif_payment >/dev/null || fail "import new"
y settle-year --year 2020 --verbose >"$work/posted.txt" 2>"$work/err" || fail "settle-year: $(cat "$work/err")"
python3 - "$work/new_w.json" "$work/posted.txt" <<'EOF' || fail "the what-if is not what settle-year posts"
import json, sys
rows = {x["institution"]: x for x in json.load(open(sys.argv[1]))["payment"]["institutions"]}
posted = 0
changed = 0
for line in open(sys.argv[2]):
    f = line.split()
    if not f or not f[0].startswith("year-end/"):
        continue
    code = f[0].split("/")[1]
    x = rows[code]
    assert f[1] == x["method_after"], (line, x)
    assert f[3] == "%.2f" % x["f_after"], (line, x)
    assert f[5] == "%.2f" % x["adjustment_after"], (line, x)
    changed += x["adjustment_change"] != 0
    posted += 1
assert posted == len(rows) - 1, (posted, len(rows))
assert changed >= 2, "the new agreement changed fewer than two institutions"
EOF
y check >/dev/null || fail "check"

# ---- a changed policy with the agreements: F adds up to the basic pool ----
jq '.basic.inpatient.ratio = {"township": 0.7, "level1": 0.7, "level2": 0.7, "level3": 0.7}' \
    "$root/policies/maoming-2020-employee.json" >"$work/emp70.json"
w --policy "$work/emp70.json" --payment "$work/new.json" --format json >"$work/pol.json" 2>"$work/err" ||
    fail "policy and payment: $(cat "$work/err")"
python3 - "$work/pol.json" <<'EOF' || fail "F does not add up to the basic pool"
import json, sys
r = json.load(open(sys.argv[1]))
hifp = [f for f in r["funds"] if f["fund"] == "hifp"][0]
total = r["payment"]["institutions"][-1]
assert total["institution"] == "total", total
assert abs(total["f_before"] - hifp["before"]) < 0.005 and abs(total["f_after"] - hifp["after"]) < 0.005, (total, hifp)
assert hifp["change"] != 0, "the policy changed nothing"
m = [f for f in r["months_of_support"]["funds"] if f["fund"] == "hifp"][0]
assert abs(m["balance_after"] - (m["balance_before"] - hifp["change"])) < 0.005, (m, hifp)
EOF

# ---- refusals ----
refused() { # MESSAGE ARGS...
    local want=$1; shift
    w "$@" >/dev/null 2>"$work/err"; local rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc"
    grep -qF -- "$want" "$work/err" || fail "$*: $(cat "$work/err")"
}
jq '.year = 2019' "$work/new.json" >"$work/y2019.json"
refused "$work/y2019.json: year: is 2019, not the year asked (--year 2020)" --payment "$work/y2019.json"
jq '.institutions.H99 = {"method": "fee_for_service"}' "$work/new.json" >"$work/h99.json"
refused "$work/h99.json: institutions.H99: not a registered institution" --payment "$work/h99.json"
refused "$work/new.json: region: 440900: a second --payment file of it" --payment "$work/new.json" --payment "$work/new.json"
jq '.withhold_rate = 2' "$work/new.json" >"$work/broken.json"
refused "$work/broken.json" --payment "$work/broken.json"
refused "usage: yibao whatif"
y check >/dev/null || fail "check at the end"
echo "t_whatif_payment: ok ($SVC_BACKEND): $(jq '.payment.institutions | length - 1' "$work/new_w.json") institutions"
