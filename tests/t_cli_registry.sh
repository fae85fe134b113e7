#!/usr/bin/env bash
# t_cli_registry.sh: changing what is registered (issue 15, item 5, in part):
# an import that would change a registered institution or replace a policy
# of the same region, year and scheme with other rules is refused, naming
# file, line and field, and changes nothing, unless it says who and why
# (--operator, --reason), which its journal record keeps (`show journal`'s
# note); the same file again is no change; check and check --deep pass.
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
grep -q "pol2.json: a policy of region 440900, year 2020, scheme 390 is registered already with other rules: replacing it needs --operator and --reason" "$tmp/err" ||
    fail "policy refused: $(cat "$tmp/err")"
y import policy "$tmp/pol2.json" --operator bob --reason "2020 ratio decision" >/dev/null 2>"$tmp/err" ||
    fail "a changed policy with who and why: $(cat "$tmp/err")"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "bob: 2020 ratio decision" ] || fail "the policy record's note"

y check >/dev/null || fail "check"
y check --deep >/dev/null || fail "check --deep"
[ "$status" = 0 ] && echo "t_cli_registry: ok"
exit "$status"
