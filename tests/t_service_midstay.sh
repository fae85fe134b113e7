#!/usr/bin/env bash
# t_service_midstay.sh: an inpatient stay settled in parts (mid-stay
# settlement, 中途结算: 2303/2304 with mid_setl_flag 1 before discharge),
# over real HTTP: the admission is counted once and its deductible paid once
# across the parts, the parts add up to what the whole stay settled at once
# pays, a repeat admission's parts keep the repeat factor, the parts are
# revoked newest first, the flag must agree with the discharge, and the
# journal's parts settle again alike (`check --deep`).
# Figures: the Maoming 2020 resident policy at a level-3 hospital:
# deductible 1000.00 (0.5 for a repeat admission), ratio 65 %; every line
# SA01 (class A) at 30.00.
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city
credential H3
start_server --threads 4
sign_in H3

admit() { # PSN BEGNTIME: prints the stay's mdtrt_id
    local a
    a=$(call H3 2401 "{\"mdtrtinfo\":{\"psn_no\":\"$1\",\"insutype\":\"390\",\"begntime\":\"$2\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"$1\",\"med_type\":\"21\",\"ipt_no\":\"I$1\",\"dise_codg\":\"K35.8\",\"dise_name\":\"appendicitis\"},\"diseinfo\":[]}")
    expect_ok "$a"
    echo "$a" | jq -r .output.result.mdtrt_id
}
fees() { # PSN MDTRT SN CNT DAY: one SA01 line of CNT x 30.00
    local a amt=$(($4 * 30))
    a=$(call H3 2301 "{\"feedetail\":[{\"feedetl_sn\":\"$3\",\"mdtrt_id\":\"$2\",\"psn_no\":\"$1\",\"med_type\":\"21\",\"fee_ocur_time\":\"$5 10:00:00\",\"med_list_codg\":\"SA01\",\"medins_list_codg\":\"x\",\"det_item_fee_sumamt\":$amt,\"cnt\":$4,\"pric\":30}]}")
    expect_ok "$a"
}
discharge() { # PSN MDTRT ENDTIME
    local a
    a=$(call H3 2402 "{\"dscginfo\":{\"mdtrt_id\":\"$2\",\"psn_no\":\"$1\",\"insutype\":\"390\",\"endtime\":\"$3\",\"dise_codg\":\"K35.8\",\"dscg_way\":\"1\"},\"diseinfo\":[]}")
    expect_ok "$a"
}
settle_in() { # PSN MDTRT MEDFEE MID
    echo "{\"data\":{\"psn_no\":\"$1\",\"mdtrt_id\":\"$2\",\"medfee_sumamt\":$3,\"insutype\":\"390\",\"acct_used_flag\":\"0\",\"mid_setl_flag\":\"$4\"}}"
}
revoke_in() { # PSN MDTRT SETL_ID
    echo "{\"data\":{\"psn_no\":\"$1\",\"mdtrt_id\":\"$2\",\"setl_id\":\"$3\"}}"
}
cum() { # PSN FIELD
    call H3 5206 "{\"data\":{\"psn_no\":\"$1\",\"year\":\"2020\"}}" | jq -r ".output.cum_state.$2"
}
expect_setl() { # ANSWER DEDC HIFP
    expect_ok "$1"
    expect_field "$1" .output.setlinfo.act_pay_dedc "$2"
    expect_field "$1" .output.setlinfo.hifp_pay "$3"
}

# ---- the whole stay at once (P0011): the figures the parts must add up to ----
s0=$(admit P0011 "2020-04-01 08:00:00")
fees P0011 "$s0" 1 20 2020-04-02
fees P0011 "$s0" 2 30 2020-04-05
fees P0011 "$s0" 3 10 2020-04-08
discharge P0011 "$s0" "2020-04-09 09:00:00"
a=$(call H3 2304 "$(settle_in P0011 "$s0" 1800 0)"); expect_setl "$a" 1000 520

