#!/usr/bin/env bash
# t_service_registry_live.sh: an import committed while `yibao serve` runs
# decides the very next registration and fee upload (2201, 2204), also on
# PostgreSQL, where such a request no longer reads the registry's
# generation on its own: its job reads it with the kept answer and the
# request runs again under a fresh snapshot when it moved, and a refusal
# on the snapshot the request found is decided again on a fresh one
# (docs/SERVICE.md, "The registry as of each request"). H9 is suspended:
# its 2201 is refused; institutions imported with H9 active: its next 2201
# is accepted; imported suspended again: refused again; a persons import
# (any import moves the generation) before a 2204 at H0: the upload is
# priced and answered as before, and its replay by msgid gives the same
# answer; a visit's pre-settlement (2206) at H9 after H9 is revoked by an
# import is refused, accepted once it is active again. `check --deep`
# passes. Both backends (SVC_BACKEND=pg with
# YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

# institutions STATUS: H9's status in a new institutions file, imported
institutions() {
    sed "s/^H9,\(.*\),[a-z]*\$/H9,\1,$1/" "$work/institutions.csv" >"$work/inst-$1.csv"
    y import institutions "$work/inst-$1.csv" --operator test --reason live >/dev/null || fail "import institutions ($1) while serving"
}
make_city
credential H0; credential H9
start_server --threads 2
sign_in H0 H9
reg='{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01 09:00:00","ipt_otp_no":"OTP1"}}'

a=$(call H9 2201 "$reg"); expect_err "$a" "suspended"
institutions active
a=$(call H9 2201 "$reg"); expect_ok "$a"
institutions suspended
a=$(call H9 2201 "$reg"); expect_err "$a" "suspended"

a=$(call H0 2201 "$reg"); expect_ok "$a"; otp=$(jq -r .output.data.mdtrt_id <<<"$a")
echo "P0004,440900199901010044,Live Import,1,1999-01-01,390,adult,,440900,2000-01-01,0" >"$work/more.csv"
(head -n 1 "$work/persons.csv"; cat "$work/more.csv") >"$work/persons-more.csv"
y import persons "$work/persons-more.csv" >/dev/null || fail "import persons while serving"
fee="{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
up="{\"feedetail\":[$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XB01\",\"det_item_fee_sumamt\":135.00,\"cnt\":30,\"pric\":4.5}]}"
a=$(call H0 2204 "$up" LIVE2204); expect_ok "$a"
expect_field "$a" '.output.result[0].chrgitm_lv' 02
expect_field "$a" '.output.result[0].preselfpay_amt' 13.5
b=$(call H0 2204 "$up" LIVE2204); expect_ok "$b"
[ "$(jq -c .output <<<"$a")" = "$(jq -c .output <<<"$b")" ] || fail "replay: $a / $b"
a=$(call H0 1101 '{"data":{"psn_no":"P0004"}}'); expect_ok "$a"
expect_field "$a" .output.baseinfo.psn_no P0004

# a visit's pre-settlement (2206) reads the generation with its visit and
# lines on PostgreSQL: H9 revoked by an import just before is refused, and
# accepted again once it is active again
institutions active
a=$(call H9 2201 "$reg"); expect_ok "$a"; otp=$(jq -r .output.data.mdtrt_id <<<"$a")
fee="{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
a=$(call H9 2204 "{\"feedetail\":[$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XB01\",\"det_item_fee_sumamt\":135.00,\"cnt\":30,\"pric\":4.5}]}")
expect_ok "$a"
pre="{\"data\":{\"psn_no\":\"P0001\",\"mdtrt_id\":\"$otp\",\"med_type\":\"11\",\"medfee_sumamt\":135.00}}"
a=$(call H9 2206 "$pre"); expect_ok "$a"
institutions revoked
a=$(call H9 2206 "$pre"); expect_err "$a" "revoked"
a=$(call H9 2206 '{}'); expect_err "$a" "revoked"
institutions active
a=$(call H9 2206 "$pre"); expect_ok "$a"
stop_server

out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
echo "t_service_registry_live ($SVC_BACKEND): ok"
