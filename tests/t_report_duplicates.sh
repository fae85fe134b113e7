#!/usr/bin/env bash
# t_report_duplicates.sh: `yibao report duplicates` (issue 16, item 6;
# docs/ENROLMENT.md#duplicate-enrolment). Generated cities (three seeds, one
# with a raised --rate-duplicate-enrolment) imported (persons, episodes, the
# Maoming policies): the report's JSONL lines are exactly the labels'
# duplicate_enrolment cases (psn_no, psn_no_dup, certno; 100 % found and
# nothing else), and each case's months and subsidy agree with an
# independent model in Python of the documented rule; the report reads the
# store only (the labels are compared after it ran). Hand-made cases: a
# transfer between regions and a change of scheme without overlap are no
# duplicate; a person without episodes counts as enrolled all year; one
# person number with two schemes at once is a case; the subsidy pro rata by
# months, half-up. Bad input (unknown format, a year that is not a number,
# no --year, a missing store, an unknown report) exits 2 naming the option.
# SQLite and, with YIBAO_PG_URI, PostgreSQL.
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/t_scratch_lib.sh
. "$root/tests/t_scratch_lib.sh"
scratch_begin t_report_duplicates
policies="$root/policies/maoming-2020-employee.json $root/policies/maoming-2020-resident.json"

load() { # db dir
    # shellcheck disable=SC2086
    "$YIBAO" import --db "$1" policy $policies >/dev/null || fail "import policy"
    for k in persons episodes; do
        "$YIBAO" import --db "$1" "$k" "$2/$k.csv" >/dev/null 2>"$tmp/err" || fail "import $k: $(cat "$tmp/err")"
    done
}