# ---- the same stay in three parts (P0010) ------------------------------------
s1=$(admit P0010 "2020-04-01 08:00:00")
fees P0010 "$s1" 1 20 2020-04-02
a=$(call H3 2304 "$(settle_in P0010 "$s1" 600 0)")
expect_err "$a" "^input.data.mdtrt_id: not discharged yet (2402); a mid-stay settlement sends mid_setl_flag 1$"
a=$(call H3 2303 "$(settle_in P0010 "$s1" 600 1)"); expect_setl "$a" 600 0
a=$(call H3 2304 "$(settle_in P0010 "$s1" 600 1)"); expect_setl "$a" 600 0
part1=$(echo "$a" | jq -r .output.setlinfo.setl_id)
[ "$(cum P0010 admissions)" = 1 ] || fail "the first part counts the admission"
a=$(call H3 2304 "$(settle_in P0010 "$s1" 600 1)")
expect_err "$a" "^input.data.mdtrt_id: no unsettled fee lines (2204/2301)$"
a=$(call H3 2404 "{\"data\":{\"mdtrt_id\":\"$s1\",\"psn_no\":\"P0010\"}}")
expect_err "$a" "^input.data.mdtrt_id: the stay is settled in part (setl_id $part1); revoke its settlements first$"
# the second part pays the rest of the deductible (1000 - 600) and counts nothing again
fees P0010 "$s1" 2 30 2020-04-05
a=$(call H3 2303 "$(settle_in P0010 "$s1" 900 1)"); expect_setl "$a" 400 325
a=$(call H3 2304 "$(settle_in P0010 "$s1" 900 1)"); expect_setl "$a" 400 325
part2=$(echo "$a" | jq -r .output.setlinfo.setl_id)
[ "$(cum P0010 admissions)" = 1 ] || fail "a later part counts the admission again"
a=$(call H3 2305 "$(revoke_in P0010 "$s1" "$part1")")
expect_err "$a" "^input.data.setl_id: a later part of the stay (setl_id $part2) stands; revoke it first$"
# the final part, after the discharge: no deductible left
fees P0010 "$s1" 3 10 2020-04-08
discharge P0010 "$s1" "2020-04-09 09:00:00"
a=$(call H3 2304 "$(settle_in P0010 "$s1" 300 1)")
expect_err "$a" "^input.data.mid_setl_flag: the stay is discharged (2402); settle it with mid_setl_flag 0$"
a=$(call H3 2303 "$(settle_in P0010 "$s1" 300 0)"); expect_setl "$a" 0 195
a=$(call H3 2304 "$(settle_in P0010 "$s1" 300 0)"); expect_setl "$a" 0 195
final=$(echo "$a" | jq -r .output.setlinfo.setl_id)
a=$(call H3 2304 "$(settle_in P0010 "$s1" 300 0)"); expect_err "$a" "visit is settled (setl_id $final)"
# the parts add up to the whole stay at once: 1000 deductible, 520 from the pool
[ "$(cum P0010 basic_paid)" = "$(cum P0011 basic_paid)" ] || fail "the parts' basic_paid differs from the whole stay's"
[ "$(cum P0010 admissions)" = 1 ] && [ "$(cum P0011 admissions)" = 1 ] || fail "admissions"

# ---- revokes: newest first; the stay reopens part by part ---------------------
a=$(call H3 2305 "$(revoke_in P0010 "$s1" "$part2")")
expect_err "$a" "^input.data.setl_id: a later part of the stay (setl_id $final) stands; revoke it first$"
a=$(call H3 2305 "$(revoke_in P0010 "$s1" "$final")"); expect_ok "$a"
expect_field "$a" .output.setlinfo.hifp_pay -195
# settled in part again: the final part can be settled anew
a=$(call H3 2304 "$(settle_in P0010 "$s1" 300 0)"); expect_setl "$a" 0 195
final=$(echo "$a" | jq -r .output.setlinfo.setl_id)
for id in "$final" "$part2" "$part1"; do
    a=$(call H3 2305 "$(revoke_in P0010 "$s1" "$id")"); expect_ok "$a"
done
[ "$(cum P0010 admissions)" = 0 ] && [ "$(cum P0010 basic_paid)" = 0 ] ||
    fail "revoking every part leaves $(cum P0010 admissions) admissions, $(cum P0010 basic_paid) paid"
# the whole stay, open again, settled at once
a=$(call H3 2304 "$(settle_in P0010 "$s1" 1800 0)"); expect_setl "$a" 1000 520

# ---- a repeat admission in parts keeps its repeat factor (500) ----------------
s2=$(admit P0010 "2020-06-01 08:00:00")
fees P0010 "$s2" 1 10 2020-06-02
a=$(call H3 2304 "$(settle_in P0010 "$s2" 300 1)"); expect_setl "$a" 300 0
fees P0010 "$s2" 2 20 2020-06-03
discharge P0010 "$s2" "2020-06-04 09:00:00"
a=$(call H3 2304 "$(settle_in P0010 "$s2" 600 0)"); expect_setl "$a" 200 260
[ "$(cum P0010 admissions)" = 2 ] || fail "two stays are two admissions"

stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check"
out=$("$YIBAO" check --deep --db "$db") || fail "check --deep: $out"
echo "t_service_midstay: ok ($SVC_BACKEND)"
