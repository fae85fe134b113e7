#!/usr/bin/env python3
"""funds_reference.py: an independent model of shared/spec/FUNDS.md §1-§5 and
§9 (the kinds employee_month, resident_year, premium_from_account, bind,
benefit_start_employee, benefit_start_resident, retirement_check), written
from the spec text, not from the C code, for differential testing; §6-§8's
kinds (budget_settlement, ..., ratios) are modelled in payment_reference.py.

    funds_reference.py selftest FILE...      re-derive shipped funds vectors
    funds_reference.py gen --seed S --count N --base DIR --out OUT

`gen` writes random policies (OUT/policies: the settlement policies of DIR
with random `funding` sections) and N random yibao-funds-vector/1 files
(OUT/vectors), valid and invalid inputs, whose expectations this model
computes; `yibao conformance OUT/vectors` must pass every one. Integers
(fen, basis points, month numbers, day numbers) throughout.
"""
import argparse
import datetime
import json
import os
import random
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payment_reference  # noqa: E402

BUILT = ["employee_month", "resident_year", "premium_from_account", "bind",
         "benefit_start_employee", "benefit_start_resident", "retirement_check"]
FLAGS = ["extreme_poverty", "low_income", "poverty_registered"]
CATEGORIES = ["in_service", "retired", "adult", "minor", "student"]


class Answer(Exception):
    """An error code: the first failing check."""


def mul(x, r):
    return (x * r + 5000) // 10000


