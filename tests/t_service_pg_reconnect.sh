#!/usr/bin/env bash
# t_service_pg_reconnect.sh: `yibao serve` on PostgreSQL survives its
# connections being dropped (docs/STORE.md, docs/SERVICE.md: "Connection
# loss"). The server settles a pharmacy bill (2102); then every backend of
# its database is terminated (pg_terminate_backend: the store's writer and
# read connections, the service's request and nonce-flusher connections).
# At most one request may fail after that (resent with the same msgid, it
# must succeed), and settlements, reads (1101, 5206, 5203), a revoke and a
# visit write (2201) all succeed. Then the database refuses connections
# while its backends are terminated again: requests fail with "reconnect
# failed" at once (the server neither hangs nor dies), and once the
# database accepts connections again everything works. `yibao check`
# passes at the end. Passes trivially without YIBAO_PG_URI.
set -euo pipefail
if [ -z "${YIBAO_PG_URI:-}" ]; then
    echo "YIBAO_PG_URI not set: skipped"
    exit 0
fi
export SVC_BACKEND=pg
source "$(dirname "$0")/t_service_lib.sh"
ulimit -t 120
readonly TERMINATE_WAIT_TRIES=100     # 0.05 s each: the terminated backends are gone
readonly REFUSED_REQUESTS=3           # requests sent while the database refuses connections

psql_base() { psql -qAtX "$YIBAO_PG_URI" -c "$1"; }

# terminate: drops every connection to the test database; prints how many
terminate() {
    local n
    n=$(psql_base "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = '$pg_db' AND pid <> pg_backend_pid()) t")
    for _ in $(seq 1 $TERMINATE_WAIT_TRIES); do
        [ "$(psql_base "SELECT count(*) FROM pg_stat_activity WHERE datname = '$pg_db'")" = 0 ] && break
        sleep 0.05
    done
    echo "$n"
}

failures=0
# try CODE INFNO INPUT MSGID: a request; a failure is counted and the
# request resent once with the same msgid, which must succeed; sets $a
try() {
    a=$(call "$1" "$2" "$3" "$4")
    if [ "$(echo "$a" | jq -r .infcode)" != 0 ]; then
        echo "after the drop, $2 failed once: $(echo "$a" | jq -r .err_msg)" >&2
        failures=$((failures + 1))
        a=$(call "$1" "$2" "$3" "$4")
    fi
    expect_ok "$a"
}

make_city
credential P1; credential H0
start_server --threads 4
sign_in P1 H0

rx() { # PSN: a pharmacy purchase of 28.80 paid from the personal account
    echo "{\"data\":{\"psn_no\":\"$1\",\"insutype\":\"310\",\"begntime\":\"2020-05-01 10:00:00\",\"medfee_sumamt\":28.80,\"acct_used_flag\":\"1\"},\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":24,\"pric\":1.2,\"det_item_fee_sumamt\":28.8}]}"
}
a=$(call P1 2102 "$(rx P0002)" RX1); expect_ok "$a"
expect_field "$a" .output.setlinfo.balc 471.2
rx1=$(echo "$a" | jq -r .output.setlinfo.setl_id)

# ---- drop every connection: at most one request fails ----------------------
n=$(terminate)
[ "$n" -ge 4 ] || fail "expected the server's 4 connections, terminated $n"
try P1 2102 "$(rx P0002)" RX2; expect_field "$a" .output.setlinfo.balc 442.4
rx2=$(echo "$a" | jq -r .output.setlinfo.setl_id)
[ "$rx2" -gt "$rx1" ] || fail "second settlement id $rx2 not after $rx1"
try P1 1101 '{"data":{"psn_no":"P0002"}}' Q1; expect_field "$a" '.output.insuinfo[0].balc' 442.4
try P1 5206 '{"data":{"psn_no":"P0002","year":"2020"}}' Q2
expect_field "$a" .output.cum_state.acct_balc 442.4
try P1 5203 "{\"data\":{\"setl_id\":\"$rx1\",\"psn_no\":\"P0002\"}}" Q3
expect_field "$a" .output.setlinfo.acct_pay 28.8
try P1 2103 "{\"data\":{\"setl_id\":\"$rx1\",\"psn_no\":\"P0002\"}}" RV1
expect_field "$a" .output.setlinfo.acct_pay -28.8
try H0 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01 09:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"P0001","ipt_otp_no":"OTP1"}}' V1
visit=$(echo "$a" | jq -r .output.data.mdtrt_id)
try P1 5206 '{"data":{"psn_no":"P0002","year":"2020"}}' Q4
expect_field "$a" .output.cum_state.acct_balc 471.2
[ "$failures" -le 1 ] || fail "$failures requests failed after the connections were dropped"
# the settlement replays by msgid after the reconnect
a=$(call P1 2102 "$(rx P0002)" RX2); expect_ok "$a"; expect_field "$a" .output.setlinfo.setl_id "$rx2"

# ---- a reconnect that fails is reported, bounded, and retried next time ---
psql_base "ALTER DATABASE $pg_db ALLOW_CONNECTIONS false"
terminate >/dev/null
for i in $(seq 1 $REFUSED_REQUESTS); do
    a=$(call P1 2102 "$(rx P0002)" "RXDOWN$i")
    expect_err "$a" "connection lost; reconnect failed"
done
a=$(call P1 5206 '{"data":{"psn_no":"P0002","year":"2020"}}')
expect_err "$a" "connection lost; reconnect failed"
kill -0 "$server_pid" 2>/dev/null || fail "the server died while the database refused connections"
psql_base "ALTER DATABASE $pg_db ALLOW_CONNECTIONS true"
failures=0
try P1 2102 "$(rx P0002)" RXDOWN1; expect_field "$a" .output.setlinfo.balc 442.4
try P1 5206 '{"data":{"psn_no":"P0002","year":"2020"}}' Q5
expect_field "$a" .output.cum_state.acct_balc 442.4
try H0 2202 "{\"data\":{\"mdtrt_id\":\"$visit\",\"psn_no\":\"P0001\"}}" V2
[ "$failures" -le 1 ] || fail "$failures requests failed after connections were allowed again"

stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check at the end"
echo "ok: reconnects after pg_terminate_backend, refusals reported while the database is closed"
