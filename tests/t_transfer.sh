#!/usr/bin/env bash
# t_transfer.sh: transfers between regions (关系转移; issue 16 item 5;
# docs/ENROLMENT.md "Transfers between regions"). A store keeping the
# books of two regions (440900 and 440902: an employee policy each):
# an employee transferred 440900 -> 440902 moves exactly the personal
# account's balance (opening balance plus a contribution) with a posting
# pair P -> T:440900:2020, T:440902:2020 -> P, the account keeping it; a
# second run posts nothing and says so; the registry region becomes
# 440902 and a settlement after reads the account there; a retiree's
# `total` months include the months carried from 440900, `local` not; an
# outbound transfer to a region not here pays the balance out; an inbound
# one from outside takes the balance given; bad input exits 2 naming the
# field, nothing written; `check`, `check --deep`, the trial balance and
# `report funds` (fund acct: transfers in and out) tie; a transfer's body
# changed in SQL fails `check`. Both backends
# (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
. "$(dirname "$0")/months_lib.sh"

make_city
# region 440902's books: the same employee policy, of that region
jq '.region = "440902" | .id = "maoming-2020-employee-440902"' \
    "$root/policies/maoming-2020-employee.json" >"$work/emp-440902.json"
y import policy "$work/emp-440902.json" >/dev/null || fail "import 440902's policy"
cat >"$work/tr.csv" <<'EOF'
psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc
T0001,440900198501010301,Moving Employee,1,1985-01-01,310,in_service,,440900,2000-01-01,1234.56
T0002,440900196001010302,Moving Retiree,2,1960-01-01,310,retired,,440900,2000-01-01,800.00
T0003,440900198001010303,Leaving Employee,1,1980-01-01,310,in_service,,440900,2000-01-01,300.00
T0004,510100198001010304,Arriving Employee,1,1980-01-01,310,in_service,,510100,2000-01-01,0
T0005,440900198001010305,Registered Elsewhere,1,1980-01-01,310,in_service,,440902,2000-01-01,0
EOF
# T0001: 440900 to 2020-03, 440902 from 2020-04. T0002: 240 months in
# 440900, 120 in 440902, retired there in 2020. T0003: left for a region
# not here. T0004: came from 510100 (not here) in 2020-01.
cat >"$work/episodes.csv" <<'EOF'
psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason
T0001,310,440900,in_service,2010-01,2020-03,new,transfer_out
T0001,310,440902,in_service,2020-04,,transfer_in,
T0002,310,440900,in_service,1990-01,2009-12,new,transfer_out
T0002,310,440902,in_service,2010-01,2019-12,transfer_in,retirement
T0002,310,440902,retired,2020-01,,retirement,
T0003,310,440900,in_service,2015-01,2020-05,new,transfer_out
T0004,310,510100,in_service,2000-01,2019-12,new,transfer_out
T0004,310,440902,in_service,2020-01,,transfer_in,
T0005,310,440900,in_service,2015-01,2020-02,new,transfer_out
T0005,310,440902,in_service,2020-03,,transfer_in,
EOF
printf 'emp_no,emp_name,admdvs,struggling\nE001,Works,440900,false\n' >"$work/employers.csv"
printf 'emp_no,psn_no,month,wage,base_share\nE001,T0001,2020-03,6500.00,\n' >"$work/wages.csv"
y import persons "$work/tr.csv" >/dev/null || fail "import persons"
y import employers "$work/employers.csv" >/dev/null || fail "import employers"
y import episodes "$work/episodes.csv" >/dev/null || fail "import episodes"
y import wages "$work/wages.csv" >/dev/null || fail "import wages"
y contribute --month 2020-03 >/dev/null 2>&1 || fail "contribute 2020-03"
y derive-benefits >/dev/null || fail "derive-benefits"
field() { y show person "$1" --json | jq -r ".person.$2"; }
balance() { sql "SELECT COALESCE((SELECT SUM(amount) FROM postings WHERE debit = '$1'), 0) - COALESCE((SELECT SUM(amount) FROM postings WHERE credit = '$1'), 0)"; }
# the opening 1234.56 plus the month's account share mul(6500, 0.02) = 130.00
[ "$(balance P:T0001)" = 136456 ] || fail "T0001's account before: $(balance P:T0001)"

