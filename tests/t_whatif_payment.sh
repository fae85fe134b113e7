#!/usr/bin/env bash
# t_whatif_payment.sh: the payment what-if, `yibao whatif --payment`
# (issue 17 item 5; FUNDS.md §6; docs/PAYMENT.md), on a generated
# 2,000-person city with every region's agreements imported
# (tests/ref/pay_agreements.py: global budget, DIP with quotas, capitation,
# fee for service), a quarter of its persons in a second fund region:
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
#  - --region (a quarter of the persons moved to a second fund region,
#    440100, under its own copy of the policies): each region's funds,
#    out-of-pocket and counts add up to the whole run's, 440100 unchanged
#    by a 440900 policy, each region's "before" its ledger's and its
#    months of support its books' balance, its institutions exactly its
#    agreement's with the whole run's figures; an unknown region and a
#    file of another region refused naming the field;
#  - refusals (exit 2, the file and key named): a file of another year, of
#    an unregistered institution, a second file of one region, a broken
#    file, no --policy and no --payment.
#  - a policy refusing bills (hypertension no longer a special outpatient
#    disease): refused bills count in no institution's F after, which still
#    adds up to the basic pool's spending.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

# the city with a second fund region: the persons whose number ends in 0, 4
# or 8 moved from Maoming (440900) to 440100, insured there under the
# Maoming policies given that region's code (so --region has two regions
# of settlements and books to tell apart)
city=$work/city
"$YIBAO" gen city --persons 2000 --seed 7 --out "$city" >/dev/null || fail "gen city"
move='NR > 1 && $1 ~ /[048]$/ && $c == "440900" { $c = "440100" } 1'
awk -F, -v OFS=, -v c=9 "$move" "$city/persons.csv" >"$work/persons.csv"
awk -F, -v OFS=, -v c=3 "$move" "$city/episodes.csv" >"$work/episodes.csv"
cp "$city/employers.csv" "$city/wages.csv" "$work/"
for s in resident employee; do
    jq '.region = "440100" | .id = "r440100-2020-'$s'"' "$root/policies/maoming-2020-$s.json" >"$work/r440100-$s.json"
done
y import institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
y import policy "$root/policies/maoming-2020-employee.json" "$root/policies/maoming-2020-resident.json" \
    "$work/r440100-employee.json" "$work/r440100-resident.json" >/dev/null || fail "import policy"
y import catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "import catalog"
y import persons "$work/persons.csv" >/dev/null || fail "import persons"
for k in employers episodes wages; do y import "$k" "$work/$k.csv" >/dev/null || fail "import $k"; done
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

# ---- --region: the region's figures are the whole's restricted to it ----
# with the employee policy of 440900 changed and the year's agreements:
# per region the funds, out-of-pocket and settlements add up to the whole
# run's; 440100 changes nothing (its policies are its own); each region's
# "before" is its ledger (the region's fund pools' payments to the
# institutions' payables, SQL) and its months of support the region's books
# (report funds --region); each region's institutions are exactly its
# agreement's, with the whole run's figures
jq '.basic.inpatient.ratio = {"township": 0.7, "level1": 0.7, "level2": 0.7, "level3": 0.7}' \
    "$root/policies/maoming-2020-employee.json" >"$work/emp70.json"
w --policy "$work/emp70.json" --payment "$work/pay-440900.json" --payment "$work/pay-440100.json" \
    --format json >"$work/r_all.json" 2>"$work/err" || fail "region: the whole: $(cat "$work/err")"
w --region 440900 --policy "$work/emp70.json" --payment "$work/pay-440900.json" --format json \
    >"$work/r_440900.json" 2>"$work/err" || fail "--region 440900: $(cat "$work/err")"
w --region 440100 --payment "$work/pay-440100.json" --format json >"$work/r_440100.json" 2>"$work/err" ||
    fail "--region 440100: $(cat "$work/err")"
if [ "$SVC_BACKEND" = pg ]; then sql() { psql -qAt -F ' ' "$db" -c "$1"; }; else sql() { sqlite3 -separator ' ' "$db" "$1"; }; fi
for r in 440900 440100; do
    y report funds --year 2020 --region $r --format json >"$work/books_$r.json" 2>/dev/null
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "report funds --region $r: exit $rc"
    # the region's settlements as the ledger has them: each fund pool's
    # payments to the institutions' payables, less the revokes' back
    sql "SELECT f, SUM(a) FROM (SELECT credit AS f, amount AS a FROM postings
           WHERE credit LIKE 'F:%:$r:2020' AND debit LIKE 'I:%'
         UNION ALL SELECT debit, -amount FROM postings
           WHERE debit LIKE 'F:%:$r:2020' AND credit LIKE 'I:%') t GROUP BY f" >"$work/ledger_$r.txt"
