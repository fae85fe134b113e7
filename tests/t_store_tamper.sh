#!/usr/bin/env bash
# t_store_tamper.sh: changing stored bytes behind the store's back is found
# by `yibao check`, which names what is wrong: one byte of a journal record
# (its seq), a record's postings (an amount, a business month), an account balance, a year state, the
# checkpoint seq; what the chain covers beyond its records: a settlement's
# total that no longer equals its parts, a bill changed, a person or the
# catalog edited in SQL, a credential edited or inserted in SQL (while
# every `yibao credential` edit leaves check passing). A copy rewritten consistently (the basic fund
# paying 1.00 more in the result, ledger and state, the chain rehashed by
# tests/tamper/rechain.py) passes `check` and is found by `check --deep`;
# the records after the last checkpoint removed after a kill pass `check`
# and are found by `check --expect-head` with a receipt given out before.
# For SQLite (sqlite3 client) and PostgreSQL (psql, when YIBAO_PG_URI is set).
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

expect_fail() { # label db pattern [check options...]
    local out rc=0
    out=$("$YIBAO" check --db "$2" "${@:4}" 2>/dev/null) || rc=$?
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
    # a body that no longer decodes fails a report (never a partial one)
    local year out rc
    year=$($sql "SELECT year FROM journal WHERE seq = $seq")
    $sql "UPDATE journal SET body = replace(body, ' hifp_pay=', ' hifp_pay=x') WHERE seq = $seq" >/dev/null
    for report in reimbursement institutions; do
        rc=0
        out=$("$YIBAO" report "$report" --db "$db" --year "$year" 2>&1) || rc=$?
        if [ "$rc" -eq 0 ] || ! grep -q "journal seq $seq" <<<"$out"; then
            echo "$name report $report: expected a failure naming seq $seq, got rc=$rc: $out"; return 1
        fi
    done
    echo "$name undecodable body: reports fail: $out"
    $sql "UPDATE journal SET body = replace(body, ' hifp_pay=x', ' hifp_pay=') WHERE seq = $seq" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    $sql "UPDATE journal SET msgid = msgid || 'x' WHERE seq = $seq" >/dev/null
    expect_fail "$name msgid" "$db" "journal seq $seq: hash mismatch"
    $sql "UPDATE journal SET msgid = substr(msgid, 1, length(msgid) - 1) WHERE seq = $seq" >/dev/null
    $sql "UPDATE postings SET amount = amount + 1 WHERE seq = $seq AND idx = 0" >/dev/null
    expect_fail "$name posting" "$db" "journal seq $seq: postings differ"
    $sql "UPDATE postings SET amount = amount - 1 WHERE seq = $seq AND idx = 0" >/dev/null
    # a posting's business month (the fund reports' month) moved: a
    # settlement's is its local month in some zone (check allows UTC-12 to
    # UTC+14), so months away; a contribution's exact month: t_reports.sh
    local month
    month=$($sql "SELECT month FROM postings WHERE seq = $seq AND idx = 0")
    [ -n "$month" ] && [ "$month" -ge 0 ]
    for moved in $((month - 5)) $((month + 7)); do
        $sql "UPDATE postings SET month = $moved WHERE seq = $seq AND idx = 0" >/dev/null
        expect_fail "$name posting month" "$db" "journal seq $seq: a posting's month .* is not the record's"
    done
    $sql "UPDATE postings SET month = $month WHERE seq = $seq AND idx = 0" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
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
    credential_suite "$name" "$db" "$sql"
    chain_suite "$name" "$db" "$sql"
    $sql "DELETE FROM journal WHERE seq = (SELECT max(seq) - 1 FROM journal)" >/dev/null
    expect_fail "$name deleted record" "$db" "journal seq"
}

