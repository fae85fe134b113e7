#!/usr/bin/env bash
# t_benefit_resident.sh: a resident's benefit start derived from the
# premium's payment (issue 16 item 3; FUNDS.md §3, §4; docs/ENROLMENT.md
# "Residents"). Seven residents charged for 2020 by the contribution run:
# one paid inside the window (benefits from 2020-01-01), one late (payment
# + 90 waiting days), a newborn (from the birth date), a person half
# assisted who paid late (from the payment date), one assisted in full
# (2020-01-01), one who never paid (2021-01-01: no fund pays a bill of
# 2020), one who paid 2020 on time and 2021 late, and one who paid 2020
# late and 2021 on time: each year has its own start (FUNDS.md §4), so a
# bill of 2020 settled after the 2021 payment reads 2020's start (the
# funds pay R07's, not R08's early one), and a year charged but unpaid
# gives no benefit in that year only (the service's 2001 reads the same
# start of the visit's year). Settlements before and after
# derive-benefits; pay-premium and import premiums derive again; bad
# input exits 2 naming the field, nothing written; `check` and `check
# --deep` pass, and a persons edit typing a derived start back fails
# `check`. Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city
jq '.id = "maoming-2021-resident" | .year = 2021 | .name = "Maoming resident 2021 (test copy)"' \
    "$root/policies/maoming-2020-resident.json" >"$work/res2021.json" || fail "the 2021 policy"
y import policy "$work/res2021.json" >/dev/null || fail "import the 2021 policy"
cat >"$work/res.csv" <<'EOF'
psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc
R01,440900198501010301,On Time,1,1985-01-01,390,adult,,440900,2000-01-01,0
R02,440900198501010302,Late Payer,2,1985-01-01,390,adult,,440900,2000-01-01,0
R03,440900202002010303,Newborn,1,2020-02-01,390,minor,,440900,2000-01-01,0
R04,440900197001010304,Half Assisted,2,1970-01-01,390,adult,poverty_registered,440900,2000-01-01,0
R05,440900197001010305,Fully Assisted,1,1970-01-01,390,adult,low_income,440900,2000-01-01,0
R06,440900197001010306,Never Paid,1,1970-01-01,390,adult,,440900,2000-01-01,0
R07,440900197001010307,Two Years,2,1970-01-01,390,adult,,440900,2000-01-01,0
R08,440900197001010308,Late Then On Time,1,1970-01-01,390,adult,,440900,2000-01-01,0
EOF
cat >"$work/episodes.csv" <<'EOF'
psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason
R01,390,440900,adult,2018-01,,new,
R02,390,440900,adult,2020-03,,new,
R03,390,440900,minor,2020-02,,new,
R04,390,440900,adult,2018-01,,new,
R05,390,440900,adult,2018-01,,new,
R06,390,440900,adult,2018-01,,new,
R07,390,440900,adult,2018-01,,new,
R08,390,440900,adult,2018-01,,new,
EOF
y import persons "$work/res.csv" >/dev/null || fail "import the residents"
y import episodes "$work/episodes.csv" >/dev/null || fail "import episodes"
y contribute --year 2020 --residents >/dev/null || fail "contribute 2020"
cat >"$work/premiums.csv" <<'EOF'
psn_no,year,amount,paid_date
R01,2020,280.00,2019-10-15
R02,2020,280.00,2020-03-10
R03,2020,180.00,2020-03-01
R04,2020,140.00,2020-04-01
R07,2020,280.00,2019-12-31
R08,2020,280.00,2020-03-10
EOF
y import premiums "$work/premiums.csv" >/dev/null 2>"$work/err" || fail "import premiums: $(cat "$work/err")"

stay() { # PSN MSGID FROM TO: prints fund_pay_sumamt, or the error code
    printf '{"psn_no":"%s","msgid":"%s","fixmedins_code":"H3","med_type":"21","begntime":"%s","endtime":"%s","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' "$1" "$2" "$3" "$4" >"$work/stay.json"
    y settle "$work/stay.json" 2>/dev/null | jq -r 'if .error then .error else .setlinfo.fund_pay_sumamt end'
}
field() { y show person "$1" --json | jq -r ".person.$2"; }
paid_by_funds() { [ "$1" != 0 ] && [ "$1" != null ] && [ "${1#E_}" = "$1" ]; }

# ---- typed: 2000-01-01 lets the funds pay whoever
b=$(stay R06 A0 2020-05-01 2020-05-05)
paid_by_funds "$b" || fail "typed: R06's stay: $b"
[ "$(field R06 benefit_source)" = "typed (persons file)" ] || fail "R06 source before deriving"

