#!/usr/bin/env python3
"""reference.py: an independent model of shared/spec/SETTLEMENT.md, written
from the spec text (not from the C code), used for differential testing.

`reference.py gen --seed S --count N --out DIR` writes N random yibao-vector/1
files (random policies, catalogs, persons, states and bills, including
revokes and invalid bills, and in some of them family-sharing `holders`:
FUNDS.md §5 Step 7b, §9) whose expectations this model computes. The C
engine must agree on every one (`yibao conformance DIR`). Numbers are Python
integers (fen, basis points) throughout; JSON numbers are read as Decimal.
"""
import argparse
import json
import os
import random
from decimal import Decimal

LEVELS = ["township", "level1", "level2", "level3"]
CATEGORIES = ["in_service", "retired", "adult", "minor", "student"]
FLAGS = ["extreme_poverty", "low_income", "poverty_registered"]
STATE_MONEY = ["basic_paid", "general_paid", "general_ded_used", "special_ded_used",
               "over_cap_paid", "cat_burden", "cat_paid", "maf_paid", "acct_balc"]
SETL = ["medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
        "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay",
        "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc", "acct_mulaid_pay"]


class Refused(Exception):
    pass


def scaled(value, decimals):
    """Exact value * 10^decimals of a Decimal; None if not integral or not a number."""
    if isinstance(value, bool) or not isinstance(value, Decimal):
        return None
    v = value.scaleb(decimals)
    if v != v.to_integral_value():
        return None
    return int(v)


def fen(v):
    return scaled(Decimal(v) if not isinstance(v, Decimal) else v, 2)


def bp(v):
    return scaled(Decimal(v) if not isinstance(v, Decimal) else v, 4)


def mul(x, r):
    assert x >= 0 and r >= 0
    return (x * r + 5000) // 10000


