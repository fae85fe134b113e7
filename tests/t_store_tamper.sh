#!/usr/bin/env bash
# t_store_tamper.sh: changing stored bytes behind the store's back is found
# by `yibao check`, which names what is wrong: one byte of a journal record
# (its seq), a record's postings, an account balance, a year state, the
# checkpoint seq. For
# SQLite (sqlite3 client) and PostgreSQL (psql, when YIBAO_PG_URI is set).
set -euo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
YIBAO_BENCH=${YIBAO_BENCH:-$(dirname "$YIBAO")/yibao-bench}  # the crash-test driver
export YIBAO_ROOT=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-tamper-XXXXXX")
pgdb=""
cleanup() {
    [ -n "$pgdb" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

expect_fail() { # label db pattern
    local out rc=0
    out=$("$YIBAO" check --db "$2" 2>/dev/null) || rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q -- "$3" <<<"$out"; then
        echo "$1: expected check to fail with '$3', got rc=$rc: $out"; return 1
    fi
    echo "$1: detected: $out"
}

tamper_suite() { # name db sql-runner
    local name=$1 db=$2 sql=$3
    "$YIBAO_BENCH" stress store --db "$db" --setup "$work" --seconds 1 >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    local seq
    seq=$($sql "SELECT min(seq) FROM journal WHERE kind = 1 AND body LIKE '%hifp_pay=%'")
    [ -n "$seq" ]
    # one byte of one record: the first digit of its hifp_pay
    $sql "UPDATE journal SET body = replace(body, ' hifp_pay=', ' hifp_pay=9') WHERE seq = $seq" >/dev/null
    expect_fail "$name body byte" "$db" "journal seq $seq: hash mismatch"
    $sql "UPDATE journal SET body = replace(body, ' hifp_pay=9', ' hifp_pay=') WHERE seq = $seq" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    $sql "UPDATE journal SET msgid = msgid || 'x' WHERE seq = $seq" >/dev/null
    expect_fail "$name msgid" "$db" "journal seq $seq: hash mismatch"
    $sql "UPDATE journal SET msgid = substr(msgid, 1, length(msgid) - 1) WHERE seq = $seq" >/dev/null
    $sql "UPDATE postings SET amount = amount + 1 WHERE seq = $seq AND idx = 0" >/dev/null
    expect_fail "$name posting" "$db" "journal seq $seq: postings differ"
    $sql "UPDATE postings SET amount = amount - 1 WHERE seq = $seq AND idx = 0" >/dev/null
    $sql "UPDATE accounts SET balance = balance + 1 WHERE account = (SELECT min(account) FROM accounts WHERE account LIKE 'I:%')" >/dev/null
    expect_fail "$name balance" "$db" "balance differs from its postings by 1 fen"
    $sql "UPDATE accounts SET balance = balance - 1 WHERE account = (SELECT min(account) FROM accounts WHERE account LIKE 'I:%')" >/dev/null
    $sql "UPDATE states SET admissions = admissions + 1 WHERE psn_no = (SELECT min(psn_no) FROM states)" >/dev/null
    expect_fail "$name state" "$db" "differs from the replay of the journal"
    $sql "UPDATE states SET admissions = admissions - 1 WHERE psn_no = (SELECT min(psn_no) FROM states)" >/dev/null
    # the checkpoint: moved back, the tables hold what it does not claim;
    # moved past the journal's end, it claims what does not exist
    local cp
    cp=$($sql "SELECT seq FROM checkpoint")
    [ -n "$cp" ]
    $sql "UPDATE checkpoint SET seq = 0" >/dev/null
    expect_fail "$name checkpoint moved back" "$db" "balance differs from its postings"
    $sql "UPDATE checkpoint SET seq = $cp + 5" >/dev/null
    expect_fail "$name checkpoint past the end" "$db" "is after the journal's end"
    $sql "UPDATE checkpoint SET seq = $cp" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    $sql "DELETE FROM journal WHERE seq = (SELECT max(seq) - 1 FROM journal)" >/dev/null
    expect_fail "$name deleted record" "$db" "journal seq"
}

sqlite_sql() { sqlite3 -batch "$work/tamper.db" "$1"; }
tamper_suite sqlite "$work/tamper.db" sqlite_sql
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_tamper_$$"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null
    pg_uri="${YIBAO_PG_URI%/*}/$pgdb"
    pg_sql() { psql -qtA "$pg_uri" -c "$1"; }
    tamper_suite postgresql "$pg_uri" pg_sql
else
    echo "postgresql: skipped (YIBAO_PG_URI not set)"
fi
