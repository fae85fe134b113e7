#!/usr/bin/env bash
# t_extra_fund.sh: a fund layer is added by the steps of docs/FIELDS.md
# ("Adding a fund layer"). build/xfund/yibao (`make xfund`) is built with
# -DYIBAO_TEST_EXTRA_FUND, which adds a test layer "xtf" only through those
# steps: a row of FUND_LAYERS (core/settle.h), a row of YEAR_STATE_FIELDS
# (core/state.h) and its rule (core/settle.c). This shows the layer's figure
# reaches the settle JSON, the year state, the brief print, the explanation,
# the journal body, the ledger, the states table (SQLite, and PostgreSQL
# when YIBAO_PG_URI is set) and the service's setlinfo and setldetail, and
# that `yibao check` verifies such a store; and that the normal build ($YIBAO)
# has none of it. Runs for the release variant only (one extra build).
set -euo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
if [ "${YIBAO_VARIANT:-release}" != release ]; then echo "t_extra_fund: release variant only"; exit 0; fi
X=$root/build/xfund/yibao
[ -x "$X" ] || { echo "FAIL: $X missing (make xfund)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-xfund-XXXXXX")
pgdb=""
cleanup() {
    [ -n "$pgdb" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$root"

# ---- the CLI: settle JSON, year state, explanation, brief ------------------
ex=examples/bills/resident-inpatient-level3.json
args=(--policy policies/maoming-2020-resident.json --catalog policies/catalog-conformance.json
      --institutions examples/institutions.json --person examples/persons/resident-inpatient-level3.json)
"$X" settle "${args[@]}" "$ex" >"$work/x.json"
"$X" settle "${args[@]}" --explain "$ex" >"$work/x.txt" # the brief line, then the steps
keys=$(jq -r '.setlinfo | keys_unsorted | join(",")' "$work/x.json")
case $keys in
    *,maf_pay,xtf_pay,fund_pay_sumamt,*) ;;
    *) fail "setlinfo keys: $keys" ;;
esac
fen() { jq -r "($1 * 100 | round)" "$work/x.json"; }
xtf=$(fen .setlinfo.xtf_pay)
[ "$xtf" -gt 0 ] || fail "the test layer paid nothing: $(cat "$work/x.json")"
sum=$(fen '(.setlinfo.hifp_pay + .setlinfo.hifob_pay + .setlinfo.hifmi_pay + .setlinfo.maf_pay + .setlinfo.xtf_pay)')
[ "$sum" = "$(fen .setlinfo.fund_pay_sumamt)" ] || fail "fund_pay_sumamt is not the sum of the layers"
[ "$(fen .state.xtf_paid)" = "$xtf" ] || fail "state.xtf_paid: $(jq -c .state "$work/x.json")"
grep -q '^test layer: 0.01 x ' "$work/x.txt" || fail "explain lacks the layer's step"
grep -q '^funds: basic .* + test-layer .* = ' "$work/x.txt" || fail "explain lacks the funds line"
"$X" settle "${args[@]}" --brief "$ex" | grep -q '  assistance [0-9.]*  test-layer [0-9.]*  account ' ||
    fail "brief: $("$X" settle "${args[@]}" --brief "$ex")"
"$YIBAO" settle "${args[@]}" --explain "$ex" | grep -q xtf && fail "the normal build has the test layer"
echo "cli: xtf_pay $xtf fen in setlinfo, state, explain and brief"

# ---- the store: journal body, ledger, states columns, check --------------
store_suite() { # name db sql-runner
    local name=$1 db=$2 sql=$3
    "$X-bench" store --db "$db" --n 600 --persons 100 --threads 1 >/dev/null
    local n
    n=$($sql "SELECT count(*) FROM journal WHERE kind = 1 AND body LIKE '% xtf_pay=%'
              AND body LIKE '% xtf_room=%' AND body LIKE '% d.xtf_paid=%'")
    [ "$n" -gt 0 ] || fail "$name: no journal body carries xtf_pay, xtf_room and d.xtf_paid"
    n=$($sql "SELECT count(*) FROM postings WHERE credit LIKE 'F:xtf:%'")
    [ "$n" -gt 0 ] || fail "$name: no posting from F:xtf"
    n=$($sql "SELECT count(*) FROM states WHERE xtf_paid > 0")
    [ "$n" -gt 0 ] || fail "$name: no states row with xtf_paid > 0"
    "$X" check --db "$db" >/dev/null || fail "$name: check: $("$X" check --db "$db")"
    echo "$name: journal, postings, states.xtf_paid and check ok"
}
store_suite sqlite "$work/x.db" "sqlite3 $work/x.db"
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_xfund_$$_$RANDOM"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null
    pguri="${YIBAO_PG_URI%/*}/$pgdb"
    store_suite pg "$pguri" "psql -qAt $pguri -c"
fi

# ---- the service: setlinfo and setldetail ----------------------------------
# A general outpatient pre-settlement (2206), as in t_service_e2e.sh. The
# helpers bring their own work directory and exit trap: ours ends here.
cleanup; pgdb=""; trap - EXIT
YIBAO=$X
source tests/t_service_lib.sh
make_city
credential H0
start_server --threads 2
sign_in H0
a=$(call H0 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01 09:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"P0001","ipt_otp_no":"OTP1","atddr_no":"D1","dr_name":"Dr","dept_code":"01","dept_name":"Internal","caty":"A03"}}')
expect_ok "$a"; otp=$(echo "$a" | jq -r .output.data.mdtrt_id)
a=$(call H0 2203 "{\"mdtrtinfo\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"begntime\":\"2020-06-01 09:00:00\",\"main_cond_dscr\":\"cough\",\"dise_codg\":\"J06.9\",\"dise_name\":\"URI\"},\"diseinfo\":[{\"diag_type\":\"1\",\"diag_srt_no\":\"1\",\"diag_code\":\"J06.9\",\"diag_name\":\"URI\",\"maindiag_flag\":\"1\"}]}")
expect_ok "$a"
fee="{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
a=$(call H0 2204 "{\"feedetail\":[$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"medins_list_codg\":\"h1\",\"det_item_fee_sumamt\":28.8,\"cnt\":24,\"pric\":1.2},$fee,\"feedetl_sn\":\"3\",\"med_list_codg\":\"XC01\",\"medins_list_codg\":\"h3\",\"det_item_fee_sumamt\":150,\"cnt\":1,\"pric\":150}]}")
expect_ok "$a"
a=$(call H0 2206 "{\"data\":{\"psn_no\":\"P0001\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"P0001\",\"med_type\":\"11\",\"medfee_sumamt\":178.80,\"psn_setlway\":\"01\",\"mdtrt_id\":\"$otp\",\"chrg_bchno\":\"B1\",\"acct_used_flag\":\"0\",\"insutype\":\"390\"}}")
expect_ok "$a"
[ "$(echo "$a" | jq '.output.setlinfo.xtf_pay > 0')" = true ] || fail "2206 setlinfo: $a"
d=$(echo "$a" | jq -c '.output.setldetail[] | select(.fund_pay_type == "990100")')
[ "$(echo "$d" | jq -r .fund_pay_type_name)" = "test layer" ] || fail "2206 setldetail: $a"
[ "$(echo "$d" | jq -r .crt_payb_lmt_amt)" = 999999 ] || fail "2206 setldetail room (no cap: 999999): $d"
echo "service: 2206 setlinfo.xtf_pay and setldetail 990100 ok"
echo "t_extra_fund: ok"