# The service's credentials (svc_credential): every edit through `yibao
# credential` (issue, rotate, hmac, revoke) leaves check passing; an SQL edit
# (a revoked credential active again, moved to another institution, its
# hmac_required cleared, a row inserted) is found and names the record; a
# row of this release inserted before any credential was journaled too.
credential_suite() { # name db sql-runner
    local name=$1 db=$2 sql=$3 code other key out p1 p2 seq
    local cols="paasid, token, fixmedins_code, status, token_version, key_id, hmac_required"
    code=$($sql "SELECT min(code) FROM institutions")
    other=$($sql "SELECT max(code) FROM institutions")
    [ -n "$code" ] && [ "$code" != "$other" ]
    key="$work/$name-credential.key"
    $sql "INSERT INTO svc_credential ($cols) VALUES ('paforged', '', '$code', 'active', 1, 'k', 0)" >/dev/null
    expect_fail "$name credential inserted, none journaled" "$db" \
        "credentials: svc_credential row 'paforged' is in no journal record"
    $sql "DELETE FROM svc_credential WHERE paasid = 'paforged'" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    out=$("$YIBAO" credential issue "$code" --db "$db" --key-file "$key")
    p1=$(sed -n 's/^paasid=//p' <<<"$out")
    "$YIBAO" check --db "$db" >/dev/null || { echo "$name: check fails after credential issue"; return 1; }
    out=$("$YIBAO" credential issue "$other" --db "$db" --key-file "$key" --hmac-required)
    p2=$(sed -n 's/^paasid=//p' <<<"$out")
    "$YIBAO" credential rotate "$p1" --db "$db" --key-file "$key" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null || { echo "$name: check fails after credential rotate"; return 1; }
    "$YIBAO" credential hmac "$p1" required --db "$db" --key-file "$key" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null || { echo "$name: check fails after credential hmac"; return 1; }
    "$YIBAO" credential revoke "$p1" --db "$db" --key-file "$key" >/dev/null
    out=$("$YIBAO" check --db "$db") || { echo "$name: check fails after credential revoke: $out"; return 1; }
    echo "$name credentials issued, rotated, held to hmac, revoked: check passes"
    seq=$($sql "SELECT max(seq) FROM journal WHERE kind = 3 AND body LIKE 'what=credentials %'")
    [ -n "$seq" ] && [ "$($sql "SELECT max(seq) FROM journal")" = "$seq" ]
    local differs="credentials: the svc_credential table differs from what journal seq $seq recorded"
    $sql "UPDATE svc_credential SET status = 'active' WHERE paasid = '$p1'" >/dev/null
    expect_fail "$name revoked credential set active" "$db" "$differs"
    $sql "UPDATE svc_credential SET status = 'revoked' WHERE paasid = '$p1'" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
    $sql "UPDATE svc_credential SET fixmedins_code = '$code' WHERE paasid = '$p2'" >/dev/null
    expect_fail "$name credential moved to another institution" "$db" "$differs"
    $sql "UPDATE svc_credential SET fixmedins_code = '$other' WHERE paasid = '$p2'" >/dev/null
    $sql "UPDATE svc_credential SET hmac_required = 0 WHERE paasid = '$p2'" >/dev/null
    expect_fail "$name credential hmac_required cleared" "$db" "$differs"
    $sql "UPDATE svc_credential SET hmac_required = 1 WHERE paasid = '$p2'" >/dev/null
    $sql "INSERT INTO svc_credential ($cols) VALUES ('paforged', '', '$code', 'active', 1, 'k', 0)" >/dev/null
    expect_fail "$name credential inserted" "$db" "$differs"
    $sql "DELETE FROM svc_credential WHERE paasid = 'paforged'" >/dev/null
    "$YIBAO" check --db "$db" >/dev/null
}

# Rewrites record $2's body by EDITS and rehashes the chain from there
# (tests/tamper/rechain.py), as a forger would.
rechain() { # sql seq edits
    $1 "SELECT seq, time_us, kind, msgid, psn_no, fixmedins_code, ref_seq, year, req_hash, body,
        prev_hash FROM journal WHERE seq >= $2 ORDER BY seq" |
        python3 "$YIBAO_ROOT/tests/tamper/rechain.py" "$3" >"$work/rechain.sql"
    $1 -f "$work/rechain.sql" >/dev/null
}

