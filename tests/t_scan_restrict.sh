#!/usr/bin/env bash
# t_scan_restrict.sh: the scan after settlement finds the lines that broke
# the catalog's other restrictions (levels, settings, units a day and a
# bill, indications, exclusive pairs; issue 18, sixteenth session;
# docs/SUPERVISION.md "The catalog's other restrictions") and were settled
# anyway: at the default warn severity (flagged by settlement), and before
# the catalog restricted the item (a catalog changed later: settled
# unflagged). One finding a kind, item and bill, with the line and the
# amount at stake, counted in the summary, equal to settlement's warns;
# a clean bill has none; --catalog stands for the store's; a finding
# opens a case; the ranking counts the bills. (An older store's rows:
# t_scan_restrict_old.sh.) Runs once per backend: SQLite, and PostgreSQL
# when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city
# one item per kind: XA01 levels 2-3, XA02 inpatient, XA03 2 units a day, XB01
# 10 a bill, XB02 for E10/E11, SB01 never with SB02
jq -f "$root/tests/fixtures/restrict_more_catalog.jq" "$root/policies/catalog-conformance.json" >"$work/catalog.json"

# an outpatient bill of P0001 at H0 (township) breaking each kind, XA01 twice
line() { printf '{"feedetl_sn":"%s","med_list_codg":"%s","cnt":%s,"pric":%s,"det_item_fee_sumamt":%s}' "$@"; }
bill() { # bill MSGID DAY INST MED_TYPE DX BEGIN_DAY LINES...
    local id=$1 day=$2 inst=$3 mt=$4 dx=$5 begin=$6
    shift 6
    local IFS=,
    printf '{"msgid":"%s","psn_no":"P0001","fixmedins_code":"%s","med_type":"%s","begntime":"2020-07-%s 09:00:00","endtime":"2020-07-%s 10:00:00","dise_codg":"%s","details":[%s]}\n' \
        "$id" "$inst" "$mt" "$begin" "$day" "$dx" "$*"
}
all_six() {
    bill "$1" "$2" H0 11 J06.9 "$2" "$(line 1 XA01 1 10 10)" "$(line 2 XA02 1 10 10)" \
        "$(line 3 XA03 5 10 50)" "$(line 4 XB01 12 1 12)" "$(line 5 XB02 1 38 38)" \
        "$(line 6 SB01 1 100 100)" "$(line 7 SB02 1 500 500)" "$(line 8 XA01 2 10 20)"
}

# ---- settled before the catalog restricted the items: unflagged ---------------------
all_six L1 01 >"$work/l1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/l1.jsonl" 2>&1) || fail "settle L1: $out"
out=$("$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/f0.jsonl") || fail "scan: $out"
[ ! -s "$work/f0.jsonl" ] || fail "findings with no restriction: $(cat "$work/f0.jsonl")"
grep -q '^  level_restricted     0$' <<<"$out" || fail "summary without: $out"

# ---- the catalog restricts them now; W1 settles at warn (flagged) ------------------
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import catalog"
all_six W1 02 >"$work/w1.jsonl"
# a clean stay at H3 (level 3): XA01, XA02 inpatient, XA03 6 units in 3 days,
# XB01 10 units, XB02 for E11.9, SB01 alone
bill C1 06 H3 21 E11.9 03 "$(line 1 XA01 1 10 10)" "$(line 2 XA02 1 10 10)" \
    "$(line 3 XA03 6 10 60)" "$(line 4 XB01 10 1 10)" "$(line 5 XB02 1 38 38)" \
    "$(line 6 SB01 1 100 100)" >>"$work/w1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/w1.jsonl" 2>&1) || fail "settle W1, C1: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 1 settlements flagged, 7 warns$' <<<"$out" || fail "warns: $out"

scan() { # scan OUT [ARGS...]
    local o=$1
    shift
    "$YIBAO" supervise scan --db "$db" --year 2020 --out "$o" "$@" || fail "scan $*"
}
out=$(scan "$work/f.jsonl")
for k in level setting units_day units_bill indication exclusive; do
    grep -q "^  ${k}_restricted *2$" <<<"$out" || fail "summary $k: $out"
done
python3 - "$work/f.jsonl" "$work/warns.jsonl" <<'EOF' || fail "findings"
import json, sys
fs = [json.loads(l) for l in open(sys.argv[1])]
assert all(f["psn_no"] == "P0001" for f in fs), fs
assert not [f for f in fs if "C1" in f["msgid"]], "a clean bill flagged"
got = sorted((f["msgid"][0], f["kind"], f["item"], f["evidence"]["line"], f["evidence"]["amount"])
             for f in fs)
