#!/usr/bin/env bash
# t_whatif.sh: `yibao whatif` (issue 17 item 5) through the real binary on a
# generated city (WHATIF_PERSONS: 20,000 persons, the issue's size).
# Store A settles the city's year under the Maoming 2020 policies with the
# resident catastrophic ratio at 0.75, store B the same bills under the
# shipped 0.80; each revokes the same two settlements half-way through.
#  - the what-if of A under its own policies reports a change of exactly 0
#    on every figure, and its "before" funds are A's ledger (show fund);
#  - the what-if of A under 0.80 reports per fund a spending change equal to
#    B's ledger minus A's (settled again from scratch), and its "after"
#    figures (funds, out-of-pocket by level and group, ratios) are the
#    "before" figures of B's own what-if;
#  - the store is byte-identical after (file hash), nothing written;
#  - refusals (exit 2, nothing changed): a policy of another year, of a
#    region the store has no policy of, a broken policy (the import's own
#    message), a second policy of one key, an unknown --format, a missing --payment file;
#    a year with a policy and no settlements reports zeros (exit 0).
# With YIBAO_PG_URI, the checks with the two stores again on PostgreSQL, on
# a smaller city (WHATIF_PG_PERSONS, 2,000).
set -uo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
# the issue's 20,000 persons on the release build; 2,000 under the
# sanitizers (about 10 times slower), where the release run has the size
default_persons=20000
[ "${YIBAO_VARIANT:-release}" = san ] && default_persons=2000
PERSONS=${WHATIF_PERSONS:-$default_persons}
status=0
fail() { echo "FAIL: $*"; status=1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-whatif-XXXXXX")
pgdb=""
cleanup() {
    for x in a b; do
        [ -n "$pgdb" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS ${pgdb}_$x WITH (FORCE)" >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$root" || exit 1

jq '.catastrophic.bands[0].ratio = 0.75' policies/maoming-2020-resident.json >"$work/res75.json"
p80=policies/maoming-2020-resident.json
jq '.year = 2021' policies/maoming-2020-resident.json >"$work/res2021.json"
city() { # DIR PERSONS: a generated city, its bills in two halves
    "$YIBAO" gen city --persons "$2" --seed 17 --out "$1" >/dev/null || return 1
    local n half
    n=$(wc -l <"$1/bills.jsonl")
    half=$((n / 2))
    head -n "$half" "$1/bills.jsonl" >"$1/first.jsonl"
    tail -n +"$((half + 1))" "$1/bills.jsonl" >"$1/second.jsonl"
}

# DB CITY RESIDENT_POLICY: the city's registry, the policies (and a 2021
# one without bills), the first half of the bills, two revokes (the 7th
# settlement and one half-way), the employees' contributions of June, the
# second half
setup() {
    local db=$1 c=$2 half
    "$YIBAO" init --db "$db" >/dev/null &&
        "$YIBAO" import --db "$db" institutions "$c/institutions.csv" >/dev/null &&
        "$YIBAO" import --db "$db" policy policies/maoming-2020-employee.json "$3" "$work/res2021.json" >/dev/null &&
        "$YIBAO" import --db "$db" catalog policies/catalog-conformance.json >/dev/null &&
        "$YIBAO" import --db "$db" persons "$c/persons.csv" >/dev/null || return 1
    "$YIBAO" settle --db "$db" "$c/first.jsonl" >"$work/out" 2>/dev/null || return 1
    half=$(wc -l <"$c/first.jsonl")
    for line in 7 $((half / 2)); do
        setl=$(sed -n "${line}p" "$work/out" | jq -r .setl_id)
        "$YIBAO" revoke --db "$db" "$setl" --operator tester --reason "t_whatif" >/dev/null || return 1
    done
    # a month's contributions between the halves: their account shares are
    # money the second half's bills pay from (the what-if credits them)
    for k in employers episodes wages; do
        "$YIBAO" import --db "$db" "$k" "$c/$k"*.csv >/dev/null || return 1
    done
    "$YIBAO" contribute --db "$db" --month 2020-06 >"$(revenue_file "$db")" 2>/dev/null || return 1
    "$YIBAO" settle --db "$db" "$c/second.jsonl" >/dev/null 2>&1
}
whatif() { "$YIBAO" whatif --year 2020 --format json "$@"; }
# the contribution run's summary of a store (a path or a URI)
revenue_file() { echo "$work/revenue.$(echo "$1" | md5sum | cut -c1-12)"; }
# fen of each fund's spending in a `show fund --json`: the revenue the
# contribution run posted (its summary: pool to hifp, over_cap to hifob)
# less the balance
fund_fen() {
    "$YIBAO" show fund --db "$1" --year 2020 --json |
        python3 -c 'import json,sys,decimal,re
d=json.load(sys.stdin,parse_float=decimal.Decimal)
run=open(sys.argv[1]).read()
rev={"hifp": int(re.search(r"pool=(-?[0-9]+)", run).group(1)),
     "hifob": int(re.search(r"over_cap=([0-9]+)", run).group(1))}
for f in d["funds"]:
    fund=f["account"].split(":")[1]
    spent = rev.get(fund, 0) - int(f["balance"]*100)
    if spent != 0: print(fund, spent)' "$(revenue_file "$1")" | sort
}
# "fund fen-of-FIELD" lines of a what-if report
report_fen() { # FILE FIELD
    python3 -c 'import json,sys,decimal
d=json.load(open(sys.argv[1]),parse_float=decimal.Decimal)
for f in d["funds"]:
    if f["fund"] != "total" and f[sys.argv[2]] != 0: print(f["fund"], int(f[sys.argv[2]]*100))' "$1" "$2" | sort
}
# every change in a report is 0 (money and per cents)
all_zero() {
    python3 -c 'import json,sys,decimal
d=json.load(open(sys.argv[1]),parse_float=decimal.Decimal)
bad=[]
def walk(x,path):
    if isinstance(x,dict):
        for k,v in x.items():
            if k in ("change","smallest_change") and v not in (0,"none"): bad.append(path+"."+k)
            walk(v,path+"."+k)
    elif isinstance(x,list):
        for i,v in enumerate(x): walk(v,"%s[%d]"%(path,i))
walk(d,"")
assert d["replay"]["settlements"] > 0 or "zeros" in sys.argv[2:], "no settlements"
sys.exit("changes not 0: "+" ".join(bad[:5]) if bad else 0)' "$@"
}
# the "after" figures of report 1 are the "before" figures of report 2
after_is_before() {
    python3 -c 'import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
def rows(d,key,name,field): return {r[name]: r[field] for r in d[key]}
for key,name in (("funds","fund"),("out_of_pocket_by_level","level"),("out_of_pocket_by_group","group"),("ratios","ratio")):
    x,y=rows(a,key,name,"after"),rows(b,key,name,"before")
    assert x==y, (key,x,y)
assert a["out_of_pocket"]["after"]==b["out_of_pocket"]["before"]' "$1" "$2"
}
# the store's file, byte for byte, and its write-ahead log empty or absent
# (SQLite makes an empty -wal and its -shm index when any reader opens a
# WAL store: `check` does the same)
store_hash() { sha256sum <"$1"; [ ! -s "$1-wal" ] || echo "a write-ahead log of $(wc -c <"$1-wal") bytes"; }

# ---- the year's own policies, and 0.75 -> 0.80, on stores A and B of a city ----
# both(A B CITY HASH-FN): the checks that need the two stores, on any backend
both() {
    local a=$1 b=$2 c=$3 hash=$4 n tag=${1##*/}
    n=$(wc -l <"$c/bills.jsonl")
    local before
    before=$($hash "$a")
    # the year's own policies: exactly 0 on every figure
    whatif --db "$a" --policy policies/maoming-2020-employee.json --policy "$work/res75.json" >"$work/own.json" ||
        fail "$tag: whatif with the year's own policies"
    all_zero "$work/own.json" || fail "$tag: own policies: $(head -c 600 "$work/own.json")"
    # the month's contributions are revenue: months of support, unchanged
    jq -e '.months_of_support.available and ([.months_of_support.funds[] |
        select(.balance_before != .balance_after or .months_before != .months_after)] | length == 0)' \
        "$work/own.json" >/dev/null || fail "$tag: own: months of support $(jq -c .months_of_support "$work/own.json")"
    [ "$(jq -r .replay.revokes "$work/own.json")" = 2 ] || fail "$tag: own: not 2 revokes: $(jq -c .replay "$work/own.json")"
    [ "$(jq -r .replay.settlements "$work/own.json")" = $((n - 2)) ] || fail "$tag: own: $(jq -c .replay "$work/own.json"), $n bills"
    [ "$(report_fen "$work/own.json" before)" = "$(fund_fen "$a")" ] || fail "$tag: own: before is not the ledger"
    # catastrophic 0.75 -> 0.80: the change is settling again from scratch (B)
    whatif --db "$a" --policy "$p80" >"$work/w80.json" || fail "$tag: whatif 0.80"
    whatif --db "$b" --policy "$p80" >"$work/b_own.json" || fail "$tag: whatif of B, own"
    all_zero "$work/b_own.json" || fail "$tag: B own policies not 0"
    local expected got
    expected=$(join <(fund_fen "$a") <(fund_fen "$b") | awk '$3 != $2 {print $1, $3 - $2}')
    got=$(python3 -c 'import json,sys,decimal
d=json.load(open(sys.argv[1]),parse_float=decimal.Decimal)
for f in d["funds"]:
    if f["fund"] != "total" and f["change"] != 0: print(f["fund"], int(f["change"]*100))' "$work/w80.json" | sort)
    [ -n "$expected" ] || fail "$tag: 0.80 changed no fund in the stores"
    [ "$got" = "$expected" ] || fail "$tag: change: what-if '$got', settled again '$expected'"
    after_is_before "$work/w80.json" "$work/b_own.json" || fail "$tag: the what-if's after is not B's figures"
    [ "$(jq -r '.hardest_hit.persons' "$work/w80.json")" -ge 1 ] || fail "$tag: no hardest hit"
    [ "$($hash "$a")" = "$before" ] || fail "$tag: store A changed by whatif"
}

city "$work/city" "$PERSONS" || { echo "gen city failed"; exit 1; }
a=$work/a.db b=$work/b.db
setup "$a" "$work/city" "$work/res75.json" || fail "store A set-up"
setup "$b" "$work/city" "$p80" || fail "store B set-up"
hash_before=$(store_hash "$a")
both "$a" "$b" "$work/city" store_hash
n=$(wc -l <"$work/city/bills.jsonl")
"$YIBAO" whatif --db "$a" --year 2020 --policy "$work/res75.json" >"$work/own.txt" || fail "whatif (table)"
grep -qx "months of support at the year's end, every region (FUNDS.md 8)" "$work/own.txt" ||
    fail "no months-of-support table: $(tail -6 "$work/own.txt")"
grep -Eq '^hifmi +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +0\.00$' "$work/own.txt" || fail "table: $(head -20 "$work/own.txt")"

# ---- refusals: exit 2, file and field named ----
refused() { # MESSAGE ARGS...: exit 2, MESSAGE on stderr, nothing on stdout
    local want=$1; shift
    "$YIBAO" whatif --db "$a" --year 2020 "$@" >"$work/r.out" 2>"$work/r.err"
    local rc=$?
    [ $rc = 2 ] || fail "whatif $*: exit $rc, not 2"
    grep -qF -- "$want" "$work/r.err" || fail "whatif $*: '$(cat "$work/r.err")' does not say '$want'"
    [ ! -s "$work/r.out" ] || fail "whatif $*: printed a report"
}
jq '.year = 2019' "$p80" >"$work/y2019.json"
refused "$work/y2019.json: year: is 2019, not the year asked (--year 2020)" --policy "$work/y2019.json"
jq '.region = "110100"' "$p80" >"$work/bj.json"
refused "$work/bj.json: region: 110100: the store has no policy of this region for 2020" --policy "$work/bj.json"
refused "a second what-if policy" --policy "$p80" --policy "$work/res75.json"
jq '.catastrophic.bands[0].ratio = 1.5' "$p80" >"$work/broken.json"
"$YIBAO" import --db "$work/scratch.db" policy "$work/broken.json" 2>"$work/import.err" >/dev/null
import_msg=$(sed 's/^yibao: //' "$work/import.err")
[ -n "$import_msg" ] || fail "the broken policy imports"
refused "yibao whatif: $import_msg" --policy "$work/broken.json"
refused "--format 'xml': not table or json" --policy "$p80" --format xml
refused "pay.json" --policy "$p80" --payment pay.json
"$YIBAO" whatif --db "$work/missing.db" --year 2020 --policy "$p80" >/dev/null 2>&1
[ $? = 2 ] || fail "a missing store is not exit 2"
[ ! -e "$work/missing.db" ] || fail "whatif created a store"
# a year with a policy and no settlement: zeros, not an error
"$YIBAO" whatif --db "$a" --year 2021 --policy "$work/res2021.json" --format json >"$work/y2021.json" ||
    fail "a year without settlements is an error"
all_zero "$work/y2021.json" zeros || fail "2021 not zeros"
[ "$(jq -r '.months_of_support.available' "$work/y2021.json")" = false ] || fail "2021 has months of support without revenue"
[ "$(jq -r '.replay.settlements' "$work/y2021.json")" = 0 ] || fail "2021 has settlements"
[ "$(store_hash "$a")" = "$hash_before" ] || fail "store A changed by the refusals"

# ---- PostgreSQL: the checks with two stores, on a smaller city (settling
# durably there takes longer than on SQLite) ----
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_whatif_$$"
    pg_hash() {
        psql -qtA "$1" -c "SELECT md5(string_agg(hash, ',' ORDER BY seq)) || count(*) FROM journal" &&
            psql -qtA "$1" -c "SELECT md5(string_agg(account || balance, ',' ORDER BY account)) FROM accounts"
    }
    city "$work/pgcity" "${WHATIF_PG_PERSONS:-2000}" || fail "gen city (PostgreSQL)"
    for x in a b; do
        psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE ${pgdb}_$x" >/dev/null || fail "create ${pgdb}_$x"
    done
    pga="${YIBAO_PG_URI%/*}/${pgdb}_a" pgb="${YIBAO_PG_URI%/*}/${pgdb}_b"
    setup "$pga" "$work/pgcity" "$work/res75.json" || fail "PostgreSQL store A set-up"
    setup "$pgb" "$work/pgcity" "$p80" || fail "PostgreSQL store B set-up"
    both "$pga" "$pgb" "$work/pgcity" pg_hash
fi

[ $status -eq 0 ] && echo "t_whatif: ok ($n bills, $PERSONS persons${YIBAO_PG_URI:+, SQLite and PostgreSQL})"
exit $status