# ---- bad input: exit 2, the field named, nothing written
before=$(records)
refuse() { # MESSAGE COMMAND ARGS...
    local want=$1
    shift
    y "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "$*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "$*: the journal changed"
}
refuse "unexpected argument '--year'" derive-benefits --year 2020
refuse "--reason holds a control character or '='" derive-benefits --operator clerk --reason "a=b"
printf 'psn_no,year,amount,paid_date\nR06,2020,280.00,2020-02-30\n' >"$work/bad.csv"
refuse "bad.csv:2: paid_date:" import premiums "$work/bad.csv"
printf 'psn_no,year,amount,paid_date\nR06,2020,280.00,2019-08-31\n' >"$work/bad.csv"
refuse "bad.csv:2: paid_date: E_WINDOW" import premiums "$work/bad.csv"
refuse "E_WINDOW: --date" pay-premium --psn R06 --year 2020 --amount 280 --date 2021-01-01

# ---- derived
out=$(y derive-benefits) || fail "derive-benefits: $out"
grep -q "0 persons with employee episodes, 8 residents with a premium charged: 8 derived (8 changed), 0 kept as typed" <<<"$out" ||
    fail "derive-benefits: $out"
want="R01 2020-01-01
R02 2020-06-08
R03 2020-02-01
R04 2020-04-01
R05 2020-01-01
R06 2021-01-01
R07 2020-01-01
R08 2020-06-08"
got=$(for p in R01 R02 R03 R04 R05 R06 R07 R08; do echo "$p $(field $p benefit_start)"; done)
[ "$got" = "$want" ] || fail "derived starts: $got"
[ "$(field R02 flags)" = benefit_derived ] || fail "R02's flags: $(field R02 flags)"
grep -q "derived from the premium of 2020 (paid 2020-03-10, journal seq" <<<"$(field R02 benefit_source)" ||
    fail "R02's source: $(field R02 benefit_source)"
grep -q "assisted in full" <<<"$(field R05 benefit_source)" || fail "R05's source: $(field R05 benefit_source)"
grep -q "not paid: no benefit in 2020" <<<"$(field R06 benefit_source)" || fail "R06's source: $(field R06 benefit_source)"
[ "$(field P0001 benefit_source)" = "typed (persons file)" ] || fail "P0001 (never charged) is typed"

# settlements: no fund pays before the start, the funds pay after
[ "$(stay R06 A1 2020-05-01 2020-05-05)" = 0 ] || fail "R06 unpaid: the funds paid"
[ "$(stay R02 B1 2020-05-01 2020-05-05)" = 0 ] || fail "R02 in the waiting days: the funds paid"
b=$(stay R02 B2 2020-07-01 2020-07-05); paid_by_funds "$b" || fail "R02 after the waiting days: $b"
[ "$(stay R03 C0 2020-01-20 2020-01-25)" = 0 ] || fail "R03 before birth: the funds paid"
b=$(stay R03 C1 2020-02-10 2020-02-15); paid_by_funds "$b" || fail "R03 newborn: $b"
[ "$(stay R04 D0 2020-03-20 2020-03-25)" = 0 ] || fail "R04 before the payment: the funds paid"
b=$(stay R04 D1 2020-04-02 2020-04-05); paid_by_funds "$b" || fail "R04 assisted, from the payment: $b"
b=$(stay R05 E1 2020-01-02 2020-01-05); paid_by_funds "$b" || fail "R05 fully assisted: $b"
b=$(stay R01 F1 2020-01-02 2020-01-05); paid_by_funds "$b" || fail "R01 on time: $b"
y check >"$work/check" 2>&1 || fail "check after deriving: $(cat "$work/check")"

# ---- a payment derives again: R06 pays late, benefits 90 days later
out=$(y pay-premium --psn R06 --year 2020 --amount 280 --date 2020-05-01) || fail "pay-premium R06: $out"
grep -q "derived again: the benefit start of R06" <<<"$out" || fail "pay-premium R06: $out"
[ "$(field R06 benefit_start)" = 2020-07-30 ] || fail "R06 after paying: $(field R06 benefit_start)"

