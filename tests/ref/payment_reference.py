"""payment_reference.py: an independent model of shared/spec/FUNDS.md §6-§8
and their §9 kinds (budget_settlement, quota_adjustment, dip_settlement,
capitation, payment_run, year_end_payment, months_of_support, ratios),
written from the spec text, not from the C code; used by funds_reference.py.

Money in integer fen, ratios in basis points; DIP points as Python
Fractions (exact rationals), the budget shared by the largest remainder
method on them. Figures are (type, value): "money" (fen), "count",
"number" (a Decimal compared as a number), "null", "string", "object" (a
dict of figures, for dip_settlement's institutions).
"""
import datetime
from decimal import Decimal
from fractions import Fraction

KINDS = ["budget_settlement", "quota_adjustment", "dip_settlement", "capitation",
         "payment_run", "year_end_payment", "months_of_support", "ratios"]

MONEY_FIELDS = ["medfee_sumamt", "inscp_scp_amt", "hifp_pay", "hifob_pay", "hifmi_pay",
                "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "acct_mulaid_pay",
                "psn_cash_pay"]


class Answer(Exception):
    """An error code: the first failing check."""


def mul(x, r):
    return (x * r + 5000) // 10000


def _scaled(v, decimals, lo=None, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return None
    d = Decimal(str(v)).scaleb(decimals)
    if d != d.to_integral_value():
        return None
    n = int(d)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        return None
    return n


def money(v, signed=False):
    n = _scaled(v, 2, -10 ** 12 if signed else 0, 10 ** 12)
    if n is None:
        raise Answer("E_BAD_AMOUNT")
    return n


def ratio(v, hi_bp=10000):
    n = _scaled(v, 4, 0, hi_bp)
    if n is None:
        raise Answer("E_BAD_AMOUNT")
    return n


def count(v, lo=0, hi=10 ** 12):
    n = _scaled(v, 0, lo, hi)
    if n is None:
        raise Answer("E_BAD_AMOUNT")
    return n


def boolean(v, default=None):
    if v is None and default is not None:
        return default
    if not isinstance(v, bool):
        raise Answer("E_BAD_AMOUNT")
    return v


def text(v):
    if not isinstance(v, str):
        raise Answer("E_BAD_AMOUNT")
    return v


def when(v, allow_time):
    try:
        assert isinstance(v, str) and (len(v) == 10 or (allow_time and len(v) == 19))
        fmt = "%Y-%m-%d" if len(v) == 10 else "%Y-%m-%d %H:%M:%S"
        t = datetime.datetime.strptime(v, fmt)
        assert t.strftime(fmt) == v and 1900 <= t.year <= 9800
        return t
    except (AssertionError, ValueError):
        raise Answer("E_BAD_DATES")


def month_of(v):
    try:
        assert isinstance(v, str) and len(v) == 7 and v[4] == "-"
        assert v[:4].isdigit() and v[5:].isdigit()
        y, m = int(v[:4]), int(v[5:])
        assert 1 <= m <= 12 and 1900 <= y <= 9800
        return y, m
    except (AssertionError, ValueError):
        raise Answer("E_BAD_DATES")


def settlement(s):
    """A §9 settlement record, its fields checked in the order §9 lists them."""
    if not isinstance(s, dict):
        raise Answer("E_BAD_AMOUNT")
    out = {k: text(s.get(k)) for k in ["setl_id", "psn_no", "med_type", "dise_codg"]}
    out["setl_time"] = when(s.get("setl_time"), True)
    out["revoked"] = boolean(s.get("revoked"), False)
    for k in MONEY_FIELDS:
        out[k] = money(s.get(k))
    return out


def settlements(v):
    if not isinstance(v, list):
        raise Answer("E_BAD_AMOUNT")
    return [settlement(s) for s in v]


def quotas_of(v):
    if not isinstance(v, dict):
        raise Answer("E_BAD_AMOUNT")
    return {k: money(q) for k, q in v.items()}


def longest(code, prefixes):
    best = None
    for p in prefixes:
        if code.startswith(p) and (best is None or len(p) > len(best)):
            best = p
    return best


def live(ss):
    return [s for s in ss if not s["revoked"]]


def inpatient(s):
    return s["med_type"] == "21" and not s["revoked"]


# ---- §6b, §6a ---------------------------------------------------------------

def split_quota(quotas, joined, ss):
    """(quota cases as (settlement, quota_fund), the other live settlements)."""
    cases, rest = [], []
    for s in live(ss):
        p = longest(s["dise_codg"], quotas) if joined and quotas and inpatient(s) else None
        if p is None:
            rest.append(s)
            continue
        paid = s["psn_part_amt"] + s["hifob_pay"] + s["hifmi_pay"] + s["maf_pay"]
        cases.append((s, max(0, quotas[p] - paid)))
    return cases, rest


def quota_adjustment(inp):
    quotas = quotas_of(inp.get("quotas"))
    joined = boolean(inp.get("joined"))
    ss = settlements(inp.get("settlements"))
    cases, rest = split_quota(quotas, joined, ss)
    return {"cases": ("count", len(cases)),
            "adjustment": ("money", sum(qf - s["hifp_pay"] for s, qf in cases)),
            "F_rest": ("money", sum(s["hifp_pay"] for s in rest))}


def budget_settlement(inp):
    budget = money(inp.get("budget"))
    s_c, k_s = ratio(inp.get("savings_corridor")), ratio(inp.get("savings_share"))
    o_c, k_o = ratio(inp.get("overspend_corridor")), ratio(inp.get("overspend_share"))
    ss = settlements(inp.get("settlements"))
    quotas = quotas_of(inp["quotas"]) if "quotas" in inp else {}
    _, rest = split_quota(quotas, True, ss)
    f = sum(s["hifp_pay"] for s in rest)
    reward = shared = 0
    if f <= budget:
        reward = mul(min(budget - f, mul(budget, s_c)), k_s)
        due = f + reward
    else:
        shared = mul(min(f - budget, mul(budget, o_c)), k_o)
        due = budget + shared
    return {"F": ("money", f), "reward": ("money", reward), "shared": ("money", shared),
            "due": ("money", due), "adjustment": ("money", due - f)}


# ---- §6c ---------------------------------------------------------------------

def groups_of(v):
    if not isinstance(v, dict):
        raise Answer("E_BAD_AMOUNT")
    out = {}
    for k, g in v.items():
        if not isinstance(g, dict):
            raise Answer("E_BAD_AMOUNT")
        pts = _scaled(g.get("points"), 4, 1)
        if pts is None:
            raise Answer("E_BAD_AMOUNT")
        avg = money(g.get("avg_cost"))
        if avg == 0:
            raise Answer("E_BAD_AMOUNT")
        out[k] = (Fraction(pts, 10000), avg)
    return out


def case_points(points, avg, cost):
    if cost > 2 * avg:
        return points * (Fraction(cost, avg) - 1)
    if cost < Fraction(avg, 2):
        return points * Fraction(cost, avg)
    return points


def dip_settlement(inp):
    budget = money(inp.get("budget"))
    coeffs = inp.get("coefficients")
    if not isinstance(coeffs, dict):
        raise Answer("E_BAD_AMOUNT")
    coeffs = {k: Fraction(ratio(c, 100000), 10000) for k, c in coeffs.items()}
    groups = groups_of(inp.get("groups"))
    quotas = quotas_of(inp["quotas"]) if "quotas" in inp else {}
    insts = inp.get("institutions")
    if not isinstance(insts, list):
        raise Answer("E_BAD_AMOUNT")
    parsed = []
    for i in insts:
        if not isinstance(i, dict):
            raise Answer("E_BAD_AMOUNT")
        code, level = text(i.get("fixmedins_code")), text(i.get("level"))
        joined = boolean(i.get("quota_joined"), False)
        parsed.append((code, level, joined, settlements(i.get("settlements"))))
    if "*" not in groups:
        raise Answer("E_POLICY")
    points, fs = {}, {}
    for code, level, joined, ss in parsed:
        _, rest = split_quota(quotas, joined, ss)
        cases = [s for s in rest if inpatient(s)]
        if cases and level not in coeffs:
            raise Answer("E_POLICY")
        p = Fraction(0)
        for s in cases:
            g = longest(s["dise_codg"], [k for k in groups if k != "*"]) or "*"
            p += case_points(groups[g][0], groups[g][1], s["medfee_sumamt"])
        points[code] = p * coeffs[level] if cases else Fraction(0)
        fs[code] = sum(s["hifp_pay"] for s in cases)
    total = sum(points.values())
    due = {c: 0 for c in points}
    if total > 0:
        shares = {c: budget * p / total for c, p in points.items()}
        due = {c: int(sh) for c, sh in shares.items()}
        left = budget - sum(due.values())
        order = sorted(points, key=lambda c: (-(shares[c] - due[c]), c))
        for c in order[:left]:
            due[c] += 1
    out = {c: {"F": ("money", fs[c]), "due": ("money", due[c]),
               "adjustment": ("money", due[c] - fs[c])} for c in points}
    return {"institutions": ("object", out)}


# ---- §6d, §7 -----------------------------------------------------------------

def capitation(inp):
    year = count(inp.get("year"), 1900, 9800)
    rate = money(inp.get("rate"))
    signed = inp.get("signed")
    if not isinstance(signed, list):
        raise Answer("E_BAD_DATES")
    spans = []
    for sg in signed:
        if not isinstance(sg, dict) or not isinstance(sg.get("psn_no"), str) or "to" not in sg:
            raise Answer("E_BAD_DATES")
        a = when(sg.get("from"), False).date()
        b = None if sg["to"] is None else when(sg["to"], False).date()
        if b is not None and b < a:
            raise Answer("E_BAD_DATES")
        spans.append((sg["psn_no"], a, b))
    ss = settlements(inp.get("settlements"))

    def on(psn, day):
        return any(p == psn and a <= day and (b is None or day <= b) for p, a, b in spans)

    persons = {p for p, _, _ in spans}
    months = sum(1 for m in range(1, 13) for p in persons
                 if on(p, datetime.date(year, m, 1)))
    covered = sum(s["hifp_pay"] for s in live(ss)
                  if s["med_type"] == "11" and s["setl_time"].year == year
                  and on(s["psn_no"], s["setl_time"].date()))
    return {"months": ("count", months), "capitation": ("money", rate * months),
            "covered": ("money", covered), "adjustment": ("money", rate * months - covered)}


def payment_run(inp):
    y, m = month_of(inp.get("month"))
    rate = ratio(inp["withhold_rate"]) if "withhold_rate" in inp else 0
    ss = settlements(inp.get("settlements"))
    p = sum(s["fund_pay_sumamt"] + s["acct_pay"] + s["acct_mulaid_pay"] for s in live(ss)
            if (s["setl_time"].year, s["setl_time"].month) == (y, m))
    w = mul(p, rate)
    return {"payable": ("money", p), "withhold": ("money", w), "paid": ("money", p - w)}


def year_end_payment(inp):
    deposit, sanctions = money(inp.get("deposit")), money(inp.get("sanctions"))
    adjustment = money(inp.get("adjustment"), signed=True)
    released = max(0, deposit - sanctions)
    return {"released": ("money", released), "paid": ("money", adjustment + released)}


# ---- §8 ----------------------------------------------------------------------

def half_up(fr, decimals):
    """A non-negative Fraction rounded half-up to `decimals`, as a Decimal."""
    scaled = fr * 10 ** decimals
    n = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(n).scaleb(-decimals)


def months_of_support(inp):
    balance, spending = money(inp.get("balance")), money(inp.get("spending_12m"))
    if spending == 0:
        return {"months": ("string", "\u221e")}
    return {"months": ("number", half_up(Fraction(balance) / (Fraction(spending) / 12), 1))}


def percent(num, den):
    return ("null", None) if den == 0 else ("number", half_up(Fraction(num * 100, den), 2))


def ratios(inp):
    ss = live(settlements(inp.get("settlements")))
    enrolled, should = count(inp.get("enrolled")), count(inp.get("should_insure"))
    fund = sum(s["fund_pay_sumamt"] for s in ss)
    return {"policy_scope_ratio": percent(fund, sum(s["inscp_scp_amt"] for s in ss)),
            "actual_ratio": percent(fund, sum(s["medfee_sumamt"] for s in ss)),
            "participation_rate": percent(enrolled, should)}


def run(vector):
    try:
        return globals()[vector["kind"]](vector["input"])
    except Answer as a:
        return {"error": a.args[0]}


# ---- random vectors ----------------------------------------------------------

def yuan(fen):
    return float(Decimal(fen) / 100)


def rand_settlement(rng, year=2020, psns=5, month=None):
    med = rng.choice(["11", "11", "21", "21", "14"])
    cost = rng.randint(0, 12000000 if med == "21" else 300000)
    inscp = rng.randint(0, cost)
    hifp = rng.randint(0, inscp)
    hifob, hifmi, maf = rng.choice([0, 0, rng.randint(0, 5000)]), 0, 0
    fund = hifp + hifob + hifmi + maf
    part = max(0, cost - fund)
    acct = rng.randint(0, part)
    mulaid = rng.randint(0, part - acct)
    m = month or rng.randint(1, 12)
    t = datetime.datetime(year, m, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
    if rng.random() < 0.05:
        t = datetime.datetime(year + rng.choice([-1, 1]), m, 1, 0, 0)
    return {"setl_id": "S%04d" % rng.randint(0, 9999), "psn_no": "P%04d" % rng.randint(1, psns),
            "med_type": med,
            "dise_codg": rng.choice(["C34.1", "C34.9", "K35.8", "I63.9", "I63.1", "J18.0",
                                     "N18.5", "E11.9", "J06.9"]),
            "setl_time": t.strftime("%Y-%m-%d %H:%M:%S"),
            "medfee_sumamt": yuan(cost), "inscp_scp_amt": yuan(inscp), "hifp_pay": yuan(hifp),
            "hifob_pay": yuan(hifob), "hifmi_pay": yuan(hifmi), "maf_pay": yuan(maf),
            "fund_pay_sumamt": yuan(fund), "psn_part_amt": yuan(part), "acct_pay": yuan(acct),
            "acct_mulaid_pay": yuan(mulaid), "psn_cash_pay": yuan(part - acct - mulaid),
            "revoked": rng.random() < 0.15}


def rand_settlements(rng, n=None, **kw):
    return [rand_settlement(rng, **kw) for _ in range(rng.randint(0, 10) if n is None else n)]


def rand_quotas(rng):
    prefixes = rng.sample(["C34", "C34.9", "K35", "K35.8", "I63", "N18"], rng.randint(1, 4))
    return {p: float(rng.randint(500, 60000)) for p in prefixes}


def rand_ratio(rng, hi=10000):
    return float(Decimal(rng.randint(0, hi)) / 10000)


def break_one(rng, inp):
    """One defect the spec defines an answer for: a number or a date."""
    keys = [k for k, v in inp.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    lists = [k for k, v in inp.items() if isinstance(v, list) and v and isinstance(v[0], dict)
             and "setl_time" in v[0]]
    r = rng.random()
    if keys and r < 0.5:
        k = rng.choice(keys)
        inp[k] = rng.choice([-1.5, 1.005, "12", 12.345]) if k != "adjustment" else 1.005
    elif lists:
        s = rng.choice(inp[rng.choice(lists)])
        if r < 0.75:
            s[rng.choice(MONEY_FIELDS)] = rng.choice([-0.01, 0.001, None])
        else:
            s["setl_time"] = rng.choice(["2020-02-30 10:00:00", "2020/01/01", None])
    return inp


def rand_input(rng, kind):
    y = rng.choice([2020, 2021, 2024])
    if kind == "budget_settlement":
        inp = {"budget": float(rng.randint(0, 30000000)) / 100,
               "savings_corridor": rand_ratio(rng, 3000), "savings_share": rand_ratio(rng),
               "overspend_corridor": rand_ratio(rng, 3000), "overspend_share": rand_ratio(rng),
               "settlements": rand_settlements(rng)}
        if rng.random() < 0.5:
            inp["quotas"] = rand_quotas(rng)
        if rng.random() < 0.3:  # F near the budget: the branches' edge
            inp["budget"] = yuan(sum(Decimal(str(s["hifp_pay"])) * 100 for s in
                                     inp["settlements"] if not s["revoked"]) + rng.randint(-1, 1))
    elif kind == "quota_adjustment":
        inp = {"quotas": rand_quotas(rng), "joined": rng.random() < 0.8,
               "settlements": rand_settlements(rng)}
    elif kind == "dip_settlement":
        groups = {p: {"points": float(Decimal(rng.randint(1, 30000000)) / 10000),
                      "avg_cost": yuan(rng.randint(1, 6000000))}
                  for p in rng.sample(["C34", "C34.9", "K35", "I63", "I63.9", "J18", "E11"],
                                      rng.randint(1, 5))}
        if rng.random() < 0.95:
            groups["*"] = {"points": float(rng.randint(1, 300)), "avg_cost": yuan(rng.randint(1, 900000))}
        levels = ["township", "level1", "level2", "level3"]
        coeffs = {lv: rand_ratio(rng, 20000) for lv in levels if rng.random() < 0.95}
        codes = rng.sample(["H1", "H2", "H12", "H3", "H9", "H10"], rng.randint(1, 5))
        inp = {"budget": yuan(rng.randint(0, 900000000)), "coefficients": coeffs, "groups": groups,
               "institutions": [{"fixmedins_code": c, "level": rng.choice(levels),
                                 "quota_joined": rng.random() < 0.3,
                                 "settlements": rand_settlements(rng, year=y)} for c in codes]}
        if rng.random() < 0.4:
            inp["quotas"] = rand_quotas(rng)
    elif kind == "capitation":
        def day(lo, hi):
            d = datetime.date(lo, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * (hi - lo)))
            return d.isoformat() if rng.random() < 0.7 else d.replace(day=1).isoformat()
        signed = []
        for _ in range(rng.randint(0, 6)):
            a = day(y - 1, y + 1)
            b = None if rng.random() < 0.4 else max(a, day(y - 1, y + 2))
            signed.append({"psn_no": "P%04d" % rng.randint(1, 5), "from": a, "to": b})
        inp = {"year": y, "rate": float(rng.choice([3.5, 5, 5.5, 10, 12.34])), "signed": signed,
               "settlements": rand_settlements(rng, year=y)}
    elif kind == "payment_run":
        m = rng.randint(1, 12)
        inp = {"month": "%04d-%02d" % (y, m),
               "settlements": rand_settlements(rng, year=y, month=m) + rand_settlements(rng, year=y)}
        if rng.random() < 0.8:
            inp["withhold_rate"] = rand_ratio(rng, 1500)
    elif kind == "year_end_payment":
        inp = {"deposit": yuan(rng.randint(0, 9000000)), "sanctions": yuan(rng.randint(0, 9000000)),
               "adjustment": yuan(rng.randint(-9000000, 9000000))}
    elif kind == "months_of_support":
        spend = rng.choice([0, rng.randint(1, 10 ** 11), rng.randint(1, 1000)])
        inp = {"balance": yuan(rng.randint(0, 10 ** 12)), "spending_12m": yuan(spend)}
    else:
        should = rng.choice([0, rng.randint(1, 10 ** 7)])
        inp = {"settlements": rand_settlements(rng),
               "enrolled": rng.randint(0, should) if should else 0, "should_insure": should}
    return break_one(rng, inp) if rng.random() < 0.12 else inp
