#!/usr/bin/env bash
# t_gen_enrol.sh: the generator's enrolment files (issue 16, item 7;
# docs/GENERATOR.md): `yibao gen city` writes employers.csv, episodes.csv,
# wages.csv and bindings.csv with the headers `yibao import` reads; a
# generated city (Maoming, with a raised duplicate rate, and another policy
# set) imports into a fresh store with its policies without a single
# refusal, on SQLite and, with YIBAO_PG_URI, on PostgreSQL; the same seed
# gives the same bytes, another seed other files; every persons.csv row has
# an episode of its scheme and region, every in-service or flexible month of
# the year a wage row; a file over 200,000 rows continues in NAME-2.csv.
# Needs $YIBAO.
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d)
pg_db=""
cleanup() {
    [ -n "$pg_db" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "t_gen_enrol: $*" >&2; exit 1; }
files="employers episodes wages bindings"

"$YIBAO" gen city --persons 2000 --seed 7 --rate-duplicate-enrolment 0.03 --out "$tmp/a" >"$tmp/a.out"
"$YIBAO" gen city --persons 2000 --seed 7 --rate-duplicate-enrolment 0.03 --registry-only --out "$tmp/b" >/dev/null
"$YIBAO" gen city --persons 2000 --seed 8 --registry-only --out "$tmp/c" >/dev/null
grep -q " employers, [0-9]* episodes, [0-9]* wages, [0-9]* bindings -> " "$tmp/a.out" \
    || fail "summary line: $(cat "$tmp/a.out")"
[ "$(head -1 "$tmp/a/employers.csv")" = "emp_no,emp_name,admdvs,struggling" ] || fail "employers header"
[ "$(head -1 "$tmp/a/episodes.csv")" = "psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason" ] \
    || fail "episodes header"
[ "$(head -1 "$tmp/a/wages.csv")" = "emp_no,psn_no,month,wage,base_share" ] || fail "wages header"
[ "$(head -1 "$tmp/a/bindings.csv")" = "holder_psn_no,member_psn_no,relation,valid_from,revoked_at" ] \
    || fail "bindings header"
for f in $files persons; do
    # the same seed, with bills or without: the same registry bytes
    cmp -s "$tmp/a/$f.csv" "$tmp/b/$f.csv" || fail "$f.csv differs between two runs of seed 7"
    [ "$(wc -l <"$tmp/a/$f.csv")" -gt 1 ] || fail "$f.csv has no rows"
done
cmp -s "$tmp/a/episodes.csv" "$tmp/c/episodes.csv" && fail "seeds 7 and 8 gave the same episodes"

# what the files hold: every row's scheme and region, wages for the months in service,
# the year's events present, wages spread around the policy's floor and ceiling
python3 - "$tmp/a" <<'EOF' || fail "content"
import csv, sys, collections
d = sys.argv[1]
eps = collections.defaultdict(list)
for r in csv.DictReader(open(d + "/episodes.csv")):
    eps[r["psn_no"]].append(r)
persons = list(csv.DictReader(open(d + "/persons.csv")))
for p in persons:
    assert any(e["insutype"] == p["insutype"] and e["admdvs"] == p["insuplc_admdvs"]
               for e in eps[p["psn_no"]]), "no episode of its scheme and region: " + p["psn_no"]
wages = collections.Counter()
floor = ceiling = declared = 0
for r in csv.DictReader(open(d + "/wages.csv")):
    wages[(r["psn_no"], r["month"])] += 1
    if r["emp_no"]:
        declared += 1
        floor += float(r["wage"]) < 3600
        ceiling += float(r["wage"]) > 18000
    else:
        assert r["base_share"] in ("0.6", "1.0") and r["wage"] == "", r
months = ["2020-%02d" % m for m in range(1, 13)]
for psn, v in eps.items():
    for e in v:
        if e["category"] not in ("in_service", "flexible"):
            continue
        for m in months:
            if e["from_month"] <= m and (e["to_month"] == "" or m <= e["to_month"]):
                assert wages[(psn, m)] >= 1, "no wage for %s %s" % (psn, m)
ends = collections.Counter(e["end_reason"] for v in eps.values() for e in v)
starts = collections.Counter(e["reason"] for v in eps.values() for e in v)
cats = collections.Counter(e["category"] for v in eps.values() for e in v)
for k in ("stop", "death", "transfer_out", "retirement"):
    assert ends[k] > 0, "no episode ending by " + k
assert starts["transfer_in"] > 0 and cats["flexible"] > 0 and cats["retired"] > 0
late = sum(1 for v in eps.values() for e in v if e["reason"] == "new" and e["from_month"] >= "2020-01")
assert late > 0, "no late enrolment"
assert 0.05 < floor / declared < 0.5 and 0 < ceiling / declared < 0.05, (floor, ceiling, declared)
EOF

import_all() { # db dir policy...
    local db=$1 dir=$2; shift 2
    "$YIBAO" import --db "$db" persons "$dir/persons.csv" >/dev/null || fail "import persons ($dir)"
    [ $# -gt 0 ] && { "$YIBAO" import --db "$db" policy "$@" >/dev/null || fail "import policy"; }
    for f in $files; do
        "$YIBAO" import --db "$db" "$f" "$dir/$f.csv" >"$tmp/import.out" 2>"$tmp/import.err" \
            || fail "import $f ($dir): $(cat "$tmp/import.err")"
        rows=$(($(wc -l <"$dir/$f.csv") - 1))
        grep -q "^imported $rows $f " "$tmp/import.out" || fail "import $f: $(cat "$tmp/import.out")"
    done
}

"$YIBAO" gen city --persons 600 --seed 3 --policy-set jincheng-2015 --registry-only --out "$tmp/j" >/dev/null
maoming="$root/policies/maoming-2020-employee.json $root/policies/maoming-2020-resident.json"
# shellcheck disable=SC2086
import_all "$tmp/a.sqlite" "$tmp/a" $maoming
import_all "$tmp/j.sqlite" "$tmp/j"
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pg_db="yibao_genenrol_$$_$RANDOM"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pg_db" >/dev/null || { pg_db=""; fail createdb; }
    # shellcheck disable=SC2086
    import_all "${YIBAO_PG_URI%/*}/$pg_db" "$tmp/a" $maoming
fi
"$YIBAO" check --db "$tmp/a.sqlite" >/dev/null || fail "check after the imports"

# a file over the import's 200,000 rows goes on in parts, each with its header
"$YIBAO" gen city --persons 70000 --seed 2 --registry-only --out "$tmp/big" >/dev/null
[ -s "$tmp/big/wages-2.csv" ] || fail "no wages-2.csv for 70000 persons"
[ "$(wc -l <"$tmp/big/wages.csv")" -eq 200001 ] || fail "wages.csv is not 200,000 rows and a header"
[ "$(head -1 "$tmp/big/wages-2.csv")" = "emp_no,psn_no,month,wage,base_share" ] || fail "wages-2.csv header"
"$YIBAO" gen city --persons 500 --seed 2 --registry-only --out "$tmp/big" >/dev/null
[ ! -e "$tmp/big/wages-2.csv" ] || fail "a stale wages-2.csv left by a bigger city"
echo "t_gen_enrol: ok"
