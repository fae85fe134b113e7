#!/usr/bin/env bash
# t_payment_import.sh: payment agreements as data (issue 17, item 2;
# docs/PAYMENT.md) through the real binary: a region's yibao-payment/1 file
# (global budget, DIP, capitation, fee for service, the quota list, the
# withhold rates) imported, listed by `show payment` (table and --json),
# the same file again no change, a changed one refused without who and why
# and taken with them; every kind of bad file refused with exit 2 and
# "FILE: key.path: what", nothing written (the journal's length unchanged);
# `check` and `check --deep` pass, and `check` fails once the stored
# agreement is changed in SQL; capitation signings imported, and refused
# for an unregistered institution or person, a bad date, an end before
# the start. Both backends (SVC_BACKEND=pg with
# YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city
echo "X1,Elsewhere Hospital,hospital,level2,440100,active" >"$work/x1.csv.body"
{ head -1 "$work/institutions.csv"; cat "$work/x1.csv.body"; } >"$work/x1.csv"
y import institutions "$work/x1.csv" >/dev/null || fail "import X1"

cat >"$work/pay.json" <<'EOF'
{"format": "yibao-payment/1", "id": "maoming-2020-payment", "region": "440900", "year": 2020,
 "withhold_rate": 0.05,
 "quotas": {"K35": 6000.00, "O82": 4500.00},
 "dip": {"budget": 12000000.00, "coefficients": {"level2": 1.0, "level3": 1.2},
         "groups": {"*": {"points": 100, "avg_cost": 8000.00},
                    "K35": {"points": 80.5, "avg_cost": 6400.00}}},
 "institutions": {
   "H3": {"method": "global_budget", "budget": 50000000.00, "savings_corridor": 0.1,
          "savings_share": 0.5, "overspend_corridor": 0.1, "overspend_share": 0.5,
          "quota_joined": true},
   "H8": {"method": "dip", "quota_joined": true},
   "H0": {"method": "capitation", "rate": 12.50, "withhold_rate": 0},
   "P1": {"method": "fee_for_service"}}}
EOF
out=$(y import payment "$work/pay.json") || fail "import the agreement: $out"
grep -q "^imported 4 institutions' payment agreements from .*pay.json" <<<"$out" || fail "import said: $out"
j=$(y show payment --json)
[ "$(jq -c '[.institutions[] | [.fixmedins_code, .method, .withhold_rate, .quota_joined, .budget, .capitation_rate]]' <<<"$j")" = \
  '[["H3","global_budget",0.05,true,50000000,0],["H8","dip",0.05,true,0,0],["H0","capitation",0,false,0,12.5],["P1","fee_for_service",0.05,false,0,0]]' ] ||
    fail "show payment --json: $j"
y show payment --region 440900 --year 2020 | grep -qE '^440900 +2020 +H0 +capitation +0\.0000 +no +0\.00 +12\.50$' ||
    fail "show payment: $(y show payment)"
[ "$(y show payment --year 2021 --json | jq '.institutions | length')" = 0 ] || fail "show payment --year 2021"
y show payment --year abc >/dev/null 2>&1 && fail "show payment --year abc"

# the same file again: no change; another without who and why: refused
y import payment "$work/pay.json" >/dev/null || fail "the same agreement again"
jq '.institutions.H3.budget = 48000000' "$work/pay.json" >"$work/pay2.json"
records=$(y show journal --json | jq '.journal | length')
y import payment "$work/pay2.json" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "a changed agreement without who and why: exit $rc"
grep -qx "yibao: pay2.json: the payment agreement of region 440900, year 2020 is registered already with other terms: replacing it needs --operator and --reason" "$work/err" ||
    fail "a changed agreement: $(cat "$work/err")"
[ "$(y show journal --json | jq '.journal | length')" = "$records" ] || fail "a refused agreement wrote a record"
y import payment "$work/pay2.json" --operator dan --reason "H3 budget cut" >/dev/null || fail "the change with who and why"
[ "$(y show payment --json | jq '.institutions[0].budget')" = 48000000 ] || fail "the changed budget"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "dan: H3 budget cut" ] || fail "the change's note"