# ---- the next year: charged (R07 keeps 2020's start), then paid late
out=$(y contribute --year 2021 --residents) || fail "contribute 2021: $out"
[ "$(field R07 benefit_start)" = 2020-01-01 ] || fail "R07 charged for 2021: $(field R07 benefit_start)"
printf 'psn_no,year,amount,paid_date\nR07,2021,280.00,2021-02-01\n' >"$work/p2021.csv"
out=$(y import premiums "$work/p2021.csv") || fail "import the 2021 premium: $out"
grep -q "derived again: 1 persons' benefit values changed" <<<"$out" || fail "import premiums 2021: $out"
[ "$(field R07 benefit_start)" = 2021-05-02 ] || fail "R07 paid late for 2021: $(field R07 benefit_start)"
[ "$(stay R07 G1 2021-03-01 2021-03-05)" = 0 ] || fail "R07 in 2021's waiting days: the funds paid"
[ "$(field R07 benefit_start_per_year)" = "2020:2020-01-01 2021:2021-05-02" ] ||
    fail "R07's starts per year: $(field R07 benefit_start_per_year)"

# ---- per year: a bill of 2020 settled after the 2021 payment reads 2020's start
b=$(stay R07 G2 2020-11-01 2020-11-05); paid_by_funds "$b" || fail "R07's 2020 bill after the late 2021 payment: $b"
b=$(stay R07 G3 2021-06-01 2021-06-05); paid_by_funds "$b" || fail "R07 after 2021's waiting days: $b"
# R08: late in 2020, on time for 2021 (paid in 2020's window)
out=$(y pay-premium --psn R08 --year 2021 --amount 280 --date 2020-11-20) || fail "pay-premium R08 2021: $out"
[ "$(field R08 benefit_start)" = 2021-01-01 ] || fail "R08 paid 2021 on time: $(field R08 benefit_start)"
[ "$(field R08 benefit_start_per_year)" = "2020:2020-06-08 2021:2021-01-01" ] ||
    fail "R08's starts per year: $(field R08 benefit_start_per_year)"
[ "$(stay R08 H1 2020-05-01 2020-05-05)" = 0 ] || fail "R08's early 2020 bill (late in 2020): the funds paid"
b=$(stay R08 H2 2020-07-01 2020-07-05); paid_by_funds "$b" || fail "R08's 2020 bill after 2020's start: $b"
b=$(stay R08 H3 2021-01-10 2021-01-15); paid_by_funds "$b" || fail "R08 on time for 2021: $b"
# R01: paid 2020, charged for 2021 but never paid: 2020 kept, no fund in 2021
[ "$(field R01 benefit_start_per_year)" = "2020:2020-01-01 2021:2022-01-01" ] ||
    fail "R01's starts per year: $(field R01 benefit_start_per_year)"
b=$(stay R01 F2 2020-12-01 2020-12-05); paid_by_funds "$b" || fail "R01's 2020 bill after the 2021 charge: $b"
[ "$(stay R01 F3 2021-02-01 2021-02-05)" = 0 ] || fail "R01 unpaid for 2021: the funds paid"
# the service's 2001 (benefit check) reads the start of begntime's year
credential H3
start_server
sign_in H3
check2001() { # PSN BEGNTIME FLAG BEGNDATE
    local a
    a=$(call H3 2001 "{\"data\":{\"psn_no\":\"$1\",\"insutype\":\"390\",\"med_type\":\"11\",\"begntime\":\"$2 08:00:00\"}}")
    expect_ok "$a"
    expect_field "$a" '.output.trtinfo[0].trt_enjymnt_flag' "$3"
    expect_field "$a" '.output.trtinfo[0].begndate' "$4"
}
check2001 R07 2020-11-01 1 2020-01-01
check2001 R07 2021-03-01 0 2021-05-02
check2001 R08 2020-05-01 0 2020-06-08
check2001 R08 2021-01-10 1 2021-01-01
stop_server

# ---- check and check --deep; a stale derived value fails check
y check >"$work/check" 2>&1 || fail "check: $(cat "$work/check")"
y check --deep >"$work/check" 2>&1 || fail "check --deep: $(cat "$work/check")"
grep '^R02,' "$work/res.csv" | sed 's/,adult,,/,adult,benefit_derived,/' >"$work/body.csv"
{ head -1 "$work/res.csv"; cat "$work/body.csv"; } >"$work/edit.csv"
y import persons "$work/edit.csv" --operator clerk --reason "typed back" >/dev/null || fail "the persons edit"
rc=0; y check >"$work/check" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check after the edit: exit $rc: $(cat "$work/check")"
grep -q "benefit: person R02: benefit_start stored 2000-01-01, derived 2020-06-08" "$work/check" ||
    fail "check's message: $(cat "$work/check")"
y derive-benefits >/dev/null || fail "derive-benefits after the edit"
y check >"$work/check" 2>&1 || fail "check after derive-benefits: $(cat "$work/check")"
echo "PASS t_benefit_resident ($SVC_BACKEND)"
