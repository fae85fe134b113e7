#!/usr/bin/env bash
# t_scan_foreign.sh: `yibao supervise scan` on irregularities planted by
# code other than yibao's generator (issue 18 "Done when";
# docs/SUPERVISION.md "Foreign plants"). Clean cities (`gen city
# --no-plants`, 1000 persons on a 2000-item catalog, seeds 21 and 22) are
# rewritten by tests/plant_foreign.py at two rate settings (--scale 1 and
# 3), which writes its own labels.jsonl; each is imported, settled (every
# bill settles) and scanned, and scripts/scan_quality.py must give
# precision and recall >= 0.99 for every deterministic kind and >= 0.95
# for over-quantity (measured: 1.0 for all of them), its precision taken
# without the findings on bills the planter left as generated (the
# generator's own lines: items billed 1 unit and sometimes 6, which the
# scan's usual quantity reads as 6 times; 9-10 such findings in each of
# these small cities, raw precision 0.78-0.92; docs/SUPERVISION.md). The
# plants the detectors first missed are asserted present (a visit on the day a stay
# settled in parts changes part, a birthday on 29 February 1960, an ID
# number's check character typed as a small x), so that the test keeps
# measuring them. `yibao check` passes after each scan. Irregular
# institutions (--institutions 2): their labels and plants, settled, and
# risk_auprc.py --institutions over the ranking. SQLite and, with
# YIBAO_PG_URI, PostgreSQL for the first seed (the same findings).
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/t_scratch_lib.sh
. "$root/tests/t_scratch_lib.sh"
scratch_begin t_scan_foreign
quality="$root/scripts/scan_quality.py"
exact=split_admission,overlapping_stays,visit_during_stay,gender_restricted,age_restricted,duplicate_charge,non_medical_goods,duplicate_enrolment

"$YIBAO" gen catalog --items 2000 --seed 2 --out "$tmp/cat.json" >/dev/null || fail "gen catalog"

scan_city() { # dir clean-dir -> $tmp/find.<backend>.<name>
    local dir=$1 clean=$2 name db out
    name=$(basename "$dir")
    db=$(new_db "${name//./_}")
    for k in institutions persons episodes; do
        "$YIBAO" import --db "$db" "$k" "$dir/$k.csv" >/dev/null || fail "$backend $name: import $k"
    done
    "$YIBAO" import --db "$db" policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "$backend $name: import policy"
    "$YIBAO" import --db "$db" catalog "$tmp/cat.json" >/dev/null || fail "$backend $name: import catalog"
    out=$("$YIBAO" settle --db "$db" "$dir/bills.jsonl" 2>&1 >/dev/null) || fail "$backend $name: settle: $out"
    grep -q " 0 refused, 0 bad lines" <<<"$out" || fail "$backend $name: a planted bill refused: $out"
    "$YIBAO" supervise scan --db "$db" --year 2020 --catalog "$tmp/cat.json" \
        --out "$tmp/find.$backend.$name" >/dev/null || fail "$backend $name: scan"
    python3 "$quality" "$dir/labels.jsonl" "$tmp/find.$backend.$name" --kinds "$exact" --min 0.99 \
        >"$tmp/q" 2>&1 || fail "$backend $name: $(cat "$tmp/q")"
    python3 "$quality" "$dir/labels.jsonl" "$tmp/find.$backend.$name" --kinds over_quantity \
        --min 0.95 --clean "$clean/bills.jsonl" "$dir/bills.jsonl" >"$tmp/q" 2>&1 ||
        fail "$backend $name: $(cat "$tmp/q")"
    "$YIBAO" check --db "$db" >/dev/null || fail "$backend $name: check"
}

for seed in 21 22; do
    "$YIBAO" gen city --persons 1000 --seed "$seed" --catalog-items 2000 --catalog-seed 2 \
        --no-plants --out "$tmp/clean$seed" >/dev/null || fail "gen city $seed"
    for scale in 1 3; do
        python3 "$root/tests/plant_foreign.py" --city "$tmp/clean$seed" --catalog "$tmp/cat.json" \
            --seed "$seed" --scale "$scale" --out "$tmp/f$seed.$scale" >/dev/null ||
            fail "plant_foreign $seed $scale"
        backend=sqlite scan_city "$tmp/f$seed.$scale" "$tmp/clean$seed"
    done
done

