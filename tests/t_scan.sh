#!/usr/bin/env bash
# t_scan.sh: `yibao supervise scan` (issue 18, item 3; docs/SUPERVISION.md).
# A small generated city (3000 persons on a 2000-item catalog, every plant
# rate raised so that each kind has cases) imported and settled; the scan's
# findings against the city's labels (scripts/scan_quality.py, compared
# after the scan ran): precision and recall 1.0 for split admissions,
# overlapping stays, visits during a stay, gender- and age-restricted items
# (both the generator and the scan take the age on the bill's day),
# duplicate charges, non-medical goods and duplicate enrolments; at least
# 0.99 for over-quantity lines (an item billed fewer than 5 times has no
# usual quantity): measured 0.996.
# Each finding has the label's keys and values (note aside) plus rule,
# score, evidence. The scan writes nothing to the store; a revoked
# settlement is left out (its finding goes, nothing else changes) and
# `yibao check` passes. --from/--to keep the period's bills. Bad options
# exit 2 naming the option. SQLite and, with YIBAO_PG_URI, PostgreSQL.
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/t_scratch_lib.sh
. "$root/tests/t_scratch_lib.sh"
scratch_begin t_scan
quality="$root/scripts/scan_quality.py"
exact=split_admission,overlapping_stays,visit_during_stay,gender_restricted,age_restricted,duplicate_charge,non_medical_goods,duplicate_enrolment

"$YIBAO" gen catalog --items 2000 --seed 2 --out "$tmp/cat.json" >/dev/null || fail "gen catalog"
"$YIBAO" gen city --persons 3000 --seed 6 --catalog-items 2000 --catalog-seed 2 \
    --rate-split 0.1 --rate-overlap 0.05 --rate-visit-during-stay 0.1 --rate-gender 0.01 \
    --rate-age 0.01 --rate-over-quantity 0.01 --rate-duplicate-charge 0.01 \
    --rate-non-medical 0.05 --rate-duplicate-enrolment 0.01 --out "$tmp/city" >/dev/null || fail "gen city"

# what the store holds: the journal's last record and the file's bytes (SQLite)
fingerprint() { # db
    "$YIBAO" check --db "$1" | tail -1 # the journal's head
    if [ "$backend" = sqlite ]; then md5sum <"$1"; fi
}

# the findings' shape: each matched finding is its label plus rule, score, evidence
shape() { # labels findings
    python3 - "$1" "$2" <<'PY'
import json, sys
labels = {}
for l in map(json.loads, open(sys.argv[1])):
    labels[(l["kind"], tuple(l["msgid"][-1:]), l["psn_no"], l.get("item"), l.get("psn_no_dup"))] = l
n = 0
for f in map(json.loads, open(sys.argv[2])):
    for k in ("kind", "msgid", "psn_no", "note", "rule", "score", "evidence"):
        assert k in f, "no %s in %s" % (k, f)
    assert list(f)[:3] == ["kind", "msgid", "psn_no"], f
    assert isinstance(f["evidence"], dict) and 0 < float(f["score"]) <= 1, f
    l = labels.get((f["kind"], tuple(f["msgid"][-1:]), f["psn_no"], f.get("item"), f.get("psn_no_dup")))
    if l is None:
        continue
    n += 1
    extra = {k: v for k, v in f.items() if k not in ("note", "rule", "score", "evidence")}
    want = {k: v for k, v in l.items() if k != "note"}
    if f["kind"] == "duplicate_enrolment":
        assert all(extra[k] == v for k, v in want.items()), (f, l)
    elif f["kind"] != "visit_during_stay" or extra["msgid"] == want["msgid"]:
        assert extra == want, (f, l)
assert n > 100, n
PY
}

