#!/usr/bin/env bash
# t_cli_registry.sh: changing what is registered (issue 15, item 5, in part):
# an import that would change a registered institution or replace a policy
# of the same region, year and scheme with other rules is refused, naming
# file, line and field, and changes nothing, unless it says who and why
# (--operator, --reason), which its journal record keeps (`show journal`'s
# note); the same file again is no change; a policy change names the day
# it is in force from (valid_from; t_registry_edits.sh settles by it); a
# revoke says who and why too;
# check and check --deep pass.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 1
db=$tmp/r.sqlite
y() { "$yibao" "$@" --db "$db"; }

"$yibao" init --db "$db" >/dev/null || fail init
inst=$tmp/inst.csv
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status\nH3,City,hospital,level3,440900,active\nH0,Town,hospital,township,440900,active\n' >"$inst"
y import institutions "$inst" >/dev/null || fail "import institutions"
y import institutions "$inst" >/dev/null || fail "the same institutions again"
sed 's/H0,Town,hospital,township,440900,active/H0,Town,hospital,township,440900,suspended/' "$inst" >"$tmp/inst2.csv"
y import institutions "$tmp/inst2.csv" >/dev/null 2>"$tmp/err" && fail "a suspension without who and why was imported"
grep -q "inst2.csv:3: fixmedins_code: registered already with other values: changing an institution needs --operator and --reason" "$tmp/err" ||
    fail "suspension refused: $(cat "$tmp/err")"
[ "$(y show institution H0 --json | jq -r .institution.status)" = active ] || fail "a refused import changed H0"
y import institutions "$tmp/inst2.csv" --operator alice --reason "suspended pending an audit" >/dev/null 2>"$tmp/err" ||
    fail "a suspension with who and why: $(cat "$tmp/err")"
[ "$(y show institution H0 --json | jq -r .institution.status)" = suspended ] || fail "H0 not suspended"
note=$(y show journal --json | jq -r '.journal[-1].note')
[ "$note" = "alice: suspended pending an audit" ] || fail "the record's note: '$note'"
y import institutions "$tmp/inst2.csv" --operator alice >/dev/null 2>&1 && fail "--operator without --reason"
y import institutions "$tmp/inst2.csv" --operator alice --reason "a=b" >/dev/null 2>"$tmp/err" && fail "a reason with '='"
grep -q -- "--reason holds a control character or '='" "$tmp/err" || fail "reason with '=': $(cat "$tmp/err")"

pol=policies/maoming-2020-resident.json
y import policy "$pol" >/dev/null || fail "import policy"
y import policy "$pol" >/dev/null || fail "the same policy again"
jq '.basic.outpatient_general.ratio = 0.6' "$pol" >"$tmp/pol2.json"
y import policy "$tmp/pol2.json" >/dev/null 2>"$tmp/err" && fail "a changed policy without who and why was imported"
grep -q "pol2.json: a policy of region 440900, year 2020, scheme 390: registered already with other rules: a change inside the year must name the date it is in force from (valid_from, 2020-01-01 or later) and give --operator and --reason" "$tmp/err" ||
    fail "policy refused: $(cat "$tmp/err")"
y import policy "$tmp/pol2.json" --operator bob --reason "2020 ratio decision" >/dev/null 2>&1 &&
    fail "a change without its date, with who and why, was imported"
# replacing the version from the year's first day names that day
jq '.valid_from = "2020-01-01"' "$tmp/pol2.json" >"$tmp/pol3.json"
y import policy "$tmp/pol3.json" >/dev/null 2>"$tmp/err" && fail "a replacement without who and why"
grep -q "pol3.json: .*: a version in force from 2020-01-01 replaces the registered one: it needs --operator and --reason" "$tmp/err" ||
    fail "a replacement without who and why: $(cat "$tmp/err")"
y import policy "$tmp/pol3.json" --operator bob --reason "2020 ratio decision" >/dev/null 2>"$tmp/err" ||
    fail "a changed policy with who and why: $(cat "$tmp/err")"
# the first policy of a year is in force from its first day
jq '.valid_from = "2020-04-01" | .insutype = "310" | del(.funding)' "$pol" >"$tmp/first.json" # a resident policy as 310: its premium terms are no employee funding
y import policy "$tmp/first.json" >/dev/null 2>"$tmp/err" && fail "a first version from April"
grep -q "first.json: a policy of region 440900, year 2020, scheme 310: valid_from 2020-04-01: the first policy of a year is in force from its first day (2020-01-01)" "$tmp/err" ||
    fail "a first version from April: $(cat "$tmp/err")"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "bob: 2020 ratio decision" ] || fail "the policy record's note"

# a revoke says who and why; its record keeps them
y import catalog policies/catalog-conformance.json >/dev/null || fail "import catalog"
printf 'psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\nP0001,440900196006150011,A,1,1960-06-15,390,adult,,440900,2000-01-01,0\n' >"$tmp/p.csv"
y import persons "$tmp/p.csv" >/dev/null || fail "import persons"
echo '{"psn_no":"P0001","msgid":"R1","fixmedins_code":"H3","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0}]}' >"$tmp/bill.json"
setl=$(y settle "$tmp/bill.json" | jq -r .setl_id)
[ -n "$setl" ] && [ "$setl" != null ] || fail "settle for the revoke"
y revoke "$setl" >/dev/null 2>&1 && fail "a revoke without who and why"
y revoke "$setl" --operator carol --reason "billed twice; 100% refund" >/dev/null 2>"$tmp/err" || fail "revoke: $(cat "$tmp/err")"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "carol: billed twice; 100% refund" ] ||
    fail "the revoke's note: $(y show journal --json | jq -c '.journal[-1]')"
[ "$(y show settlement "$setl" --json | jq -r .settlement.revoked)" = true ] || fail "not revoked"

y check >/dev/null || fail "check"
y check --deep >/dev/null || fail "check --deep"
[ "$status" = 0 ] && echo "t_cli_registry: ok"
exit "$status"
