#!/usr/bin/env bash
# scripts/report_charts.sh OUTDIR: the fund reports' example charts
# (docs/REPORTS.md; docs/charts/ is made by `scripts/report_charts.sh
# docs/charts`): a generated 2,000-person Maoming 2020 city in a temporary
# store, with its enrolment, three months of employee contributions, the
# residents' year, its settlements and a payment agreement putting its
# three busiest hospitals on global budgets (one well under what it is
# paid), then `yibao report funds|reimbursement|institutions --plot
# OUTDIR`. The reports' exit 3 (early warnings) is expected.
# YIBAO (default build/release/yibao) is the binary run.
set -euo pipefail
cd "$(dirname "$0")/.."
YIBAO=${YIBAO:-build/release/yibao}
out=${1:?usage: scripts/report_charts.sh OUTDIR}
work=$(mktemp -d /tmp/yibao-charts.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=$work/db.sqlite
y() { "$YIBAO" "$@" --db "$db" >/dev/null; }
"$YIBAO" gen city --persons 2000 --seed 7 --out "$work/city" >/dev/null
y import institutions "$work/city/institutions.csv"
y import policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json
y import catalog policies/catalog-conformance.json
y import persons "$work/city/persons.csv"
for k in employers episodes wages; do y import "$k" "$work/city/$k.csv"; done
for m in 01 02 03; do y contribute --month 2020-$m 2>/dev/null; done
y contribute --year 2020 --residents 2>/dev/null
"$YIBAO" settle --db "$db" "$work/city/bills.jsonl" >"$work/answers" 2>/dev/null
python3 - "$work" <<'EOF'
import collections, json, sys
work = sys.argv[1]
bills = [json.loads(l) for l in open(work + "/city/bills.jsonl")]
paid = collections.Counter()
for a in (json.loads(l) for l in open(work + "/answers")):
    if "setlinfo" in a:
        paid[bills[a["input_line"] - 1]["fixmedins_code"]] += round(a["setlinfo"]["fund_pay_sumamt"] * 100)
top = [c for c, _ in paid.most_common() if c.startswith("H")][:3]
terms = {"savings_corridor": 0.1, "savings_share": 0.5, "overspend_corridor": 0.1, "overspend_share": 0.5}
inst = {c: dict(method="global_budget", budget=round(paid[c] * k / 100, 2), **terms)
        for c, k in zip(top, (0.8, 1.05, 1.5))}
json.dump({"format": "yibao-payment/1", "id": "charts-2020", "region": "440900", "year": 2020,
           "institutions": inst}, open(work + "/payment.json", "w"))
EOF
y import payment "$work/payment.json"
mkdir -p "$out"
for r in funds reimbursement institutions; do
    rc=0
    "$YIBAO" report "$r" --db "$db" --year 2020 --plot "$out" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "report $r: exit $rc" >&2; exit 1; }
done
ls "$out"/*.svg
