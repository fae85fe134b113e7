#!/usr/bin/env python3
"""pay_agreements.py INSTITUTIONS_CSV OUTDIR: the payment agreements
(yibao-payment/1, docs/PAYMENT.md) of a city generated with --seed 7 for
2020, one file per region, OUTDIR/pay-<region>.json: Maoming (440900)
with every method (global budget, DIP with quotas, capitation, fee for
service), the other regions fee for service but one global budget in
440100. Used by t_settle_year.sh and t_whatif_payment.sh. With a third
argument --every-institution (a bench's larger city, BENCHMARKS.md), each
other Maoming institution gets one too: its hospitals DIP (up to the 64
DIP institutions a region's DIP settles), the rest fee for service."""
import csv
import json
import sys

MAOMING = {
    "format": "yibao-payment/1", "id": "maoming-2020", "region": "440900", "year": 2020,
    "withhold_rate": 0.05, "quotas": {"J18": 3000.00, "K35": 6000.00},
    "dip": {"budget": 200000.00,
            "coefficients": {"township": 0.8, "level1": 0.9, "level2": 1.0, "level3": 1.2},
            "groups": {"*": {"points": 100, "avg_cost": 8000.00},
                       "I63": {"points": 150.5, "avg_cost": 12000.00},
                       "K80": {"points": 90, "avg_cost": 7000.00}}},
    "institutions": {
        "H44090000001": {"method": "global_budget", "budget": 600000.00, "savings_corridor": 0.1,
                         "savings_share": 0.5, "overspend_corridor": 0.1, "overspend_share": 0.5,
                         "quota_joined": True},
        "H44090000002": {"method": "dip", "quota_joined": True, "withhold_rate": 0.1},
        "H44090000003": {"method": "dip"},
        "H44090000004": {"method": "capitation", "rate": 12.50, "withhold_rate": 0},
        "P44090000001": {"method": "fee_for_service"}}}


def main():
    institutions, out = sys.argv[1], sys.argv[2]
    regions = {}
    for r in csv.DictReader(open(institutions)):
        if r["admdvs"] != "440900":
            regions.setdefault(r["admdvs"], []).append(r["fixmedins_code"])
    if sys.argv[3:] == ["--every-institution"]:
        for r in csv.DictReader(open(institutions)):
            code = r["fixmedins_code"]
            if r["admdvs"] == "440900" and code not in MAOMING["institutions"]:
                dips = sum(1 for v in MAOMING["institutions"].values() if v["method"] == "dip")
                dip = r["type"] == "hospital" and dips < 64  # a region's DIP settles 64
                MAOMING["institutions"][code] = {"method": "dip" if dip else "fee_for_service"}
    json.dump(MAOMING, open("%s/pay-440900.json" % out, "w"))
    for region, codes in regions.items():
        terms = {c: {"method": "fee_for_service"} for c in codes}
        if region == "440100":
            terms[codes[0]] = {"method": "global_budget", "budget": 100000.00,
                               "savings_corridor": 0.2, "savings_share": 0.6,
                               "overspend_corridor": 0.05, "overspend_share": 0.4}
        json.dump({"format": "yibao-payment/1", "id": "pay-" + region, "region": region,
                   "year": 2020, "withhold_rate": 0.03, "institutions": terms},
                  open("%s/pay-%s.json" % (out, region), "w"))


main()
