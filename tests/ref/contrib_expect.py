#!/usr/bin/env python3
"""contrib_expect.py: what a contribution run must post, computed apart
from yibao (an independent reading of FUNDS.md §2, §3 and of
docs/CONTRIBUTIONS.md's postings), for tests/t_contribute.sh.

Reads the city's persons.csv, employers.csv, episodes.*.csv and wages.*.csv
(tests/enrol_city.py) and the policy files given (their `funding`), and
prints, for one period:

  counts: posted=N refused=N not_enrolled=N
  posted (fen): ...            the run's sums line, as `yibao contribute` prints it
  ledger: ACCOUNT-CLASS=NET ... each account class's net (debits - credits)

usage: contrib_expect.py DIR (--month YYYY-MM | --year YYYY) POLICY.json...
"""
import argparse
import csv
import glob
import json
import os
from decimal import Decimal


def fen(x):
    return int((Decimal(str(x)) * 100).to_integral_exact())


def bp(x):
    return int((Decimal(str(x)) * 10000).to_integral_exact())


def mul(amount, ratio_bp):  # half-up to the fen, amounts >= 0
    return (amount * ratio_bp + 5000) // 10000


def month_index(text):
    y, m = text.split("-")
    return int(y) * 12 + int(m) - 1


def rows(pattern):
    for path in sorted(glob.glob(pattern)):
        with open(path, newline="") as f:
            yield from csv.DictReader(f)


def covering(d, scheme, lo, hi):
    """psn_no -> the first episode of the scheme covering [lo, hi]; and the
    persons with an episode of the scheme that covers none."""
    cover, seen = {}, set()
    for e in sorted(rows(os.path.join(d, "episodes.*.csv")),
                    key=lambda e: (e["psn_no"].encode(), e["from_month"])):
        if e["insutype"] != scheme:
            continue
        seen.add(e["psn_no"])
        f = month_index(e["from_month"])
        t = month_index(e["to_month"]) if e["to_month"] else 10**9
        if f <= hi and t >= lo and e["psn_no"] not in cover:
            cover[e["psn_no"]] = e
    return cover, seen - set(cover)


def employee(d, month, pol, out):
    f = pol["funding"]
    avg = fen(f["avg_wage_monthly"])
    lo, hi = mul(avg, bp(f["base_floor"])), mul(avg, bp(f["base_ceiling"]))
    over = fen(f.get("over_cap_premium_monthly", 0))
    flex = f.get("flexible")
    struggling = {e["emp_no"]: e["struggling"] == "true"
                  for e in rows(os.path.join(d, "employers.csv"))}
    # FUNDS.md §4: a retiree flagged contribution_short (the generator
    # types it by the rule) is posted with no allocation
    short = {p["psn_no"] for p in rows(os.path.join(d, "persons.csv"))
             if "contribution_short" in p["flags"].replace("|", ";").split(";")}
    wages, bases = {}, {}
    for w in rows(os.path.join(d, "wages.*.csv")):
        if w["month"] != month:
            continue
        if w["emp_no"]:
            wages.setdefault(w["psn_no"], []).append(w)
        else:
            bases[w["psn_no"]] = w["base_share"]
    m = month_index(month)
    cover, out["not_enrolled"] = covering(d, "310", m, m)
    for psn, e in cover.items():
        if e["admdvs"] != pol["region"]:
            out["refused"] += 1
            continue
        c = e["category"]
        if c == "retired":
            acct = 0 if psn in short else fen(f["retiree_account_monthly"])
            post(out, employer=0, employee=0, account=acct, pool=-acct, over_cap=0)
            out["P"] += acct
            out["F:hifp"] -= acct
            continue
        if c == "in_service":
            ws = wages.get(psn, [])
            if len(ws) != 1:
                out["refused"] += 1
                continue
            base = min(max(fen(ws[0]["wage"]), lo), hi)
            rate = f.get("employer_rate_reduced", f["employer_rate"]) \
                if struggling.get(ws[0]["emp_no"]) else f["employer_rate"]
            er, ee = mul(base, bp(rate)), mul(base, bp(f["employee_rate"]))
            acct = min(mul(base, bp(f["account_rate"])), er + ee)
            payer = "R:emp"
        else:  # flexible
            share = bases.get(psn)
            if flex is None or share is None or bp(share) not in [bp(b) for b in flex["bases"]]:
                out["refused"] += 1
                continue
            base = mul(avg, bp(share))
            er, ee = 0, mul(base, bp(flex["rate"]))
            acct = min(mul(base, bp(flex["account_rate"])), ee)
            payer = "R:psn"
        pool = er + ee - acct
        post(out, employer=er, employee=ee, account=acct, pool=pool, over_cap=over)
        out[payer] -= pool + acct + over
        out["F:hifp"] += pool
        out["P"] += acct
        out["F:hifob"] += over


