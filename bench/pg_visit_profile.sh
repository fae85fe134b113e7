#!/usr/bin/env bash
# bench/pg_visit_profile.sh YIBAO [YIBAO...]: where a visit request's time
# goes on PostgreSQL (issue 14). For each binary: a fresh database on
# PG_URI holding the city of bench/http.sh (5,000 persons), `yibao serve`,
# SECONDS_PER_RUN (10) seconds of `yibao-bench http --flow visit` at
# CONNECTIONS (32), and around that run the counters of /proc and of the
# cluster; prints per visit request (6 a settled visit):
#   - the server's CPU (user, sys; /proc/PID/stat, all its threads);
#   - the cluster's CPU (the postmaster and its children: backends, WAL
#     writer, checkpointer; /proc, the exited ones through cutime);
#   - the context switches of the server's threads and the cluster's
#     processes (/proc/PID/task/*/status), each a wake-up for a round trip
#     or a hand-over between threads;
#   - the machine's speed just before the run (a fixed CPU task's ms);
#   - the load generator's CPU (its own figure) and the machine's idle share
#     (/proc/stat): with 2 cores, idle near 0 means CPU per request bounds
#     the rate, not waiting;
#   - WAL records, bytes, writes and fsyncs (pg_stat_wal) per visit;
#   - the service writers' batches (the server's own line at exit);
#   - the statements' planning, total ms and plans (pg_stat_statements, with
#     pg_stat_statements.track_planning = on);
#   - per table, updates a visit and how many were HOT, and the service
#     tables' sequential scans and the rows they read (pg_stat_user_tables,
#     since the database was made);
#   - the TOP (12) statements by total execution time (pg_stat_statements:
#     calls and microseconds per visit, mean time).
# PG_URI's cluster must preload pg_stat_statements (see bench/pg_statements.sh).
# GROWN_VISITS=N first adds N settled visits of GROWN_LINES (17) fee lines
# each to the service tables (analysed), as a server that has served for a
# while holds them: statements whose cost grows with the tables show.
# SETUP_SQL runs on each fresh database before the load (a storage
# parameter, e.g. SETUP_SQL="ALTER TABLE svc_fee SET (fillfactor = 70)").
# With PERF=1 the server also runs under `perf record -g` and the report's
# top symbols follow (the rates then are perf's, not the server's); with
# PERF=cluster the cluster's processes instead (its backends' symbols).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: PG_URI=URI bench/pg_visit_profile.sh YIBAO [YIBAO...]" >&2; exit 2; }
[ -n "${PG_URI:-}" ] || { echo "bench/pg_visit_profile.sh: PG_URI is not set" >&2; exit 2; }
cd "$(dirname "$0")/.."
bench=${YIBAO_BENCH:-build/release/yibao-bench}
conns=${CONNECTIONS:-32}; secs=${SECONDS_PER_RUN:-10}; top=${TOP:-12}
work=$(mktemp -d /tmp/yibao-pgprof.XXXXXX)
export YIBAO_KEY_FILE="$work/service.key" PGOPTIONS="-c client_min_messages=warning ${SERVE_PGOPTIONS:-}"
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)
postmaster=$(head -n 1 "$(psql -qtA "$PG_URI" -c "SHOW data_directory")/postmaster.pid")
ticks() { # PID: user sys ticks of a process (all threads), with its reaped children's
    awk '{ sub(/^.*\) /, ""); print $12 + $14, $13 + $15 }' "/proc/$1/stat"
}
own_ticks() { awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"; }
cluster_ticks() { # user sys of the postmaster, its live children and the reaped ones
    local u=0 s=0 a b c
    read -r a b < <(ticks "$postmaster"); u=$((u + a)); s=$((s + b))
    for c in $(pgrep -P "$postmaster"); do
        if read -r a b < <(own_ticks "$c" 2>/dev/null); then u=$((u + a)); s=$((s + b)); fi
    done
    echo "$u $s"
}
per_pid() { # PID TICKS of each live child of the postmaster
    local c a b
    for c in $(pgrep -P "$postmaster"); do
        if read -r a b < <(own_ticks "$c" 2>/dev/null); then echo "$c $((a + b))"; fi
    done
}
switches() { # PID...: voluntary + involuntary context switches of their threads
    local p
    for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
        awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
idle_ticks() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# The machine's speed just before a run: the milliseconds of a fixed
# single-threaded CPU task (sha256 of 64 MiB). The same binary's CPU a
# request moves with it by as much as a third between runs of one session
# (docs/BENCHMARKS.md "Eighteenth session"): compare runs' CPU with it.
speed_ms() {
    local t0 t1
    t0=$(date +%s%N)
    head -c 67108864 /dev/zero | sha256sum >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
. bench/visit_lib.sh # (the working directory is the repository)
visit_city "$1" "$work"
for y in "$@"; do
    psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS yibao_pgprof" -c "CREATE DATABASE yibao_pgprof" >/dev/null
    db="${PG_URI%/*}/yibao_pgprof"
    visit_store "$y" "$db" "$work"
    visit_serve "$y" "$db" "$work/serve.log"
    # SETUP_SQL: statements run on the database before the load (e.g. a
    # table's storage parameters: the same binary with and without them)
    [ -z "${SETUP_SQL:-}" ] || psql -q "$db" -c "$SETUP_SQL" >/dev/null
    if [ "${GROWN_VISITS:-0}" -gt 0 ]; then # a server that has served for a while
        psql -q "$db" -c "INSERT INTO svc_visit (kind, status, code, psn_no, insutype, med_type,
            begntime, endtime, dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id)
            SELECT 1, 2, '$code', 'P0001', 390, '11', 0, 0, '', '', 0, 0, 'G' || g, 0
            FROM generate_series(1, $GROWN_VISITS) g" \
            -c "INSERT INTO svc_fee (visit_id, sn, codg, cnt, pric, amount, ocur, setl_id, bchno)
            SELECT v.id, l::text, 'SA01', 1, 100, 100, 0, v.id, '' FROM svc_visit v,
            generate_series(1, ${GROWN_LINES:-17}) l" -c "ANALYZE svc_visit" -c "ANALYZE svc_fee" >/dev/null
    fi
    psql -q "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
        -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
    ppid=""
    if [ -n "${PERF:-}" ]; then
        target=$pid
        [ "$PERF" = cluster ] && target=$(pgrep -P "$postmaster" | paste -sd,)
        perf record -F 499 -g -o "$work/perf.data" -p "$target" >/dev/null 2>&1 &
        ppid=$!
        sleep 1
    fi
    speed=$(speed_ms)
    read -r su0 ss0 < <(own_ticks "$pid")
    read -r cu0 cs0 < <(cluster_ticks)
    per_pid >"$work/pids0"
    sw_s0=$(switches "$pid"); sw_c0=$(switches $(pgrep -P "$postmaster"))
    read -r id0 all0 < <(idle_ticks)
    line=$("$bench" http --url "$url" --paasid "$paasid" --token "$token" --code "$code" \
        --connections "$conns" --seconds "$secs" --persons 5000 --seed 1 --flow visit)
    read -r su1 ss1 < <(own_ticks "$pid")
    read -r cu1 cs1 < <(cluster_ticks)
    per_pid >"$work/pids1"
    sw_s1=$(switches "$pid"); sw_c1=$(switches $(pgrep -P "$postmaster"))
    psql -qtA -F'|' "$db" -c "SELECT pid, backend_type, left(regexp_replace(query, '\s+', ' ', 'g'), 60) FROM pg_stat_activity" >"$work/activity"
    read -r id1 all1 < <(idle_ticks)
    if [ -n "$ppid" ]; then kill -INT "$ppid"; wait "$ppid" 2>/dev/null || true; fi
    kill -TERM "$pid"; wait "$pid" || true; pid=""
    visits=$(sed -n 's/.* settlements \([0-9]*\) .*/\1/p' <<<"$line")
    [ "${visits:-0}" -gt 0 ] || { echo "no visit settled: $line" >&2; exit 1; }
    reqs=$((visits * 6))
    echo "$y: $line"
    echo "machine speed before the run: sha256 of 64 MiB in $speed ms (lower: faster)"
    awk -v r="$reqs" -v hz="$hz" -v su=$((su1 - su0)) -v ss=$((ss1 - ss0)) -v cu=$((cu1 - cu0)) \
        -v cs=$((cs1 - cs0)) -v sws=$((sw_s1 - sw_s0)) -v swc=$((sw_c1 - sw_c0)) -v ncpu="$(nproc)" -v idl=$((id1 - id0)) -v all=$((all1 - all0)) 'BEGIN {
        us = 1e6 / hz / r
        printf "CPU per visit request (us): server user %.0f sys %.0f; cluster user %.0f sys %.0f; total %.0f\n",
            su * us, ss * us, cu * us, cs * us, (su + ss + cu + cs) * us
        printf "context switches per visit request: server %.1f, cluster %.1f (live processes)\n", sws / r, swc / r
        printf "machine idle %.0f%% of %d CPUs over the run\n", 100 * idl / all, ncpu
    }'
    # the cluster's processes by CPU over the run, with what each last ran
    join <(sort "$work/pids0") <(sort "$work/pids1") | awk -v r="$reqs" -v hz="$hz" '{ d = $3 - $2; if (d > 0) printf "%d %.0f\n", $1, d * 1e6 / hz / r }' |
        sort -k2,2nr | head -n "${PIDS_TOP:-10}" | while read -r p u; do
            echo "  backend $p: $u us a visit request; $(grep "^$p|" "$work/activity" | cut -d'|' -f2-)"
        done || true # head leaving early (PIDS_TOP=0, or before sort's last write) is no failure
    grep -E "service-table writes|settlements and revokes|writes piped" "$work/serve.log" || true
    psql -qtA -F' ' "$db" -c "SELECT wal_records, wal_bytes, wal_write, wal_sync, round(wal_sync_time) FROM pg_stat_wal" |
        awk -v v="$visits" '{ printf "WAL per visit: %.1f records, %.0f bytes, %.2f writes, %.2f fsyncs (%d fsyncs, %d ms in them)\n", $1 / v, $2 / v, $3 / v, $4 / v, $4, $5 }'
    # updates a visit per table and how many were HOT (no index entry, the
    # new version on the same page); counted since the database was made,
    # after a second for the exited backends to flush their counts
    sleep 1
    psql -qtA -F' ' "$db" -c "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC" |
        awk -v v="$visits" '{ printf "  updates a visit: %s %.1f, HOT %.1f\n", $1, $2 / v, $3 / v }'
    psql -qtA -F' ' "$db" -c "SELECT relname, seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE relname LIKE 'svc_%' AND seq_tup_read > 0 ORDER BY seq_tup_read DESC" |
        awk -v v="$visits" '{ printf "  sequential scans a visit: %s %.2f, rows read %.0f\n", $1, $2 / v, $3 / v }'
    psql -qtA -F' ' "$db" -c "SELECT round(sum(total_exec_time)::numeric * 1000 / ($visits * 6)), sum(calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'yibao_pgprof'" |
        awk -v v="$visits" '{ printf "statements: %.1f a visit, execution %d us a visit request (pg_stat_statements)\n", $2 / v, $1 }'
    psql -qtA -F' ' "$db" -c "SELECT round(sum(total_plan_time)), sum(plans) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'yibao_pgprof'" |
        awk '{ printf "planning: %d ms in %d plans over the run (0 unless pg_stat_statements.track_planning = on)\n", $1, $2 }'
    psql -qtA -F' | ' "$db" -c "SELECT round(calls::numeric / $visits, 2), round(total_exec_time::numeric * 1000 / $visits), round(mean_exec_time::numeric * 1000, 1), left(regexp_replace(query, '\s+', ' ', 'g'), 80) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'yibao_pgprof' ORDER BY total_exec_time DESC LIMIT $top" |
        sed 's/^/calls\/visit | us\/visit | mean us | /'
    if [ -n "$ppid" ]; then
        perf report -i "$work/perf.data" --no-children -g none --sort symbol --stdio 2>/dev/null |
            grep -E "^ +[0-9]" | head -n "${PERF_TOP:-25}"
    fi
done
[ -n "${KEEP:-}" ] || psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS yibao_pgprof" >/dev/null