def scaled(v, decimals, lo=None, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return None
    d = Decimal(str(v)).scaleb(decimals)
    if d != d.to_integral_value():
        return None
    n = int(d)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        return None
    return n


def money(v, code="E_BAD_AMOUNT"):
    n = scaled(v, 2, 0, 10 ** 12)
    if n is None:
        raise Answer(code)
    return n


def month(v):
    try:
        assert isinstance(v, str) and len(v) == 7 and v[4] == "-"
        y, m = int(v[:4]), int(v[5:])
        assert v[:4].isdigit() and v[5:].isdigit() and 1 <= m <= 12 and 1900 <= y <= 9800
        return y * 12 + m - 1
    except (AssertionError, ValueError):
        raise Answer("E_BAD_DATES")


def instant(v, allow_time):
    """Seconds of a date (or, allowed, a date-time) as an integer."""
    try:
        assert isinstance(v, str) and (len(v) == 10 or (allow_time and len(v) == 19))
        fmt = "%Y-%m-%d" if len(v) == 10 else "%Y-%m-%d %H:%M:%S"
        t = datetime.datetime.strptime(v, fmt)
        assert t.strftime(fmt) == v and 1900 <= t.year <= 9800
        return (t - datetime.datetime(1, 1, 1)).total_seconds()
    except (AssertionError, ValueError):
        raise Answer("E_BAD_DATES")


def day_of(v):
    return datetime.date.fromisoformat(v)


# ---- the policy's funding section, read as numbers -----------------------

def funding_of(policy):
    f = policy.get("funding")
    if f is None:
        return None
    g = dict(f)
    for k in ("avg_wage_monthly", "over_cap_premium_monthly", "retiree_account_monthly",
              "subsidy", "catastrophic_share"):
        if k in g:
            g[k] = scaled(g[k], 2)
    for k in ("base_floor", "base_ceiling", "employer_rate", "employer_rate_reduced",
              "employee_rate", "account_rate", "lump_rate"):
        if k in g:
            g[k] = scaled(g[k], 4)
    g.setdefault("employer_rate_reduced", g.get("employer_rate"))
    g.setdefault("over_cap_premium_monthly", 0)
    g.setdefault("catastrophic_share", 0)
    g.setdefault("premium_assistance", [])
    if "flexible" in g and g["flexible"] is not None:
        x = g["flexible"]
        g["flexible"] = {"bases": [scaled(b, 4) for b in x["bases"]],
                         "rate": scaled(x["rate"], 4), "account_rate": scaled(x["account_rate"], 4)}
    if "premium" in g:
        g["premium"] = {k: scaled(v, 2) for k, v in g["premium"].items()}
    g["premium_assistance"] = [(a["when"], scaled(a["ratio"], 4)) for a in g["premium_assistance"]]
    return g


def matches(when, category, flags):
    return when == category or when in flags


# ---- the kinds ------------------------------------------------------------

def category_of(v):
    if not isinstance(v, str):
        raise Answer("E_CATEGORY")
    return v


def flags_of(v, allow_short):
    if v is None:
        return []
    if not isinstance(v, list):
        raise Answer("E_CATEGORY")
    for f in v:
        if not (f in FLAGS or (allow_short and f == "contribution_short")):
            raise Answer("E_CATEGORY")
    return v


def episodes_of(v, closed=False):
    if not isinstance(v, list):
        raise Answer("E_BAD_DATES")
    out = []
    for e in v:
        if not isinstance(e, dict) or not isinstance(e.get("insutype"), str) \
                or not e["insutype"].isdigit() or not isinstance(e.get("region"), str) \
                or not e["region"]:
            raise Answer("E_BAD_DATES")
        lo = month(e.get("from"))
        if "to" not in e:
            raise Answer("E_BAD_DATES")
        hi = None if e["to"] is None else month(e["to"])
        if (hi is not None and hi < lo) or (closed and hi is None):
            raise Answer("E_BAD_DATES")
        out.append((int(e["insutype"]), e["region"], lo, hi))
    return out


def employee_month(pol, f, inp):
    m = month(inp.get("month"))
    cat = category_of(inp.get("category"))
    eps = episodes_of(inp.get("episodes"))
    done = [month(x) for x in inp.get("contributed", [])]
    wage = money(inp["wage"]) if "wage" in inp else None
    share = scaled(inp.get("base_share"), 4, 0, 10000) if "base_share" in inp else None
    strug = inp.get("struggling", False)
    if not isinstance(strug, bool):
        raise Answer("E_BAD_AMOUNT")
    flags = flags_of(inp.get("flags"), True)
    if cat not in ("in_service", "flexible", "retired"):
        raise Answer("E_CATEGORY")
    if not any(i == int(pol["insutype"]) and r == pol["region"] and lo <= m and (hi is None or m <= hi)
               for i, r, lo, hi in eps):
        raise Answer("E_NOT_ENROLLED")
    if m in done:
        raise Answer("E_DUP_MONTH")
    out = dict(base=0, employer=0, employee=0, account=0, pool=0, over_cap=0)
    if cat == "flexible":
        x = f.get("flexible")
        if not x or share is None or share not in x["bases"]:
            raise Answer("E_FUNDING_BASE")
        base = mul(f["avg_wage_monthly"], share)
        due = mul(base, x["rate"])
        acct = min(mul(base, x["account_rate"]), due)
        out.update(base=base, employee=due, account=acct, pool=due - acct,
                   over_cap=f["over_cap_premium_monthly"])
    elif cat == "in_service":
        if wage is None:
            raise Answer("E_BAD_AMOUNT")
        lo, hi = mul(f["avg_wage_monthly"], f["base_floor"]), mul(f["avg_wage_monthly"], f["base_ceiling"])
        base = min(max(wage, lo), hi)
        er = mul(base, f["employer_rate_reduced"] if strug else f["employer_rate"])
        ee = mul(base, f["employee_rate"])
        acct = min(mul(base, f["account_rate"]), er + ee)
        out.update(base=base, employer=er, employee=ee, account=acct, pool=er + ee - acct,
                   over_cap=f["over_cap_premium_monthly"])
    else:
        acct = 0 if "contribution_short" in flags else f["retiree_account_monthly"]
        out.update(account=acct, pool=-acct)
    return {k: ("money", v) for k, v in out.items()}


def resident_year_figures(f, cat, flags):
    if cat not in f["premium"]:
        raise Answer("E_CATEGORY")
    premium = f["premium"][cat]
    assisted = 0
    for when, ratio in f["premium_assistance"]:
        if matches(when, cat, flags):
            assisted = mul(premium, ratio)
            break
    subsidy = f["subsidy"]
    cata = min(f["catastrophic_share"], premium + subsidy)
    return dict(premium=premium, assisted=assisted, own=premium - assisted, subsidy=subsidy,
                catastrophic=cata, pool=premium + subsidy - cata)


def resident_year(pol, f, inp):
    cat = category_of(inp.get("category"))
    flags = flags_of(inp.get("flags"), False)
    return {k: ("money", v) for k, v in resident_year_figures(f, cat, flags).items()}


def psn_no(person):
    if not isinstance(person, dict) or not isinstance(person.get("psn_no"), str) \
            or len(person["psn_no"].encode()) > 63:
        raise Answer("E_BINDING")
    return person["psn_no"]


def relation_of(v):
    if not isinstance(v, str):
        raise Answer("E_BINDING")
    return v


def bind_ok(holder_policy, holder, member, relation):
    return holder != member and relation in ("spouse", "parent", "child") \
        and holder_policy.get("personal_account") is not None


def premium_from_account(pol, f, inp, load):
    t = instant(inp.get("date"), True)
    member = inp.get("member")
    mno = psn_no(member)
    cat = category_of(member.get("category"))
    flags = flags_of(member.get("flags"), False)
    h = inp.get("holder")
    hno = psn_no(h)
    rel = relation_of(h.get("relation"))
    since = instant(h.get("from"), True)
    until = None if h.get("revoked") is None else instant(h["revoked"], True)
    balc = money(h.get("acct_balc"))
    hp = load(h.get("policy"))
    if hp is None:
        raise Answer("E_POLICY")
    own = resident_year_figures(f, cat, flags)["own"]
    if not bind_ok(hp, hno, mno, rel):
        raise Answer("E_BINDING")
    if not (hp.get("personal_account") or {}).get("family_sharing", False):
        raise Answer("E_BINDING")
    if not (since <= t and (until is None or t < until)):
        raise Answer("E_BINDING")
    if balc < own:
        raise Answer("E_ACCOUNT_SHORT")
    return {"own": ("money", own), "acct_balc": ("money", balc - own)}


def bind(pol, f, inp):
    hno = psn_no(inp.get("holder"))
    mno = psn_no(inp.get("member"))
    rel = relation_of(inp.get("relation"))
    if not bind_ok(pol, hno, mno, rel):
        raise Answer("E_BINDING")
    return {"bound": ("bool", True)}


def first_of_month(m):
    return "%04d-%02d-01" % (m // 12, m % 12 + 1)


def benefit_start_employee(pol, f, inp):
    m = month(inp.get("month"))
    eps = episodes_of(inp.get("episodes"))
    ended = [hi for i, r, lo, hi in eps
             if i == 310 and r == pol["region"] and hi is not None and hi < m]
    if not ended:
        return {"benefit_start": ("date", first_of_month(m + 1)), "gap": ("null", None)}
    gap = m - max(ended) - 1
    start = m + 1 + (f["waiting_months"] if gap > f["grace_months"] else 0)
    return {"benefit_start": ("date", first_of_month(start)), "gap": ("count", gap)}


def benefit_start_resident(pol, f, inp):
    y = scaled(inp.get("year"), 0, 1901, 9800)
    if y is None:
        raise Answer("E_BAD_AMOUNT")
    instant(inp.get("paid"), False)
    paid = day_of(inp["paid"])
    cat = category_of(inp.get("category"))
    flags = flags_of(inp.get("flags"), False)
    brdy = None
    if inp.get("brdy") is not None:
        instant(inp["brdy"], False)
        brdy = day_of(inp["brdy"])
    w = f["window"]
    opens = day_of("%04d-%s" % (y - 1, w["from"]))
    closes = day_of("%04d-%s" % (y - 1, w["to"]))
    first, last = datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    if paid < opens or paid > last:
        raise Answer("E_WINDOW")
    if paid <= closes:
        start = first
    else:
        newborn = brdy is not None and 0 <= (paid - brdy).days <= f["newborn_days"]
        assisted = any(matches(when, cat, flags) for when, _ in f["premium_assistance"])
        if newborn:
            start = brdy
        elif assisted:
            start = paid
        else:
            start = paid + datetime.timedelta(days=f["waiting_days"])
    return {"benefit_start": ("date", max(start, first).isoformat())}


def retirement_check(pol, f, inp):
    gend = inp.get("gend")
    if not isinstance(gend, str):
        raise Answer("E_CATEGORY")
    eps = episodes_of(inp.get("episodes"), closed=True)
    if gend not in f["min_months_total"]:
        raise Answer("E_CATEGORY")
    every = {m for i, r, lo, hi in eps if i == 310 for m in range(lo, hi + 1)}
    here = {m for i, r, lo, hi in eps if i == 310 and r == pol["region"] for m in range(lo, hi + 1)}
    need = f["min_months_total"][gend]
    short = 0
    if not (len(every) >= need and len(here) >= f["min_months_local"]):
        short = max(need - len(every), f["min_months_local"] - len(here))
    return {"total": ("count", len(every)), "local": ("count", len(here)),
            "short": ("count", short),
            "lump_sum": ("money", short * mul(f["avg_wage_monthly"], f["lump_rate"])),
            "flags": ("flags", ["contribution_short"] if short > 0 else [])}


SCHEME = {"employee_month": "310", "benefit_start_employee": "310", "retirement_check": "310",
          "resident_year": "390", "benefit_start_resident": "390",
          "premium_from_account": "390", "bind": None}


def run(vector, load):
    """The expectation of a vector: {"error": code} or {name: (type, value)}."""
    kind = vector["kind"]
    if kind in payment_reference.KINDS:
        return payment_reference.run(vector)
    pol = load(vector.get("policy"))
    try:
        if pol is None:
            raise Answer("E_POLICY")
        scheme = SCHEME[kind]
        if scheme is not None and (pol["insutype"] != scheme or pol.get("funding") is None):
            raise Answer("E_POLICY")
        f = funding_of(pol)
        inp = vector["input"]
        if kind == "premium_from_account":
            return premium_from_account(pol, f, inp, load)
        return globals()[kind](pol, f, inp)
    except Answer as a:
        return {"error": a.args[0]}


def to_wire(figures):
    if "error" in figures:
        return {"error": figures["error"]}
    out = {}
    for k, (t, v) in figures.items():
        if t == "object":
            out[k] = {name: to_wire(sub) for name, sub in v.items()}
        elif t == "number":
            out[k] = float(v)
        else:
            out[k] = float(Decimal(v) / 100) if t == "money" else v
    return out


def loader(base, broken=()):
    cache = {}

    def load(rel):
        if not isinstance(rel, str):
            return None
        path = os.path.normpath(os.path.join(base, rel))
        if path in broken or not os.path.exists(path):
            return None
        if path not in cache:
            with open(path) as fh:
                cache[path] = json.load(fh, parse_float=Decimal)
        return cache[path]
    return load


# ---- random policies and vectors ------------------------------------------

def yuan(fen):
    return float(Decimal(fen) / 100)


def ratio(bp):
    return float(Decimal(bp) / 10000)


def rand_employee_funding(rng):
    floor = rng.randint(3000, 8000)
    f = {"avg_wage_monthly": yuan(rng.randint(100000, 2000000)), "base_floor": ratio(floor),
         "base_ceiling": ratio(rng.randint(floor, 50000)),
         "employer_rate": ratio(rng.randint(0, 1200)), "employee_rate": ratio(rng.randint(0, 500)),
         "account_rate": ratio(rng.choice([0, rng.randint(0, 600), rng.randint(0, 3000)])),
         "retiree_account_monthly": yuan(rng.randint(0, 20000)),
         "grace_months": rng.randint(0, 6), "waiting_months": rng.randint(0, 12),
         "min_months_total": {"1": rng.randint(150, 400), "2": rng.randint(100, 360)},
         "min_months_local": rng.randint(0, 200), "lump_rate": ratio(rng.randint(0, 2000))}
    if rng.random() < 0.7:
        f["employer_rate_reduced"] = ratio(rng.randint(0, 1200))
    if rng.random() < 0.6:
        f["over_cap_premium_monthly"] = yuan(rng.randint(0, 5000))
    if rng.random() < 0.8:
        f["flexible"] = {"bases": sorted({ratio(rng.randint(3000, 10000)) for _ in range(rng.randint(1, 3))}),
                         "rate": ratio(rng.randint(0, 1500)), "account_rate": ratio(rng.randint(0, 3000))}
    return f


def rand_window(rng):
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    a = (rng.randint(1, 12), 0)
    a = (a[0], rng.randint(1, days[a[0] - 1]))
    b = (rng.randint(a[0], 12), 0)
    b = (b[0], rng.randint(a[1] if b[0] == a[0] else 1, days[b[0] - 1]))
    return {"from": "%02d-%02d" % a, "to": "%02d-%02d" % b}


def rand_resident_funding(rng):
    cats = [c for c in ("adult", "minor", "student") if rng.random() < 0.95]
    cats += ["in_service"] * (rng.random() < 0.1)
    whens = FLAGS + CATEGORIES
    f = {"premium": {c: yuan(rng.randint(0, 100000)) for c in cats},
         "subsidy": yuan(rng.randint(0, 100000)),
         "premium_assistance": [{"when": rng.choice(whens), "ratio": ratio(rng.randint(0, 10000))}
                                for _ in range(rng.randint(0, 4))],
         "window": rand_window(rng), "waiting_days": rng.randint(0, 120),
         "newborn_days": rng.randint(0, 120)}
    if rng.random() < 0.8:
        f["catastrophic_share"] = yuan(rng.choice([rng.randint(0, 10000), rng.randint(0, 300000)]))
    return f


def write_policies(rng, base, out):
    with open(os.path.join(base, "maoming-2020-employee.json")) as fh:
        emp = json.load(fh)
    with open(os.path.join(base, "maoming-2020-resident.json")) as fh:
        res = json.load(fh)
    made = {
        "emp-share.json": dict(emp, personal_account={"covers": "all", "family_sharing": True},
                               funding=rand_employee_funding(rng)),
        "emp-noshare.json": dict(emp, funding=rand_employee_funding(rng)),
        "res.json": dict(res, funding=rand_resident_funding(rng)),
        "res-nofunding.json": res,
        "broken.json": dict(emp, funding=dict(rand_employee_funding(rng), base_floor=0.9,
                                              base_ceiling=0.5)),
    }
    os.makedirs(out, exist_ok=True)
    for name, doc in made.items():
        with open(os.path.join(out, name), "w") as fh:
            json.dump(doc, fh, indent=1)
    return {os.path.normpath(os.path.join(out, "broken.json"))}


def rand_month(rng, y0=2016, y1=2022):
    return "%04d-%02d" % (rng.randint(y0, y1), rng.randint(1, 12))


def rand_date(rng, y0=2018, y1=2021, time=False):
    d = datetime.date(y0, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * (y1 - y0 + 1)))
    if time and rng.random() < 0.3:
        return d.isoformat() + " %02d:%02d:00" % (rng.randint(0, 23), rng.randint(0, 59))
    return d.isoformat()


def rand_episodes(rng, closed=False, n=None):
    out = []
    for _ in range(rng.randint(0, 4) if n is None else n):
        lo = rng.randint(1990 * 12, 2021 * 12)
        hi = lo + rng.randint(0, 120)
        ep = {"insutype": rng.choice(["310", "310", "310", "390"]),
              "region": rng.choice(["440900", "440900", "220100"]),
              "from": "%04d-%02d" % (lo // 12, lo % 12 + 1),
              "to": "%04d-%02d" % (hi // 12, hi % 12 + 1)}
        if not closed and rng.random() < 0.3:
            ep["to"] = None
        out.append(ep)
    if rng.random() < 0.03:
        out.append({"insutype": "310", "region": "440900", "from": "2020-13", "to": None})
    return out


def rand_flags(rng, short=False):
    pool = FLAGS + (["contribution_short"] if short else [])
    flags = [f for f in pool if rng.random() < 0.25]
    if rng.random() < 0.02:
        flags.append("veteran")
    return flags


def rand_input(rng, kind):
    emp = rng.choice(["../policies/emp-share.json"] * 8 + ["../policies/emp-noshare.json"] * 3
                     + ["../policies/broken.json", "../policies/res.json"])
    res = rng.choice(["../policies/res.json"] * 10 + ["../policies/res-nofunding.json",
                                                      "../policies/emp-share.json"])
    if kind == "employee_month":
        m = rand_month(rng, 2019, 2021)
        inp = {"month": m, "category": rng.choice(["in_service"] * 4 + ["flexible"] * 3
                                                  + ["retired"] * 2 + ["adult", "retiree"]),
               "episodes": rand_episodes(rng) + [{"insutype": "310", "region": "440900",
                                                  "from": rand_month(rng, 2015, 2019), "to": None}]
               * (rng.random() < 0.7)}
        if rng.random() < 0.5:
            inp["contributed"] = [rand_month(rng, 2019, 2021) for _ in range(rng.randint(0, 4))]
            if rng.random() < 0.2:
                inp["contributed"].append(m)
        if rng.random() < 0.9:
            fen = rng.choice([rng.randint(0, 3000000), rng.randint(0, 200000)])
            inp["wage"] = yuan(fen) if rng.random() < 0.95 else float(Decimal(fen * 10 + 5) / 1000)
        if rng.random() < 0.8:
            inp["base_share"] = rng.choice([0.6, 0.8, 1.0, 0.60001, "0.6", None, ratio(rng.randint(3000, 10000))])
        if rng.random() < 0.4:
            inp["struggling"] = rng.random() < 0.5
        inp["flags"] = rand_flags(rng, True)
        return emp, inp
    if kind == "resident_year":
        return res, {"category": rng.choice(["adult", "minor", "student"] * 3 + CATEGORIES + ["elder"]),
                     "flags": rand_flags(rng)}
    if kind == "premium_from_account":
        holder = {"psn_no": rng.choice(["P0002"] * 9 + ["P0001"]),
                  "relation": rng.choice(["spouse", "parent", "child"] * 4 + ["sibling"]),
                  "from": rand_date(rng, 2017, 2020, True),
                  "acct_balc": yuan(rng.choice([rng.randint(0, 200000), rng.randint(0, 40000)])),
                  "policy": rng.choice(["../policies/emp-share.json"] * 6
                                       + ["../policies/emp-noshare.json", "../policies/res.json"])}
        if rng.random() < 0.4:
            holder["revoked"] = rand_date(rng, 2019, 2021, True)
        return res, {"date": rand_date(rng, 2019, 2020, True),
                     "member": {"psn_no": "P0001", "category": rng.choice(["adult", "minor", "student"] * 4 + CATEGORIES + ["elder"]),
                                "flags": rand_flags(rng)}, "holder": holder}
    if kind == "bind":
        return rng.choice([emp, res]), {"holder": {"psn_no": rng.choice(["P0002"] * 5 + ["P0001"])},
                                        "member": {"psn_no": "P0001"},
                                        "relation": rng.choice(["spouse", "parent", "child"] * 3 + ["sibling", 7])}
    if kind == "benefit_start_employee":
        return emp, {"month": rand_month(rng, 2019, 2021), "episodes": rand_episodes(rng)}
    if kind == "benefit_start_resident":
        inp = {"year": 2020, "paid": rand_date(rng, 2019, 2020) if rng.random() < 0.9 else rand_date(rng, 2018, 2021),
               "category": rng.choice(CATEGORIES + ["elder"]), "flags": rand_flags(rng)}
        if rng.random() < 0.4:
            paid = day_of(inp["paid"])
            inp["brdy"] = (paid - datetime.timedelta(days=rng.randint(-5, 150))).isoformat()
        return res, inp
    return emp, {"gend": rng.choice(["1", "2", "1", "2", "9", ""]),
                 "episodes": rand_episodes(rng, closed=True, n=rng.randint(0, 6))}


def gen(args):
    rng = random.Random(args.seed)
    broken = write_policies(rng, args.base, os.path.join(args.out, "policies"))
    vdir = os.path.join(args.out, "vectors")
    os.makedirs(vdir, exist_ok=True)
    load = loader(vdir, broken)
    for i in range(args.count):
        kinds = BUILT + payment_reference.KINDS
        kind = kinds[i % len(kinds)]
        if kind in payment_reference.KINDS:
            v = {"format": "yibao-funds-vector/1", "name": "reference %d" % i, "kind": kind,
                 "input": payment_reference.rand_input(rng, kind)}
        else:
            policy, inp = rand_input(rng, kind)
            v = {"format": "yibao-funds-vector/1", "name": "reference %d" % i, "kind": kind,
                 "policy": policy, "input": inp}
        v["expect"] = to_wire(run(v, load))
        with open(os.path.join(vdir, "%05d-%s.json" % (i, kind)), "w") as fh:
            json.dump(v, fh, indent=1)


def same(expect, figures):
    if "error" in expect or "error" in figures:
        return expect.get("error") == figures.get("error")
    for k, want in expect.items():
        t, v = figures[k]
        if t == "object":
            if set(want) != set(v) or not all(same(want[c], v[c]) for c in want):
                return False
            continue
        if t == "number" and not (isinstance(want, (int, float, Decimal))
                                  and Decimal(str(want)) == v):
            return False
        if t == "number":
            continue
        if t == "money" and scaled(want, 2) != v:
            return False
        if t != "money" and want != v:
            return False
    return True


def selftest(files):
    checked = 0
    for path in files:
        with open(path) as fh:
            v = json.load(fh, parse_float=Decimal)
        if v.get("format") != "yibao-funds-vector/1" or v.get("kind") not in BUILT + payment_reference.KINDS:
            continue
        got = run(v, loader(os.path.dirname(path)))
        if not same(v["expect"], got):
            print("reference disagrees with %s: %s vs %s" % (path, v["expect"], got))
            sys.exit(1)
        checked += 1
    print("funds reference: %d shipped vectors re-derived" % checked)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("selftest")
    s.add_argument("files", nargs="+")
    g = sub.add_parser("gen")
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--count", type=int, default=700)
    g.add_argument("--base", required=True)
    g.add_argument("--out", required=True)
    a = p.parse_args()
    selftest(a.files) if a.cmd == "selftest" else gen(a)


if __name__ == "__main__":
    main()