want = sorted((m, k, i, l, a) for m in ("L1", "W1") for k, i, l, a in [
    ("level_restricted", "XA01", 1, 30), ("setting_restricted", "XA02", 2, 10),
    ("units_day_restricted", "XA03", 3, 50), ("units_bill_restricted", "XB01", 4, 12),
    ("indication_restricted", "XB02", 5, 38), ("exclusive_restricted", "SB02", 7, 500)])
assert got == want, (got, want)
by = {f["kind"]: f for f in fs if f["msgid"] == ["W1"]}
rules = {k: by[k]["rule"] for k in by}
assert rules["level_restricted"] == "RESTRICT-LEVEL" and rules["exclusive_restricted"] == "RESTRICT-EXCLUSIVE", rules
assert by["level_restricted"]["restrict"] == {"levels": [2, 3]}, by["level_restricted"]
assert by["level_restricted"]["evidence"]["level"] == 0 and by["level_restricted"]["evidence"]["institution"] == "H0"
assert by["setting_restricted"]["restrict"] == {"settings": ["inpatient"]}
assert by["setting_restricted"]["evidence"]["setting"] == "outpatient"
assert by["units_day_restricted"]["restrict"] == {"max_units_day": 2}
assert (by["units_day_restricted"]["evidence"]["units"], by["units_day_restricted"]["evidence"]["max_units"]) == (5, 2)
assert by["units_bill_restricted"]["restrict"] == {"max_units_bill": 10}
assert by["units_bill_restricted"]["evidence"]["units"] == 12
assert by["indication_restricted"]["restrict"] == {"diagnoses": ["E10", "E11"]}
assert by["indication_restricted"]["evidence"]["diagnosis"] == "J06.9"
ex = by["exclusive_restricted"]
assert ex["restrict"] == {"exclusive": ["SB01"]} and ex["evidence"]["line_2"] == 6, ex
assert ex["evidence"]["item_2"] == "SB01" and ex["evidence"]["amount_2"] == 100, ex
assert all(f["score"] == 1 and f["note"] for f in fs)
# settlement flagged W1 at the same lines (and XA01's second line), L1 at none
warns = [json.loads(l) for l in open(sys.argv[2])]
assert {w["msgid"] for w in warns} == {"W1"}, warns
assert {w["line"] for w in warns} == {by[k]["evidence"]["line"] for k in by} | {8}, warns
EOF

# --catalog stands for the store's: the conformance catalog restricts none of them
scan "$work/fc.jsonl" --catalog "$root/policies/catalog-conformance.json" >/dev/null
[ ! -s "$work/fc.jsonl" ] || fail "--catalog without them still found: $(head -2 "$work/fc.jsonl")"
# and the restricting file gives the store's findings
scan "$work/ff.jsonl" --catalog "$work/catalog.json" >/dev/null
cmp -s "$work/f.jsonl" "$work/ff.jsonl" || fail "--catalog of the same file differs"
# a period without the bills
scan "$work/fp.jsonl" --from 2020-08-01 --to 2020-12-31 >/dev/null
[ ! -s "$work/fp.jsonl" ] || fail "a period without the bills found some"

# ---- a finding opens a case; the ranking counts the flagged bills ------------------
for g in "alice reviewer" "bob reviewer"; do
    set -- $g
    y case grant --to "$1" --role "$2" --operator admin --reason "appointed" >/dev/null || fail "grant $g"
done
n=$(grep -n '"msgid":\["W1"\].*"kind"\|"kind":"units_day_restricted","msgid":\["W1"\]' "$work/f.jsonl" |
    grep units_day | cut -d: -f1)
[ -n "$n" ] || fail "no units_day finding of W1"
out=$(y case open --year 2020 --finding "$work/f.jsonl" --line "$n" --operator alice \
    --reason "scan: 5 units a day of XA03") || fail "case open: $out"
out=$(y case list --format json) || fail "case list"
[ "$(jq -r '[.kind, .inst, (.amount | tostring)] | @tsv' <<<"$out")" = "$(printf 'units_day_restricted\tH0\t50')" ] ||
    fail "the case: $out"
out=$("$YIBAO" supervise rank --db "$db" --year 2020 --format json) || fail "rank"
[ "$(jq '[.ranking[] | select(.fixmedins_code == "H0") | .indicators.flagged_bills][0]' <<<"$out")" = 2 ] ||
    fail "rank: H0's flagged bills: $(jq -c '.ranking[0]' <<<"$out")"
"$YIBAO" check --db "$db" >/dev/null || fail "check"

echo "t_scan_restrict ($SVC_BACKEND): ok"
