#!/usr/bin/env bash
# t_service_batches.sh: an outpatient visit's charge batches (chrg_bchno)
# over real HTTP: lines of two batches uploaded together are settled batch
# by batch when 2206/2207 name one, a line uploaded without a batch goes
# with the next settlement, 2205 withdraws a named batch's lines only, and
# a batch with nothing unsettled is refused naming chrg_bchno; on SQLite
# the service tables' writes ride on the store's writer, which never waits
# for the file's write lock, and the stop prints where the writes' time
# went (the server's counts at its stop). Figures: the
# Maoming 2020 resident policy at a township centre (general outpatient
# 50 %, no deductible); SA01 and XA01 are class A.
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city
credential H0
start_server --threads 4
sign_in H0

a=$(call H0 2201 '{"data":{"psn_no":"P0012","insutype":"390","begntime":"2020-06-01 09:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"P0012","ipt_otp_no":"OTPB","atddr_no":"D1","dr_name":"Dr","dept_code":"01","dept_name":"Internal","caty":"A03"}}')
expect_ok "$a"; otp=$(echo "$a" | jq -r .output.data.mdtrt_id)
a=$(call H0 2203 "{\"mdtrtinfo\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0012\",\"med_type\":\"11\",\"begntime\":\"2020-06-01 09:00:00\",\"dise_codg\":\"J06.9\",\"dise_name\":\"URI\"},\"diseinfo\":[]}")
expect_ok "$a"
line() { # SN CODE CNT PRIC AMOUNT [BCHNO]
    printf '{"feedetl_sn":"%s","mdtrt_id":"%s","psn_no":"P0012","med_type":"11","fee_ocur_time":"2020-06-01 09:30:00","med_list_codg":"%s","medins_list_codg":"h","cnt":%s,"pric":%s,"det_item_fee_sumamt":%s%s}' \
        "$1" "$otp" "$2" "$3" "$4" "$5" "${6:+,\"chrg_bchno\":\"$6\"}"
}
settle_in() { # MEDFEE [BCHNO]
    echo "{\"data\":{\"psn_no\":\"P0012\",\"med_type\":\"11\",\"medfee_sumamt\":$1,\"mdtrt_id\":\"$otp\",\"insutype\":\"390\",\"acct_used_flag\":\"0\"${2:+,\"chrg_bchno\":\"$2\"}}}"
}
# two batches in one upload: B1 the registration fee, B2 a prescription
a=$(call H0 2204 "{\"feedetail\":[$(line 1 SA01 1 12 12 B1),$(line 2 XA01 24 1.2 28.8 B2),$(line 3 XA01 10 1.2 12 B2)]}")
expect_ok "$a"
# the batch named is the batch settled: B2 (40.80) first
a=$(call H0 2206 "$(settle_in 52.80 B2)")
expect_err "$a" "^input.data.medfee_sumamt: 52.80 differs from the fee lines' total 40.80$"
a=$(call H0 2206 "$(settle_in 40.80 B2)"); expect_ok "$a"; expect_field "$a" .output.setlinfo.hifp_pay 20.4
a=$(call H0 2207 "$(settle_in 40.80 B2)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.medfee_sumamt 40.8
expect_field "$a" .output.setlinfo.hifp_pay 20.4
b2=$(echo "$a" | jq -r .output.setlinfo.setl_id)
a=$(call H0 2207 "$(settle_in 40.80 B2)")
expect_err "$a" "^input.data.chrg_bchno: no unsettled fee lines in charge batch 'B2'$"
# a line without a batch goes with the next settlement, of whichever batch
a=$(call H0 2204 "{\"feedetail\":[$(line 4 SA01 1 3 3)]}"); expect_ok "$a"
a=$(call H0 2207 "$(settle_in 15.00 B1)"); expect_ok "$a"
expect_field "$a" .output.setlinfo.medfee_sumamt 15
expect_field "$a" .output.setlinfo.hifp_pay 7.5
b1=$(echo "$a" | jq -r .output.setlinfo.setl_id)
# revoking B2 gives back B2's lines only
a=$(call H0 2208 "{\"data\":{\"psn_no\":\"P0012\",\"mdtrt_id\":\"$otp\",\"setl_id\":\"$b2\"}}"); expect_ok "$a"
expect_field "$a" .output.setlinfo.hifp_pay -20.4
a=$(call H0 2206 "$(settle_in 40.80)"); expect_ok "$a"
# 2205 by batch: withdraws that batch's unsettled lines, and nothing of another
a=$(call H0 2205 "{\"data\":{\"psn_no\":\"P0012\",\"mdtrt_id\":\"$otp\",\"chrg_bchno\":\"B1\"}}")
expect_err "$a" "^input.data.chrg_bchno: no unsettled fee line in charge batch 'B1'$"
a=$(call H0 2205 "{\"data\":{\"psn_no\":\"P0012\",\"mdtrt_id\":\"$otp\",\"feedetl_sn\":\"2\",\"chrg_bchno\":\"B1\"}}")
expect_err "$a" "^input.data.feedetl_sn: no unsettled fee line '2' in charge batch B1$"
a=$(call H0 2205 "{\"data\":{\"psn_no\":\"P0012\",\"mdtrt_id\":\"$otp\",\"chrg_bchno\":\"B2\"}}"); expect_ok "$a"
expect_field "$a" .output.withdrawn_cnt 2
a=$(call H0 2207 "$(settle_in 40.80 B2)")
expect_err "$a" "^input.data.chrg_bchno: no unsettled fee lines in charge batch 'B2'$"
# what stays settled: B1 and the line without a batch (7.50 from the pool)
cum=$(call H0 5206 '{"data":{"psn_no":"P0012","year":"2020"}}' | jq -r .output.cum_state.general_paid)
[ "$cum" = 7.5 ] || fail "general_paid $cum, not 7.5"
[ -n "$b1" ] || fail "no B1 settlement"

stop_server
if [ "$SVC_BACKEND" = sqlite ]; then
    # one writer for the file (docs/SERVICE.md): the service tables' writes
    # ran on the store's writer, and no connection waited for the lock
    log=$(cat "$work/serve.log")
    grep -q "service-table writes in [0-9]* batches of the store's writer" <<<"$log" ||
        fail "the service tables' writes were not the store writer's: $log"
    if grep -q "waits for the SQLite write lock" <<<"$log"; then fail "a writer waited: $log"; fi
    # where the writes' time went (issue 14): the store writer's rounds,
    # their COMMITs, the service jobs, the WAL's checkpoints, the HTTP side
    for line in "round with settlements" "COMMIT (WAL write, fsync)" \
        "service job, queued -> answered" "largest WAL at a commit" \
        "HTTP request, headers in -> answer"; do
        grep -qF "yibao serve:   $line" <<<"$log" || grep -qF "yibao serve:     $line" <<<"$log" ||
            fail "no '$line' at the stop: $log"
    done
fi
"$YIBAO" check --db "$db" >/dev/null || fail "check"
echo "t_service_batches: ok ($SVC_BACKEND)"