def resident(d, year, pol, out):
    f = pol["funding"]
    flags = {p["psn_no"]: set(p["flags"].replace("|", ";").split(";")) - {""}
             for p in rows(os.path.join(d, "persons.csv"))}
    cover, out["not_enrolled"] = covering(d, "390", year * 12, year * 12 + 11)
    subsidy, share = fen(f["subsidy"]), fen(f.get("catastrophic_share", 0))
    for psn, e in cover.items():
        if e["admdvs"] != pol["region"] or e["category"] not in f["premium"]:
            out["refused"] += 1
            continue
        premium = fen(f["premium"][e["category"]])
        assisted = 0
        for a in f.get("premium_assistance", []):
            if a["when"] == e["category"] or a["when"] in flags.get(psn, set()):
                assisted = mul(premium, bp(a["ratio"]))
                break
        cat = min(share, premium + subsidy)
        own = premium - assisted
        post(out, premium=premium, assisted=assisted, own=own, subsidy=subsidy,
             catastrophic=cat, pool=premium + subsidy - cat)
        out["R:psn"] -= own
        out["F:maf"] -= assisted
        out["R:fin"] -= subsidy
        out["F:hifp"] += premium + subsidy - cat
        out["F:hifmi"] += cat


def post(out, **figures):
    out["posted"] += 1
    for k, v in figures.items():
        out["sums"][k] = out["sums"].get(k, 0) + v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--month")
    ap.add_argument("--year", type=int)
    ap.add_argument("--residents", action="store_true")  # the run's options, ignored
    ap.add_argument("--batch")
    ap.add_argument("policies", nargs="+")
    a = ap.parse_args()
    pols = [json.load(open(p)) for p in a.policies]
    scheme = 310 if a.month else 390
    year = int(a.month[:4]) if a.month else a.year
    pol = next(p for p in pols if str(p["insutype"]) == str(scheme) and int(p["year"]) == year)
    out = {"posted": 0, "refused": 0, "not_enrolled": set(), "sums": {}}
    for k in ["F:hifp", "F:hifob", "F:hifmi", "F:maf", "P", "R:emp", "R:psn", "R:fin"]:
        out[k] = 0
    if a.month:
        employee(a.dir, a.month, pol, out)
        order = ["employer", "employee", "account", "pool", "over_cap"]
    else:
        resident(a.dir, a.year, pol, out)
        order = ["premium", "assisted", "own", "subsidy", "catastrophic", "pool"]
    print("counts: posted=%d refused=%d not_enrolled=%d"
          % (out["posted"], out["refused"], len(out["not_enrolled"])))
    print("posted (fen): " + " ".join("%s=%d" % (k, out["sums"].get(k, 0)) for k in order))
    print("ledger: " + " ".join("%s=%d" % (k, out[k]) for k in
                                ["F:hifp", "F:hifob", "F:hifmi", "F:maf", "P", "R:emp", "R:psn",
                                 "R:fin"]))


if __name__ == "__main__":
    main()
