#!/usr/bin/env bash
# t_benefit_start.sh: benefit start and contribution_short derived from the
# stored episodes and the journal (issue 16 item 3; FUNDS.md §4;
# docs/ENROLMENT.md "Derived benefit start"). A late-enrolled employee (8
# months' gap, grace 3, waiting 6) settles with no fund paying until the
# waiting period ends, then the funds pay; a retiree short of 60 months is
# refused (E_CONTRIBUTION_SHORT) and gets no retiree allocation in the
# contribution run until `yibao pay-lump-sum` records the lump sum (its
# posting into the pool), then settles and is allocated; a retiree with
# the months is not short; persons without episodes keep their typed
# values; an episodes import derives the flagged persons again; bad input
# to pay-lump-sum exits 2 naming the field, nothing written; `check` and
# `check --deep` pass, and a persons edit contradicting a derived value
# fails `check` until derive-benefits. Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city
cat >"$work/emp.csv" <<'EOF'
psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc
P0201,440900198501010201,Late Employee,1,1985-01-01,310,in_service,,440900,2000-01-01,0
P0202,440900195501010202,Short Retiree,1,1955-01-01,310,retired,,440900,2000-01-01,0
P0203,440900196001010203,Full Retiree,2,1960-01-01,310,retired,,440900,2000-01-01,0
P0204,440900196001010204,Typed Retiree,2,1960-01-01,310,retired,contribution_short,440900,2000-01-01,0
EOF
# P0201: 2015-01..2019-06, then from 2020-03: the gap 2019-07..2020-02 is 8
# months > grace 3, so benefits start 2020-03 + 1 + 6 = 2020-10-01.
# P0202: 240 months before retiring, a man needs 300: 60 short, 60 x
# mul(6000, 0.08) = 28,800 yuan. P0203: a woman with 300 months (240 needed).
cat >"$work/episodes.csv" <<'EOF'
psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason
P0201,310,440900,in_service,2015-01,2019-06,new,stop
P0201,310,440900,in_service,2020-03,,new,
P0202,310,440900,in_service,1995-01,2014-12,new,retirement
P0202,310,440900,retired,2015-01,,retirement,
P0203,310,440900,in_service,1990-01,2014-12,new,retirement
P0203,310,440900,retired,2015-01,,retirement,
EOF
y import persons "$work/emp.csv" >/dev/null || fail "import the employees"
y import episodes "$work/episodes.csv" >/dev/null || fail "import episodes"

# an inpatient stay the funds pay part of (once benefits have started)
stay() { # PSN MSGID FROM TO: prints fund_pay_sumamt, or the error code
    printf '{"psn_no":"%s","msgid":"%s","fixmedins_code":"H3","med_type":"21","begntime":"%s","endtime":"%s","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' "$1" "$2" "$3" "$4" >"$work/stay.json"
    y settle "$work/stay.json" 2>/dev/null | jq -r 'if .error then .error else .setlinfo.fund_pay_sumamt end'
}
field() { y show person "$1" --json | jq -r ".person.$2"; }

# ---- typed: the registry's 2000-01-01 lets the funds pay the late employee
paid=$(stay P0201 S0 2020-09-01 2020-09-10)
[ "$paid" != 0 ] && [ "$paid" != null ] || fail "typed benefit start: the funds paid $paid"
[ "$(field P0201 benefit_source)" = "typed (persons file)" ] || fail "source before deriving"

# ---- derived
out=$(y derive-benefits) || fail "derive-benefits: $out"
grep -q "3 persons with employee episodes, 0 residents with a premium charged: 3 derived (3 changed), 0 kept as typed" <<<"$out" ||
    fail "derive-benefits: $out"
[ "$(field P0201 benefit_start)" = 2020-10-01 ] || fail "P0201's benefit start: $(field P0201 benefit_start)"
grep -q "^derived from episodes (first month 2020-03, 8 months gap)" <<<"$(field P0201 benefit_source)" ||
    fail "P0201's source: $(field P0201 benefit_source)"
[ "$(field P0202 flags)" = "contribution_short;benefit_derived" ] || fail "P0202's flags: $(field P0202 flags)"
[ "$(field P0202 contribution)" = "contribution_short: 60 months short, lump sum 28800.00 yuan due" ] ||
    fail "P0202's contribution: $(field P0202 contribution)"
[ "$(field P0203 flags)" = "benefit_derived" ] || fail "P0203's flags: $(field P0203 flags)"
grep -q "minimum months met (300 in all, 300 here)" <<<"$(field P0203 contribution)" || fail "P0203: $(field P0203 contribution)"
# no episodes: typed values kept, the typed flag still refuses
[ "$(field P0204 benefit_source)" = "typed (persons file)" ] || fail "P0204's source"
[ "$(stay P0204 T1 2020-03-02 2020-03-11)" = E_CONTRIBUTION_SHORT ] || fail "the typed flag"
[ "$(field P0001 benefit_start)" = 2000-01-01 ] || fail "a resident's typed benefit start changed"
out=$(y derive-benefits) || fail "derive-benefits again"
grep -q "3 derived (0 changed)" <<<"$out" || fail "a second derive changed something: $out"

# ---- the late employee: no fund pays until 2020-10-01, then the funds pay
[ "$(stay P0201 S1 2020-09-01 2020-09-10)" = 0 ] || fail "before the waiting period ends the funds paid"
paid=$(stay P0201 S2 2020-10-02 2020-10-11)
[ "$paid" != 0 ] && [ "$paid" != null ] && [ "$paid" != E_CONTRIBUTION_SHORT ] ||
    fail "after the waiting period: $paid"
