#!/usr/bin/env python3
"""restrict_labels.py: the catalog's other restrictions (levels, settings,
units a day and a bill, indications, exclusive pairs; docs/RULES.md "The
catalog's restrictions") laid on a city's catalog after its bills were
settled, and the labels of what they make wrong, computed here from the
bills, the institutions and the catalog, independently of yibao's rules
(docs/SUPERVISION.md "The catalog's other restrictions": a catalog changed
later, measured with scripts/scan_quality.py).

    python3 scripts/restrict_labels.py catalog CATALOG.json BILLS.jsonl [--items N] >NEW.json
        NEW.json: CATALOG.json with the N most billed items of each family
        restricted (default 20 a family; each item in one family only):
        levels [2, 3]; settings ["inpatient"]; max_units_day 3;
        max_units_bill 10; diagnoses ["E10", "E11", "I10"] (and the
        special outpatients' most billed item to its special disease's
        prefix, which only the spec_dise_codg meets); N/2 exclusive pairs

    python3 scripts/restrict_labels.py labels NEW.json INSTITUTIONS.csv BILLS.jsonl >LABELS.jsonl
        one label a kind, item (a pair: the item that completes it) and
        bill, in the labels' shape (kind, msgid, psn_no, item, note)

Every bill of BILLS.jsonl is taken as settled (generated cities settle every
bill; check the settle summary)."""
import collections
import csv
import datetime
import json
import sys
from decimal import Decimal

LEVELS = {"township": 0, "level1": 1, "level2": 2, "level3": 3, "pharmacy": 4, "none": 4}
SETTING = {"11": "outpatient", "14": "outpatient", "21": "inpatient", "41": "pharmacy"}


def bills(path):
    with open(path) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def make_catalog(cat_path, bills_path, n):
    cat = json.load(open(cat_path))
    count = collections.Counter()
    spec = collections.Counter()
    for b in bills(bills_path):
        for d in b["details"]:
            count[d["med_list_codg"]] += 1
            if b["med_type"] == "14" and b.get("spec_dise_codg"):
                spec[(d["med_list_codg"], b["spec_dise_codg"][:4])] += 1
    items = cat["items"]
    free = [c for c, _ in count.most_common() if c in items and "restrict" not in items[c]]
    fams = [("levels", [2, 3]), ("settings", ["inpatient"]), ("max_units_day", 3),
            ("max_units_bill", 10), ("diagnoses", ["E10", "E11", "I10"])]
    taken = set()
    for (spec_item, prefix), _ in spec.most_common(1):
        items[spec_item]["restrict"] = {"diagnoses": [prefix]}
        taken.add(spec_item)
    free = [c for c in free if c not in taken]
    for k, (key, value) in enumerate(fams):
        for c in free[k * n:(k + 1) * n]:
            items[c]["restrict"] = {key: value}
    rest = free[len(fams) * n:len(fams) * n + n]
    for a, b in zip(rest[0::2], rest[1::2]):
        items[a]["restrict"] = {"exclusive": [b]}
    json.dump(cat, sys.stdout, ensure_ascii=False, indent=0)
    print()


def units(x):
    return int(Decimal(str(x)) * 10000)


def day(t):
    return datetime.date.fromisoformat(t[:10])


def bill_labels(b, level, restr, pairs):
    """The labels of one bill: {(kind, item): note}, in line order."""
    out = {}
    lines = b["details"]
    setting = SETTING.get(b["med_type"])
    days = max(1, (day(b["endtime"]) - day(b["begntime"])).days)
    total = collections.Counter()
    for d in lines:
        total[d["med_list_codg"]] += units(d["cnt"])
    seen = []
    for d in lines:
        code = d["med_list_codg"]
        r = restr.get(code, {})
        if "levels" in r and level not in r["levels"]:
            out.setdefault(("level_restricted", code), "level %d" % level)
        if "settings" in r and setting not in r["settings"]:
            out.setdefault(("setting_restricted", code), setting)
        if "max_units_day" in r and total[code] // days > units(r["max_units_day"]):
            out.setdefault(("units_day_restricted", code), "units a day")
        if "max_units_bill" in r and total[code] > units(r["max_units_bill"]):
            out.setdefault(("units_bill_restricted", code), "units a bill")
        if "diagnoses" in r:
            dx = [b.get("dise_codg", ""), b.get("spec_dise_codg") or ""]
            if not any(x and x.startswith(p) for x in dx for p in r["diagnoses"]):
                out.setdefault(("indication_restricted", code), dx[0])
        for other in pairs.get(code, ()):  # completes a pair named earlier in the bill
            pair = tuple(sorted((code, other)))
            if other in seen and ("exclusive_restricted", pair) not in out:
                out[("exclusive_restricted", pair)] = code
        seen.append(code)
    return out


def labels(cat_path, inst_path, bills_path):
    cat = json.load(open(cat_path))["items"]
    restr = {c: it["restrict"] for c, it in cat.items() if "restrict" in it}
    pairs = collections.defaultdict(set)
    for c, r in restr.items():
        for o in r.get("exclusive", []):
            pairs[c].add(o)
            pairs[o].add(c)
    level = {r["fixmedins_code"]: LEVELS.get(r["level"], 4) for r in csv.DictReader(open(inst_path))}
    for b in bills(bills_path):
        for (kind, key), note in bill_labels(b, level.get(b["fixmedins_code"], 4), restr,
                                             pairs).items():
            item = note if kind == "exclusive_restricted" else key
            print(json.dumps({"kind": kind, "msgid": [b["msgid"]], "psn_no": b["psn_no"],
                              "item": item, "note": "%s: %s" % (kind, note)}))


def main(argv):
    if len(argv) >= 3 and argv[0] == "catalog":
        n = int(argv[argv.index("--items") + 1]) if "--items" in argv else 20
        return make_catalog(argv[1], argv[2], n) or 0
    if len(argv) == 4 and argv[0] == "labels":
        return labels(argv[1], argv[2], argv[3]) or 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