done
python3 - "$work" <<'EOF' || fail "the regions' what-ifs are not the whole's restricted to them"
import json, sys
d = sys.argv[1]
whole = json.load(open(d + "/r_all.json"))
reg = {r: json.load(open("%s/r_%s.json" % (d, r))) for r in ("440900", "440100")}
fen = lambda x: round(x * 100)
assert whole["replay"]["region"] == "all", whole["replay"]
for r, x in reg.items():
    assert x["replay"]["region"] == r, x["replay"]
    assert x["replay"]["settlements"] > 100, (r, x["replay"])
for k in ("settlements", "settled_again", "refused_after", "without_bill", "revokes"):
    assert sum(x["replay"][k] for x in reg.values()) == whole["replay"][k], k
for i, f in enumerate(whole["funds"]):
    for k in ("before", "after", "change"):
        assert sum(fen(x["funds"][i][k]) for x in reg.values()) == fen(f[k]), (f, k)
for k in ("before", "after", "change"):
    assert sum(fen(x["out_of_pocket"][k]) for x in reg.values()) == fen(whole["out_of_pocket"][k]), k
assert all(f["change"] == 0 for f in reg["440100"]["funds"]), reg["440100"]["funds"]
assert reg["440100"]["out_of_pocket"]["change"] == 0 and reg["440100"]["hardest_hit"]["change"] == 0
assert [f for f in reg["440900"]["funds"] if f["fund"] == "hifp"][0]["change"] != 0
assert sum(x["hardest_hit"]["of"] for x in reg.values()) == whole["hardest_hit"]["of"]
for r, x in reg.items():
    books = json.load(open("%s/books_%s.json" % (d, r)))
    dec = {}
    for m in books["months"]:
        if m["month"] == "2020-12":
            dec[m["fund"]] = dec.get(m["fund"], 0) + fen(m["balance"])
    ledger = {l.split()[0].split(":")[1]: int(l.split()[1]) for l in open("%s/ledger_%s.txt" % (d, r))}
    assert ledger.get("hifp", 0) > 0, (r, ledger)
    for f in x["funds"]:
        if f["fund"] != "total":
            assert fen(f["before"]) == ledger.get(f["fund"], 0), (r, f, ledger)
    ms = x["months_of_support"]
    assert ms["available"], (r, ms)
    for f in ms["funds"]:
        assert fen(f["balance_before"]) == dec.get(f["fund"], 0), (r, f, dec)
    codes = sorted(json.load(open("%s/pay-%s.json" % (d, r)))["institutions"])
    rows = x["payment"]["institutions"]
    assert [y["institution"] for y in rows[:-1]] == codes, (r, rows, codes)
    assert x["payment"]["problems_before"] == 0 and x["payment"]["problems_after"] == 0, x["payment"]
    all_rows = {y["institution"]: y for y in whole["payment"]["institutions"]}
    for y in rows[:-1]:
        assert y == all_rows[y["institution"]], (y, all_rows[y["institution"]])
print("regions: %s settlements" % {r: x["replay"]["settlements"] for r, x in reg.items()})
EOF
# a region not in the store, a file of another region: refused, the field named
w --region 999999 --policy "$work/emp70.json" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -qF -- "--region '999999': the store has no policy of this region for 2020" "$work/err" ||
    fail "an unknown region: $(cat "$work/err")"
w --region 440100 --policy "$work/emp70.json" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -qF -- "$work/emp70.json: region: is 440900, not the region asked (--region 440100)" "$work/err" ||
    fail "a policy of another region: $(cat "$work/err")"
w --region 440900 --payment "$work/pay-440100.json" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -qF -- "$work/pay-440100.json: region: is 440100, not the region asked (--region 440900)" "$work/err" ||
    fail "an agreement of another region: $(cat "$work/err")"

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

# ---- a policy refusing bills: a refused bill counts in no institution's F
# after (it did with its journaled figures before the thirteenth session),
# so F still adds up to the basic pool, which counts it nowhere ----
jq 'del(.basic.outpatient_special.diseases.M01600)' "$root/policies/maoming-2020-employee.json" \
    >"$work/emp_noht.json"
w --policy "$work/emp_noht.json" --payment "$work/new.json" --format json >"$work/noht.json" \
    2>"$work/err" || fail "a policy refusing bills: $(cat "$work/err")"
python3 - "$work/noht.json" <<'EOF' || fail "a refused bill counts in F after"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["replay"]["refused_after"] > 0, r["replay"]
hifp = [f for f in r["funds"] if f["fund"] == "hifp"][0]
total = r["payment"]["institutions"][-1]
assert total["institution"] == "total", total
assert abs(total["f_before"] - hifp["before"]) < 0.005 and abs(total["f_after"] - hifp["after"]) < 0.005, (total, hifp)
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
