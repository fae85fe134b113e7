#!/usr/bin/env python3
"""enrol_city.py: the enrolment files of a generated city, for the
contribution tests and bench (issue 16 item 2), until `yibao gen city`
writes them itself (item 7).

Reads DIR/persons.csv (yibao gen city) and writes into DIR the files of
docs/ENROLMENT.md: employers.csv, episodes.N.csv and wages.N.csv (N = 1,
2, ...: at most --split rows a file, the import's limit is 200,000).
Deterministic: every choice is a hash of the seed and the person, so the
same persons give the same files.

  scheme 310: in_service persons stay in service (one employer each, about
  40 persons an employer, one in ten employers struggling) except one in
  ten, who are flexible workers; retired stay retired. Episodes from
  2015-01, open. Wages for each month of --months: a declared wage of
  1,500.00-40,000.00 yuan (below the floor and above the ceiling both
  happen); flexible workers choose 0.6 or 1.0 of the average wage.
  scheme 390: residents from 2018-01, open, with their category.
Planted, each about one person in 200 of its kind: an episode that ended
in 2019-12 (not enrolled: skipped), an in-service person without a wage
in a month (E_BAD_AMOUNT), a flexible worker with base 0.7 (not one of
the policy's bases: E_FUNDING_BASE).

--employees-only (the bench's employee month of a whole city): every
person is enrolled in scheme 310, the city's residents as in service.

usage: enrol_city.py DIR [--months 2020-01,2020-03] [--seed S] [--split N]
                         [--employees-only]
"""
import argparse
import csv
import hashlib
import os


def h(seed, *parts):
    text = "|".join([str(seed)] + [str(p) for p in parts]).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


class Splitter:
    """Rows into DIR/NAME.1.csv, NAME.2.csv, ... at most `split` rows each."""

    def __init__(self, out_dir, name, header, split):
        self.out_dir, self.name, self.header, self.split = out_dir, name, header, split
        self.n, self.rows, self.f, self.w = 0, 0, None, None

    def row(self, r):
        if self.f is None or self.rows == self.split:
            self.close()
            self.n += 1
            self.f = open(os.path.join(self.out_dir, f"{self.name}.{self.n}.csv"), "w", newline="")
            self.w = csv.writer(self.f, lineterminator="\n")
            self.w.writerow(self.header)
            self.rows = 0
        self.w.writerow(r)
        self.rows += 1

    def close(self):
        if self.f is not None:
            self.f.close()
            self.f = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--months", default="2020-01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split", type=int, default=200000)
    ap.add_argument("--employees-only", action="store_true")
    a = ap.parse_args()
    months = [m for m in a.months.split(",") if m]
    s = a.seed
    episodes = Splitter(a.dir, "episodes",
                        ["psn_no", "insutype", "admdvs", "category", "from_month", "to_month",
                         "reason", "end_reason"], a.split)
    wages = Splitter(a.dir, "wages", ["emp_no", "psn_no", "month", "wage", "base_share"], a.split)
    employers = {}
    in_service = 0
    with open(os.path.join(a.dir, "persons.csv"), newline="") as f:
        for p in csv.DictReader(f):
            psn, region, cat = p["psn_no"], p["insuplc_admdvs"], p["category"]
            ended = h(s, "ended", psn) % 200 == 0
            to, end = ("2019-12", "stop") if ended else ("", "")
            if a.employees_only and p["insutype"] == "390":
                cat = "in_service"
            elif p["insutype"] == "390":
                episodes.row([psn, "390", region, cat, "2018-01", to, "new", end])
                continue
            if cat == "in_service" and h(s, "flexible", psn) % 10 == 0:
                cat = "flexible"
            reason = "retirement" if cat == "retired" else "new"
            episodes.row([psn, "310", region, cat, "2015-01", to, reason, end])
            if cat == "in_service":
                emp = "E%05d" % (in_service // 40 + 1)
                in_service += 1
                employers.setdefault(emp, (region, h(s, "struggling", emp) % 10 == 0))
                for m in months:
                    if h(s, "nowage", psn, m) % 200 == 0:
                        continue
                    fen = 150000 + h(s, "wage", psn, m) % 3850001
                    wages.row([emp, psn, m, "%d.%02d" % (fen // 100, fen % 100), ""])
            elif cat == "flexible":
                share = "0.7" if h(s, "badbase", psn) % 200 == 0 else \
                    ("0.6" if h(s, "base", psn) % 2 else "1.0")
                for m in months:
                    wages.row(["", psn, m, "", share])
    episodes.close()
    wages.close()
    with open(os.path.join(a.dir, "employers.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["emp_no", "emp_name", "admdvs", "struggling"])
        for emp, (region, struggling) in sorted(employers.items()):
            w.writerow([emp, "Employer " + emp, region, "true" if struggling else "false"])


if __name__ == "__main__":
    main()