# every kind planted in every city; the plants that found misses are there
python3 - "$tmp" <<'PY' || fail "the plants: see above"
import glob, json, sys
kinds = {"split_admission", "overlapping_stays", "visit_during_stay", "gender_restricted",
         "age_restricted", "duplicate_charge", "non_medical_goods", "duplicate_enrolment",
         "over_quantity"}
notes = []
small_x = 0
for d in sorted(glob.glob(sys.argv[1] + "/f2[0-9].[0-9]")):
    labels = [json.loads(x) for x in open(d + "/labels.jsonl")]
    missing = kinds - {x["kind"] for x in labels}
    assert not missing, (d, missing)
    notes += [x["note"] for x in labels]
    small_x += sum(1 for x in open(d + "/persons.csv") if x.split(",")[1].endswith("x"))
assert any("settled its first part" in n for n in notes), "no visit on a part's change"
assert any("born 29 February 1960" in n for n in notes), "no 29 February birthday"
assert small_x > 0, "no ID number with a small x"
PY

# irregular institutions (--institutions): one label each; the inflated
# hospital's lines at 1.5 times the clean city's prices, the other's extra
# stays under another diagnosis; they settle and the ranking's AUPRC is
# computed against them
python3 "$root/tests/plant_foreign.py" --city "$tmp/clean21" --catalog "$tmp/cat.json" --seed 21 \
    --institutions 2 --out "$tmp/inst" >/dev/null || fail "plant_foreign --institutions"
python3 - "$tmp/clean21/bills.jsonl" "$tmp/inst" <<'PY' || fail "the irregular institutions"
import json, sys
from decimal import Decimal
clean = {b["msgid"]: b for b in map(json.loads, open(sys.argv[1]))}
bills = [json.loads(x, parse_float=Decimal) for x in open(sys.argv[2] + "/bills.jsonl")]
inst = [x for x in map(json.loads, open(sys.argv[2] + "/labels.jsonl")) if x["kind"] == "irregular_institution"]
assert [x["how"] for x in inst] == ["inflated", "split_other_dx"], inst
up, stays = 0, 0
for b in bills:
    if b["fixmedins_code"] == inst[0]["fixmedins_code"] and b["msgid"] in clean:
        was = clean[b["msgid"]]["details"]
        if [d["med_list_codg"] for d in was] != [d["med_list_codg"] for d in b["details"]]:
            continue  # a line planted in the bill too
        for w, d in zip(was, b["details"]):
            assert d["pric"] == Decimal(str(w["pric"])) * Decimal("1.5"), (b["msgid"], d)
            up += 1
    if b["fixmedins_code"] == inst[1]["fixmedins_code"] and b["med_type"] == "21" and b["msgid"] not in clean:
        stays += 1
assert up > 100 and stays > 3, (up, stays)
PY
backend=sqlite
db=$(new_db inst)
for k in institutions persons episodes; do "$YIBAO" import --db "$db" "$k" "$tmp/inst/$k.csv" >/dev/null; done
"$YIBAO" import --db "$db" policy "$root/policies/maoming-2020-employee.json" \
    "$root/policies/maoming-2020-resident.json" >/dev/null
"$YIBAO" import --db "$db" catalog "$tmp/cat.json" >/dev/null
out=$("$YIBAO" settle --db "$db" "$tmp/inst/bills.jsonl" 2>&1 >/dev/null) || fail "inst: settle: $out"
grep -q " 0 refused, 0 bad lines" <<<"$out" || fail "inst: a bill refused: $out"
"$YIBAO" supervise rank --db "$db" --year 2020 --catalog "$tmp/cat.json" --format json \
    >"$tmp/inst.rank.json" || fail "inst: rank"
out=$(python3 "$root/scripts/risk_auprc.py" "$tmp/inst/labels.jsonl" "$tmp/inst/bills.jsonl" \
    "$tmp/inst.rank.json" --institutions) || fail "inst: risk_auprc"
grep -q "^k=0 positives 2 of " <<<"$out" || fail "inst: not 2 positives: $out"

if [ -n "${YIBAO_PG_URI:-}" ]; then
    for scale in 1 3; do
        backend=pg scan_city "$tmp/f21.$scale" "$tmp/clean21"
        cmp -s <(sort "$tmp/find.sqlite.f21.$scale") <(sort "$tmp/find.pg.f21.$scale") ||
            fail "pg: other findings than sqlite (f21.$scale)"
    done
else
    echo "t_scan_foreign: PostgreSQL skipped (YIBAO_PG_URI unset)"
fi
echo "t_scan_foreign: ok"
