#!/usr/bin/env bash
# t_risk.sh: `yibao supervise rank` (issue 18, items 3 and 6;
# docs/SUPERVISION.md "Indicators and the risk ranking"). A small generated
# city (1000 persons on a 2000-item catalog, split admissions and
# non-medical goods raised) imported and settled with the answers kept.
# The ranking's JSON shape (every institution with bills, rank order,
# scores the sums of their terms, the weights); each institution's
# indicators equal to sums computed here independently over the bills file,
# the settle answers (fund paid), the catalog file (class C, off the list)
# and the scan's findings (bills named); readmissions recomputed from the
# bills; the peers' medians (cost per case, readmission rate) recomputed
# from the rows (an institution alone at its level: the mean of its type's
# adjacent levels' medians; with one adjacent level, its cost per case
# carried a level further at the city's rate); the institution with the most labelled bills ranked in the top
# half; persons' ranking shape; csv and table; the store unchanged; bad
# options exit 2 naming the option. SQLite and, with YIBAO_PG_URI,
# PostgreSQL (the same ranking).
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/t_scratch_lib.sh
. "$root/tests/t_scratch_lib.sh"
scratch_begin t_risk

"$YIBAO" gen catalog --items 2000 --seed 2 --out "$tmp/cat.json" >/dev/null || fail "gen catalog"
"$YIBAO" gen city --persons 1000 --seed 6 --catalog-items 2000 --catalog-seed 2 \
    --rate-split 0.1 --rate-visit-during-stay 0.1 --rate-non-medical 0.05 \
    --out "$tmp/city" >/dev/null || fail "gen city"

