#!/usr/bin/env python3
"""city_agreements.py INSTITUTIONS_CSV PAID_TSV YEAR OUTDIR: payment
agreements (yibao-payment/1, docs/PAYMENT.md) for every institution of a
generated city, one file per region, OUTDIR/pay-<region>.json, for the
city-year bench (bench/cityyear.sh): level-3 hospitals on a global budget
(joined to the quota list), level-2 hospitals on DIP, the rest fee for
service, a 5 % withhold everywhere.

PAID_TSV holds `code<TAB>fen` per institution, the fund payments its
settlements of the year made (the bench sums them from the ledger), so
that the budgets are of the city's size: a global budget is 95 % or 105 %
of what the hospital was paid (alternately: some overspend, some save), a
region's DIP budget 98 % of what its DIP hospitals were paid. Deterministic."""
import csv
import json
import sys


def yuan(fen):
    return round(fen / 100, 2)


def main():
    institutions, paid_tsv, year, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    paid = {}
    for line in open(paid_tsv):
        code, fen = line.split()
        paid[code] = int(fen)
    regions = {}
    for r in csv.DictReader(open(institutions)):
        regions.setdefault(r["admdvs"], []).append(r)
    for region, rows in sorted(regions.items()):
        terms, dip_fen, n_budget = {}, 0, 0
        for r in sorted(rows, key=lambda r: r["fixmedins_code"]):
            code, fen = r["fixmedins_code"], paid.get(r["fixmedins_code"], 0)
            if r["type"] == "hospital" and r["level"] == "level3" and fen > 0:
                share = 0.95 if n_budget % 2 == 0 else 1.05
                n_budget += 1
                terms[code] = {"method": "global_budget", "budget": yuan(int(fen * share)),
                               "savings_corridor": 0.1, "savings_share": 0.5,
                               "overspend_corridor": 0.1, "overspend_share": 0.5,
                               "quota_joined": True}
            elif r["type"] == "hospital" and r["level"] == "level2" and fen > 0:
                terms[code] = {"method": "dip"}
                dip_fen += fen
            else:
                terms[code] = {"method": "fee_for_service"}
        doc = {"format": "yibao-payment/1", "id": "cityyear-%s-%d" % (region, year),
               "region": region, "year": year, "withhold_rate": 0.05,
               "quotas": {"J18": 3000.00, "K35": 6000.00}, "institutions": terms}
        if dip_fen > 0:
            doc["dip"] = {"budget": yuan(int(dip_fen * 0.98)),
                          "coefficients": {"township": 0.8, "level1": 0.9, "level2": 1.0,
                                           "level3": 1.2},
                          "groups": {"*": {"points": 100, "avg_cost": 8000.00},
                                     "I63": {"points": 150.5, "avg_cost": 12000.00},
                                     "K80": {"points": 90, "avg_cost": 7000.00}}}
        json.dump(doc, open("%s/pay-%s.json" % (out, region), "w"), indent=1)


if __name__ == "__main__":
    main()
