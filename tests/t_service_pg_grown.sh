#!/usr/bin/env bash
# t_service_pg_grown.sh: on PostgreSQL, visits settled over HTTP when the
# service tables already hold many visits' fee lines read svc_fee and
# svc_visit by their keys, never by a sequential scan (issue 14): the store
# writer's statements that lock a batch's visits and link their
# settlements joined the batch to those tables only through an unnest, and
# the planner could hash the batch and scan the whole table, a cost that
# grows with every visit ever registered. The tables are grown with other
# visits' rows (GROWN_VISITS, each with GROWN_LINES settled lines) and
# analysed with svc_fee's visits undercounted (STALE_VISITS, as statistics
# are after growth); then VISITS visits are registered and charged, and
# settled at once, so that the store's writer links several in a batch (a
# batch of one is probed by the key whatever the statement). The tables'
# sequential-scan counters (pg_stat_user_tables, read once the server's
# connections have closed) must not move, and the visits' lines must carry
# their settlements, the grown ones unchanged. main's binary (fb7bb19)
# fails it whenever the writer links two or more of them in one batch.
# Passes trivially without YIBAO_PG_URI.
set -euo pipefail
if [ -z "${YIBAO_PG_URI:-}" ]; then
    echo "YIBAO_PG_URI not set: skipped"
    exit 0
fi
export SVC_BACKEND=pg
source "$(dirname "$0")/t_service_lib.sh"
ulimit -t 120
readonly GROWN_VISITS=2000   # other visits already in the service tables
readonly GROWN_LINES=17      # fee lines of each
readonly VISITS=8            # settled at once
readonly STALE_VISITS=100    # the visits svc_fee's statistics count
readonly STATS_TRIES=100     # 0.1 s each: the server's connections closed

# scans: the sequential scans of svc_fee and svc_visit so far, "N M"
scans() {
    sql "SELECT string_agg(seq_scan::text, ' ' ORDER BY relname) FROM pg_stat_user_tables
         WHERE relname IN ('svc_fee', 'svc_visit')"
}

make_city
credential H0
start_server --threads 4
sign_in H0
stop_server

# other visits' rows, as registered, charged and settled by earlier
# requests (a line's settlement: here its visit's id)
sql "INSERT INTO svc_visit (kind, status, code, psn_no, insutype, med_type, begntime, endtime,
     dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id)
     SELECT 1, 1, 'H0', 'P0001', 390, '11', 0, 0, '', '', 0, 0, 'G' || g, 0
     FROM generate_series(1, $GROWN_VISITS) g" >/dev/null
sql "INSERT INTO svc_fee (visit_id, sn, codg, cnt, pric, amount, ocur, setl_id, bchno)
     SELECT v.id, l::text, 'SA01', 1, 100, 100, 0, v.id, '' FROM svc_visit v,
     generate_series(1, $GROWN_LINES) l" >/dev/null
# statistics that undercount the visits, as after the table grew since its
# last analyse: the plan the old join chose then scanned svc_fee whole
# (few lines open, many lines a visit); the key's array must not
sql "ALTER TABLE svc_fee ALTER COLUMN visit_id SET (n_distinct = $STALE_VISITS)" >/dev/null
sql "ANALYZE svc_fee" >/dev/null
sql "ANALYZE svc_visit" >/dev/null
[ "$(sql "SELECT count(*) FROM svc_fee")" = $((GROWN_VISITS * GROWN_LINES)) ] || fail "svc_fee not grown"
before=$(scans)

start_server --threads 4
line() { # PSN OTP SN CODE CNT PRIC AMOUNT
    printf '{"feedetl_sn":"%s","mdtrt_id":"%s","psn_no":"%s","med_type":"11","fee_ocur_time":"2020-06-01 09:30:00","med_list_codg":"%s","medins_list_codg":"h","cnt":%s,"pric":%s,"det_item_fee_sumamt":%s}' \
        "$3" "$2" "$1" "$4" "$5" "$6" "$7"
}
# VISITS persons' visits registered and charged one after another
otps=()
for i in $(seq 1 $VISITS); do
    psn=P00$((9 + i))
    a=$(call H0 2201 "{\"data\":{\"psn_no\":\"$psn\",\"insutype\":\"390\",\"begntime\":\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"$psn\",\"ipt_otp_no\":\"OTPG$i\",\"atddr_no\":\"D1\",\"dr_name\":\"Dr\",\"dept_code\":\"01\",\"dept_name\":\"Internal\",\"caty\":\"A03\"}}")
    expect_ok "$a"; otp=$(echo "$a" | jq -r .output.data.mdtrt_id); otps+=("$otp")
    a=$(call H0 2204 "{\"feedetail\":[$(line $psn "$otp" 1 SA01 1 12 12),$(line $psn "$otp" 2 XA01 24 1.2 28.8)]}")
    expect_ok "$a"
done
# then settled all at once (waiting for these requests, not the server)
pids=()
for i in $(seq 1 $VISITS); do
    # (call shares one request file: each its own here)
    envelope 2207 H0 "{\"data\":{\"psn_no\":\"P00$((9 + i))\",\"med_type\":\"11\",\"medfee_sumamt\":40.80,\"mdtrt_id\":\"${otps[$((i - 1))]}\",\"insutype\":\"390\",\"acct_used_flag\":\"0\"}}" "SETTLE$i" >"$work/req.$i.json"
    post_as H0 "$work/req.$i.json" >"$work/settle.$i" &
    pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 1 $VISITS); do
    a=$(cat "$work/settle.$i"); expect_ok "$a"; expect_field "$a" .output.setlinfo.hifp_pay 20.4
done
stop_server

# the server's connections gone, so their counters are reported
for _ in $(seq 1 $STATS_TRIES); do
    [ "$(psql -qAtX "$YIBAO_PG_URI" -c "SELECT count(*) FROM pg_stat_activity
          WHERE datname = '$pg_db' AND pid <> pg_backend_pid()")" = 0 ] && break
    sleep 0.1
done
sleep 0.5
after=$(scans)
[ "$after" = "$before" ] || fail "svc_fee, svc_visit sequential scans $before -> $after over $VISITS visits"
# then (these read whole tables) the visit's lines carry its settlement,
# the grown ones are untouched
[ "$(sql "SELECT count(*) FROM svc_fee f JOIN svc_visit v ON v.id = f.visit_id
          JOIN svc_setl s ON s.visit_id = v.id AND s.setl_id = f.setl_id
          WHERE v.ipt_otp_no LIKE 'OTPG%'")" = $((VISITS * 2)) ] || fail "the visits' lines are not marked settled"
[ "$(sql "SELECT count(*) FROM svc_fee f JOIN svc_visit v ON v.id = f.visit_id
          WHERE v.ipt_otp_no LIKE 'G%' AND f.setl_id = v.id")" = $((GROWN_VISITS * GROWN_LINES)) ] ||
    fail "other visits' lines were changed"
echo "t_service_pg_grown: $VISITS visits at once over $((GROWN_VISITS * GROWN_LINES)) fee lines, no sequential scan"