# the report against the labels and against the model of the rule
compare() { # dir report.jsonl
    python3 - "$1" "$2" <<'PY'
import csv, glob, json, sys, collections
d, rep = sys.argv[1], sys.argv[2]
labels = {(l["psn_no"], l["psn_no_dup"], l["certno"]) for l in map(json.loads, open(d + "/labels.jsonl"))
          if l["kind"] == "duplicate_enrolment"}
cases = [json.loads(x) for x in open(rep)]
got = {(c["psn_no"], c["psn_no_dup"], c["certno"]) for c in cases}
assert len(got) == len(cases), "a case twice"
assert got == labels, "missed %s, extra %s" % (sorted(labels - got)[:3], sorted(got - labels)[:3])
assert labels, "no planted duplicate"
eps = collections.defaultdict(list)
for r in (r for f in sorted(glob.glob(d + "/episodes*.csv")) for r in csv.DictReader(open(f))):
    m = lambda t: int(t[:4]) * 12 + int(t[5:]) - 1 if t else None
    eps[r["psn_no"]].append((r["insutype"], r["admdvs"], m(r["from_month"]), m(r["to_month"])))
cover = lambda e, k: e[2] <= k and (e[3] is None or k <= e[3])
y0 = 2020 * 12
for c in cases:
    a, b = eps[c["psn_no"]], eps[c["psn_no_dup"]]
    months, res = 0, collections.Counter()
    for k in range(y0, y0 + 12):
        pairs = [(x, y) for x in a for y in b if (x[0], x[1]) != (y[0], y[1]) and cover(x, k) and cover(y, k)]
        if not pairs:
            continue
        months += 1
        region = next((y[1] for x, y in pairs if y[0] == "390"), None) or \
                 next((x[1] for x, y in pairs if x[0] == "390"), None)
        if region:
            res[region] += 1
    subsidy = sum((55000 * n * 2 + 12) // 24 for r, n in res.items() if r == "440900")
    assert c["months"] == months, (c, months)
    assert c["subsidy_months"] == sum(res.values()), (c, res)
    assert round(c["subsidy"] * 100) == subsidy, (c, subsidy)
    assert (c["unpriced_region"] is not None) == any(r != "440900" for r in res), c
print(len(cases))
PY
}

expect_2() { # pattern args...
    local pattern=$1; shift
    set +e
    "$YIBAO" "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "'$*' exited $rc, not 2"
    grep -q -- "$pattern" "$tmp/err" || fail "'$*': message does not name $pattern: $(cat "$tmp/err")"
}

run_backend() {
    for spec in "1 0.005 3000" "2 0.05 2000" "3 0.02 2000"; do
        set -- $spec
        [ "$backend" = pg ] && [ "$1" != 2 ] && continue # one city is enough there
        "$YIBAO" gen city --persons "$3" --seed "$1" --rate-duplicate-enrolment "$2" --registry-only \
            --out "$tmp/c$1" >/dev/null
        db=$(new_db "c$1")
        load "$db" "$tmp/c$1"
        "$YIBAO" report duplicates --db "$db" --year 2020 --format jsonl >"$tmp/r$1.jsonl" \
            || fail "report seed $1"
        n=$(compare "$tmp/c$1" "$tmp/r$1.jsonl") || fail "seed $1 ($backend): the report and the labels differ"
        "$YIBAO" report duplicates --db "$db" --year 2020 >"$tmp/t$1.txt" || fail "table seed $1"
        grep -q "^duplicates 2020: $n cases" "$tmp/t$1.txt" || fail "table total: $(tail -1 "$tmp/t$1.txt")"
        [ "$(($(wc -l <"$tmp/t$1.txt") - 2))" -eq "$n" ] || fail "table rows"
        # another year: the open episodes go on, the closed ones do not
        "$YIBAO" report duplicates --db "$db" --year 2018 --format jsonl >"$tmp/y.jsonl" || fail "2018"
        [ "$(wc -l <"$tmp/y.jsonl")" -lt "$n" ] || fail "2018 has as many cases as 2020"
    done

    # hand-made: T transfers (no case), A then B change scheme without overlap (no
    # case), C has no episode (all year 310) and D is a resident from July (6 months,
    # 275.00), E is in both schemes at once (a case with itself, 550.00)
    cat >"$tmp/persons.csv" <<'CSV'
psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc
T1,440902198001010011,Transfer,1,1980-01-01,310,in_service,,440900,2010-01-01,0
A1,440902198001010022,Scheme Change,2,1980-01-01,390,adult,,440900,2010-01-01,0
B1,440902198001010022,Scheme Change,2,1980-01-01,310,in_service,,440900,2020-05-01,0
C1,440902198001010033,No Episodes,1,1980-01-01,310,in_service,,440900,2010-01-01,0
D1,440902198001010033,Resident Too,1,1980-01-01,390,adult,,440900,2020-07-01,0
E1,440902198001010044,Both Schemes,1,1980-01-01,310,in_service,,440900,2010-01-01,0
CSV
    cat >"$tmp/episodes.csv" <<'CSV'
psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason
T1,310,440900,in_service,2015-01,2020-05,new,transfer_out
T1,310,440100,in_service,2020-06,,transfer_in,
A1,390,440900,adult,2012-01,2020-03,new,stop
B1,310,440900,in_service,2020-04,,new,
D1,390,440900,adult,2020-07,,new,
E1,310,440900,in_service,2015-01,,new,
E1,390,440900,adult,2020-01,2020-12,new,stop
CSV
    db=$(new_db hand)
    load "$db" "$tmp"
    "$YIBAO" report duplicates --db "$db" --year 2020 --format jsonl >"$tmp/hand.jsonl" || fail "hand report"
    python3 - "$tmp/hand.jsonl" <<'PY' || fail "hand-made cases ($backend): $(cat "$tmp/hand.jsonl")"
import json, sys
cases = {(c["psn_no"], c["psn_no_dup"]): c for c in map(json.loads, open(sys.argv[1]))}
assert set(cases) == {("C1", "D1"), ("E1", "E1")}, sorted(cases)
cd, ee = cases[("C1", "D1")], cases[("E1", "E1")]
assert (cd["months"], cd["subsidy"], cd["overlap"]) == (6, 275.0, {"from": "2020-07", "to": "2020-12"}), cd
assert (ee["months"], ee["subsidy"], ee["subsidy_months"]) == (12, 550.0, 12), ee
PY

    expect_2 --format report duplicates --db "$db" --year 2020 --format xml
    expect_2 --year report duplicates --db "$db" --year 20x0
    expect_2 --year report duplicates --db "$db"
    expect_2 --db report duplicates --db "$tmp/missing.sqlite" --year 2020
    expect_2 "unknown report" report nothing --db "$db" --year 2020
    [ ! -e "$tmp/missing.sqlite" ] || fail "a missing store was created"
}

backend=sqlite run_backend
if [ -n "${YIBAO_PG_URI:-}" ]; then backend=pg run_backend; fi
echo "t_report_duplicates: ok"