# the indicators against independent sums; the peers' medians (an institution
# alone at its level: the mean of the adjacent levels' medians); the shape; the
# labelled institution's rank
verify() { # rank.json persons.json answers findings
    python3 - "$1" "$2" "$tmp/city/bills.jsonl" "$3" "$tmp/cat.json" "$4" "$tmp/city/labels.jsonl" <<'PY'
import json, sys, datetime
from decimal import Decimal
rank, persons = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bills = [json.loads(x) for x in open(sys.argv[3])]
paid = {}
for a in map(json.loads, open(sys.argv[4])):
    paid[a["msgid"]] = Decimal(str(a["setlinfo"]["fund_pay_sumamt"]))
items = json.load(open(sys.argv[5]))["items"]
fen = lambda v: int(Decimal(str(v)) * 100)
inst = {}
for b in bills:
    i = inst.setdefault(b["fixmedins_code"], {"cases": 0, "cost": 0, "paid": 0, "mt": {}, "mtcost": {},
                                               "class_c": 0, "pharmacy": 0, "non_medical": 0,
                                               "flagged": set(), "stays": []})
    cost = sum(fen(d["det_item_fee_sumamt"]) for d in b["details"])
    i["cases"] += 1; i["cost"] += cost; i["paid"] += int(paid[b["msgid"]] * 100)
    i["mt"][b["med_type"]] = i["mt"].get(b["med_type"], 0) + 1
    i["mtcost"][b["med_type"]] = i["mtcost"].get(b["med_type"], 0) + cost
    for d in b["details"]:
        it = items.get(d["med_list_codg"])
        if it is not None and it["class"] == "C": i["class_c"] += fen(d["det_item_fee_sumamt"])
        if b["med_type"] == "41":
            i["pharmacy"] += fen(d["det_item_fee_sumamt"])
            if it is None: i["non_medical"] += fen(d["det_item_fee_sumamt"])
    if b["med_type"] == "21":
        i["stays"].append((b["psn_no"], b["begntime"], b["endtime"]))
where = {b["msgid"]: b["fixmedins_code"] for b in bills}
for f in map(json.loads, open(sys.argv[6])):
    for m in f["msgid"]:
        inst[where[m]]["flagged"].add(m)
day = lambda t: datetime.date.fromisoformat(t[:10])
def readmissions(stays):  # same person and institution, 0..15 days after a discharge
    n, by = 0, {}
    for s in sorted(stays, key=lambda s: (s[0], s[1], s[2])):
        prev = by.get(s[0])
        if prev is not None and prev[2] == s[1]:
            by[s[0]] = s; continue  # a stay's next part
        if prev is not None and 0 <= (day(s[1]) - day(prev[2])).days <= 15: n += 1
        by[s[0]] = s if prev is None or s[2] > prev[2] else prev
    return n
rows = rank["ranking"]
assert rank["of"] == "institutions" and rank["year"] == 2020, rank.keys()
assert set(rank["weights"]) >= {"flagged_bills", "cost_index", "readmission", "class_c",
                                "non_medical", "flagged_share", "cases_min"}, rank["weights"]
assert {r["fixmedins_code"] for r in rows} == set(inst), "not every institution with bills ranked"
assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
assert all(rows[k]["score"] >= rows[k + 1]["score"] for k in range(len(rows) - 1)), "not in order"
for r in rows:
    want, got = inst[r["fixmedins_code"]], r["indicators"]
    assert [c["term"] for c in r["contributions"]] == ["flagged_bills", "flagged_share",
        "cost_index", "readmission", "class_c", "non_medical"], r["contributions"]
    assert r["score"] == sum(c["points"] for c in r["contributions"]), r
    check = {"cases": want["cases"], "cost": want["cost"], "fund_paid": want["paid"],
             "class_c": want["class_c"], "pharmacy": want["pharmacy"],
             "non_medical": want["non_medical"], "flagged_bills": len(want["flagged"]),
             "stays": len(want["stays"]), "readmissions": readmissions(want["stays"])}
    for k, v in check.items():
        g = got[k] if isinstance(got[k], int) and k in ("cases", "flagged_bills", "stays", "readmissions") else fen(got[k])
        assert g == v, (r["fixmedins_code"], k, got[k], v)
    assert got["cases_by_med_type"] == want["mt"], (got, want["mt"])
    for mt, n in want["mt"].items():
        assert fen(got["cost_per_case"][mt]) == want["mtcost"][mt] // n, (mt, got)
    if want["cost"]:
        assert got["class_c_bp"] == want["class_c"] * 10000 // want["cost"]
# peers (SUPERVISION.md "Peers"): the median over the same type and level;
# an institution alone at its level: the mean of the adjacent levels' medians
LV = {"township": 0, "level1": 1, "level2": 2, "level3": 3}
med = lambda v: sorted(v)[(len(v) - 1) // 2] if v else None
# (a cost per case with one adjacent level: its median carried one level
# further at the rate between it and the level beyond, near * near // far)
def peer_of(r, value, enough, cost=False):  # value(q), enough(q): a figure and whether q has it
    at = lambda lv: med([value(q) for q in rows if q["type"] == r["type"] and q["level"] == lv and enough(q)])
    own = at(r["level"])
    if r["peers"]["from"] == "level":
        return own or 0
    l = LV[r["level"]]
    near = [(k, m) for k, m in ((k, at(k)) for k in LV if abs(LV[k] - l) == 1) if m is not None]
    if not near:
        return own or 0
    if len(near) == 2 or not cost:
        return sum(m for _, m in near) // len(near)
    k, m = near[0]
    beyond = [x for x in LV if LV[x] == 2 * LV[k] - l]
    far = at(beyond[0]) if beyond else None
    global extrapolated
    if far is None or far <= 0 or m <= 0 or m > 100000000000:
        return m
    extrapolated += 1
    return m * m // far
extrapolated = 0
adjacent_seen = 0
for r in rows:
    same = [q for q in rows if q["type"] == r["type"] and q["level"] == r["level"]]
    adj = [q for q in rows if q["type"] == r["type"] and r["level"] in LV
           and q["level"] in LV and abs(LV[q["level"]] - LV[r["level"]]) == 1]
    alone = len(same) == 1 and len(adj) > 0
    adjacent_seen += alone
    assert r["peers"]["from"] == ("adjacent_levels" if alone else "level"), (r["fixmedins_code"], r["peers"])
    for mt in {m for q in rows for m in q["indicators"]["cases_by_med_type"]}:
        want = peer_of(r, lambda q: fen(q["indicators"]["cost_per_case"][mt]),
                       lambda q: q["indicators"]["cases_by_med_type"].get(mt, 0) >= 20, cost=True)
        assert fen(r["peers"]["cost_per_case"].get(mt, 0)) == want, (r["fixmedins_code"], mt, r["peers"], want)
    want = peer_of(r, lambda q: q["indicators"]["readmission_bp"], lambda q: q["indicators"]["stays"] >= 20)
    assert r["peers"]["readmission_bp"] == want, (r["fixmedins_code"], r["peers"], want)
assert adjacent_seen > 0, "no institution alone at its level: the adjacent peers untested"
assert extrapolated > 0, "no lone level with one neighbour: its cost per case untested"
print("t_risk: %d alone at their level, %d costs carried a level further" % (adjacent_seen, extrapolated))
labelled = {}
for l in map(json.loads, open(sys.argv[7])):
    for m in l.get("msgid", []): labelled.setdefault(where[m], set()).add(m)
top = max(labelled, key=lambda c: (len(labelled[c]), c))
pos = [r["fixmedins_code"] for r in rows].index(top)
assert pos < len(rows) / 2, "%s (%d labelled bills) ranked %d of %d" % (top, len(labelled[top]), pos + 1, len(rows))
assert sum(1 for r in rows if r["indicators"]["readmissions"] > 0) > 0, "no readmission seen"
p = persons["ranking"]
assert persons["of"] == "persons" and len(p) == 10 and p[0]["score"] >= p[-1]["score"], persons
for r in p:
    assert set(r["indicators"]) == {"bills", "findings", "at_stake", "stay_visits", "pharmacies"}, r
    assert r["score"] == sum(c["points"] for c in r["contributions"]), r
print("t_risk: %d institutions checked; %s (%d labelled bills) ranked %d" % (len(rows), top, len(labelled[top]), pos + 1))
PY
}

run_backend() {
    local db
    db=$(new_db city)
    for k in institutions persons episodes; do
        "$YIBAO" import --db "$db" "$k" "$tmp/city/$k.csv" >/dev/null || fail "$backend: import $k"
    done
    "$YIBAO" import --db "$db" policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "$backend: import policy"
    "$YIBAO" import --db "$db" catalog "$tmp/cat.json" >/dev/null || fail "$backend: import catalog"
    rm -f "$tmp/answers.$backend"
    "$YIBAO" settle --db "$db" --answers "$tmp/answers.$backend" "$tmp/city/bills.jsonl" >/dev/null 2>&1 ||
        fail "$backend: settle"
    local before
    before=$("$YIBAO" check --db "$db" | tail -1)
    "$YIBAO" supervise rank --db "$db" --year 2020 --catalog "$tmp/cat.json" --format json \
        >"$tmp/rank.$backend" || fail "$backend: rank"
    "$YIBAO" supervise rank --db "$db" --year 2020 --catalog "$tmp/cat.json" --of persons --top 10 \
        --format json >"$tmp/persons.$backend" || fail "$backend: rank --of persons"
    "$YIBAO" supervise scan --db "$db" --year 2020 --catalog "$tmp/cat.json" \
        --out "$tmp/find.$backend" >/dev/null || fail "$backend: scan"
    grep -v '"duplicate_enrolment"' "$tmp/find.$backend" >"$tmp/bills_find.$backend" || true
    verify "$tmp/rank.$backend" "$tmp/persons.$backend" "$tmp/answers.$backend" \
        "$tmp/bills_find.$backend" || fail "$backend: the ranking's indicators"
    [ "$backend" = sqlite ] || cmp -s "$tmp/rank.sqlite" "$tmp/rank.pg" || fail "pg: another ranking than sqlite"
    local out
    out=$("$YIBAO" supervise rank --db "$db" --year 2020 --catalog "$tmp/cat.json" --top 3) ||
        fail "$backend: table"
    [ "$(wc -l <<<"$out")" = 4 ] || fail "$backend: --top 3 table: $out"
    grep -q "flagged_bills" <<<"$out" || fail "$backend: the table says no why: $out"
    out=$("$YIBAO" supervise rank --db "$db" --year 2020 --format csv --from 2020-03-01 --to 2020-03-31) ||
        fail "$backend: csv"
    grep -q "^rank,fixmedins_code,type,level,score,cases" <<<"$out" || fail "$backend: csv header: $out"
    [ "$(check_head "$db")" = "$before" ] || fail "$backend: the ranking changed the store"
    "$YIBAO" check --db "$db" >/dev/null || fail "$backend: check"
}
check_head() { "$YIBAO" check --db "$1" | tail -1; }

backend=sqlite run_backend
if [ -n "${YIBAO_PG_URI:-}" ]; then backend=pg run_backend; else echo "t_risk: PostgreSQL skipped (YIBAO_PG_URI unset)"; fi

# bad options: exit 2, the option named
db=$tmp/city.sqlite
bad() { # option-named-in-message args...
    local want=$1
    shift
    set +e
    "$YIBAO" supervise rank "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    set -e
    [ $rc = 2 ] || fail "supervise rank $*: exit $rc, not 2"
    grep -q -- "$want" "$tmp/err" || fail "supervise rank $*: does not name $want: $(cat "$tmp/err")"
}
bad "--db" --year 2020
bad "--year" --db "$db"
bad "--year" --db "$db" --year 20x0
bad "--from" --db "$db" --year 2020 --from 2020-02-30
bad "--to" --db "$db" --year 2020 --from 2020-03-02 --to 2020-03-01
bad "--of" --db "$db" --year 2020 --of wards
bad "--top" --db "$db" --year 2020 --top 0
bad "--top" --db "$db" --year 2020 --top x
bad "--format" --db "$db" --year 2020 --format xml
bad "--catalog" --db "$db" --year 2020 --catalog "$tmp/none.json"
bad "--db" --db "$tmp/none.sqlite" --year 2020
bad "--bogus" --db "$db" --year 2020 --bogus 1
echo "t_risk: ok"
