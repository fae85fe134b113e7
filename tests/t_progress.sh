#!/usr/bin/env bash
# t_progress.sh: the long commands' progress and Ctrl-C (issue 15, item 4).
# A progress line on stderr only when it is a terminal (script(1) gives the
# command a pty; a file gets none): gen city, import, check, check --deep
# and yibao-bench year. An interrupted gen city (SIGINT once its progress shows
# it writing bills) exits 130, says where it stopped and leaves no file that
# looks complete (each is written as NAME.partial and renamed at the end);
# an interrupted import (SIGINT once its progress shows) rolls back.
# Waits for progress, never for time. (settle --db's: t_settle_batch.sh.)
set -uo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
YIBAO_BENCH=${YIBAO_BENCH:-$(dirname "$YIBAO")/yibao-bench}
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
status=0
fail() { echo "FAIL: $*"; status=1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-progress-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root" || exit 1
command -v script >/dev/null || { echo "no script(1) (bsdutils)"; exit 1; }

# on_tty NAME CMD...: runs CMD with a pty as its terminal (stdout to
# $work/NAME.out); what reached the terminal in $work/NAME.screen
on_tty() {
    local name=$1; shift
    script -qec "$(printf '%q ' "$@") >$work/$name.out" /dev/null >"$work/$name.screen" 2>&1
}
# progress_shown NAME TEXT: the screen has a progress line starting TEXT
progress_shown() { grep -q $'\r'"$2" "$work/$1.screen"; }

# ---- gen city ----
on_tty gen "$YIBAO" gen city --persons 5000 --seed 7 --out "$work/city" || fail "gen city on a tty: exit $?"
progress_shown gen "gen city: [0-9]* persons" || fail "gen city: no persons progress on a tty: $(head -c 300 "$work/gen.screen")"
progress_shown gen "gen city: [0-9]* bills" || fail "gen city: no bills progress on a tty"
"$YIBAO" gen city --persons 5000 --seed 7 --out "$work/city2" >/dev/null 2>"$work/gen.err" || fail "gen city: exit $?"
[ ! -s "$work/gen.err" ] || fail "gen city wrote to stderr when it is a file: $(head -c 200 "$work/gen.err")"
cmp -s "$work/city/bills.jsonl" "$work/city2/bills.jsonl" || fail "gen city: the tty run's bills differ"
ls "$work/city" | grep -q partial && fail "gen city left .partial files"

# ---- import, check, yibao-bench year ----
db=$work/s.db
"$YIBAO" init --db "$db" >/dev/null || fail "init"
"$YIBAO" import --db "$db" institutions "$work/city/institutions.csv" >/dev/null &&
    "$YIBAO" import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null &&
    "$YIBAO" import --db "$db" catalog policies/catalog-conformance.json >/dev/null || fail "import the registry"
on_tty import "$YIBAO" import --db "$db" persons "$work/city/persons.csv" || fail "import on a tty: exit $?"
progress_shown import "import: [0-9]* rows" || fail "import: no progress on a tty: $(head -c 300 "$work/import.screen")"
grep -q "imported [0-9]* persons" "$work/import.out" || fail "import on a tty: $(cat "$work/import.out")"
head -9000 "$work/city/bills.jsonl" >"$work/bills.jsonl"
"$YIBAO" settle --db "$db" "$work/bills.jsonl" >/dev/null 2>&1 || fail "settle: exit $?"
on_tty check "$YIBAO" check --db "$db" || fail "check on a tty: exit $?"
progress_shown check "check: [0-9]* journal" || fail "check: no progress on a tty: $(head -c 300 "$work/check.screen")"
progress_shown check "check: [0-9]* postings" || fail "check: no postings progress on a tty"
"$YIBAO" check --db "$db" >/dev/null 2>"$work/check.err" || fail "check: exit $?"
[ ! -s "$work/check.err" ] || fail "check wrote to stderr when it is a file: $(cat "$work/check.err")"
on_tty deep "$YIBAO" check --db "$db" --deep || fail "check --deep on a tty: exit $?"
progress_shown deep "check --deep: [0-9]* records" || fail "check --deep: no progress on a tty: $(head -c 300 "$work/deep.screen")"
grep -q "check --deep ok" "$work/deep.out" || fail "check --deep on a tty: $(cat "$work/deep.out")"
"$YIBAO" check --db "$db" --deep >/dev/null 2>"$work/deep.err" || fail "check --deep: exit $?"
[ ! -s "$work/deep.err" ] || fail "check --deep wrote to stderr when it is a file: $(cat "$work/deep.err")"
on_tty year "$YIBAO_BENCH" year --persons 5000 --seed 7 --bills 8000 || fail "bench year on a tty: exit $?"
progress_shown year "year: [0-9]* bills" || fail "bench year: no progress on a tty: $(head -c 300 "$work/year.screen")"
"$YIBAO_BENCH" year --persons 5000 --seed 7 --bills 8000 >/dev/null 2>"$work/year.err" || fail "bench year: exit $?"
[ ! -s "$work/year.err" ] || fail "bench year wrote to stderr when it is a file: $(cat "$work/year.err")"
"$YIBAO" init --db "$work/i.db" >/dev/null
"$YIBAO" import --db "$work/i.db" persons "$work/city/persons.csv" >/dev/null 2>"$work/import.err" || fail "import: exit $?"
[ ! -s "$work/import.err" ] || fail "import wrote to stderr when it is a file: $(cat "$work/import.err")"

# ---- an interrupted gen city leaves no complete-looking file ----
mkdir -p "$work/int"
script -qfec "echo \$\$ >$work/int.pid; exec $(printf '%q ' "$YIBAO") gen city --persons 100000 --seed 7 --out $work/int/city" \
    /dev/null >"$work/int.screen" 2>&1 &
spid=$!
until grep -q $'\r''gen city: [0-9]* bills' "$work/int.screen" 2>/dev/null; do
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.02
done
if kill -0 "$spid" 2>/dev/null && [ -s "$work/int.pid" ]; then
    kill -INT "$(cat "$work/int.pid")"
    wait "$spid"; rc=$?
    [ "$rc" = 130 ] || fail "interrupted gen city: exit $rc"
    grep -q "stopped while writing bills.jsonl ([0-9]* written) by a signal; no file written" "$work/int.screen" ||
        fail "interrupted gen city: $(tail -c 300 "$work/int.screen")"
    left=$(ls -A "$work/int/city" 2>/dev/null)
    [ -z "$left" ] || fail "an interrupted gen city left: $left"
else
    fail "gen city of 100000 persons ended before it could be interrupted"
fi

# ---- an interrupted import rolls its file back ----
"$YIBAO" gen city --persons 100000 --seed 8 --registry-only --out "$work/reg" >/dev/null || fail "gen city --registry-only"
"$YIBAO" init --db "$work/ii.db" >/dev/null
script -qfec "echo \$\$ >$work/ii.pid; exec $(printf '%q ' "$YIBAO") import --db $work/ii.db persons $work/reg/persons.csv" \
    /dev/null >"$work/ii.screen" 2>&1 &
spid=$!
until grep -q $'\r''import: [0-9]* rows' "$work/ii.screen" 2>/dev/null; do
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.02
done
if kill -0 "$spid" 2>/dev/null && [ -s "$work/ii.pid" ]; then
    kill -INT "$(cat "$work/ii.pid")"
    wait "$spid"; rc=$?
    [ "$rc" = 130 ] || fail "interrupted import: exit $rc"
    grep -q "persons.csv:[0-9]*: stopped at row [0-9]*; nothing imported (interrupted by a signal)" "$work/ii.screen" ||
        fail "interrupted import: $(tail -c 300 "$work/ii.screen")"
    [ "$(sqlite3 -batch "$work/ii.db" 'SELECT count(*) FROM persons')" = 0 ] || fail "an interrupted import left persons"
    "$YIBAO" check --db "$work/ii.db" >/dev/null || fail "check after an interrupted import"
else
    fail "import of 100000 persons ended before it could be interrupted"
fi

[ "$status" = 0 ] && echo "t_progress: ok"
exit "$status"
