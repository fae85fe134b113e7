#!/usr/bin/env bash
# t_family_sharing.sh: family sharing of a personal account in settlement
# (FUNDS.md §5 Step 7b, issue 16 item 4) through the real binary. A small
# city: an employee holder P0002 with 500.00 in the account, two residents
# bound to it (`yibao import bindings`). Two bills that use the account, in
# one file (one batch of the commit queue): the first draws the holder's
# whole balance, the second sees it spent (0.00); the holder's balance
# after (`yibao show person`); a revoke returns the part to the holder;
# a one-shot 2207 over HTTP answers acct_mulaid_pay, its 2208 answers it
# negated and returns it, a pharmacy's 2102 answers it, an inpatient
# stay's 2303 and 2304 draw the same and its 2305 returns it; a bill without acct_used_flag draws nothing, nor
# one before the binding is valid; `show settlement` and `explain` name it;
# `check` and `check --deep` pass. Both backends (SVC_BACKEND=pg with
# YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

balance() { y show person "$1" --json | jq -r '.person.acct_balc'; }
make_city

cat >"$work/bindings.csv" <<'EOF'
holder_psn_no,member_psn_no,relation,valid_from,revoked_at
P0002,P0001,parent,2020-01-01,
P0002,P0003,spouse,2020-05-01 08:00:00,
EOF
y import bindings "$work/bindings.csv" >/dev/null || fail "import bindings"
[ "$(balance P0002)" = 500 ] || fail "holder's opening balance: $(balance P0002)"

# bill PSN_NO ENDTIME ACCT_USED: an inpatient bill at H3 of 580.00 (own share
# 580.00 for P0001: the deductible takes the in-scope part; P0003, low
# income, 412.00 after assistance)
bill() {
    printf '{"psn_no":"%s","fixmedins_code":"H3","med_type":"21","begntime":"2020-03-02","endtime":"%s","dise_codg":"K35.8","acct_used_flag":%s,"details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0},{"feedetl_sn":"2","med_list_codg":"XC01","cnt":2,"pric":150.0,"det_item_fee_sumamt":300.0}]}\n' "$1" "$2" "$3"
}

# before P0003's binding is valid, and without acct_used_flag: nothing drawn
{ bill P0003 "2020-05-01 07:59:59" 1; bill P0001 2020-03-11 0; } >"$work/none.jsonl"
out=$(y settle "$work/none.jsonl") || fail "settle none: $out"
[ "$(echo "$out" | jq -s -c '[.[] | select(.setlinfo) | .setlinfo.acct_mulaid_pay]')" = '[0,0]' ] ||
    fail "nothing to draw: $out"
[ "$(balance P0002)" = 500 ] || fail "untouched: $(balance P0002)"

# two members, one batch: the second sees the first's draw
{ bill P0001 2020-06-11 1; bill P0003 "2020-06-12 10:00:00" 1; } >"$work/two.jsonl"
out=$(y settle "$work/two.jsonl") || fail "settle two: $out"
figures=$(echo "$out" | jq -s -c '[.[] | select(.setlinfo) | .setlinfo | [.acct_mulaid_pay, .psn_cash_pay, .acct_pay]]')
[ "$figures" = '[[500,80,0],[0,412,0]]' ] || fail "one batch, one holder: $figures ($out)"
first=$(echo "$out" | jq -s -r '[.[] | select(.setlinfo)][0].setl_id')
[ "$(balance P0002)" = 0 ] || fail "holder after: $(balance P0002)"
[ "$(balance P0001)" = 0 ] || fail "the member's own account is not touched: $(balance P0001)"
y show settlement "$first" | grep -q '^  acct_mulaid_pay *500.00$' || fail "show settlement: $(y show settlement "$first")"
y explain "$first" | grep -q 'family account: holder P0002 (parent), balance 500.00: pays 500.00' ||
    fail "explain: $(y explain "$first")"
out=$(y check --deep) || fail "check --deep after the batch: $out"

# a revoke returns the part to the holder's account
y revoke "$first" --operator tester --reason "family sharing test" >/dev/null || fail "revoke"
[ "$(balance P0002)" = 500 ] || fail "after the revoke: $(balance P0002)"