def div(p, r):
    assert r > 0
    return (p * 10000 + r // 2) // r


def room(cap, used):
    return None if cap is None else max(0, cap - used)


def rmin(a, b):
    """min where None means unlimited."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def cap_fen(v):
    return None if v is None else fen(v)


def parse_dt(s):
    import datetime
    if not isinstance(s, str):
        return None
    try:
        if len(s) == 10:
            return datetime.datetime.strptime(s, "%Y-%m-%d")
        if len(s) == 19:
            return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return None


def matches(rule, person):
    return rule["when"] == person["category"] or rule["when"] in person["flags"]


def validate(policy, catalog, insts, person, bill):
    inst = insts.get(bill.get("fixmedins_code"))
    if inst is None:
        raise Refused("E_UNKNOWN_INSTITUTION")
    mt = bill.get("med_type")
    if mt not in ("11", "14", "21", "41") or (mt == "41") != (inst["type"] == "pharmacy"):
        raise Refused("E_MED_TYPE")
    b, e = parse_dt(bill.get("begntime")), parse_dt(bill.get("endtime"))
    if b is None or e is None or e < b:
        raise Refused("E_BAD_DATES")
    if e.year != policy["year"]:
        raise Refused("E_POLICY_YEAR")
    if person["insutype"] != policy["insutype"]:
        raise Refused("E_SCHEME")
    if "contribution_short" in (person.get("flags") or []):  # FUNDS.md §4
        raise Refused("E_CONTRIBUTION_SHORT")
    details = bill.get("details") or []
    if not details:
        raise Refused("E_EMPTY_BILL")
    if mt == "14" and bill.get("spec_dise_codg") not in policy["basic"]["outpatient_special"]["diseases"]:
        raise Refused("E_DISEASE")
    seen = set()
    for d in details:
        sn = d.get("feedetl_sn")
        if sn is None or sn == "" or sn in seen:
            raise Refused("E_DUP_LINE")
        seen.add(sn)
    for d in details:
        cnt, pric, amt = scaled(d.get("cnt"), 4), scaled(d.get("pric"), 6), scaled(d.get("det_item_fee_sumamt"), 2)
        if cnt is None or pric is None or amt is None or cnt <= 0 or pric < 0 or amt < 0:
            raise Refused("E_BAD_AMOUNT")
        if abs(cnt * pric - amt * 10**8) > 10**8:
            raise Refused("E_BAD_AMOUNT")
    return inst, e


def lines(policy, catalog, bill, s):
    for d in bill["details"]:
        a = scaled(d["det_item_fee_sumamt"], 2)
        s["medfee_sumamt"] += a
        item = catalog["items"].get(d["med_list_codg"])
        cls = item["class"] if item else "C"
        if cls == "C":
            s["fulamt_ownpay_amt"] += a
            continue
        cap = item.get("cap_price")
        pric = scaled(d["pric"], 6)
        if cap is not None and pric > scaled(cap, 6):
            over = min(a, (scaled(d["cnt"], 4) * (pric - scaled(cap, 6)) + 5 * 10**7) // 10**8)
            s["overlmt_selfpay"] += over
            a -= over
        if cls == "B":
            prepay = bp(item["prepay"]) if "prepay" in item else bp(policy["class_b_prepay"])
            pre = mul(a, prepay)
            s["preselfpay_amt"] += pre
            s["inscp_scp_amt"] += a - pre
        else:
            s["inscp_scp_amt"] += a


def family(holders, hbal, bill, end, s):
    """FUNDS.md §5 Step 7b: the holders whose binding is valid at the bill's
    end (from <= t, t < revoked) and whose policy shares, earliest binding
    first (equal from: listed first), pay the member's own share left.
    Returns each holder's part by psn_no."""
    parts = {}
    if not holders or int(bill.get("acct_used_flag", 0) or 0) != 1:
        return parts
    valid = [h for h in holders
             if h["shares"] and h["from"] <= end and (h["revoked"] is None or end < h["revoked"])]
    rest = s["psn_part_amt"] - s["acct_pay"]
    for h in sorted(valid, key=lambda h: h["from"]):  # sorted() is stable
        pay = min(hbal[h["psn_no"]], rest)
        if pay > 0:
            parts[h["psn_no"]] = pay
            hbal[h["psn_no"]] -= pay
            rest -= pay
    s["acct_mulaid_pay"] = sum(parts.values())
    return parts


def settle(policy, catalog, insts, person, state, bill, holders=None, hbal=None):
    """Returns (setlinfo, new_state) or raises Refused. Does not modify state;
    with holders, takes their parts from hbal (a dict the caller owns) and
    records them in setlinfo["_parts"]."""
    inst, end = validate(policy, catalog, insts, person, bill)
    st = dict(state)
    st["special_paid"] = dict(state["special_paid"])
    s = {k: 0 for k in SETL}
    lines(policy, catalog, bill, s)
    mt = bill["med_type"]
    basic = policy["basic"]
    level = inst["level"]
    pooled = not (mt == "41" or end < parse_dt(person["benefit_start"]) or
                  (mt == "11" and level not in basic["outpatient_general"]["levels"]))
    if pooled:
        fund_steps(policy, person, st, bill, s, level)
    s["fund_pay_sumamt"] = s["hifp_pay"] + s["hifob_pay"] + s["hifmi_pay"] + s["maf_pay"]
    s["psn_part_amt"] = s["medfee_sumamt"] - s["fund_pay_sumamt"]
    pa = policy.get("personal_account")
    if pa and int(bill.get("acct_used_flag", 0) or 0) == 1:
        may = s["psn_part_amt"] if pa["covers"] == "all" else \
            s["psn_part_amt"] - s["fulamt_ownpay_amt"] - s["overlmt_selfpay"]
        s["acct_pay"] = min(st["acct_balc"], may)
        st["acct_balc"] -= s["acct_pay"]
    parts = family(holders, hbal, bill, end, s)
    s["psn_cash_pay"] = s["psn_part_amt"] - s["acct_pay"] - s["acct_mulaid_pay"]
    s["balc"] = st["acct_balc"]
    return s, st, parts


def deductible(policy, person, st, bill, s, level):
    basic, mt, inscp = policy["basic"], bill["med_type"], s["inscp_scp_amt"]
    if mt == "21":
        inp = basic["inpatient"]
        d = fen(inp["deductible"][level])
        if st["admissions"] >= 1:
            d = mul(d, bp(inp["repeat_admission_deductible"]))
        for rule in policy.get("person_rules") or []:
            if matches(rule, person) and "inpatient_deductible_factor" in rule:
                d = mul(d, bp(rule["inpatient_deductible_factor"]))
        if any((bill.get("dise_codg") or "").startswith(p) for p in inp.get("deductible_waived_dx") or []):
            d = 0
        s["act_pay_dedc"] = min(inscp, d)
        st["admissions"] += 1
    elif mt == "14":
        r = room(fen(basic["outpatient_special"]["annual_deductible"]), st["special_ded_used"])
        s["act_pay_dedc"] = min(inscp, r)
        st["special_ded_used"] += s["act_pay_dedc"]
    else:
        r = room(fen(basic["outpatient_general"]["annual_deductible"]), st["general_ded_used"])
        s["act_pay_dedc"] = min(inscp, r)
        st["general_ded_used"] += s["act_pay_dedc"]
    return inscp - s["act_pay_dedc"]


def basic_ratio(policy, person, bill, level):
    basic, mt = policy["basic"], bill["med_type"]
    if mt == "11":
        r = bp(basic["outpatient_general"]["ratio"])
    elif mt == "14" and basic["outpatient_special"].get("ratio") is not None:
        r = bp(basic["outpatient_special"]["ratio"])
    else:
        r = bp(basic["inpatient"]["ratio"][level])
        for rule in policy.get("person_rules") or []:
            if not matches(rule, person):
                continue
            if level in (rule.get("ratio") or {}):
                r = bp(rule["ratio"][level])
            if level in (rule.get("ratio_add") or {}):
                r = min(10000, r + bp(rule["ratio_add"][level]))
    if bill.get("out_of_area") and not bill.get("filed"):
        r = max(0, r - bp(basic["out_of_area_unfiled_ratio_cut"]))
    return r


def fund_steps(policy, person, st, bill, s, level):
    basic, mt = policy["basic"], bill["med_type"]
    E = deductible(policy, person, st, bill, s, level)
    r = basic_ratio(policy, person, bill, level)
    disease_stops = False
    if mt == "11":
        cap = room(cap_fen(basic["outpatient_general"]["annual_cap"]), st["general_paid"])
    else:
        cap = room(cap_fen(basic["annual_cap"]), st["basic_paid"])
        if mt == "14":
            code = bill["spec_dise_codg"]
            dcap = room(cap_fen(basic["outpatient_special"]["diseases"][code]["annual_cap"]),
                        st["special_paid"].get(code, 0))
            disease_stops = dcap is not None and (cap is None or dcap < cap)
            cap = rmin(cap, dcap)
    raw = mul(E, r)
    pay = rmin(raw, cap)
    used = E if pay == raw else min(E, div(pay, r))
    over = 0 if disease_stops else E - used
    s["hifp_pay"] = pay
    if mt == "11":
        st["general_paid"] += pay
        return
    st["basic_paid"] += pay
    if mt == "14":
        st["special_paid"][bill["spec_dise_codg"]] = st["special_paid"].get(bill["spec_dise_codg"], 0) + pay
    layers(policy, person, st, s, over)


def layers(policy, person, st, s, over):
    oc = policy.get("over_cap")
    if oc:
        s["hifob_pay"] = rmin(mul(over, bp(oc["ratio"])), room(cap_fen(oc["annual_cap"]), st["over_cap_paid"]))
        st["over_cap_paid"] += s["hifob_pay"]
    cat = policy.get("catastrophic")
    if cat:
        T, bands, acap = fen(cat["threshold"]), cat["bands"], cap_fen(cat["annual_cap"])
        for rule in cat.get("person_rules") or []:
            if matches(rule, person):
                if "threshold_factor" in rule:
                    T = mul(T, bp(rule["threshold_factor"]))
                if "bands" in rule:
                    bands = rule["bands"]
                if "annual_cap" in rule:
                    acap = cap_fen(rule["annual_cap"])
                break
        P = s["inscp_scp_amt"] - s["hifp_pay"] - s["hifob_pay"]
        lo = max(st["cat_burden"], T) - T
        hi = max(st["cat_burden"] + P, T) - T
        total, start = 0, 0
        for band in bands:
            end = cap_fen(band["upto"])
            top = hi if end is None else min(hi, end)
            overlap = top - max(lo, start)
            if overlap > 0:
                total += overlap * bp(band["ratio"])
            if end is None:
                break
            start = end
        s["hifmi_pay"] = rmin((total + 5000) // 10000, room(acap, st["cat_paid"]))
        st["cat_burden"] += P
        st["cat_paid"] += s["hifmi_pay"]
    for rule in policy.get("assistance") or []:
        if matches(rule, person):
            R = s["inscp_scp_amt"] - s["hifp_pay"] - s["hifob_pay"] - s["hifmi_pay"]
            s["maf_pay"] = rmin(mul(R, bp(rule["ratio"])), room(cap_fen(rule["annual_cap"]), st["maf_paid"]))
            st["maf_paid"] += s["maf_pay"]
            break


# ---- random vectors ------------------------------------------------------

def D(fen_value, decimals=2):
    """An int scaled by 10^decimals as a Decimal with trailing zeros trimmed."""
    d = Decimal(fen_value).scaleb(-decimals)
    return d.normalize() if d != 0 else Decimal(0)


def rnd_money(rng, lo, hi, cents=True):
    v = rng.randint(lo * 100, hi * 100)
    return D(v if cents and rng.random() < 0.5 else v - v % 100)


def rnd_ratio(rng, lo=0.0, hi=1.0):
    v = rng.randint(int(lo * 10000), int(hi * 10000))
    if rng.random() < 0.6:
        v -= v % 100
    return D(v, 4)


def rnd_cap(rng, lo, hi, none_share=0.15):
    return None if rng.random() < none_share else rnd_money(rng, lo, hi)


def rnd_bands(rng):
    n = rng.randint(1, 3)
    uptos = sorted(rng.sample(range(1000, 80000), n - 1))
    bands = [{"upto": D(u * 100), "ratio": rnd_ratio(rng, 0.3, 1.0)} for u in uptos]
    return bands + [{"upto": None, "ratio": rnd_ratio(rng, 0.3, 1.0)}]


def rnd_when(rng):
    return rng.choice(CATEGORIES + FLAGS)


def rnd_levels_table(rng, fn):
    return {lv: fn() for lv in LEVELS}


def rnd_person_rule(rng):
    rule = {"when": rnd_when(rng)}
    if rng.random() < 0.5:
        rule["inpatient_deductible_factor"] = rnd_ratio(rng)
    if rng.random() < 0.4:
        rule["ratio"] = {lv: rnd_ratio(rng, 0.5, 1.0) for lv in rng.sample(LEVELS, rng.randint(1, 4))}
    if rng.random() < 0.5:
        rule["ratio_add"] = {lv: rnd_ratio(rng, 0, 0.2) for lv in rng.sample(LEVELS, rng.randint(1, 4))}
    return rule


def rnd_catastrophic(rng):
    rules = []
    for _ in range(rng.randint(0, 3)):
        r = {"when": rnd_when(rng)}
        if rng.random() < 0.5:
            r["threshold_factor"] = rnd_ratio(rng, 0.2, 1.0)
        if rng.random() < 0.4:
            r["bands"] = rnd_bands(rng)
        if rng.random() < 0.5:
            r["annual_cap"] = rnd_cap(rng, 1000, 200000, 0.5)
        rules.append(r)
    return {"threshold": rnd_money(rng, 0, 30000), "bands": rnd_bands(rng),
            "annual_cap": rnd_cap(rng, 1000, 300000), "person_rules": rules}


def rnd_policy(rng, seq):
    diseases = {f"M{rng.randint(0, 99999):05d}": {"name": "x", "annual_cap": rnd_cap(rng, 100, 8000, 0.3)}
                for _ in range(rng.randint(1, 5))}
    return {
        "format": "yibao-policy/1", "id": f"random-{seq}", "region": f"{rng.randint(100000, 999999)}",
        "year": rng.randint(2015, 2026), "insutype": rng.choice(["310", "390"]),
        "notes": {"generated": "tests/ref/reference.py"},
        "class_b_prepay": rnd_ratio(rng, 0, 0.3),
        "basic": {
            "annual_cap": rnd_cap(rng, 2000, 300000, 0.1),
            "inpatient": {
                "deductible": rnd_levels_table(rng, lambda: rnd_money(rng, 0, 2000)),
                "repeat_admission_deductible": rnd_ratio(rng),
                "deductible_waived_dx": rng.sample(["F20", "F3", "C", "K35", "I2"], rng.randint(0, 2)),
                "ratio": rnd_levels_table(rng, lambda: rnd_ratio(rng, 0.3, 1.0)),
            },
            "outpatient_special": {"annual_deductible": rnd_money(rng, 0, 500),
                                   "ratio": None if rng.random() < 0.6 else rnd_ratio(rng, 0.3, 1.0),
                                   "diseases": diseases},
            "outpatient_general": {"annual_deductible": rnd_money(rng, 0, 200), "ratio": rnd_ratio(rng, 0.2, 0.9),
                                   "annual_cap": rnd_cap(rng, 20, 1000, 0.1),
                                   "levels": rng.sample(LEVELS, rng.randint(0, 4))},
            "out_of_area_unfiled_ratio_cut": rnd_ratio(rng, 0, 0.3),
        },
        "person_rules": [rnd_person_rule(rng) for _ in range(rng.randint(0, 3))],
        "over_cap": None if rng.random() < 0.4 else {"ratio": rnd_ratio(rng, 0.5, 1.0),
                                                      "annual_cap": rnd_cap(rng, 1000, 400000, 0.3)},
        "catastrophic": None if rng.random() < 0.3 else rnd_catastrophic(rng),
        "assistance": [{"when": rnd_when(rng), "ratio": rnd_ratio(rng, 0.3, 1.0),
                        "annual_cap": rnd_cap(rng, 100, 30000, 0.3)} for _ in range(rng.randint(0, 3))],
        "personal_account": None if rng.random() < 0.4 else {"covers": rng.choice(["all", "in_scope"])},
    }


def rnd_catalog(rng):
    items = {}
    for i in range(rng.randint(10, 30)):
        cls = rng.choices("ABC", [5, 4, 1])[0]
        item = {"name": f"item {i}", "kind": rng.choice(["drug", "service", "material"]), "class": cls}
        if cls == "B" and rng.random() < 0.5:
            item["prepay"] = rnd_ratio(rng, 0, 0.5)
        if rng.random() < 0.4:
            v = rng.randint(0, 5000 * 10**6)
            item["cap_price"] = D(v - v % rng.choice([1, 10**4, 10**6]), 6) if rng.random() < 0.9 else Decimal(0)
        items[f"Z{cls}{i:03d}"] = item
    return {"format": "yibao-catalog/1", "items": items}


INSTITUTIONS = {"H0": {"level": "township", "type": "hospital"}, "H1": {"level": "level1", "type": "hospital"},
                "H2": {"level": "level2", "type": "hospital"}, "H3": {"level": "level3", "type": "hospital"},
                "P1": {"level": "pharmacy", "type": "pharmacy"}}


def rnd_line(rng, sn, catalog):
    codes = list(catalog["items"])
    code = rng.choice(codes) if rng.random() < 0.93 else "UNLISTED%d" % rng.randint(0, 9)
    cnt = rng.randint(1, 30) * 10000 if rng.random() < 0.8 else rng.randint(1, 300000)
    scale = rng.choice([1, 10**4, 10**6, 10**6])
    pric = rng.randint(0, rng.choice([100, 2000, 50000, 500000]) * 10**6)
    pric -= pric % scale
    item = catalog["items"].get(code)
    if item and "cap_price" in item and rng.random() < 0.5:
        pric = scaled(item["cap_price"], 6) + rng.randint(-2, 3) * 10**6 // rng.choice([1, 100])
        pric = max(0, pric)
    amount = (cnt * pric + 5 * 10**7) // 10**8
    if rng.random() < 0.05:
        amount += rng.choice([-1, 1])
    amount = max(0, amount)
    line = {"feedetl_sn": str(sn), "med_list_codg": code, "cnt": D(cnt, 4), "pric": D(pric, 6),
            "det_item_fee_sumamt": D(amount)}
    r = rng.random()
    if r < 0.01:
        line["det_item_fee_sumamt"] = D(amount * 10 + 3, 3)   # three decimals
    elif r < 0.015:
        line["det_item_fee_sumamt"] = D(amount + 3)          # off by 3 fen
    elif r < 0.02:
        line["cnt"] = Decimal(0)
    elif r < 0.025:
        line["det_item_fee_sumamt"] = str(line["det_item_fee_sumamt"])  # a string
    return line


def rnd_bill(rng, policy, catalog):
    year = policy["year"] if rng.random() < 0.97 else policy["year"] + rng.choice([-1, 1])
    mt = rng.choices(["11", "14", "21", "41", "99"], [3, 2, 4, 1.5, 0.1])[0]
    code = ("P1" if mt == "41" else rng.choice(["H0", "H1", "H2", "H3"])) if rng.random() < 0.97 \
        else rng.choice(["P1", "H3", "NOPE"])
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    stay = rng.randint(0, 20) if mt == "21" else 0
    end = f"{year}-{month:02d}-{day:02d}"
    begin_day = max(1, day - stay)
    bill = {"fixmedins_code": code, "med_type": mt, "begntime": f"{year}-{month:02d}-{begin_day:02d}",
            "endtime": end if rng.random() < 0.5 else end + " %02d:%02d:00" % (rng.randint(0, 23), rng.randint(0, 59)),
            "dise_codg": rng.choice(["K35.8", "F20.0", "F32.1", "C34.9", "I21.0", "J18.9"])}
    if rng.random() < 0.02:
        bill["endtime"] = f"{year}-13-01"
    if mt == "14":
        diseases = list(policy["basic"]["outpatient_special"]["diseases"])
        bill["spec_dise_codg"] = rng.choice(diseases) if rng.random() < 0.95 else "M99999"
    if rng.random() < 0.15:
        bill["out_of_area"] = True
        bill["filed"] = rng.random() < 0.5
    if rng.random() < 0.7:
        bill["acct_used_flag"] = rng.choice([0, 1, 1])
    n = 0 if rng.random() < 0.02 else rng.randint(1, 12)
    bill["details"] = [rnd_line(rng, i + 1, catalog) for i in range(n)]
    if n >= 2 and rng.random() < 0.03:
        bill["details"][-1]["feedetl_sn"] = bill["details"][0]["feedetl_sn"]
    return bill


def rnd_person(rng, policy):
    insutype = policy["insutype"] if rng.random() < 0.97 else ("390" if policy["insutype"] == "310" else "310")
    start = f"{policy['year'] - rng.randint(0, 5)}-{rng.randint(1, 12):02d}-01"
    if rng.random() < 0.1:
        start = f"{policy['year']}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {"psn_no": "R0001", "insutype": insutype, "category": rng.choice(CATEGORIES),
            "flags": rng.sample(FLAGS, rng.choice([0, 0, 1, 1, 2])), "gend": "1", "brdy": "1970-01-01",
            "benefit_start": start, "acct_balc": rnd_money(rng, 0, 3000) if rng.random() < 0.7 else Decimal(0)}


def rnd_state(rng, policy):
    state = {}
    for key in STATE_MONEY[:-1]:
        if rng.random() < 0.3:
            state[key] = rnd_money(rng, 0, rng.choice([100, 5000, 200000]))
    if rng.random() < 0.3:
        state["admissions"] = Decimal(rng.randint(0, 4))
    diseases = list(policy["basic"]["outpatient_special"]["diseases"])
    if rng.random() < 0.3:
        state["special_paid"] = {d: rnd_money(rng, 0, 6000) for d in rng.sample(diseases, 1)}
    return state


def state_from_vector(vstate, person):
    st = {k: 0 for k in STATE_MONEY}
    st["acct_balc"] = fen(person["acct_balc"])
    st["admissions"] = 0
    st["special_paid"] = {}
    for k, v in (vstate or {}).items():
        if k == "admissions":
            st[k] = int(v)
        elif k == "special_paid":
            st[k] = {d: fen(x) for d, x in v.items()}
        elif k in STATE_MONEY:
            st[k] = fen(v)
    return st


def state_to_vector(st, year):
    out = {"year": year, "admissions": st["admissions"]}
    for k in STATE_MONEY:
        out[k] = D(st[k]) if st[k] else Decimal("0.0")
    out["special_paid"] = {d: D(v) for d, v in sorted(st["special_paid"].items()) if v}
    return out


def holders_after(hbal):
    return {k: D(v) if v else Decimal("0.0") for k, v in hbal.items()}


def run_steps(rng, policy, catalog, person, st, count, holders=None, hbal=None):
    steps, records = [], []
    for i in range(count):
        if i > 0 and rng.random() < 0.15:
            k = rng.randint(0, i + 1)
            rec = records[k] if k < i else None
            if rec is None or rec["kind"] != "settled":
                expect = {"error": "E_NOT_SETTLED"}
            elif rec["revoked"]:
                expect = {"error": "E_REVOKED"}
            else:
                rec["revoked"] = True
                for key in STATE_MONEY + ["admissions"]:
                    st[key] -= rec["delta"][key]
                for d, v in rec["delta"]["special_paid"].items():
                    st["special_paid"][d] -= v
                for h, v in rec["parts"].items():
                    hbal[h] += v
                expect = {"state": state_to_vector(st, policy["year"])}
                if holders:
                    expect["holders_after"] = holders_after(hbal)
            steps.append({"revoke": k, "expect": expect})
            records.append({"kind": "revoke"})
            continue
        bill = rnd_bill(rng, policy, catalog)
        try:
            setl, new, parts = settle(policy, catalog, INSTITUTIONS, person, st, bill, holders, hbal)
        except Refused as e:
            steps.append({"settle": bill, "expect": {"error": str(e)}})
            records.append({"kind": "refused"})
            continue
        delta = {k: new[k] - st[k] for k in STATE_MONEY + ["admissions"]}
        delta["special_paid"] = {d: v - st["special_paid"].get(d, 0) for d, v in new["special_paid"].items()}
        st = new
        records.append({"kind": "settled", "revoked": False, "delta": delta, "parts": parts})
        expect = {"setlinfo": {k: D(v) if v else Decimal("0.0") for k, v in setl.items()},
                  "state": state_to_vector(st, policy["year"])}
        if holders:
            expect["holders_after"] = holders_after(hbal)
        steps.append({"settle": bill, "expect": expect})
    return steps


def rnd_holders(rng, policy):
    """1-3 bindings around the policy's year, in the order made, each holder
    with an account-keeping policy that may or may not share (FUNDS.md §5)."""
    year, out = policy["year"], []
    for i in range(rng.randint(1, 3)):
        frm = f"{year + rng.choice([-1, 0, 0])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if out and rng.random() < 0.2:
            frm = out[-1]["from"]  # equal from: the one listed first pays first
        elif rng.random() < 0.3:
            frm += " %02d:%02d:00" % (rng.randint(0, 23), rng.randint(0, 59))
        revoked = None
        if rng.random() < 0.3:
            revoked = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append({"psn_no": f"HD{i + 1:03d}", "relation": rng.choice(["spouse", "parent", "child"]),
                    "from": frm, "revoked": revoked,
                    "acct_balc": rnd_money(rng, 0, rng.choice([50, 500, 5000])) if rng.random() < 0.85 else Decimal(0),
                    "policy": rng.choice(["holder-share", "holder-share", "holder-noshare"])})
    return out


def model_holders(vholders, load_policy):
    """The vector's holders as the model reads them, and their balances."""
    holders, hbal = [], {}
    for h in vholders or []:
        pa = load_policy(h["policy"]).get("personal_account") or {}
        holders.append({"psn_no": h["psn_no"], "from": parse_dt(h["from"]),
                        "revoked": parse_dt(h["revoked"]) if h.get("revoked") else None,
                        "shares": bool(pa.get("family_sharing", False))})
        hbal[h["psn_no"]] = fen(h["acct_balc"])
    return holders, hbal


def dump(obj, path):
    import re
    text = json.dumps(obj, indent=1, default=lambda d: "@@%s@@" % d)
    with open(path, "w") as f:
        f.write(re.sub(r'"@@([^@]*)@@"', r"\1", text) + "\n")


def generate(seed, count, out):
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    for n in range(count):
        policy = rnd_policy(rng, n)
        catalog = rnd_catalog(rng)
        person = rnd_person(rng, policy)
        vstate = rnd_state(rng, policy)
        st = state_from_vector(vstate, person)
        vholders = rnd_holders(rng, policy) if rng.random() < 0.3 else None
        names = {"holder-share": f"../policy-{n:04d}-share.json",
                 "holder-noshare": f"../policy-{n:04d}-noshare.json"}
        for h in vholders or []:
            h["policy"] = names[h["policy"]]
        if vholders:
            for share, name in ((True, "share"), (False, "noshare")):
                hp = dict(policy, id=f"random-{n}-{name}",
                          personal_account={"covers": "all", "family_sharing": share})
                dump(hp, os.path.join(out, f"policy-{n:04d}-{name}.json"))
        holders, hbal = model_holders(vholders, lambda path: {
            "personal_account": {"family_sharing": path.endswith("-share.json")}})
        if vholders and rng.random() < 0.05:
            person["flags"] = person["flags"] + ["contribution_short"]
        steps = run_steps(rng, policy, catalog, person, st, rng.randint(1, 10), holders, hbal)
        dump(policy, os.path.join(out, f"policy-{n:04d}.json"))
        dump(catalog, os.path.join(out, f"catalog-{n:04d}.json"))
        vector = {"format": "yibao-vector/1", "name": f"reference model, seed {seed}, #{n}",
                  "policy": f"policy-{n:04d}.json", "catalog": f"catalog-{n:04d}.json",
                  "institutions": INSTITUTIONS, "person": person, "state": vstate, "steps": steps}
        if vholders:
            vector["holders"] = vholders
        os.makedirs(os.path.join(out, "vectors"), exist_ok=True)
        vector["policy"] = "../" + vector["policy"]
        vector["catalog"] = "../" + vector["catalog"]
        dump(vector, os.path.join(out, "vectors", f"ref-{n:04d}.json"))


def holders_differ(path, i, exp, hbal):
    for h, val in (exp.get("holders_after") or {}).items():
        if fen(val) != hbal.get(h):
            print(f"{path}: step {i}: holders_after.{h} expected {val} got {hbal.get(h)}")
            return 1
    return 0


def check_shared(paths):
    """Runs the model on existing vectors; prints disagreements (model self-test)."""
    bad = 0
    for path in paths:
        v = json.load(open(path), parse_float=Decimal, parse_int=Decimal)
        base = os.path.dirname(path)
        policy = json.load(open(os.path.join(base, v["policy"])), parse_float=Decimal, parse_int=Decimal)
        policy["year"] = int(policy["year"])
        catalog = json.load(open(os.path.join(base, v["catalog"])), parse_float=Decimal, parse_int=Decimal)
        person = v["person"]
        st = state_from_vector(v.get("state"), person)
        holders, hbal = model_holders(v.get("holders"), lambda p: json.load(open(os.path.join(base, p))))
        records = []
        for i, step in enumerate(v["steps"]):
            exp = step["expect"]
            if "revoke" in step:
                k = int(step["revoke"])
                rec = records[k] if k < i else None
                if rec is None or rec[0] != "ok":
                    got = "E_NOT_SETTLED"
                elif rec[2]:
                    got = "E_REVOKED"
                else:
                    rec[2] = True
                    d = rec[1]
                    for key in STATE_MONEY + ["admissions"]:
                        st[key] -= d[key]
                    for dd, val in d["special_paid"].items():
                        st["special_paid"][dd] -= val
                    for h, val in rec[3].items():
                        hbal[h] += val
                    got = None
                records.append(("revoke",))
                if (exp.get("error") or None) != got:
                    print(f"{path}: step {i}: revoke expected {exp.get('error')} got {got}")
                    bad += 1
                bad += holders_differ(path, i, exp, hbal)
                continue
            try:
                setl, new, parts = settle(policy, catalog, v["institutions"], person, st, step["settle"],
                                          holders, hbal)
            except Refused as e:
                records.append(("refused",))
                if exp.get("error") != str(e):
                    print(f"{path}: step {i}: expected {exp.get('error')} got {e}")
                    bad += 1
                continue
            delta = {k: new[k] - st[k] for k in STATE_MONEY + ["admissions"]}
            delta["special_paid"] = {d: val - st["special_paid"].get(d, 0) for d, val in new["special_paid"].items()}
            records.append(["ok", delta, False, parts])
            st = new
            for k, val in exp.get("setlinfo", {}).items():
                if fen(val) != setl[k]:
                    print(f"{path}: step {i}: {k} expected {val} got {D(setl[k])}")
                    bad += 1
                    break
            bad += holders_differ(path, i, exp, hbal)
    print(f"model self-test: {len(paths)} vectors, {bad} disagreements")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--count", type=int, default=200)
    g.add_argument("--out", required=True)
    c = sub.add_parser("selftest")
    c.add_argument("paths", nargs="+")
    args = ap.parse_args()
    if args.cmd == "gen":
        generate(args.seed, args.count, args.out)
    else:
        raise SystemExit(1 if check_shared(args.paths) else 0)


if __name__ == "__main__":
    main()
