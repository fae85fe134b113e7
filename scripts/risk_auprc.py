#!/usr/bin/env python3
"""risk_auprc.py: the risk ranking's AUPRC against a labelled city
(issue 18, item 6; docs/SUPERVISION.md "Indicators and the risk ranking").

    risk_auprc.py LABELS.jsonl BILLS.jsonl RANK.json [--k K ...] [--markdown NAME]
        [--institutions]   positives: the irregular_institution labels'
                           institutions (tests/plant_foreign.py --institutions)

RANK.json is `yibao supervise rank --format json` (institutions, every row:
no --top). An institution is *positive* when at least K distinct bills of
its (by the bills file's fixmedins_code) are named in a label's msgid list
(every kind with bills; duplicate enrolments name none). Each ranking is
scored by its average precision (the area under the precision-recall
curve, step-wise: the mean over the positives of the precision at each
one's rank):

  ranking    the order of RANK.json (the score);
  baseline   cost per case alone: the cost index (cost per case against
             the level's medians), highest first;
  indicators the score without the scan's findings (cost index,
             readmissions, class C and non-medical terms only);
  random     the expected AP of a random order (the positives' share).

Ties are broken by the code (ascending), as the ranking's own. Reads only
what it is given; prints one line per K (or a markdown row with --markdown).
"""
import json
import sys

INDICATOR_TERMS = ("cost_index", "readmission", "class_c", "non_medical")


def average_precision(order, positive):
    hits, total = 0, 0.0
    for i, code in enumerate(order, 1):
        if code in positive:
            hits += 1
            total += hits / i
    return total / len(positive) if positive else float("nan")


def main(argv):
    ks, markdown, files, by_inst = [], None, [], False
    i = 0
    while i < len(argv):
        if argv[i] == "--k":
            ks.append(int(argv[i + 1]))
            i += 2
        elif argv[i] == "--institutions":
            by_inst = True
            i += 1
        elif argv[i] == "--markdown":
            markdown = argv[i + 1]
            i += 2
        else:
            files.append(argv[i])
            i += 1
    if len(files) != 3 or any(k < 1 for k in ks):
        sys.exit(__doc__)
    ks = ks or [5]
    labels_path, bills_path, rank_path = files
    inst_of = {}
    with open(bills_path) as f:
        for line in f:
            b = json.loads(line)
            inst_of[b["msgid"]] = b["fixmedins_code"]
    labelled, irregular = {}, set()
    with open(labels_path) as f:
        for line in f:
            d = json.loads(line)
            if d["kind"] == "irregular_institution":
                irregular.add(d["fixmedins_code"])
            for m in d.get("msgid", []):
                labelled.setdefault(inst_of[m], set()).add(m)
    with open(rank_path) as f:
        rank = json.load(f)
    rows = rank["ranking"]
    order = [r["fixmedins_code"] for r in rows]
    terms = {r["fixmedins_code"]: {c["term"]: c for c in r["contributions"]} for r in rows}
    base = sorted(order, key=lambda c: (-terms[c]["cost_index"]["value"], c))
    ind = sorted(order, key=lambda c: (-sum(terms[c][t]["points"] for t in INDICATOR_TERMS), c))
    for k in [0] if by_inst else ks:
        pos = irregular if by_inst else {c for c in order if len(labelled.get(c, ())) >= k}
        ap = [average_precision(o, pos) for o in (order, base, ind)]
        rnd = len(pos) / len(order) if order else float("nan")
        if markdown:
            print("| %s | %d | %d / %d | %.3f | %.3f | %.3f | %.3f |"
                  % (markdown, k, len(pos), len(order), ap[0], ap[1], ap[2], rnd))
        else:
            print("k=%d positives %d of %d: ranking %.3f baseline %.3f indicators %.3f random %.3f"
                  % (k, len(pos), len(order), ap[0], ap[1], ap[2], rnd))


if __name__ == "__main__":
    main(sys.argv[1:])