# What the chain covers beyond its records, and what only --deep finds.
chain_suite() { # name db sql-runner
    local name=$1 db=$2 sql=$3 seq cp psn out
    cp=$($sql "SELECT seq FROM checkpoint")
    # a settlement's total no longer its parts (the chain rehashed)
    seq=$($sql "SELECT min(seq) FROM journal j WHERE kind = 1 AND body LIKE '% inscp_scp_amt=%'
        AND NOT EXISTS (SELECT 1 FROM journal r WHERE r.kind = 2 AND r.ref_seq = j.seq)")
    rechain "$sql" "$seq" "inscp_scp_amt+1"
    expect_fail "$name total not its parts" "$db" "journal seq $seq: medfee_sumamt is not"
    rechain "$sql" "$seq" "inscp_scp_amt-1"
    "$YIBAO" check --db "$db" >/dev/null
    # the registry edited in SQL: a person's name, a catalog item's cap
    psn=$($sql "SELECT min(psn_no) FROM persons")
    $sql "UPDATE persons SET name = name || 'x' WHERE psn_no = '$psn'" >/dev/null
    expect_fail "$name person edited" "$db" "registry: the persons table differs"
    $sql "UPDATE persons SET name = substr(name, 1, length(name) - 1) WHERE psn_no = '$psn'" >/dev/null
    $sql "UPDATE catalog SET cap_price = cap_price + 1 WHERE code = (SELECT min(code) FROM catalog)" >/dev/null
    expect_fail "$name catalog edited" "$db" "registry: the catalog table differs"
    $sql "UPDATE catalog SET cap_price = cap_price - 1 WHERE code = (SELECT min(code) FROM catalog)" >/dev/null
    "$YIBAO" check --db "$db" --deep >/dev/null
    # the basic fund pays 1.00 more, consistently in the result (the chain
    # rehashed), the ledger (posting, balances) and the year state: check
    # passes, check --deep settles the bill again and names the figure
    seq=$($sql "SELECT min(seq) FROM journal j WHERE kind = 1 AND seq <= $cp
        AND body LIKE '% hifp_pay=%' AND body LIKE '% psn_cash_pay=%'
        AND body LIKE '% d.general_paid=%' AND body NOT LIKE '% acct_pay=%'
        AND NOT EXISTS (SELECT 1 FROM journal r WHERE r.kind = 2 AND r.ref_seq = j.seq)")
    [ -n "$seq" ]
    local hifp
    hifp=$($sql "SELECT amount FROM postings WHERE seq = $seq AND credit LIKE 'F:hifp:%'")
    rechain "$sql" "$seq" "hifp_pay+100,fund_pay_sumamt+100,psn_part_amt-100,psn_cash_pay-100,d.general_paid+100"
    $sql "UPDATE accounts SET balance = balance - 100 WHERE account =
        (SELECT credit FROM postings WHERE seq = $seq AND credit LIKE 'F:hifp:%')" >/dev/null
    $sql "UPDATE accounts SET balance = balance + 100 WHERE account =
        (SELECT debit FROM postings WHERE seq = $seq AND credit LIKE 'F:hifp:%')" >/dev/null
    $sql "UPDATE postings SET amount = amount + 100 WHERE seq = $seq AND credit LIKE 'F:hifp:%'" >/dev/null
    $sql "UPDATE states SET general_paid = general_paid + 100 WHERE
        psn_no = (SELECT psn_no FROM journal WHERE seq = $seq) AND
        year = (SELECT year FROM journal WHERE seq = $seq)" >/dev/null
    out=$("$YIBAO" check --db "$db")
    echo "$name basic fund +1.00 everywhere: plain check passes: $(head -1 <<<"$out")"
    expect_fail "$name basic fund +1.00 everywhere" "$db" \
        "journal seq $seq: hifp_pay stored $((hifp + 100)), settled again $hifp" --deep
    # a bill changed: its journaled bytes
    $sql "UPDATE journal_data SET data = data || data WHERE seq = $seq" >/dev/null
    expect_fail "$name bill changed" "$db" "journal seq $seq: its bill does not hash"
}

# After a kill, the records after the last checkpoint deleted with their
# postings and bills: check passes (the chain is whole up to there); the
# receipt of an acknowledged settlement (its jrnl_seq:jrnl_hash) finds it.
tail_suite() { # name db sql-runner
    local name=$1 db=$2 sql=$3 cp tail receipt tries=0
    while :; do
        tries=$((tries + 1))
        [ "$tries" -le 8 ] || { echo "$name tail: no kill left records after the checkpoint"; return 1; }
        "$YIBAO_BENCH" stress store --db "$db" --setup "$work" --threads 2 --batch 4 \
            --checkpoint-every 40 --seconds 10 --run "$tries" >/dev/null 2>&1 &
        local pid=$!
        sleep 2
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        cp=$($sql "SELECT seq FROM checkpoint")
        tail=$($sql "SELECT max(seq) FROM journal")
        [ -n "$cp" ] && [ -n "$tail" ] && [ "$cp" -lt "$tail" ] && break
    done
    receipt="$tail:$($sql "SELECT hash FROM journal WHERE seq = $tail")"
    "$YIBAO" check --db "$db" --expect-head "$receipt" >/dev/null
    $sql "DELETE FROM journal_data WHERE seq > $cp" >/dev/null
    $sql "DELETE FROM postings WHERE seq > $cp" >/dev/null
    $sql "DELETE FROM journal WHERE seq > $cp" >/dev/null
    local out
    out=$("$YIBAO" check --db "$db")
    echo "$name tail deleted after a kill: plain check passes: $(head -1 <<<"$out")"
    expect_fail "$name tail deleted after a kill" "$db" \
        "receipt seq $tail: the journal ends at seq $cp" --expect-head "$receipt"
}

# sql-runner "SQL", or sql-runner -f FILE
sqlite_sql() { if [ "$1" = -f ]; then sqlite3 -batch "$work/tamper.db" <"$2"; else sqlite3 -batch "$work/tamper.db" "$1"; fi; }
tamper_suite sqlite "$work/tamper.db" sqlite_sql
sqlite_tail_sql() { sqlite3 -batch "$work/tail.db" "$1"; }
tail_suite sqlite "$work/tail.db" sqlite_tail_sql
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_tamper_$$"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null
    pg_uri="${YIBAO_PG_URI%/*}/$pgdb"
    pg_sql() { if [ "$1" = -f ]; then psql -qtA "$pg_uri" -f "$2"; else psql -qtA "$pg_uri" -c "$1"; fi; }
    tamper_suite postgresql "$pg_uri" pg_sql
    psql -q "$YIBAO_PG_URI" -c "DROP DATABASE $pgdb" >/dev/null
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null
    tail_suite postgresql "$pg_uri" pg_sql
else
    echo "postgresql: skipped (YIBAO_PG_URI not set)"
fi
