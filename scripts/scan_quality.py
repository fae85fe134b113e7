#!/usr/bin/env python3
"""scan_quality.py: precision and recall of `yibao supervise scan` findings
against a city's labels.jsonl, per kind (issue 18, item 6; docs/SUPERVISION.md).

    python3 scripts/scan_quality.py LABELS.jsonl FINDINGS.jsonl [--markdown]
        [--kinds k1,k2 --min 0.99]    exit 1 when a listed kind is below --min
        [--clean CLEAN_BILLS PLANTED_BILLS]

A finding matches a label of the same kind with the same msgid list (in
order), psn_no, and item (item kinds) or psn_no_dup and certno
(duplicate_enrolment). A kind with no label and no finding has no figure
("-"); precision with no finding and recall with no label are "-" too.
A visit_during_stay matches on its visit (the second msgid) unless --strict.
With --only-catalog, restricted-item labels whose restriction exists only in
the label (note "not in the catalog") are left out: no platform could see
them.
With --clean CLEAN_BILLS PLANTED_BILLS (the bills.jsonl of a city before
and after another program planted into it: tests/plant_foreign.py), a
finding without a label whose bills are all byte for byte in CLEAN_BILLS,
or whose line (item and units) was in that bill there (lines the planter
never touched: the generator's own data) is counted
apart, as "untouched", and left out of the precision; the raw precision
is printed beside it.
With --persons PERSONS.csv, the age_restricted disagreements (findings
without a label, labels without a finding) are checked against the ages on
1 January that the generator uses: how many the person's birthday passed
between 1 January and the bill explains (the scan takes the age on the
bill's date)."""
import csv
import json
import sys

KINDS = ["split_admission", "overlapping_stays", "visit_during_stay", "gender_restricted",
         "age_restricted", "duplicate_charge", "non_medical_goods", "duplicate_enrolment",
         "over_quantity", "substitution", "level_restricted", "setting_restricted",
         "units_day_restricted", "units_bill_restricted", "indication_restricted",
         "exclusive_restricted"]


STRICT = "--strict" in sys.argv


def key(d):
    k = d["kind"]
    base = (k, tuple(d["msgid"]), d["psn_no"])
    if k == "visit_during_stay" and not STRICT:
        # the irregular bill is the visit: a visit inside two overlapping stays is
        # one finding, and which of the two stays a label names is the planter's
        # choice, not something the bills show (docs/SUPERVISION.md)
        base = (k, tuple(d["msgid"][1:]), d["psn_no"])
    if k == "duplicate_enrolment":
        return base + (d.get("psn_no_dup"), d.get("certno"))
    if "item" in d:
        return base + (d["item"],)
    return base


def load(path, only_catalog=False, keep=None):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            if only_catalog and "not in the catalog" in d.get("note", ""):
                continue
            out.setdefault(d["kind"], set()).add(key(d))
            if keep is not None:
                keep[key(d)] = d
    return out


def untouched_keys(clean_path, planted_path, findings):
    """Keys of the findings on what the clean city had: every bill unchanged,
    or, for a one-bill finding naming an item, that bill's line of the item
    as it was (same code and units: the planter changed other lines)."""
    def lines(path):
        out = {}
        for line in open(path):
            out[json.loads(line)["msgid"]] = line
        return out
    clean, planted = lines(clean_path), lines(planted_path)

    def same_line(d):
        if len(d["msgid"]) != 1 or "item" not in d or d["msgid"][0] not in clean:
            return False
        was = json.loads(clean[d["msgid"][0]], parse_float=str, parse_int=str)
        return any(x["med_list_codg"] == d["item"] and
                   ("cnt" not in d or float(x["cnt"]) == float(d["cnt"])) for x in was["details"])
    return {k for k, d in findings.items() if d["msgid"] and (
        all(m in clean and clean[m] == planted.get(m) for m in d["msgid"]) or same_line(d))}


def ratio(a, b):
    return None if b == 0 else a / b


def fmt(x):
    return "-" if x is None else "%.4f" % x


def age_explain(labels_path, findings_path, persons_path):
    born = {r["psn_no"]: r["brdy"] for r in csv.DictReader(open(persons_path))}

    def key(x):
        return (tuple(x["msgid"]), x["item"])

    def of(path):
        return {key(x): x for x in map(json.loads, open(path)) if x["kind"] == "age_restricted"}

    labels, found = of(labels_path), of(findings_path)
    explained = total = 0
    for k in (found.keys() - labels.keys()) | (labels.keys() - found.keys()):
        total += 1
        if k in labels:  # missed: the label's note ends with the generator's age
            x = labels[k]
            age_jan1 = int(x["note"].rsplit(" ", 1)[-1])
        else:  # extra: full years on 1 January of the bill's year
            x = found[k]
            b = born[x["psn_no"]]
            age_jan1 = int(x["evidence"]["endtime"][:4]) - int(b[:4]) - (b[5:] != "01-01")
        r = x["restrict"]
        inside = r["age_min"] <= age_jan1 <= r["age_max"]
        explained += (k in found) == inside
    print("age_restricted: %d disagreements, %d explained by a birthday between 1 January"
          " and the bill" % (total, explained))


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = {}
    i = 0
    while i < len(argv):
        if argv[i] == "--clean":
            opts["--clean"] = (argv[i + 1], argv[i + 2])
            args.remove(argv[i + 1])
            args.remove(argv[i + 2])
            i += 3
            continue
        if argv[i] in ("--kinds", "--min", "--persons"):
            opts[argv[i]] = argv[i + 1]
            args.remove(argv[i + 1])
            i += 2
            continue
        i += 1
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    labels = load(args[0], "--only-catalog" in argv)
    each = {}
    found = load(args[1], keep=each)
    apart = set()
    if "--clean" in opts:
        every_label = set().union(*labels.values()) if labels else set()
        apart = untouched_keys(*opts["--clean"], {k: d for k, d in each.items() if k not in every_label})
    rows = []
    for k in KINDS:
        l, f = labels.get(k, set()), found.get(k, set())
        tp = len(l & f)
        u = len(f & apart)
        rows.append((k, len(l), len(f), tp, ratio(tp, len(f) - u), ratio(tp, len(l)), u,
                     ratio(tp, len(f))))
    md = "--markdown" in argv
    clean = "--clean" in opts
    if md:
        print("| kind | labels | findings | matched |%s precision | recall |" %
              (" untouched | raw precision |" if clean else ""))
        print("|---|---:|---:|---:|%s---:|---:|" % ("---:|---:|" if clean else ""))
    for r in rows:
        extra = ""
        if md:
            if clean:
                extra = " %d | %s |" % (r[6], fmt(r[7]))
            print("| %s | %d | %d | %d |%s %s | %s |" % (r[0], r[1], r[2], r[3], extra, fmt(r[4]),
                                                       fmt(r[5])))
        else:
            if clean:
                extra = " untouched %4d (raw precision %s)" % (r[6], fmt(r[7]))
            print("%-20s labels %6d findings %6d matched %6d precision %s recall %s%s" %
                  (r[0], r[1], r[2], r[3], fmt(r[4]), fmt(r[5]), extra))
    if "--persons" in opts:
        age_explain(args[0], args[1], opts["--persons"])
    bad = 0
    if "--kinds" in opts:
        low = float(opts.get("--min", "1.0"))
        for r in rows:
            if r[0] in opts["--kinds"].split(","):
                for name, v in (("precision", r[4]), ("recall", r[5])):
                    if v is None or v < low:
                        print("scan_quality: %s %s %s below %s" % (r[0], name, fmt(v), low),
                              file=sys.stderr)
                        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