# bad files: exit 2, the file, the path, what; nothing written
refused() { # NAME EXPECTED JQ-EXPRESSION
    jq "$3" "$work/pay.json" >"$work/$1.json" 2>/dev/null || printf '%s' "$3" >"$work/$1.json"
    local before; before=$(y show journal --json | jq '.journal | length')
    y import payment "$work/$1.json" --operator dan --reason x >/dev/null 2>"$work/err"; local rc=$?
    [ "$rc" = 2 ] || fail "$1: exit $rc"
    grep -q "^yibao: " "$work/err" && grep -qF "$1.json: $2" "$work/err" || fail "$1: $(cat "$work/err")"
    [ "$(y show journal --json | jq '.journal | length')" = "$before" ] || fail "$1 wrote a record"
}
refused format 'format: must be "yibao-payment/1"' '.format = "yibao-policy/1"'
refused unknown-key 'institutions.H3.budgte: unknown key' '.institutions.H3.budgte = 1'
refused top-key 'quota: unknown key' '.quota = {}'
refused method 'institutions.H3.method: must be fee_for_service, global_budget, dip or capitation' '.institutions.H3.method = "drg"'
refused no-budget 'institutions.H3.budget: missing' 'del(.institutions.H3.budget)'
refused share 'institutions.H3.savings_share: must be a number in [0, 1] with at most 4 decimals (out of range: 1.5)' '.institutions.H3.savings_share = 1.5'
refused decimals 'institutions.H3.budget: must be an amount in yuan >= 0 with at most 2 decimals (too many decimals: 1.234)' '.institutions.H3.budget = 1.234'
refused other-term 'institutions.P1.rate: unknown key' '.institutions.P1.rate = 3'
refused no-rate 'institutions.H0.rate: missing' 'del(.institutions.H0.rate)'
refused catch-all 'dip.groups: must hold the group "*" for the cases no prefix matches' 'del(.dip.groups["*"])'
refused no-dip 'institutions.H8.method: dip needs the region'"'"'s terms (dip)' 'del(.dip)'
refused no-quotas 'institutions.H3.quota_joined: there is no quota list (quotas)' 'del(.quotas)'
refused prefix 'quotas.k35: must be an ICD-10 prefix (1 to 15 capitals, digits or '"'"'.'"'"')' '.quotas.k35 = 1'
refused points 'dip.groups.K35.points: must be a number > 0 with at most 4 decimals' '.dip.groups.K35.points = 0'
refused coefficient 'dip.coefficients.level9: not an institution level' '.dip.coefficients.level9 = 1'
refused year 'year: must be an integer in [1, 9999]' '.year = 0'
refused empty 'institutions: must name an institution' '.institutions = {}'
refused unregistered 'institutions.H77: not a registered institution' '.institutions.H77 = {"method": "fee_for_service"}'
refused region 'institutions.X1: registered in region 440100, not 440900' '.institutions.X1 = {"method": "fee_for_service"}'
refused level 'institutions.H0: its level township has no DIP coefficient (dip.coefficients)' '.institutions.H0 = {"method": "dip"}'
printf '{"format": "yibao-payment/1", "id": "x", "region": "440900", "year": 2020, "institutions": {"P1": {"method": "fee_for_service"}, "P1": {"method": "dip"}}}' >"$work/twice.json"
y import payment "$work/twice.json" >/dev/null 2>"$work/err" && fail "a key twice"
grep -qF "twice.json: byte 152: duplicate key \"P1\" in an object" "$work/err" || fail "a key twice: $(cat "$work/err")"
printf '{"format": ' >"$work/broken.json"
y import payment "$work/broken.json" >/dev/null 2>"$work/err" && fail "broken JSON"
grep -q "^yibao: .*broken.json" "$work/err" || fail "broken JSON: $(cat "$work/err")"

# capitation signings: a person signed to a primary-care institution
cat >"$work/signings.csv" <<'EOF'
fixmedins_code,psn_no,from_date,to_date
H0,P0001,2020-01-01,
H0,P0003,2019-07-01,2020-06-30
EOF
out=$(y import signings "$work/signings.csv") || fail "import signings: $out"
grep -q "^imported 2 signings" <<<"$out" || fail "import signings said: $out"
y import signings "$work/signings.csv" >/dev/null || fail "the same signings again"
S='fixmedins_code,psn_no,from_date,to_date'
sign_refused() { # NAME EXPECTED ROW
    printf '%s\n%s\n' "$S" "$3" >"$work/$1.csv"
    y import signings "$work/$1.csv" >/dev/null 2>"$work/err" && fail "signings $1 taken"
    grep -qF "$1.csv:2: $2" "$work/err" || fail "signings $1: $(cat "$work/err")"
}
sign_refused sign-inst 'fixmedins_code: institution H77 is not registered' 'H77,P0001,2020-01-01,'
sign_refused sign-psn 'psn_no: person P9999 is not registered' 'H0,P9999,2020-01-01,'
sign_refused sign-date 'from_date: not a date YYYY-MM-DD' 'H0,P0001,2020-02-30,'
sign_refused sign-order 'to_date: before from_date' 'H0,P0001,2020-03-01,2020-02-01'
sign_refused sign-time 'from_date: not a date YYYY-MM-DD' 'H0,P0001,2020-03-01 08:00:00,'

y check >/dev/null || fail "check: $(y check 2>&1)"
y check --deep >"$work/deep" 2>&1 || fail "check --deep: $(cat "$work/deep")"
# the stored agreement changed in SQL: check finds it
sql "UPDATE payment_agreements SET json = replace(json, 'capitation', 'dip')" >/dev/null
y check >"$work/out" 2>&1 && fail "check passed with the agreement changed in SQL"
grep -q "registry: the payment table differs from what import seq [0-9]* recorded: changed outside yibao" "$work/out" || fail "check on the changed agreement: $(cat "$work/out")"
echo "t_payment_import: ok ($SVC_BACKEND)"