# over HTTP: a one-shot 2207 that draws on the holder, its 2208 returns it
credential H3; credential P1
start_server --threads 2
sign_in H3 P1
input=$(bill P0001 2020-07-11 1 | jq -c '{data: (del(.details, .fixmedins_code) + {medfee_sumamt: 580.00, insutype: "390"}), feedetail: .details}')
a=$(call H3 2207 "$input"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 500
expect_field "$a" .output.setlinfo.psn_cash_pay 80
setl=$(echo "$a" | jq -r .output.setlinfo.setl_id)
[ "$(balance P0002)" = 0 ] || fail "holder after 2207: $(balance P0002)"
a=$(call H3 2208 "{\"data\":{\"setl_id\":\"$setl\",\"psn_no\":\"P0001\"}}"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay -500
[ "$(balance P0002)" = 500 ] || fail "holder after 2208: $(balance P0002)"
# a pharmacy purchase (2102): no fund pays, the holder pays the member's share
rx='{"data":{"psn_no":"P0001","med_type":"41","begntime":"2020-08-01","endtime":"2020-08-01","acct_used_flag":1,"medfee_sumamt":12.00,"insutype":"390"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":10,"pric":1.2,"det_item_fee_sumamt":12.00}]}'
a=$(call P1 2102 "$rx"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 12
expect_field "$a" .output.setlinfo.psn_cash_pay 0
[ "$(balance P0002)" = 488 ] || fail "holder after 2102: $(balance P0002)"
# an inpatient stay (2401 2301 2402): its pre-settlement (2303) and
# settlement (2304) draw the same from the holder, its revoke (2305) returns it
a=$(call H3 2401 '{"mdtrtinfo":{"psn_no":"P0001","insutype":"390","begntime":"2020-09-01 08:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"P0001","med_type":"21","ipt_no":"IPT9","atddr_no":"D","chfpdr_name":"Dr","adm_diag_dscr":"appendicitis","adm_dept_codg":"03","adm_dept_name":"Surgery","adm_bed":"12","dise_codg":"K35.8","dise_name":"appendicitis"},"diseinfo":[]}')
expect_ok "$a"; ipt=$(echo "$a" | jq -r .output.result.mdtrt_id)
line() { printf '{"feedetl_sn":"%s","mdtrt_id":"%s","psn_no":"P0001","med_type":"21","fee_ocur_time":"2020-09-02 10:00:00","med_list_codg":"%s","medins_list_codg":"x","det_item_fee_sumamt":%s,"cnt":%s,"pric":%s}' "$@"; }
a=$(call H3 2301 "{\"feedetail\":[$(line 1 "$ipt" SA01 280.0 8 35.0),$(line 2 "$ipt" XC01 300.0 2 150.0)]}"); expect_ok "$a"
a=$(call H3 2402 '{"dscginfo":{"mdtrt_id":"'"$ipt"'","psn_no":"P0001","insutype":"390","endtime":"2020-09-05 09:00:00","dise_codg":"K35.8","dise_name":"appendicitis","dscg_way":"1"},"diseinfo":[]}')
expect_ok "$a"
ipt_in="{\"data\":{\"psn_no\":\"P0001\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"P0001\",\"medfee_sumamt\":580.00,\"psn_setlway\":\"01\",\"mdtrt_id\":\"$ipt\",\"insutype\":\"390\",\"acct_used_flag\":\"1\",\"mid_setl_flag\":\"0\"}}"
pre=$(call H3 2303 "$ipt_in"); expect_ok "$pre"
a=$(call H3 2304 "$ipt_in"); expect_ok "$a"
mulaid=$(echo "$a" | jq -r .output.setlinfo.acct_mulaid_pay)
[ "$mulaid" = "$(echo "$pre" | jq -r .output.setlinfo.acct_mulaid_pay)" ] || fail "2303 and 2304 differ: $pre / $a"
[ "$(echo "$a" | jq '.output.setlinfo | (.acct_mulaid_pay > 0) and (.psn_part_amt == .acct_pay + .acct_mulaid_pay + .psn_cash_pay)')" = true ] ||
    fail "2304's figures: $a"
[ "$(jq -n "488 - $mulaid")" = "$(balance P0002)" ] || fail "holder after 2304: $(balance P0002), drawn $mulaid"
setl=$(echo "$a" | jq -r .output.setlinfo.setl_id)
a=$(call H3 2305 "{\"data\":{\"setl_id\":\"$setl\",\"mdtrt_id\":\"$ipt\",\"psn_no\":\"P0001\"}}"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay "-$mulaid"
[ "$(balance P0002)" = 488 ] || fail "holder after 2305: $(balance P0002)"
stop_server

out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
grep -q "check --deep ok: 7 settlements settled again" <<<"$out" || fail "check --deep: $out"
echo "t_family_sharing ($SVC_BACKEND): ok"