# ---- bad input: exit 2 naming the field, nothing written
before=$(records)
refuse() { # MESSAGE ARGS...
    local want=$1
    shift
    y transfer "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "transfer $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "transfer $*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "transfer $*: the journal changed"
}
refuse "usage: yibao transfer" --to 440902
refuse "psn_no: person NOPE is not registered" --psn NOPE
refuse "psn_no: P0002: no employee episode ends with transfer_out" --psn P0002
refuse "--balance 'abc': not a number" --psn T0004 --balance abc
refuse "--balance '-1': negative" --psn T0004 --balance -1
refuse "--balance '1.005'" --psn T0004 --balance 1.005
refuse "--balance: missing: region 510100's books are not in this store" --psn T0004
refuse "--balance: region 440900's books are here" --psn T0001 --balance 5
refuse "--to: 440903, but the episodes say T0001 went to 440902" --psn T0001 --to 440903
refuse "--to: missing: no employee episode follows the one of region 440900" --psn T0003
refuse "--to: '44' is not a region code of 6 digits other than 440900" --psn T0003 --to 44
refuse "--to: '440900' is not a region code" --psn T0003 --to 440900
refuse "--reason holds a control character or '='" --psn T0001 --operator clerk --reason "a=b"
# registered in 440902 already: 440900 does not pay out (a changed episode's new month would)
refuse "psn_no: T0005 is registered in region 440902, not 440900, the region it leaves" --psn T0005

# ---- A -> B, both here: the posting pair, the balance kept, the region moved
out=$(y transfer --psn T0001 --operator clerk --reason "letter 12") || fail "transfer T0001: $out"
grep -q "transfer T0001: 440900 -> 440902 2020-04: 1364.56 yuan paid out taken in, 123 months carried" <<<"$out" ||
    fail "transfer T0001: $out"
