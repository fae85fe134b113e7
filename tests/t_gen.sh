#!/usr/bin/env bash
# t_gen.sh: `yibao gen` from the outside: a 2000-person city has its four
# files with the documented headers, the same seed gives the same bytes, a
# different seed different bills, bad options exit 2 naming the option, and
# a write to a full disk exits 2. Needs $YIBAO.
set -euo pipefail
: "${YIBAO:?set YIBAO to the yibao binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "t_gen: $*" >&2; exit 1; }

"$YIBAO" gen city --persons 2000 --seed 7 --out "$tmp/a" >"$tmp/a.out"
"$YIBAO" gen city --persons 2000 --seed 7 --out "$tmp/b" >/dev/null
"$YIBAO" gen city --persons 2000 --seed 8 --out "$tmp/c" >/dev/null
for f in persons.csv institutions.csv bills.jsonl labels.jsonl; do
    [ -s "$tmp/a/$f" ] || fail "$f missing or empty"
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between two runs with seed 7"
done
cmp -s "$tmp/a/bills.jsonl" "$tmp/c/bills.jsonl" && fail "seeds 7 and 8 gave the same bills"
grep -q "2000 persons" "$tmp/a.out" || fail "summary line: $(cat "$tmp/a.out")"

[ "$(head -1 "$tmp/a/persons.csv")" = \
  "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc" ] \
    || fail "persons.csv header"
[ "$(head -1 "$tmp/a/institutions.csv")" = "fixmedins_code,fixmedins_name,type,level,admdvs,status" ] \
    || fail "institutions.csv header"
rows=$(($(wc -l <"$tmp/a/persons.csv") - 1))
[ "$rows" -ge 2000 ] || fail "persons.csv has $rows rows"
head -1 "$tmp/a/bills.jsonl" | grep -q '^{"msgid":"[HP]440900[0-9]\{5\}2020[0-9]\{4\}-G7-[0-9]\{8\}-[0-9]\{3\}","psn_no":"440900' \
    || fail "bill shape"
# every msgid: the bill's fixmedins_code, the yyyymmdd of its endtime, then seed, person, bill
msgid_re='^{"msgid":"\([HP][0-9]\{11\}\)\([0-9]\{4\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)-G7-[0-9]\{8\}-[0-9]\{3\}",'
msgid_re+='"psn_no":"[0-9]*","fixmedins_code":"\1",[^{]*"endtime":"\2-\3-\4 '
odd=$(grep -vc "$msgid_re" "$tmp/a/bills.jsonl" || true)
[ "$odd" -eq 0 ] || fail "$odd msgids not fixmedins_code + endtime's yyyymmdd: $(grep -vm1 "$msgid_re" "$tmp/a/bills.jsonl")"
grep -q '"details":\[{"feedetl_sn":"1"' "$tmp/a/bills.jsonl" || fail "details shape"
grep -vq '"endtime":"2020-' "$tmp/a/bills.jsonl" && fail "a bill outside 2020"
head -1 "$tmp/a/labels.jsonl" | grep -q '^{"kind":"[a-z_]*","msgid":\[' || fail "label shape"

# registry only: no bills
"$YIBAO" gen city --persons 500 --seed 7 --registry-only --out "$tmp/r" >/dev/null
[ -s "$tmp/r/persons.csv" ] && [ ! -e "$tmp/r/bills.jsonl" ] || fail "--registry-only"

# a catalog
"$YIBAO" gen catalog --items 2000 --seed 3 --out "$tmp/catalog.json" >/dev/null
head -1 "$tmp/catalog.json" | grep -q '"format":"yibao-catalog/1"' || fail "catalog format"

# a city on a synthetic catalog: its items appear in the bills
"$YIBAO" gen city --persons 300 --seed 7 --catalog-items 2000 --catalog-seed 3 --out "$tmp/k" >/dev/null
code=$(grep -m1 -o '"med_list_codg":"[XSC][A-Z0-9]\{8,\}"' "$tmp/k/bills.jsonl" | sed -n 1p | cut -d'"' -f4)
[ -n "$code" ] && grep -q "^\"$code\":" "$tmp/catalog.json" || fail "catalog city item '$code' not in the catalog"

# bad options: exit 2 and name the option
expect_2() { # pattern, args...
    local pattern=$1; shift
    set +e
    "$YIBAO" "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "'$*' exited $rc, not 2"
    grep -q -- "$pattern" "$tmp/err" || fail "'$*' did not name $pattern: $(cat "$tmp/err")"
}
expect_2 --persons gen city --persons abc --out "$tmp/x"
expect_2 --persons gen city --persons 0 --out "$tmp/x"
expect_2 --persons gen city --out "$tmp/x"
expect_2 --out gen city --persons 10
expect_2 --bogus gen city --persons 10 --out "$tmp/x" --bogus 1
expect_2 --rate-split gen city --persons 10 --out "$tmp/x" --rate-split 1.5
expect_2 --policy-set gen city --persons 10 --out "$tmp/x" --policy-set atlantis
expect_2 --items gen catalog --items many --out "$tmp/y"
expect_2 --catalog-items gen city --persons 10 --out "$tmp/x" --catalog-items 100001
if [ -w /dev/full ]; then
    expect_2 "write failed" gen catalog --items 2000 --out /dev/full
fi
echo "t_gen: ok"
