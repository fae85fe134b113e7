"""settle_year_expect.py: the year-end settlement expected of `yibao
settle-year` (FUNDS.md §6, §7), computed independently: the settlements
from the settle answers and the bills they came from (the bill's
fixmedins_code, med_type, dise_codg, endtime as the day of care), the
revoked setl_ids, the yibao-payment/1 files, the signings CSV, and the
deposits (account balance in fen per line "D:<code>:<year> <fen>"), each
method by tests/ref/payment_reference.py (written from the spec, not from
the C code). Compares with `settle-year --verbose`'s lines and exits 1 on
the first difference.

usage: settle_year_expect.py YEAR BILLS ANSWERS REVOKED DEPOSITS SIGNINGS VERBOSE AGREEMENT...
"""
import csv
import json
import os
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payment_reference as ref  # noqa: E402

MONEY = ref.MONEY_FIELDS


def fen(text):
    return int(Decimal(text) * 100)


def main():
    year = int(sys.argv[1])
    bills = [json.loads(l) for l in open(sys.argv[2])]
    revoked = set(open(sys.argv[4]).read().split())
    deposits = {}
    for l in open(sys.argv[5]):
        if l.strip():
            a, b = l.split()
            deposits[a] = int(b)
    signings = {}
    for r in csv.DictReader(open(sys.argv[6])):
        signings.setdefault(r["fixmedins_code"], []).append(
            {"psn_no": r["psn_no"], "from": r["from_date"], "to": r["to_date"] or None})
    agreements = [json.load(open(f), parse_float=Decimal) for f in sys.argv[8:]]
    levels = {}
    per = {}
    for l in open(sys.argv[3]):
        a = json.loads(l, parse_float=Decimal)
        if "setlinfo" not in a:
            continue
        b = bills[a["input_line"] - 1]
        s = {"setl_id": a["setl_id"], "psn_no": b["psn_no"], "med_type": b["med_type"],
             "dise_codg": b.get("dise_codg", ""), "setl_time": b["endtime"],
             "revoked": a["setl_id"] in revoked}
        for k in MONEY:
            s[k] = a["setlinfo"][k]
        per.setdefault(b["fixmedins_code"], []).append(s)
    want = {}
    for ag in agreements:
        quotas = ag.get("quotas", {})
        dip_insts = []
        for code, t in ag["institutions"].items():
            ss = per.get(code, [])
            joined = t.get("quota_joined", False)
            q = ref.quota_adjustment({"quotas": quotas, "joined": joined, "settlements": ss})
            adj = q["adjustment"][1]
            m = t["method"]
            if m == "global_budget":
                inp = {k: t[k] for k in ("budget", "savings_corridor", "savings_share",
                                         "overspend_corridor", "overspend_share")}
                inp.update(settlements=ss, quotas=quotas if joined else {})
                adj += ref.budget_settlement(inp)["adjustment"][1]
            elif m == "capitation":
                adj += ref.capitation({"year": year, "rate": t["rate"], "settlements": ss,
                                       "signed": signings.get(code, [])})["adjustment"][1]
            elif m == "dip":
                dip_insts.append({"fixmedins_code": code, "level": levels_of(code),
                                  "quota_joined": joined, "settlements": ss})
            f = sum(ref.money(s["hifp_pay"]) for s in ss if not s["revoked"])
            want[code] = [m, f, adj]
        if dip_insts:
            d = ag["dip"]
            out = ref.dip_settlement({"budget": d["budget"], "coefficients": d["coefficients"],
                                      "groups": d["groups"], "quotas": quotas,
                                      "institutions": dip_insts})["institutions"][1]
            total = 0
            for code, figs in out.items():
                want[code][2] += figs["adjustment"][1]
                total += figs["due"][1]
            assert total == ref.money(d["budget"]) or total == 0, ("DIP dues", total)
    got = {}
    for l in open(sys.argv[7]):
        f = l.split()
        if not l.startswith("year-end/"):
            continue
        code = f[0].split("/")[1]
        got[code] = [f[1], fen(f[3]), fen(f[5])]
        dep = deposits.get("D:%s:%d" % (code, year), 0)
        # deposit D sanctions S released R paid P: the sanctions left the
        # deposit at the cases' decisions, so the release is its balance
        if fen(f[7]) != max(dep, 0) + fen(f[9]) or fen(f[11]) != max(dep, 0) or \
                fen(f[13]) != fen(f[5]) + fen(f[11]):
            print("%s: deposit/released/paid %s, deposit held %d" % (code, f[7:], dep))
            return 1
    if got != want:
        for code in sorted(set(got) | set(want)):
            if got.get(code) != want.get(code):
                print("%s: settle-year %s, expected %s" % (code, got.get(code), want.get(code)))
        return 1
    print("settle_year_expect: %d institutions agree" % len(got))
    return 0


LEVELS = {}


def levels_of(code):
    return LEVELS[code]


if __name__ == "__main__":
    inst = os.environ.get("INSTITUTIONS_CSV")
    for r in csv.DictReader(open(inst)):
        LEVELS[r["fixmedins_code"]] = r["level"]
    sys.exit(main())
