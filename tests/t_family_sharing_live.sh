#!/usr/bin/env bash
# t_family_sharing_live.sh: a store without family bindings reads none
# (issue 14: the registry snapshot says whether a bindings file was
# imported, and pre-settlement and settlement skip the read when not), and
# a bindings file imported while `yibao serve` runs reaches its very next
# request: P0001 (resident, own account 0.00) uses the account before any
# binding (2206 and 2207 draw nothing), then `yibao import bindings` binds
# it to holder P0002 (500.00) with the server still running, and the next
# 2206 and 2207 draw 500.00 on the holder; `check --deep` passes. Both
# backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

balance() { y show person "$1" --json | jq -r '.person.acct_balc'; }
make_city

# input ENDTIME: a one-shot outpatient bill of P0001 at H3, 580.00, using the account
input() {
    printf '{"data":{"psn_no":"P0001","med_type":"21","begntime":"2020-03-02","endtime":"%s","dise_codg":"K35.8","acct_used_flag":1,"medfee_sumamt":580.00,"insutype":"390"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0},{"feedetl_sn":"2","med_list_codg":"XC01","cnt":2,"pric":150.0,"det_item_fee_sumamt":300.0}]}' "$1"
}

credential H3
start_server --threads 2
sign_in H3
a=$(call H3 2206 "$(input 2020-06-11)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 0
a=$(call H3 2207 "$(input 2020-06-11)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 0
[ "$(balance P0002)" = 500 ] || fail "holder before the bindings: $(balance P0002)"

cat >"$work/bindings.csv" <<'EOF'
holder_psn_no,member_psn_no,relation,valid_from,revoked_at
P0002,P0001,parent,2020-01-01,
EOF
y import bindings "$work/bindings.csv" >/dev/null || fail "import bindings while serving"
a=$(call H3 2206 "$(input 2020-07-11)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 500
a=$(call H3 2207 "$(input 2020-07-11)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.acct_mulaid_pay 500
[ "$(balance P0002)" = 0 ] || fail "holder after 2207: $(balance P0002)"
stop_server

out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
echo "t_family_sharing_live ($SVC_BACKEND): ok"