# the full retiree settles
paid=$(stay P0203 S3 2020-03-02 2020-03-11)
[ "$paid" != 0 ] && [ "$paid" != E_CONTRIBUTION_SHORT ] || fail "the full retiree: $paid"

# ---- the short retiree: refused, no allocation
[ "$(stay P0202 R1 2020-03-02 2020-03-11)" = E_CONTRIBUTION_SHORT ] || fail "the short retiree settled"
y import policy "$root/policies/maoming-2020-resident.json" >/dev/null 2>&1 || true
y contribute --month 2020-01 >/dev/null 2>&1 || fail "contribute 2020-01"
alloc() { sql "SELECT COALESCE(SUM(amount), 0) FROM postings WHERE debit = 'P:$1'"; }
[ "$(alloc P0202)" = 0 ] || fail "the short retiree got an allocation: $(alloc P0202)"
[ "$(alloc P0203)" = 8400 ] || fail "the full retiree's allocation: $(alloc P0203)"
grep -q "short=1" <<<"$(sql "SELECT body FROM journal WHERE msgid = 'contrib/310/2020-01/P0202'")" ||
    fail "the short retiree's record"

# ---- pay-lump-sum: bad input, exit 2 naming the field, nothing written
before=$(records)
refuse() { # MESSAGE ARGS...
    local want=$1
    shift
    y pay-lump-sum "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "pay-lump-sum $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "pay-lump-sum $*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "pay-lump-sum $*: the journal changed"
}
refuse "usage: yibao pay-lump-sum" --amount 28800
refuse "usage: yibao pay-lump-sum" --psn P0202
refuse "--amount 'abc': not a number" --psn P0202 --amount abc
refuse "--amount '28800.001'" --psn P0202 --amount 28800.001
refuse "--amount '-5': not more than 0" --psn P0202 --amount -5
refuse "--amount: 100.00 yuan is not the sum due, 28800.00 yuan (60 months at 480.00)" --psn P0202 --amount 100
refuse "psn_no: person NOPE is not registered" --psn NOPE --amount 100
refuse "psn_no: P0201 is not retired" --psn P0201 --amount 100
refuse "psn_no: P0203 is not short of the minimum months (300 in all, 300 here)" --psn P0203 --amount 100
refuse "psn_no: P0001 has no employee episode in region 440900" --psn P0001 --amount 100
refuse "--reason holds a control character or '='" --psn P0202 --amount 28800 --operator clerk --reason "a=b"

# ---- paid: the posting into the pool, the flag lifted
out=$(y pay-lump-sum --psn P0202 --amount 28800.00 --operator clerk --reason "receipt 77") || fail "pay-lump-sum: $out"
grep -q "pay-lump-sum P0202: 60 months, 28800.00 yuan into F:hifp:440900:2020" <<<"$out" || fail "pay-lump-sum: $out"
[ "$(sql "SELECT debit || ' ' || credit || ' ' || amount FROM postings p JOIN journal j ON j.seq = p.seq WHERE j.msgid = 'lump/310/P0202'")" = \
  "F:hifp:440900:2020 R:psn:P0202 2880000" ] || fail "the lump sum's posting"
[ "$(field P0202 flags)" = benefit_derived ] || fail "the flag is not lifted: $(field P0202 flags)"
grep -q "lump sum paid (journal seq" <<<"$(field P0202 contribution)" || fail "P0202: $(field P0202 contribution)"
before=$(records)
refuse "psn_no: P0202 paid the lump sum already" --psn P0202 --amount 28800
paid=$(stay P0202 R2 2020-03-02 2020-03-11)
[ "$paid" != 0 ] && [ "$paid" != E_CONTRIBUTION_SHORT ] || fail "after the lump sum: $paid"
y contribute --month 2020-02 >/dev/null 2>&1 || fail "contribute 2020-02"
[ "$(alloc P0202)" = 8400 ] || fail "the allocation after the lump sum: $(alloc P0202)"

# ---- an episodes import derives the flagged persons again: a 2019-07..2019-12
# episode leaves a 2-month gap (within grace): benefits from 2020-04-01
printf 'psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason\nP0201,310,440900,in_service,2019-07,2019-12,new,stop\n' >"$work/more.csv"
out=$(y import episodes "$work/more.csv") || fail "import more episodes: $out"
grep -q "derived again: 1 persons' benefit values changed" <<<"$out" || fail "import episodes: $out"
[ "$(field P0201 benefit_start)" = 2020-04-01 ] || fail "P0201 after the import: $(field P0201 benefit_start)"

# ---- check and check --deep; a stale derived value fails check
y check >"$work/check" 2>&1 || fail "check: $(cat "$work/check")"
y check --deep >"$work/check" 2>&1 || fail "check --deep: $(cat "$work/check")"
# an operator's persons edit that types P0201's benefit start back while the
# flag says it is derived: check names the person, derive-benefits mends it
grep '^P0201,' "$work/emp.csv" | sed 's/,in_service,,/,in_service,benefit_derived,/' >"$work/body.csv"
{ head -1 "$work/emp.csv"; cat "$work/body.csv"; } >"$work/edit.csv"
y import persons "$work/edit.csv" --operator clerk --reason "typed back" >/dev/null || fail "the persons edit"
rc=0; y check >"$work/check" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check after the edit: exit $rc: $(cat "$work/check")"
grep -q "benefit: person P0201: benefit_start stored 2000-01-01, derived 2020-04-01" "$work/check" ||
    fail "check's message: $(cat "$work/check")"
y derive-benefits >/dev/null || fail "derive-benefits after the edit"
y check >"$work/check" 2>&1 || fail "check after derive-benefits: $(cat "$work/check")"
echo "PASS t_benefit_start ($SVC_BACKEND)"
