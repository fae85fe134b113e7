#!/usr/bin/env bash
# t_settle_batch.sh: `yibao settle --db D BILLS.jsonl|-` (issue 15, item 3).
# A generated city's year (about 20,000 bills, half of them without a
# msgid) is settled, SIGKILLed twice at points chosen by its output (never
# by time: after 1/5 and 1/2 of the answers) and run again to the end,
# which replays exactly what the killed runs settled and settles the rest: `yibao check` passes and the journal
# holds exactly one settlement per distinct bill. A resumed run answers
# the lines settled before (not only a prefix) from the journal with the
# first settlement, the same answer line as the commit queue's replay, and
# settles only the rest. Also: Ctrl-C (SIGINT)
# lets the bills in flight commit, names the last line answered and exits
# 130, with exactly the answered bills in the journal; bad lines are named
# FILE:LINE: field; a bill settled twice without a msgid is answered by its
# first settlement; standard input; a progress line only on a terminal
# (script(1) gives the command a pty). --answers FILE: killed twice, the
# runs append to FILE and each continues after the last line answered
# there: FILE ends with each line answered once, in order; the answers of
# another file, a file that is not answers and one bill are refused with
# nothing changed. With YIBAO_PG_URI, a shorter run killed once on
# PostgreSQL, with --answers.
set -uo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
PERSONS=${SETTLE_BATCH_PERSONS:-2200}
status=0
fail() { echo "FAIL: $*"; status=1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-batch-XXXXXX")
pgdb=""
cleanup() {
    [ -n "$pgdb" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
cd "$root" || exit 1

new_store() { # DB: the city's registry, policies and catalog
    "$YIBAO" init --db "$1" >/dev/null &&
        "$YIBAO" import --db "$1" institutions "$work/city/institutions.csv" >/dev/null &&
        "$YIBAO" import --db "$1" policy policies/maoming-2020-employee.json \
            policies/maoming-2020-resident.json >/dev/null &&
        "$YIBAO" import --db "$1" catalog policies/catalog-conformance.json >/dev/null &&
        "$YIBAO" import --db "$1" persons "$work/city/persons.csv" >/dev/null
}
# Waits until FILE has at least N lines; 1 when PID ended first.
wait_lines() { # FILE N PID
    touch "$1"
    while [ "$(wc -l <"$1")" -lt "$2" ]; do
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.02
    done
}
# Settlements in the journal, and how many distinct requests they are.
settlements() { sqlite3 -batch "$1" "SELECT count(*) || ' ' || count(DISTINCT req_hash) FROM journal WHERE kind = 1"; }

"$YIBAO" gen city --persons "$PERSONS" --seed 5 --out "$work/city" >/dev/null || { echo "gen city failed"; exit 1; }
# every other bill without its msgid: those get one derived from their content
awk 'NR % 2 == 0 { sub(/"msgid":"[^"]*",/, "") } { print }' "$work/city/bills.jsonl" >"$work/bills.jsonl"
n=$(wc -l <"$work/bills.jsonl")
[ "$n" -ge 15000 ] || fail "only $n bills generated"
[ "$(grep -c '"msgid"' "$work/bills.jsonl")" -lt "$n" ] || fail "no bill without a msgid"

# ---- killed twice, then to the end: each bill settled exactly once ----
db=$work/kill.db
new_store "$db" || fail "store set-up"
declare -a in_journal printed
for run in 1 2; do
    at=$((run == 1 ? n / 5 : n / 2))
    "$YIBAO" settle --db "$db" "$work/bills.jsonl" >"$work/kill.out.$run" 2>"$work/kill.err.$run" &
    pid=$!
    wait_lines "$work/kill.out.$run" "$at" "$pid" || fail "run $run ended before $at answers"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    printed[run]=$(wc -l <"$work/kill.out.$run")
    in_journal[run]=$(settlements "$db" | cut -d' ' -f1)
    echo "run $run: killed after ${printed[run]} answers printed, ${in_journal[run]} settlements in the journal"
    # every answer printed was committed first
    [ "${in_journal[run]}" -ge "${printed[run]}" ] || fail "run $run printed answers not in the journal"
done
# the first kill landed midway, and no run lost what an earlier one settled
[ "${in_journal[1]}" -lt "$n" ] || fail "run 1 settled everything before its kill"
[ "${in_journal[2]}" -ge "${in_journal[1]}" ] || fail "run 2 lost settlements"
"$YIBAO" settle --db "$db" "$work/bills.jsonl" >"$work/kill.out.3" 2>"$work/kill.err.3"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "the run to the end exited $rc: $(tail -3 "$work/kill.err.3")"
[ "$(wc -l <"$work/kill.out.3")" = "$n" ] || fail "run 3 answered $(wc -l <"$work/kill.out.3") of $n bills"
# run 3 replays exactly what the killed runs settled, and settles the rest
grep -q "^settle: $n bills in .*: $((n - in_journal[2])) settled, ${in_journal[2]} replayed, 0 refused, 0 bad lines$" \
    "$work/kill.err.3" || fail "run 3 summary (${in_journal[2]} settled before): $(tail -1 "$work/kill.err.3")"
"$YIBAO" check --db "$db" >"$work/check" 2>&1 || fail "check after the kills: $(cat "$work/check")"
[ "$(settlements "$db")" = "$n $n" ] || fail "journal: $(settlements "$db") settlements for $n bills"
[ "$(grep -o '"setl_id":"[0-9]*"' "$work/kill.out.3" | sort -u | wc -l)" = "$n" ] ||
    fail "run 3's answers do not name $n distinct settlements"
# the msgids derived from content: bill- and 56 hex digits
grep -q '"msgid":"bill-[0-9a-f]\{56\}"' "$work/kill.out.3" || fail "no derived msgid in the answers"

# ---- --answers FILE: killed twice, each line answered once in FILE ----
# The runs append to one answers file; a run started again continues after
# the last line answered there (a partial line cut off), finds in the
# journal what the killed run committed but had not written out, and
# settles the rest: FILE ends with one answer per line, in order.
db=$work/answers.db
new_store "$db" || fail "store set-up (--answers)"
ans=$work/answers.jsonl
for run in 1 2; do
    at=$((run == 1 ? n / 4 : n * 3 / 5))
    "$YIBAO" settle --db "$db" --answers "$ans" "$work/bills.jsonl" 2>"$work/ans.err.$run" &
    pid=$!
    wait_lines "$ans" "$at" "$pid" || fail "--answers run $run ended before $at answers"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
"$YIBAO" settle --db "$db" --answers "$ans" "$work/bills.jsonl" 2>"$work/ans.err.3"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "--answers: the run to the end exited $rc: $(tail -3 "$work/ans.err.3")"
grep -q '^settle: continued after line [0-9]*, answered by an earlier run$' "$work/ans.err.3" ||
    fail "--answers: run 3 did not continue: $(cat "$work/ans.err.3")"
python3 - "$ans" "$n" <<'PY' || fail "--answers: the answers file"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "a partial last line"
got = [json.loads(l)["input_line"] for l in lines[:-1]]
assert got == list(range(1, int(sys.argv[2]) + 1)), "input lines %d..%d, %d answers" % (got[0], got[-1], len(got))
PY
[ "$(settlements "$db")" = "$n $n" ] || fail "--answers: journal $(settlements "$db") for $n bills"
"$YIBAO" check --db "$db" >/dev/null 2>&1 || fail "--answers: check"
# a complete answers file: a run again answers nothing more
"$YIBAO" settle --db "$db" --answers "$ans" "$work/bills.jsonl" 2>"$work/ans.err.4" || fail "--answers: run again"
grep -q "^settle: 0 bills in" "$work/ans.err.4" || fail "--answers: run again: $(cat "$work/ans.err.4")"
[ "$(wc -l <"$ans")" = "$n" ] || fail "--answers: run again wrote more"
# refused, nothing changed: the answers of another file, a file that is
# not answers, one bill
head -100 "$work/bills.jsonl" | tail -50 >"$work/other.jsonl"
sum=$(cksum <"$ans")
"$YIBAO" settle --db "$db" --answers "$ans" "$work/other.jsonl" 2>"$work/ans.err.5"
[ $? = 2 ] || fail "--answers of another file: not exit 2"
grep -q "not the answers of this file" "$work/ans.err.5" || fail "--answers of another file: $(cat "$work/ans.err.5")"
[ "$(cksum <"$ans")" = "$sum" ] || fail "--answers of another file changed it"
printf 'settle_id,amount\n1,2\n' >"$work/notanswers.csv"
"$YIBAO" settle --db "$db" --answers "$work/notanswers.csv" "$work/bills.jsonl" 2>"$work/ans.err.6"
[ $? = 2 ] || fail "--answers on a CSV: not exit 2"
grep -q "^yibao: --answers $work/notanswers.csv: its last line is not an answer" "$work/ans.err.6" ||
    fail "--answers on a CSV: $(cat "$work/ans.err.6")"
[ "$(cat "$work/notanswers.csv")" = $'settle_id,amount\n1,2' ] || fail "--answers changed the CSV"
head -1 "$work/bills.jsonl" >"$work/one.json"
"$YIBAO" settle --db "$db" --answers "$work/one.out" "$work/one.json" 2>"$work/ans.err.7"
[ $? = 2 ] || fail "--answers with one bill: not exit 2"
grep -q "for a file of one bill a line" "$work/ans.err.7" || fail "--answers with one bill: $(cat "$work/ans.err.7")"
[ "$(settlements "$db")" = "$n $n" ] || fail "--answers refusals changed the journal"

# ---- a resumed run answers the settled lines from the journal ----
# Every third of the first 3000 lines settled first (not a prefix), then the
# 3000 with line 2 for an unknown person (refused), line 5 again (a
# replay) and line 7's msgid on another bill (line 7 was settled first:
# refused as a msgid reused): the lines settled before
# are answered with the first settlement, the rest settled, nothing twice.
db=$work/resume.db
new_store "$db" || fail "store set-up"
head -3000 "$work/bills.jsonl" >"$work/r3000.jsonl"
awk 'NR % 3 == 1' "$work/r3000.jsonl" >"$work/rthird.jsonl"
"$YIBAO" settle --db "$db" "$work/rthird.jsonl" >"$work/rthird.out" 2>/dev/null || fail "resume: first run exit $?"
{
    cat "$work/r3000.jsonl"
    sed -n 2p "$work/r3000.jsonl" | jq -c '.psn_no = "44099999999999"'
    sed -n 5p "$work/r3000.jsonl"
    sed -n 7p "$work/r3000.jsonl" | jq -c --arg p "$(sed -n 1p "$work/r3000.jsonl" | jq -r .psn_no)" '.psn_no = $p'
} >"$work/rfull.jsonl"
before=$(sqlite3 -batch "$db" "SELECT max(seq) FROM journal")
"$YIBAO" settle --db "$db" "$work/rfull.jsonl" >"$work/rfull.out" 2>"$work/rfull.err"
rc=$?
[ "$rc" = 1 ] || fail "resume: exit $rc (one refused): $(tail -2 "$work/rfull.err")"
grep -q '^settle: 3003 bills in .*: 2000 settled, 1001 replayed, 2 refused, 0 bad lines$' "$work/rfull.err" ||
    fail "resume summary: $(tail -1 "$work/rfull.err")"
[ "$(settlements "$db")" = "3000 3000" ] || fail "resume: journal $(settlements "$db")"
# the lines settled before: replayed, each with its first settlement and figures
jq -c 'select(.input_line % 3 == 1 and .input_line <= 3000) | [.setl_id, .setlinfo, .msgid, .replayed]' \
    "$work/rfull.out" >"$work/rfull.replayed"
jq -c '[.setl_id, .setlinfo, .msgid, true]' "$work/rthird.out" >"$work/rthird.first"
[ "$(wc -l <"$work/rfull.replayed")" = 1000 ] || fail "resume: $(wc -l <"$work/rfull.replayed") replayed lines"
cmp -s "$work/rfull.replayed" "$work/rthird.first" || fail "resume: the replayed lines differ from the first settlements"
# the others settled now, after the records there were
[ "$(jq -r 'select(.input_line % 3 != 1 and .input_line <= 3000) | select(.replayed or (.setl_id | tonumber) <= '"$before"')' \
    "$work/rfull.out" | wc -l)" = 0 ] || fail "resume: a line not settled before was replayed"
[ "$(sed -n 3001p "$work/rfull.out" | jq -r .error)" = E_UNKNOWN_PERSON ] || fail "resume: unknown person: $(sed -n 3001p "$work/rfull.out")"
[ "$(sed -n 3002p "$work/rfull.out" | jq -c '[.replayed, .setl_id]')" = "$(sed -n 5p "$work/rfull.out" | jq -c '[true, .setl_id]')" ] ||
    fail "resume: line 5 again: $(sed -n 3002p "$work/rfull.out")"
[ "$(sed -n 3003p "$work/rfull.out" | jq -r .error)" = E_MSGID_REUSED ] || fail "resume: reused msgid: $(sed -n 3003p "$work/rfull.out")"
# the same answer lines as the commit queue's replay (the one-bill form)
for k in 1 4 2998; do
    sed -n "${k}p" "$work/r3000.jsonl" >"$work/rone.json"
    one=$("$YIBAO" settle --db "$db" "$work/rone.json") || fail "resume: one bill, line $k: exit $?"
    [ "$(sed -n "${k}p" "$work/rfull.out" | jq -c 'del(.input_line)')" = "$(echo "$one" | jq -c .)" ] ||
        fail "resume: line $k's answer differs from the queue's replay: $one"
done
# run again whole: every line answered as before, nothing settled
"$YIBAO" settle --db "$db" "$work/rfull.jsonl" >"$work/rfull2.out" 2>"$work/rfull2.err"
grep -q '^settle: 3003 bills in .*: 0 settled, 3001 replayed, 2 refused, 0 bad lines$' "$work/rfull2.err" ||
    fail "resume again: $(tail -1 "$work/rfull2.err")"
cmp -s <(jq -c 'select(.setl_id) | [.setl_id, .setlinfo, .msgid]' "$work/rfull.out") \
    <(jq -c 'select(.setl_id) | [.setl_id, .setlinfo, .msgid]' "$work/rfull2.out") || fail "resume again: answers differ"
[ "$(settlements "$db")" = "3000 3000" ] || fail "resume again: journal $(settlements "$db")"
"$YIBAO" check --db "$db" >/dev/null || fail "check after the resumes"

# ---- Ctrl-C: the bills in flight commit, the last line answered is named ----
db=$work/int.db
new_store "$db" || fail "store set-up"
"$YIBAO" settle --db "$db" "$work/bills.jsonl" >"$work/int.out" 2>"$work/int.err" &
pid=$!
wait_lines "$work/int.out" $((n / 5)) "$pid" || fail "the run ended before it was interrupted"
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "interrupted: exit $rc"
last=$(sed -n 's/.*stopped by a signal after line \([0-9]*\) .*/\1/p' "$work/int.err")
[ -n "$last" ] || fail "interrupted: no line named: $(cat "$work/int.err")"
[ "$(tail -1 "$work/int.out" | jq .input_line)" = "$last" ] || fail "the last answer is not line $last"
[ "$(wc -l <"$work/int.out")" = "$last" ] || fail "$(wc -l <"$work/int.out") answers, last line $last"
[ "$(settlements "$db")" = "$last $last" ] || fail "interrupted at $last: journal $(settlements "$db")"
[ "$last" -lt "$n" ] || fail "interrupted only at the end"
"$YIBAO" check --db "$db" >/dev/null || fail "check after Ctrl-C"

# ---- bad lines, a bill twice, standard input ----
db=$work/bad.db
new_store "$db" || fail "store set-up"
good=$(sed -n 2p "$work/bills.jsonl")
{
    sed -n 1p "$work/bills.jsonl"
    echo '{"psn_no": "x", oops}'
    echo "$good" | jq -c 'del(.psn_no)'
    echo
    echo "$good" | jq -c '.details[0] |= del(.med_list_codg)'
    echo "$good"
    echo "$good"
} >"$work/bad.jsonl"
"$YIBAO" settle --db "$db" - <"$work/bad.jsonl" >"$work/bad.out" 2>"$work/bad.err"
rc=$?
[ "$rc" = 2 ] || fail "bad lines: exit $rc"
grep -q '^yibao: (standard input):2: byte [0-9]*: ' "$work/bad.err" || fail "line 2: $(cat "$work/bad.err")"
grep -q '^yibao: (standard input):3: psn_no: ' "$work/bad.err" || fail "line 3: $(cat "$work/bad.err")"
grep -q '^yibao: (standard input):5: details\[0\]\.med_list_codg' "$work/bad.err" || fail "line 5: $(cat "$work/bad.err")"
grep -q '^settle: 3 bills .*: 2 settled, 1 replayed, 0 refused, 3 bad lines$' "$work/bad.err" ||
    fail "bad lines summary: $(tail -1 "$work/bad.err")"
[ "$(jq -r .input_line "$work/bad.out" | tr '\n' ' ')" = "1 6 7 " ] || fail "answers: $(cat "$work/bad.out")"
[ "$(sed -n 2p "$work/bad.out" | jq -r .setl_id)" = "$(sed -n 3p "$work/bad.out" | jq -r .setl_id)" ] ||
    fail "the same bill twice: two settlements"
# one bill, twice, without a msgid: the second answer is the first settlement
echo "$good" | jq 'del(.msgid)' >"$work/one.json"
a=$("$YIBAO" settle --db "$db" "$work/one.json") || fail "one bill: exit $?"
[ "$(echo "$a" | jq .replayed)" = true ] || fail "one bill settled again: $a"
[ "$(settlements "$db")" = "2 2" ] || fail "journal: $(settlements "$db")"
"$YIBAO" settle --db "$db" --msgid X "$work/bad.jsonl" >/dev/null 2>"$work/err" && fail "--msgid with a JSONL file"
grep -q "msgid names one bill" "$work/err" || fail "--msgid with a JSONL file: $(cat "$work/err")"

# ---- a progress line on a terminal only ----
db=$work/tty.db
new_store "$db" || fail "store set-up"
head -2000 "$work/bills.jsonl" >"$work/tty.jsonl"
script -qec "$YIBAO settle --db $db $work/tty.jsonl >$work/tty.out" /dev/null >"$work/tty.screen" 2>&1
grep -q $'\rsettle: [0-9]* bills' "$work/tty.screen" || fail "no progress line on a terminal: $(head -c 300 "$work/tty.screen")"
"$YIBAO" settle --db "$db" "$work/tty.jsonl" >/dev/null 2>"$work/tty.err"
grep -q $'\r' "$work/tty.err" && fail "a progress line when stderr is a file"
[ "$(wc -l <"$work/tty.err")" = 1 ] || fail "stderr of a file run: $(cat "$work/tty.err")"

# ---- PostgreSQL: killed once, then to the end ----
if [ -n "${YIBAO_PG_URI:-}" ]; then
    pgdb="yibao_batch_$$"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pgdb" >/dev/null || fail "create $pgdb"
    uri="${YIBAO_PG_URI%/*}/$pgdb"
    head -3000 "$work/bills.jsonl" >"$work/pg.jsonl"
    new_store "$uri" || fail "PostgreSQL store set-up"
    "$YIBAO" settle --db "$uri" --answers "$work/pg.out" "$work/pg.jsonl" 2>/dev/null &
    pid=$!
    wait_lines "$work/pg.out" 1000 "$pid" || fail "PostgreSQL: ended before 1000 answers"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$YIBAO" settle --db "$uri" --answers "$work/pg.out" "$work/pg.jsonl" 2>"$work/pg.err"
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "PostgreSQL: exit $rc: $(cat "$work/pg.err")"
    "$YIBAO" check --db "$uri" >/dev/null || fail "PostgreSQL: check"
    got=$(psql -qtA "$uri" -c "SELECT count(*) || ' ' || count(DISTINCT req_hash) FROM journal WHERE kind = 1")
    [ "$got" = "3000 3000" ] || fail "PostgreSQL: journal $got for 3000 bills"
    [ "$(jq -r .input_line "$work/pg.out" | tr '\n' ' ')" = "$(seq -s ' ' 1 3000) " ] ||
        fail "PostgreSQL: the answers file does not answer lines 1..3000 once each"
fi

[ "$status" = 0 ] && echo "t_settle_batch: ok ($n bills)"
exit "$status"
