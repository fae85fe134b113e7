#!/usr/bin/env python3
"""plant_foreign.py: plants labelled irregularities into a clean generated
city, independently of yibao's generator (issue 18, "Done when": detectors
measured on irregularities planted by code other than the generator, in the
same labels.jsonl format). docs/SUPERVISION.md "Foreign plants" says what is
planted and why.

    python3 tests/plant_foreign.py --city DIR --catalog CAT.json --out DIR2
        [--seed S] [--scale X] [--institutions N]

DIR is `yibao gen city ... --no-plants` (labels.jsonl empty); CAT the
`yibao gen catalog` file the city bills from. DIR2 gets institutions.csv
(copied), persons.csv, episodes.csv, bills.jsonl rewritten with the plants,
and labels.jsonl. --scale multiplies every kind's rate (default 1).

Written from the definitions of each kind (issue 18, docs/SUPERVISION.md,
docs/DATA_FORMATS.md, docs/ENROLMENT.md), not from src/gen: its own random
stream (Python's), its own request ids, other days, amounts, items, line
positions, persons and institutions than the generator would choose (split
admissions 0-2 or exactly 15 days apart and admissions planted *before* a
stay; nested stays and stays overlapping by hours; visits at the stay's own
hospital, on the first and last inside days and on the day a stay settled in
two parts changes part; restricted items replacing a line, in pharmacy and
inpatient bills, on the eve of a birthday; duplicate charges of any line,
before or after the first bill, in pharmacy and special bills; goods under
barcodes, several in a bill, the same twice; over-quantity by rewriting an
existing line 6-60 times the item's largest ordinary quantity; duplicate
enrolments appended far from the original row, starting within the year,
and one person enrolled in both schemes).

Each plant is kept clear of the person's other bills (no bill within 16
days of a planted or changed stay), so that a label is the only
irregularity its bills make: the labels are the truth by the definitions.
Money is Decimal from the JSON's text, never float.
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal

YEAR = 2020
FMT = "%Y-%m-%d %H:%M:%S"
CENT = Decimal("0.01")
MARGIN_DAYS = 16  # a planted stay keeps this far from the person's other bills
GOODS = ["6901234567892", "6920202888883", "6902538006100", "6917878036526",
         "6954767423574", "6921168509256", "6903148042441", "6925303721367"]


def dump(v):
    """JSON text of v with Decimals as their own text (never a float)."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, Decimal):
        return str(v)
    return json.dumps(v)


def t(s):
    return dt.datetime.fromisoformat(s)


def ts(d):
    return d.strftime(FMT)


def amount(cnt, pric):
    return (Decimal(cnt) * Decimal(pric)).quantize(CENT, rounding=ROUND_HALF_UP)


def age_on(brdy, day):
    """Full years on day; a 29 February birthday falls on 1 March in a
    common year (not reached on 28 February)."""
    by, bm, bd = (int(x) for x in brdy.split("-"))
    return day.year - by - ((day.month, day.day) < (bm, bd))


