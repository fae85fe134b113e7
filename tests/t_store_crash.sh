#!/usr/bin/env bash
# t_store_crash.sh: the store's crash test. For SQLite (always) and
# PostgreSQL (when YIBAO_PG_URI is set): a driver (yibao-bench stress store) runs
# concurrent settlements, revokes and idempotent replays and prints each
# acknowledged msgid only after its commit returned; it is SIGKILLed at a
# random moment, KILLS times. After each kill every acknowledged
# transaction must be in the journal exactly as acknowledged (yibao-bench
# stress verify) and `yibao check` must pass (nothing half-applied: states,
# postings and balances equal the replay of the journal up to the
# checkpoint, and the records after it replay cleanly); half the runs write
# checkpoints every 40 records, so kills land inside and between them.
set -euo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
YIBAO_BENCH=${YIBAO_BENCH:-$(dirname "$YIBAO")/yibao-bench}  # the crash-test driver
export YIBAO_ROOT=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
KILLS=${KILLS:-22}
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-crash-XXXXXX")
pgdb=""
cleanup() {
    [ -n "$pgdb" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

crash_loop() { # name db
    local name=$1 db=$2 start=$SECONDS acked=0
    "$YIBAO_BENCH" stress store --db "$db" --setup "$work" --seconds 1 --run 1 >"$work/$name.acks.1"
    "$YIBAO_BENCH" stress verify --db "$db" "$work/$name.acks.1" >/dev/null
    for run in $(seq 2 $((KILLS + 1))); do
        # odd runs write a checkpoint every 40 records, so kills also land in and
        # between checkpoints; even runs keep the default (only at stop)
        local every=(); [ $((run % 2)) -eq 1 ] && every=(--checkpoint-every 40)
        "$YIBAO_BENCH" stress store --db "$db" --threads 4 --batch 16 --run "$run" "${every[@]}" \
            >"$work/$name.acks.$run" 2>"$work/$name.err.$run" &
        local pid=$!
        sleep "0.$((RANDOM % 5 + 1))$((RANDOM % 10))"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if ! "$YIBAO_BENCH" stress verify --db "$db" "$work/$name.acks.$run" >"$work/$name.verify.$run"; then
            echo "$name run $run: acknowledged transactions lost"; cat "$work/$name.err.$run"; return 1
        fi
        if ! "$YIBAO" check --db "$db" >"$work/$name.check.$run"; then
            echo "$name run $run: check failed after kill"; cat "$work/$name.check.$run"; return 1
        fi
        acked=$((acked + $(wc -l <"$work/$name.acks.$run")))
    done
    # replays after the restarts: every acknowledgement still verifies
    cat "$work/$name".acks.* >"$work/$name.all"
    "$YIBAO_BENCH" stress verify --db "$db" "$work/$name.all" >/dev/null
    echo "$name: $KILLS kills, $acked acknowledged transactions, all present once, check ok ($((SECONDS - start)) s)"
    [ "$acked" -gt 0 ]
}

crash_loop sqlite "$work/crash.db"
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_crash_$$"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null
    crash_loop postgresql "${YIBAO_PG_URI%/*}/$pgdb"
else
    echo "postgresql: skipped (YIBAO_PG_URI not set)"
fi