run_backend() {
    local db out
    db=$(new_db city)
    for k in institutions persons episodes; do
        "$YIBAO" import --db "$db" "$k" "$tmp/city/$k.csv" >/dev/null || fail "$backend: import $k"
    done
    "$YIBAO" import --db "$db" policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "$backend: import policy"
    "$YIBAO" import --db "$db" catalog "$tmp/cat.json" >/dev/null || fail "$backend: import catalog"
    "$YIBAO" settle --db "$db" "$tmp/city/bills.jsonl" >/dev/null 2>&1 || fail "$backend: settle"
    local before after
    before=$(fingerprint "$db")
    out=$("$YIBAO" supervise scan --db "$db" --year 2020 --catalog "$tmp/cat.json" \
        --out "$tmp/find.$backend") || fail "$backend: scan"
    grep -q "^scan 2020: " <<<"$out" || fail "$backend: no summary: $out"
    after=$(fingerprint "$db")
    [ "$before" = "$after" ] || fail "$backend: the scan changed the store"
    cp "$tmp/city/labels.jsonl" "$tmp/labels"
    python3 "$quality" "$tmp/labels" "$tmp/find.$backend" --kinds "$exact" --min 1.0 >"$tmp/q" ||
        fail "$backend: $(cat "$tmp/q")"
    python3 "$quality" "$tmp/labels" "$tmp/find.$backend" --kinds over_quantity --min 0.99 >/dev/null ||
        fail "$backend: over_quantity below 0.99"
    shape "$tmp/labels" "$tmp/find.$backend" || fail "$backend: the findings' shape"
    [ "$backend" = sqlite ] || cmp -s <(sort "$tmp/find.sqlite") <(sort "$tmp/find.pg") ||
        fail "pg: other findings than sqlite"

    # a revoked settlement is left out: the readmission of the first split admission
    local msgid seq
    msgid=$(python3 -c 'import json,sys
for l in map(json.loads, open(sys.argv[1])):
    if l["kind"] == "split_admission": print(l["msgid"][1]); break' "$tmp/labels")
    seq=$("$YIBAO" show journal --db "$db" --from 1 --limit 100000 --json | python3 -c 'import json,sys
print([r["seq"] for r in json.load(sys.stdin)["journal"] if r["msgid"] == sys.argv[1]][0])' "$msgid") ||
        fail "$backend: $msgid not in the journal"
    "$YIBAO" revoke --db "$db" "$seq" --operator t_scan --reason test >/dev/null || fail "$backend: revoke"
    "$YIBAO" supervise scan --db "$db" --year 2020 --catalog "$tmp/cat.json" \
        --out "$tmp/revoked" >"$tmp/out" || fail "$backend: scan after revoke"
    grep -q "(1 revoked left out)" "$tmp/out" || fail "$backend: revoke not counted: $(cat "$tmp/out")"
    grep -q "$msgid" "$tmp/revoked" && fail "$backend: the revoked settlement is still found"
    [ "$(grep -vc "$msgid" "$tmp/find.$backend")" = "$(wc -l <"$tmp/revoked")" ] ||
        fail "$backend: the revoke changed other findings"
    "$YIBAO" check --db "$db" >/dev/null || fail "$backend: check"

    # a period: only findings whose bills end in it
    "$YIBAO" supervise scan --db "$db" --year 2020 --from 2020-03-01 --to 2020-03-31 \
        --out "$tmp/march" >/dev/null || fail "$backend: --from --to"
    python3 - "$tmp/march" <<'PY' || fail "$backend: a finding outside the period"
import json, sys
rows = [json.loads(x) for x in open(sys.argv[1])]
assert rows, "no finding in March"
for f in rows:
    if f["kind"] == "duplicate_enrolment":
        continue
    for m in f["msgid"]:
        assert "202003" in m[12:20], f
PY
}

backend=sqlite run_backend
if [ -n "${YIBAO_PG_URI:-}" ]; then backend=pg run_backend; else echo "t_scan: PostgreSQL skipped (YIBAO_PG_URI unset)"; fi

# bad options: exit 2, the option named, no findings file
db=$tmp/city.sqlite
bad() { # option-named-in-message args...
    local want=$1
    shift
    set +e
    "$YIBAO" supervise "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    set -e
    [ $rc = 2 ] || fail "supervise $*: exit $rc, not 2"
    grep -q -- "$want" "$tmp/err" || fail "supervise $*: does not name $want: $(cat "$tmp/err")"
}
bad "--db" scan --year 2020 --out "$tmp/x"
bad "--year" scan --db "$db" --out "$tmp/x"
bad "--out" scan --db "$db" --year 2020
bad "--year" scan --db "$db" --year 20x0 --out "$tmp/x"
bad "--from" scan --db "$db" --year 2020 --from 2020-02-30 --out "$tmp/x"
bad "--to" scan --db "$db" --year 2020 --from 2020-03-02 --to 2020-03-01 --out "$tmp/x"
bad "--to" scan --db "$db" --year 2020 --to 2021-01-01 --out "$tmp/x"
bad "--catalog" scan --db "$db" --year 2020 --catalog "$tmp/none.json" --out "$tmp/x"
bad "--db" scan --db "$tmp/none.sqlite" --year 2020 --out "$tmp/x"
bad "--out" scan --db "$db" --year 2020 --out "$tmp/no/dir/x"
bad "--bogus" scan --db "$db" --year 2020 --out "$tmp/x" --bogus 1
bad "unknown subcommand" nosuch
[ ! -e "$tmp/x" ] || fail "a refused scan wrote its file"
echo '{"format":"yibao-catalog/1","items":{"X1":{"class":"A","restrict":{"gender":"3"}}}}' >"$tmp/badcat.json"
bad "restrict.gender" scan --db "$db" --year 2020 --catalog "$tmp/badcat.json" --out "$tmp/x"
echo "t_scan: ok"