class City:
    def __init__(self, args):
        self.rng = random.Random(args.seed * 7919 + 17)
        self.scale = args.scale
        self.inst = {r["fixmedins_code"]: r for r in csv.DictReader(open(os.path.join(args.city, "institutions.csv")))}
        with open(os.path.join(args.city, "persons.csv")) as f:
            rd = csv.DictReader(f)
            self.person_cols = rd.fieldnames
            self.persons = list(rd)
        self.person = {p["psn_no"]: p for p in self.persons}
        with open(os.path.join(args.city, "episodes.csv")) as f:
            rd = csv.DictReader(f)
            self.episode_cols = rd.fieldnames
            self.episodes = list(rd)
        self.bills = []
        self.raw = {}
        with open(os.path.join(args.city, "bills.jsonl")) as f:
            for line in f:
                self.bills.append(json.loads(line, parse_float=Decimal))
                self.raw[id(self.bills[-1])] = line  # written back as read unless changed
        cat = json.load(open(args.catalog), parse_float=Decimal)["items"]
        self.catalog = cat
        self.restricted = sorted(c for c, it in cat.items() if "restrict" in it)
        self.by_person = {}
        for b in self.bills:
            self.by_person.setdefault(b["psn_no"], []).append(b)
        self.used_persons = set()  # persons given a time-based plant
        self.used_bills = set()    # bills given a line plant (by msgid)
        self.labels = []
        self.serial = 0
        self.local_hospitals = sorted(c for c, r in self.inst.items()
                                      if r["type"] == "hospital" and r["admdvs"] == "440900")
        self.pharmacies = sorted(c for c, r in self.inst.items() if r["type"] == "pharmacy")
        self.quantity_lines()

    def quantity_lines(self):
        """Each item's ordinary quantities on outpatient, special and pharmacy lines,
        and its prices seen anywhere."""
        self.qty = {}
        self.price = {}
        for b in self.bills:
            for d in b["details"]:
                self.price.setdefault(d["med_list_codg"], d["pric"])
                if b["med_type"] in ("11", "14", "41"):
                    self.qty.setdefault(d["med_list_codg"], []).append(d["cnt"])

    def msgid(self, code, when):
        self.serial += 1
        return "%s%sF%06d" % (code, when.strftime("%Y%m%d%H%M%S"), self.serial)

    def count(self, rate, of):
        return max(1, int(round(rate * self.scale * of)))

    def label(self, kind, msgids, psn_no, note, **extra):
        d = {"kind": kind, "msgid": msgids, "psn_no": psn_no}
        d.update(extra)
        d["note"] = note
        self.labels.append(d)

    # -- what a person may be billed -------------------------------------------------
    def violates(self, code, person, day):
        r = self.catalog.get(code, {}).get("restrict")
        if r is None:
            return False
        if "gender" in r and r["gender"] != person["gend"]:
            return True
        if "age_min" in r:
            a = age_on(person["brdy"], day)
            return a < r["age_min"] or a > r["age_max"]
        return False

    def lines_fit(self, lines, person, day):
        return not any(self.violates(d["med_list_codg"], person, day) for d in lines)

    def free(self, psn_no, lo, hi, keep=()):
        """No bill of the person (but those in keep) touches the dates lo..hi."""
        for b in self.by_person.get(psn_no, []):
            if b["msgid"] in keep:
                continue
            if t(b["begntime"]).date() <= hi and t(b["endtime"]).date() >= lo:
                return False
        return True

    def add_bill(self, b):
        self.bills.append(b)
        self.by_person.setdefault(b["psn_no"], []).append(b)

    def new_bill(self, like, code, begin, end, med_type, lines):
        b = {"msgid": self.msgid(code, end), "psn_no": like["psn_no"], "fixmedins_code": code,
             "med_type": med_type, "begntime": ts(begin), "endtime": ts(end),
             "dise_codg": like["dise_codg"]}
        if med_type == "14":
            b["spec_dise_codg"] = like["spec_dise_codg"]
        out = self.inst[code]["admdvs"] != "440900"
        b["out_of_area"] = out
        b["filed"] = like["filed"] if out and like["out_of_area"] else False
        b["acct_used_flag"] = like["acct_used_flag"]
        b["details"] = [dict(d, feedetl_sn=str(i + 1)) for i, d in enumerate(lines)]
        return b

    def stays(self):
        # stays admitted in the year before count too (their bills end in the year)
        return [b for b in self.bills if b["med_type"] == "21" and b["psn_no"] not in self.used_persons]

    def source_lines(self, med_type, person, day, avoid=()):
        """The lines of an ordinary bill of that med_type the person may be billed."""
        pool = [b for b in self.by_person.get(person["psn_no"], []) if b["med_type"] == med_type]
        for _ in range(40):
            b = self.rng.choice(pool) if pool and self.rng.random() < 0.7 else self.rng.choice(self.bills)
            if b["med_type"] != med_type or b["msgid"] in avoid:
                continue
            if self.lines_fit(b["details"], person, day):
                return [dict(d) for d in b["details"]]
        return None

    # -- the kinds ---------------------------------------------------------------
    def plant_split(self):
        want = self.count(0.05, len(self.stays()))
        done = 0
        for s in self.rng.sample(self.stays(), len(self.stays())):
            if done == want:
                break
            p = self.person[s["psn_no"]]
            sb, se = t(s["begntime"]), t(s["endtime"])
            gap = self.rng.choice([0, 0, 1, 2, 15])
            nights = self.rng.randint(1, 9)
            before = self.rng.random() < 0.35
            if before:  # an admission planted before the stay, discharged 0-2 days before it
                end = dt.datetime.combine(sb.date() - dt.timedelta(days=gap), dt.time(self.rng.randint(7, 11), self.rng.choice([0, 15, 40])))
                if end >= sb:
                    end = sb - dt.timedelta(minutes=self.rng.randint(30, 200))
                begin = dt.datetime.combine(end.date() - dt.timedelta(days=nights), dt.time(self.rng.randint(8, 22), 5))
                lo, hi = begin.date() - dt.timedelta(days=MARGIN_DAYS), sb.date()
            else:  # readmitted 0-2 (or 15) days after the discharge
                begin = dt.datetime.combine(se.date() + dt.timedelta(days=gap), dt.time(self.rng.randint(8, 23), self.rng.choice([10, 25, 50])))
                if begin <= se:
                    begin = se + dt.timedelta(minutes=self.rng.randint(20, 300))
                end = dt.datetime.combine(begin.date() + dt.timedelta(days=nights), dt.time(self.rng.randint(8, 16), 30))
                lo, hi = se.date(), end.date() + dt.timedelta(days=MARGIN_DAYS)
            if begin.year < YEAR - 1 or end.year != YEAR or not self.free(p["psn_no"], lo, hi, keep={s["msgid"]}):
                continue
            lines = self.rng.sample(s["details"], self.rng.randint(1, len(s["details"])))
            nb = self.new_bill(s, s["fixmedins_code"], begin, end, "21", [dict(d) for d in lines])
            self.add_bill(nb)
            first, second = (nb, s) if before else (s, nb)
            days = (t(second["begntime"]).date() - t(first["endtime"]).date()).days
            self.label("split_admission", [first["msgid"], second["msgid"]], p["psn_no"],
                       "foreign: readmitted to %s %d days after discharge, diagnosis %s"
                       % (s["fixmedins_code"], days, s["dise_codg"]))
            self.used_persons.add(p["psn_no"])
            done += 1

    def plant_overlap(self):
        want = self.count(0.03, len(self.stays()))
        done = 0
        for s in self.rng.sample(self.stays(), len(self.stays())):
            if done == want:
                break
            p = self.person[s["psn_no"]]
            sb, se = t(s["begntime"]), t(s["endtime"])
            how = self.rng.choice(["nested", "before", "hours"])
            if how == "nested":  # a stay inside the other, admitted after it and discharged before
                if (se.date() - sb.date()).days < 3:
                    continue
                begin = sb + dt.timedelta(hours=self.rng.randint(20, 30))
                end = se - dt.timedelta(hours=self.rng.randint(20, 30))
            elif how == "before":  # admitted days before, discharged during it
                begin = sb - dt.timedelta(days=self.rng.randint(1, 5), hours=self.rng.randint(1, 9))
                end = sb + (se - sb) * self.rng.choice([0.2, 0.5, 0.8])
                end = end.replace(second=0, microsecond=0)
            else:  # admitted a few hours before the other's discharge, on its last day
                begin = se - dt.timedelta(minutes=self.rng.randint(30, 240))
                if begin <= sb:
                    continue
                end = se + dt.timedelta(days=self.rng.randint(0, 6), hours=self.rng.randint(2, 8))
            begin = begin.replace(second=0, microsecond=0)
            end = end.replace(second=0, microsecond=0)
            if not (begin < se and end > sb and begin < end) or begin.year < YEAR - 1 or end.year != YEAR:
                continue
            lo = min(begin, sb).date() - dt.timedelta(days=MARGIN_DAYS)
            hi = max(end, se).date() + dt.timedelta(days=MARGIN_DAYS)
            if not self.free(p["psn_no"], lo, hi, keep={s["msgid"]}):
                continue
            # another hospital, or the same one under another diagnosis
            others = [h for h in self.inst if self.inst[h]["type"] == "hospital" and h != s["fixmedins_code"]]
            code = self.rng.choice(others) if self.rng.random() < 0.7 else s["fixmedins_code"]
            lines = self.rng.sample(s["details"], self.rng.randint(1, len(s["details"])))
            nb = self.new_bill(s, code, begin, end, "21", [dict(d) for d in lines])
            if code == s["fixmedins_code"]:
                nb["dise_codg"] = "R69" if s["dise_codg"] != "R69" else "R50.9"
            self.add_bill(nb)
            first, second = (nb, s) if end <= se else (s, nb)  # discharged first, then the other
            self.label("overlapping_stays", [first["msgid"], second["msgid"]], p["psn_no"],
                       "foreign (%s): %s %s-%s overlaps %s %s-%s" % (how, nb["fixmedins_code"], nb["begntime"],
                                                                    nb["endtime"], s["fixmedins_code"], s["begntime"], s["endtime"]))
            self.used_persons.add(p["psn_no"])
            done += 1

    def visit_at(self, s, p, day, after=None):
        """An outpatient visit at the stay's own hospital or another, or a pharmacy
        purchase, on day (after the time `after` when given)."""
        code_type = self.rng.random()
        if code_type < 0.4:
            code, mt = s["fixmedins_code"], "11"
        elif code_type < 0.6:
            code, mt = self.rng.choice(self.local_hospitals), "11"
        else:
            code, mt = self.rng.choice(self.pharmacies), "41"
        if self.rng.random() < 0.1:  # a clinic visit in another city
            code, mt = self.rng.choice([h for h in self.inst if self.inst[h]["admdvs"] != "440900"]), "11"
        lines = self.source_lines(mt, p, day)
        if lines is None:
            return None
        lo_min = 1 if after is None else after.hour * 60 + after.minute + 5
        start = self.rng.randint(lo_min, 23 * 60 + 20)
        begin = dt.datetime.combine(day, dt.time(start // 60, start % 60))
        end = begin + dt.timedelta(minutes=self.rng.randint(3, 35))
        if end.date() != day:
            end = dt.datetime.combine(day, dt.time(23, 59))
        like = dict(s, dise_codg=s["dise_codg"], out_of_area=False, filed=False)
        return self.new_bill(like, code, begin, end, mt, lines)

    def plant_visits(self):
        long = [s for s in self.stays() if (t(s["endtime"]).date() - t(s["begntime"]).date()).days >= 2]
        want = self.count(0.06, len(long))
        done = 0
        for s in self.rng.sample(long, len(long)):
            if done >= want:
                break
            p = self.person[s["psn_no"]]
            sb, se = t(s["begntime"]), t(s["endtime"])
            if not self.free(p["psn_no"], sb.date() - dt.timedelta(days=MARGIN_DAYS),
                             se.date() + dt.timedelta(days=MARGIN_DAYS), keep={s["msgid"]}):
                continue
            inside = (se.date() - sb.date()).days - 1  # days strictly inside
            first_in_year = max(1, (dt.date(YEAR, 1, 1) - sb.date()).days)
            if first_in_year > inside:
                continue
            parts = inside >= 1 and len(s["details"]) >= 2 and self.rng.random() < 0.3
            if parts:  # the stay settled in two parts; the visit on the day the part changes
                day = sb.date() + dt.timedelta(days=self.rng.randint(first_in_year, inside))
                cut = dt.datetime.combine(day, dt.time(self.rng.randint(8, 12), 0))
                k = self.rng.randint(1, len(s["details"]) - 1)
                part2 = self.new_bill(s, s["fixmedins_code"], cut, se, "21", [dict(d) for d in s["details"][k:]])
                self.changed(s)
                s["endtime"] = ts(cut)
                s["details"] = [dict(d, feedetl_sn=str(i + 1)) for i, d in enumerate(s["details"][:k])]
                self.add_bill(part2)
                v = self.visit_at(s, p, day, after=cut)
                if v is None:
                    continue  # the parts stay: a clean mid-stay settlement
                self.add_bill(v)
                self.label("visit_during_stay", [part2["msgid"], v["msgid"]], p["psn_no"],
                           "foreign: %s visit at %s on %s, the day the stay at %s settled its first part"
                           % (v["med_type"], v["fixmedins_code"], day, s["fixmedins_code"]))
                done += 1
            else:
                days = sorted({first_in_year, inside, self.rng.randint(first_in_year, inside)})
                days = days[:self.rng.randint(1, len(days))]
                for off in days:
                    day = sb.date() + dt.timedelta(days=off)
                    v = self.visit_at(s, p, day)
                    if v is None:
                        continue
                    self.add_bill(v)
                    self.label("visit_during_stay", [s["msgid"], v["msgid"]], p["psn_no"],
                               "foreign: %s visit at %s on day %d of a stay at %s"
                               % (v["med_type"], v["fixmedins_code"], off, s["fixmedins_code"]))
                    done += 1
            self.used_persons.add(p["psn_no"])

    def line_bills(self, med_types):
        return [b for b in self.bills if b["med_type"] in med_types and b["msgid"] not in self.used_bills]

    def changed(self, b):
        self.raw.pop(id(b), None)

    def put_line(self, b, line):
        """Into bill b at a random position, or in place of a random line."""
        self.changed(b)
        lines = b["details"]
        if len(lines) > 1 and self.rng.random() < 0.4:
            lines[self.rng.randrange(len(lines))] = line
        else:
            lines.insert(self.rng.randint(0, len(lines)), line)
        b["details"] = [dict(d, feedetl_sn=str(i + 1)) for i, d in enumerate(lines)]

    def plain_cnt(self, code):
        """The item's middle ordinary quantity: a line irregular for another
        reason than its units (1 for an item never billed outside stays)."""
        q = sorted(self.qty.get(code, []))
        return q[len(q) // 2] if q else 1

    def restricted_line(self, b, code):
        pric = self.price.get(code) or Decimal("%d.%02d" % (self.rng.randint(2, 90), self.rng.randint(0, 99)))
        cnt = self.plain_cnt(code)
        return {"feedetl_sn": "0", "med_list_codg": code, "cnt": cnt, "pric": pric,
                "det_item_fee_sumamt": amount(cnt, pric)}

    def plant_restricted(self):
        bills = self.line_bills(("11", "14", "21", "41"))
        want = self.count(0.004, len(bills))
        for kind, test in (("gender_restricted", lambda r: "gender" in r), ("age_restricted", lambda r: "age_min" in r)):
            items = [c for c in self.restricted if test(self.catalog[c]["restrict"])]
            done = 0
            for b in self.rng.sample(bills, len(bills)):
                if done == want:
                    break
                if b["msgid"] in self.used_bills:
                    continue
                p = self.person[b["psn_no"]]
                day = t(b["endtime"]).date()
                bad = [c for c in items if self.violates(c, p, day) and
                       all(d["med_list_codg"] != c for d in b["details"])]
                if not bad:
                    continue
                code = self.rng.choice(bad)
                self.put_line(b, self.restricted_line(b, code))
                if self.rng.random() < 0.15:  # listed twice: still one irregular item of the bill
                    self.put_line(b, self.restricted_line(b, code))
                self.used_bills.add(b["msgid"])
                r = self.catalog[code]["restrict"]
                self.label(kind, [b["msgid"]], p["psn_no"], "foreign: %s (%s) billed to a %s born %s on %s"
                           % (code, dump(r), "man" if p["gend"] == "1" else "woman", p["brdy"], day),
                           item=code, restrict=r)
                done += 1
        self.plant_birthdays()

    def plant_birthdays(self):
        """Age-restricted items on a bill on the wrong side of a birthday by a day
        or on the day itself: the restriction's age changes that day."""
        items = [c for c in self.restricted if "age_min" in self.catalog[c]["restrict"]]
        done = 0
        for p in self.rng.sample(self.persons, len(self.persons)):
            if done >= self.count(0.002, len(self.persons)) or p["brdy"][5:] == "02-29":
                continue
            bday = dt.date(YEAR, int(p["brdy"][5:7]), int(p["brdy"][8:10]))
            for b in self.by_person.get(p["psn_no"], []):
                day = t(b["endtime"]).date()
                if b["msgid"] in self.used_bills or abs((day - bday).days) > 1:
                    continue
                # the other side of the birthday: the day before it, or the day itself
                other = bday if day < bday else bday - dt.timedelta(days=1)
                bad = [c for c in items if self.violates(c, p, day) and not self.violates(c, p, other)]
                bad = [c for c in bad if all(d["med_list_codg"] != c for d in b["details"])]
                if not bad:
                    continue
                code = self.rng.choice(bad)
                self.put_line(b, self.restricted_line(b, code))
                self.used_bills.add(b["msgid"])
                self.label("age_restricted", [b["msgid"]], p["psn_no"],
                           "foreign: %s (%s) billed on %s to a person born %s (age %d that day)"
                           % (code, dump(self.catalog[code]["restrict"]), day, p["brdy"], age_on(p["brdy"], day)),
                           item=code, restrict=self.catalog[code]["restrict"])
                done += 1
                break

    def plant_leap_day(self):
        """A person born on 29 February 1960 is 59 on 28 February 2020 and 60 on
        the 29th: an item for ages 60-120 billed on the 28th is restricted, on
        the 29th it is not. A person born in 1960 is moved to that birthday
        (birth date and ID number) where none of their bills then breaks an
        age range, and billed the item on both days."""
        items = [c for c in self.restricted if self.catalog[c]["restrict"].get("age_min") == 60]
        eve, day = dt.date(YEAR, 2, 28), dt.date(YEAR, 2, 29)
        done, want = 0, max(1, int(round(self.scale)))
        certs = {}
        for p in self.persons:
            certs[p["certno"]] = certs.get(p["certno"], 0) + 1
        for p in self.rng.sample(self.persons, len(self.persons)):
            if done == want or not items:
                break
            if not p["brdy"].startswith("1960-") or p["psn_no"] in self.used_persons or certs[p["certno"]] > 1:
                continue
            if not self.free(p["psn_no"], eve - dt.timedelta(days=2), day + dt.timedelta(days=2)):
                continue
            moved = dict(p, brdy="1960-02-29")
            if not all(self.lines_fit(b["details"], moved, t(b["endtime"]).date())
                       for b in self.by_person.get(p["psn_no"], [])):
                continue
            body = p["certno"][:6] + "19600229" + p["certno"][14:17]
            weights = [pow(2, 17 - i, 11) for i in range(17)]
            p["brdy"], p["certno"] = "1960-02-29", body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
            code = self.rng.choice(items)
            for when in (eve, day):
                lines = self.source_lines("11", p, when) or []
                lines.insert(self.rng.randint(0, len(lines)), self.restricted_line(None, code))
                begin = dt.datetime.combine(when, dt.time(self.rng.randint(8, 16), self.rng.choice([0, 20, 45])))
                like = {"psn_no": p["psn_no"], "dise_codg": "I10", "out_of_area": False, "filed": False,
                        "acct_used_flag": 0}
                nb = self.new_bill(like, self.rng.choice(self.local_hospitals), begin,
                                   begin + dt.timedelta(minutes=40), "11", lines)
                self.add_bill(nb)
                self.used_bills.add(nb["msgid"])
                if when == eve:
                    self.label("age_restricted", [nb["msgid"]], p["psn_no"],
                               "foreign: %s (ages 60-120) on 28 February 2020 to a person born 29 February 1960 (59 that day)"
                               % code, item=code, restrict=self.catalog[code]["restrict"])
            self.used_persons.add(p["psn_no"])
            done += 1

    def plant_duplicate_charges(self):
        bills = [b for b in self.line_bills(("11", "14", "41")) if t(b["endtime"]).hour >= 2 and t(b["endtime"]).hour < 22]
        want = self.count(0.004, len(bills))
        done = 0
        for a in self.rng.sample(bills, len(bills)):
            if done == want:
                break
            p = self.person[a["psn_no"]]
            day = t(a["endtime"]).date()
            # nothing else that day (no other bill, no stay around it: the second
            # charge would be a visit during the stay too)
            if not self.free(a["psn_no"], day, day, keep={a["msgid"]}) or a["msgid"] in self.used_bills:
                continue
            k = self.rng.randrange(len(a["details"]))
            again = dict(a["details"][k])
            if self.rng.random() < 0.5:  # the same price, written with more decimals
                again["pric"] = Decimal(again["pric"]).quantize(Decimal("0.000001"))
            extra = self.source_lines(a["med_type"], p, day, avoid={a["msgid"]}) or []
            extra = [d for d in extra if d["med_list_codg"] not in {x["med_list_codg"] for x in a["details"]}]
            extra = extra[:self.rng.randint(0, 2)]
            lines = extra[:]
            lines.insert(self.rng.randint(0, len(lines)), again)
            ab, ae = t(a["begntime"]), t(a["endtime"])
            if self.rng.random() < 0.5 and ab.hour >= 2:  # the second charge settled first
                end = ab - dt.timedelta(minutes=self.rng.randint(1, min(90, ab.hour * 60 - 61)))
                begin = end - dt.timedelta(minutes=self.rng.randint(1, 50))
            else:
                begin = ae + dt.timedelta(minutes=self.rng.randint(1, 90))
                end = begin + dt.timedelta(minutes=self.rng.randint(1, 40))
            begin, end = begin.replace(second=0), end.replace(second=0)
            if begin.date() != day or end.date() != day:
                continue
            nb = self.new_bill(a, a["fixmedins_code"], begin, end, a["med_type"], lines)
            self.add_bill(nb)
            self.used_bills.update({a["msgid"], nb["msgid"]})
            first, second = (nb, a) if end < ab else (a, nb)
            self.label("duplicate_charge", [first["msgid"], second["msgid"]], p["psn_no"],
                       "foreign: %s charged again at %s on %s" % (again["med_list_codg"], a["fixmedins_code"], day),
                       item=again["med_list_codg"])
            done += 1

    def plant_goods(self):
        bills = self.line_bills(("41",))
        want = self.count(0.03, len(bills))
        for b in self.rng.sample(bills, min(want, len(bills))):
            codes = self.rng.sample(GOODS, self.rng.choice([1, 1, 2, 3]))
            twice = self.rng.random() < 0.2
            for code in codes + (codes[:1] if twice else []):
                pric = Decimal("%d.%d0" % (self.rng.randint(3, 480), self.rng.randint(0, 9)))
                cnt = self.rng.randint(1, 6)
                self.put_line(b, {"feedetl_sn": "0", "med_list_codg": code, "cnt": cnt, "pric": pric,
                                  "det_item_fee_sumamt": amount(cnt, pric)})
            present = sorted({d["med_list_codg"] for d in b["details"] if d["med_list_codg"] in GOODS},
                             key=lambda c: [d["med_list_codg"] for d in b["details"]].index(c))
            for code in present:
                self.label("non_medical_goods", [b["msgid"]], b["psn_no"],
                           "foreign: goods %s sold on the card at %s" % (code, b["fixmedins_code"]), item=code)
            self.used_bills.add(b["msgid"])

    def plant_over_quantity(self):
        # items whose usual quantity the year shows: at least 10 ordinary lines
        items = sorted(c for c, q in self.qty.items() if len(q) >= 10 and c in self.catalog)
        bills = self.line_bills(("11", "14", "41"))
        holding = {}  # item -> the bills that list it
        for b in bills:
            for d in b["details"]:
                holding.setdefault(d["med_list_codg"], []).append(b)
        want = min(self.count(0.004, len(bills)), len(items))
        done = 0
        for code in self.rng.sample(items, len(items)):
            if done == want:
                break
            top = max(self.qty[code])
            cnt = top * self.rng.choice([6, 7, 8, 9, 25, 40, 60])
            if Decimal(cnt) != Decimal(cnt).quantize(Decimal("0.0001")):
                continue
            have = [b for b in holding.get(code, []) if b["msgid"] not in self.used_bills]
            if have and self.rng.random() < 0.6:  # an existing line rewritten
                b = self.rng.choice(have)
                self.changed(b)
                for d in b["details"]:
                    if d["med_list_codg"] == code:
                        d["cnt"] = cnt
                        d["det_item_fee_sumamt"] = amount(cnt, d["pric"])
                        break
            else:  # a line added to a bill without the item
                b = self.rng.choice(bills)
                if b["msgid"] in self.used_bills or any(d["med_list_codg"] == code for d in b["details"]):
                    continue
                p = self.person[b["psn_no"]]
                if self.violates(code, p, t(b["endtime"]).date()):
                    continue
                pric = self.price[code]
                self.put_line(b, {"feedetl_sn": "0", "med_list_codg": code, "cnt": cnt, "pric": pric,
                                  "det_item_fee_sumamt": amount(cnt, pric)})
            self.used_bills.add(b["msgid"])
            self.label("over_quantity", [b["msgid"]], b["psn_no"],
                       "foreign: %s x %s, %s times its largest ordinary quantity %s"
                       % (code, cnt, Decimal(cnt) / Decimal(top), top), item=code, cnt=cnt)
            done += 1

    def plant_enrolment(self):
        eps = {}
        for e in self.episodes:
            eps.setdefault(e["psn_no"], []).append(e)
        certs = {}
        for p in self.persons:
            certs.setdefault(p["certno"], []).append(p)
        ok = [p for p in self.persons if len(eps.get(p["psn_no"], [])) == 1 and len(certs[p["certno"]]) == 1
              and eps[p["psn_no"]][0]["to_month"] == "" and eps[p["psn_no"]][0]["from_month"] <= "2019-12"]
        want = self.count(0.01, len(self.persons))
        for n, p in enumerate(self.rng.sample(ok, min(want, len(ok)))):
            e = eps[p["psn_no"]][0]
            adult = age_on(p["brdy"], dt.date(YEAR, 1, 1)) >= 18
            how = self.rng.choice(["scheme", "region", "self"] if adult else ["region"])
            month = "%d-%02d" % (YEAR, self.rng.randint(2, 11))
            to = self.rng.choice(["", "%d-12" % YEAR])
            when = self.rng.random()
            if how != "self" and when < 0.3:  # enrolled there since before the original: it is psn_no
                month = "%04d-%02d" % (self.rng.randint(1995, int(e["from_month"][:4])), self.rng.randint(1, 12))
                month = min(month, e["from_month"])
            elif how != "self" and when < 0.4:  # the same first month: the smaller number is psn_no
                month = e["from_month"]
            if how == "self":  # the same number enrolled in the other scheme too
                ins = "390" if e["insutype"] == "310" else "310"
                cat = "adult" if ins == "390" else "flexible"
                self.episodes.append(dict(e, insutype=ins, category=cat, from_month=month, to_month=to,
                                          reason="new", end_reason="stop" if to else ""))
                self.label("duplicate_enrolment", [], p["psn_no"], "foreign: %s enrolled in %s too from %s"
                           % (p["psn_no"], ins, month), psn_no_dup=p["psn_no"], certno=p["certno"])
                continue
            if how == "scheme":
                ins, region = ("390" if e["insutype"] == "310" else "310"), "440900"
                cat = "adult" if ins == "390" else "flexible"
            else:
                ins, region = e["insutype"], self.rng.choice(["440100", "440300", "440800"])
                cat = e["category"]
            dup = "%s9%07d" % (region, 1000000 + n * 7 + self.rng.randint(0, 6))
            name = p["psn_name"] if self.rng.random() < 0.7 else p["psn_name"].upper()
            # an ID number ending in X typed with a small x the second time: the same number
            cert = p["certno"][:17] + "x" if p["certno"].endswith("X") and self.rng.random() < 0.6 else p["certno"]
            row = dict(p, psn_no=dup, psn_name=name, insutype=ins, flags="", certno=cert,
                       category="in_service" if cat == "flexible" else cat,
                       insuplc_admdvs=region, benefit_start="%s-01" % month,
                       acct_balc="0.00")
            self.persons.append(row)  # appended at the end, far from the original
            self.episodes.append({"psn_no": dup, "insutype": ins, "admdvs": region, "category": cat,
                                  "from_month": month, "to_month": to, "reason": "new",
                                  "end_reason": "stop" if to else ""})
            # the number enrolled first is psn_no, of two the smaller (ENROLMENT.md
            # "Duplicate enrolment"); the original's one episode runs from e's month
            first = p["psn_no"] if (e["from_month"], p["psn_no"]) < (month, dup) else dup
            other = dup if first == p["psn_no"] else p["psn_no"]
            self.label("duplicate_enrolment", [], first, "foreign: %s enrolled again as %s (%s@%s) from %s"
                       % (p["certno"], dup, ins, region, month), psn_no_dup=other, certno=p["certno"])

    def plant_institutions(self, n):
        """Irregular institutions (--institutions N, the indicators' test): of the
        local hospitals with 20 stays or more, one bills every line at 1.5 times
        its price (over-charging: cost per case), the next readmits a third of its
        stays' patients 1-10 days after discharge under another diagnosis (split
        admissions that escape SPLIT-15D, not the readmission rate), and so on
        alternately. One label an institution, kind irregular_institution."""
        stays = {}
        for b in self.bills:
            if b["med_type"] == "21":
                stays.setdefault(b["fixmedins_code"], []).append(b)
        codes = [c for c in self.local_hospitals if len(stays.get(c, [])) >= 20]
        dx = sorted({b["dise_codg"] for b in self.bills if b["med_type"] == "21"})
        for i, code in enumerate(self.rng.sample(codes, min(n, len(codes)))):
            if i % 2 == 0:
                for b in self.bills:
                    if b["fixmedins_code"] != code:
                        continue
                    self.changed(b)
                    for d in b["details"]:
                        d["pric"] = (Decimal(d["pric"]) * Decimal("1.5")).quantize(Decimal("0.000001"))
                        d["det_item_fee_sumamt"] = amount(d["cnt"], d["pric"])
                how = "inflated"
            else:
                for s in self.rng.sample(stays[code], len(stays[code]) // 3):
                    se = t(s["endtime"])
                    if s["psn_no"] in self.used_persons:
                        continue
                    begin = dt.datetime.combine(se.date() + dt.timedelta(days=self.rng.randint(1, 10)), dt.time(9, 30))
                    end = begin + dt.timedelta(days=self.rng.randint(2, 6), hours=1)
                    if end.year != YEAR or not self.free(s["psn_no"], se.date(), end.date() + dt.timedelta(days=MARGIN_DAYS), keep={s["msgid"]}):
                        continue
                    nb = self.new_bill(s, code, begin, end, "21", [dict(d) for d in s["details"]])
                    nb["dise_codg"] = self.rng.choice([x for x in dx if x != s["dise_codg"]])
                    self.add_bill(nb)
                    self.used_persons.add(s["psn_no"])
                how = "split_other_dx"
            self.label("irregular_institution", [], "", "foreign: %s %s" % (code, how), fixmedins_code=code, how=how)

    def write(self, out):
        os.makedirs(out, exist_ok=True)
        for name in ("institutions.csv",):
            shutil.copy(os.path.join(self.city_dir, name), os.path.join(out, name))
        for name, cols, rows in (("persons.csv", self.person_cols, self.persons),
                                 ("episodes.csv", self.episode_cols, self.episodes)):
            with open(os.path.join(out, name), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
                w.writeheader()
                w.writerows(rows)
        self.bills.sort(key=lambda b: (b["endtime"], b["psn_no"], b["begntime"], b["msgid"]))
        with open(os.path.join(out, "bills.jsonl"), "w") as f:
            for b in self.bills:
                f.write(self.raw.get(id(b)) or dump(b) + "\n")
        with open(os.path.join(out, "labels.jsonl"), "w") as f:
            for lab in self.labels:
                f.write(dump(lab) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--city", required=True)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--institutions", type=int, default=0)
    args = ap.parse_args()
    if os.path.getsize(os.path.join(args.city, "labels.jsonl")) != 0:
        print("plant_foreign: %s has labels: make it with --no-plants" % args.city, file=sys.stderr)
        return 2
    c = City(args)
    c.city_dir = args.city
    # time-based kinds first (each person once), then the line kinds (each bill once)
    c.plant_split()
    c.plant_overlap()
    c.plant_visits()
    c.plant_leap_day()
    c.plant_duplicate_charges()
    c.plant_restricted()
    c.plant_goods()
    c.plant_over_quantity()
    c.plant_enrolment()
    c.plant_institutions(args.institutions)
    c.write(args.out)
    kinds = {}
    for lab in c.labels:
        kinds[lab["kind"]] = kinds.get(lab["kind"], 0) + 1
    print("plant_foreign: %d labels %s -> %s" % (len(c.labels), dump(kinds), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