grep -q "registry region now the new one" <<<"$out" || fail "transfer T0001's region: $out"
pair=$(sql "SELECT debit || ' ' || credit || ' ' || amount FROM postings p JOIN journal j ON j.seq = p.seq
            WHERE j.msgid = 'transfer/310/T0001/440900-440902/2020-04' ORDER BY p.idx")
[ "$pair" = "T:440900:2020 P:T0001 136456
P:T0001 T:440902:2020 136456" ] || fail "T0001's postings: $pair"
[ "$(balance P:T0001)" = 136456 ] || fail "T0001's account after: $(balance P:T0001)"
[ "$(field T0001 insuplc_admdvs)" = 440902 ] || fail "T0001's region: $(field T0001 insuplc_admdvs)"
# a second run: nothing posted, says so
before=$(records)
out=$(y transfer --psn T0001) || fail "transfer T0001 again: $out"
grep -q "transferred already, nothing posted" <<<"$out" || fail "transfer T0001 again: $out"
[ "$(records)" = "$before" ] || fail "the second run wrote"
[ "$(sql "SELECT count(*) FROM journal WHERE msgid LIKE 'transfer/310/T0001/%'")" = 1 ] || fail "T0001 twice"

# ---- a settlement after the transfer: the new region's policy, the account
# as it is (the funds pay from the benefit start derived in 440902, 2020-05-01)
printf '{"psn_no":"T0001","msgid":"TS1","fixmedins_code":"H3","med_type":"21","begntime":"2020-06-01","endtime":"2020-06-10","dise_codg":"K35.8","acct_used_flag":1,"details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' >"$work/stay.json"
ans=$(y settle "$work/stay.json") || fail "settle T0001: $ans"
# the pool paying is 440902's
pools=$(sql "SELECT DISTINCT credit FROM postings p JOIN journal j ON j.seq = p.seq WHERE j.msgid = 'TS1' AND credit LIKE 'F:%'")
[ "$pools" = F:hifp:440902:2020 ] || fail "settled from: $pools"
# the account as transferred, 1364.56, pays 1120.00 of the person's part
[ "$(jq -r '.setlinfo.acct_pay' <<<"$ans")" = 1120 ] && [ "$(jq -r '.setlinfo.balc' <<<"$ans")" = 244.56 ] ||
    fail "the account: $(jq -c .setlinfo <<<"$ans")"
[ "$(balance P:T0001)" = 24456 ] || fail "T0001's account after the settlement: $(balance P:T0001)"

# ---- the retiree: total counts the carried months, local not (run late: the
# balance is the account's now, 800.00 opening plus 2020-03's allocation 84.00)
out=$(y transfer --psn T0002) || fail "transfer T0002: $out"
grep -q "440900 -> 440902 2010-01: 884.00 yuan paid out taken in, 240 months carried" <<<"$out" || fail "T0002: $out"
[ "$(field T0002 insuplc_admdvs)" = 440902 ] || fail "T0002's region"
grep -q "minimum months met (360 in all, 120 here)" <<<"$(field T0002 contribution)" ||
    fail "T0002's months: $(field T0002 contribution)"

# ---- outbound to a region not here: the balance paid out, the account 0
out=$(y transfer --psn T0003 --to 510100) || fail "transfer T0003: $out"
grep -q "440900 -> 510100 2020-06: 300.00 yuan paid out, 65 months carried" <<<"$out" || fail "T0003: $out"
[ "$(balance P:T0003)" = 0 ] || fail "T0003's account after: $(balance P:T0003)"
[ "$(field T0003 insuplc_admdvs)" = 440900 ] || fail "T0003's region changed"

# ---- inbound from a region not here: the balance given taken in
out=$(y transfer --psn T0004 --balance 2000.50) || fail "transfer T0004: $out"
grep -q "510100 -> 440902 2020-01: 2000.50 yuan taken in, 240 months carried" <<<"$out" || fail "T0004: $out"
[ "$(balance P:T0004)" = 200050 ] || fail "T0004's account: $(balance P:T0004)"
[ "$(field T0004 insuplc_admdvs)" = 440902 ] || fail "T0004's region"
before=$(records)
out=$(y transfer --psn T0004 --balance 2000.50) || fail "transfer T0004 again: $out"
grep -q "transferred already" <<<"$out" || fail "T0004 again: $out"
[ "$(records)" = "$before" ] || fail "T0004's second run wrote"

# ---- the books tie
y check >"$work/check" 2>&1 || fail "check: $(cat "$work/check")"
y check --deep >"$work/check" 2>&1 || fail "check --deep: $(cat "$work/check")"
tb=$(y report trial-balance --format json) || fail "trial balance: $tb"
[ "$(jq '.debit == .credit' <<<"$tb")" = true ] || fail "debits are not credits: $tb"
# numbers compared as numbers (jq may print 884.00 as 884)
line() { jq --arg a "$1" --argjson v "$2" 'any(.lines[]; .account == $a and .balance == $v)' <<<"$tb"; }
[ "$(line T:440900:2020 1664.56)" = true ] && [ "$(line T:440902:2020 -3365.06)" = true ] ||
    fail "the 2020 transfers: $tb"
[ "$(line T:440900:2010 884)" = true ] && [ "$(line T:440902:2010 -884)" = true ] || fail "the 2010 transfer: $tb"
rc=0
rep=$(y report funds --year 2020 --format json 2>"$work/rep.err") || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "report funds: exit $rc: $(cat "$work/rep.err")"
acct() { # REGION REVENUE SPENDING: the fund acct line of the region has them, no months of support
    jq --arg r "$1" --argjson in "$2" --argjson out "$3" \
        'any(.funds[]; .fund == "acct" and .region == $r and .revenue == $in and .spending == $out
             and .months_of_support == null)' <<<"$rep"
}
[ "$(acct 440900 0 1664.56)" = true ] && [ "$(acct 440902 3365.06 0)" = true ] ||
    fail "report funds' transfers: $(jq -c '.funds[] | select(.fund == "acct")' <<<"$rep")"
# the postings keep the transfer's month (2020-04, not the record's time):
# one month on is found by check; migration 20 gives them again (months_lib.sh)
tseq=$(sql "SELECT seq FROM journal WHERE msgid = 'transfer/310/T0001/440900-440902/2020-04'")
[ "$(sql "SELECT DISTINCT month FROM postings WHERE seq = $tseq")" = $((2020 * 12 + 3)) ] ||
    fail "the transfer's postings' month: $(sql "SELECT * FROM postings WHERE seq = $tseq")"
sql "UPDATE postings SET month = month + 1 WHERE seq = $tseq" >/dev/null
rc=0; y check >"$work/check" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "journal seq $tseq: a posting's month 2020-05 is not the record's" "$work/check" ||
    fail "check of a transfer's month moved: exit $rc: $(cat "$work/check")"
sql "UPDATE postings SET month = month - 1 WHERE seq = $tseq" >/dev/null
months_again
# a transfer's amount changed in SQL fails check
sql "UPDATE journal SET body = replace(body, 'amount=136456', 'amount=136457')
     WHERE msgid = 'transfer/310/T0001/440900-440902/2020-04'" >/dev/null || fail "the SQL edit"
rc=0; y check >"$work/check" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check after the edit: exit $rc: $(cat "$work/check")"
grep -q "hash mismatch: the record was altered" "$work/check" || fail "check's message: $(cat "$work/check")"
echo "PASS t_transfer ($SVC_BACKEND)"
