#!/usr/bin/env bash
# t_sim_time.sh: a simulated journal time (issue 17: twelve pay runs on a
# generated city-year). A request's sim_time_us is honoured only on a
# commit queue that commitq_simulated_time allows, and no production
# source (service, CLI, use cases) calls that or sets the field: only the
# bench and the store itself name them. `yibao-bench year --dated` needs
# --db. On a generated 1,000-person city, `yibao-bench year --dated`
# journals each settlement at its bill's end time: every record's local
# time is its bill's endtime, the settlements fall in 2020-01 .. 2020-12,
# the journal has exactly one time break (the first settlement, after the
# imports at the clock's time); the twelve pay runs each post, together
# paying what the settlements moved into the institutions' payables (SQL),
# a second run of a month posts nothing; `check` passes, and fails when
# journal_breaks misses the break or lists one that is none. Both backends.
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

# ---- no production path can date a record ----
hits=$(grep -rlE 'commitq_simulated_time|sim_time_us' "$root/src" |
    grep -vE "^$root/src/(bench/|store/commitq\.c$|store/store\.h$)")
[ -z "$hits" ] || fail "a production source names the simulated time: $hits"
"$YIBAO_BENCH" year --persons 10 --dated >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q -- "--dated: only with --db" "$work/err" || fail "--dated without --db: exit $rc: $(cat "$work/err")"

# ---- a dated year ----
gen_city_store 1000 3
"$YIBAO_BENCH" year --persons 1000 --seed 3 --db "$db" --dated >"$work/year.json" 2>"$work/err" ||
    fail "bench year --dated: $(cat "$work/err")"
settled=$(jq .settled "$work/year.json")
[ "$settled" -gt 1000 ] || fail "settled $settled"
first=$(sql "SELECT min(seq) FROM journal WHERE kind = 1")
[ "$(sql "SELECT count(*) FROM journal_breaks")" = 1 ] || fail "breaks: $(sql "SELECT seq FROM journal_breaks")"
[ "$(sql "SELECT seq FROM journal_breaks")" = "$first" ] || fail "the break is not the first settlement $first"

# each record's local time is its bill's end time (the generator's bills of the same city)
sql "SELECT msgid, time_us FROM journal WHERE kind = 1" | tr '|' '\t' >"$work/times.tsv"
python3 - "$city/bills.jsonl" "$work/times.tsv" <<'EOF' || fail "record times"
import json, sys, time
ends = {}
for line in open(sys.argv[1]):
    b = json.loads(line)
    ends[b["msgid"]] = b["endtime"]
bad = months = 0
seen = set()
for line in open(sys.argv[2]):
    msgid, us = line.split()
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(us) // 1000000))
    if ends.get(msgid) != at:
        bad += 1
        if bad <= 3: print(f"{msgid}: journaled {at}, bill ends {ends.get(msgid)}", file=sys.stderr)
    seen.add(at[:7])
if bad or sorted(seen) != [f"2020-{m:02d}" for m in range(1, 13)]:
    sys.exit(f"{bad} records off their bill's end; months {sorted(seen)}")
EOF

# agreements for every institution (the city-year bench's), then the twelve runs
sql "SELECT substr(debit, 3), sum(amount) FROM postings p JOIN journal j ON j.seq = p.seq
    WHERE j.kind = 1 AND debit LIKE 'I:%' AND credit LIKE 'F:%' GROUP BY 1" | tr '|' '\t' >"$work/paid.tsv"
python3 "$root/bench/city_agreements.py" "$city/institutions.csv" "$work/paid.tsv" 2020 "$work" >/dev/null ||
    fail "agreements"
for f in "$work"/pay-*.json; do
    y import payment "$f" --operator test --reason sim >/dev/null 2>"$work/err" || fail "import $f: $(cat "$work/err")"
done
total=0
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    y pay --month "2020-$m" >"$work/pay.$m" 2>"$work/err" || fail "pay 2020-$m: $(cat "$work/err")"
    grep -q '^posted (yuan): payable=' "$work/pay.$m" || fail "pay 2020-$m posted nothing: $(cat "$work/pay.$m")"
    fen=$(sed -n 's/^posted (yuan): payable=\([0-9.-]*\) .*/\1/p' "$work/pay.$m" | tr -d .)
    total=$((total + 10#$fen))
done
want=$(sql "SELECT sum(amount) FROM postings p JOIN journal j ON j.seq = p.seq WHERE j.kind = 1 AND debit LIKE 'I:%'")
[ "$total" = "$want" ] || fail "the twelve runs' payables $total fen, the settlements moved $want"
before=$(records)
y pay --month 2020-03 >"$work/again" 2>&1 || fail "pay 2020-03 again: $(cat "$work/again")"
[ "$(records)" = "$before" ] || fail "a second run of 2020-03 posted: $(cat "$work/again")"
y check >"$work/check" 2>&1 || fail "check: $(cat "$work/check")"
# check holds journal_breaks to the journal: a break unlisted, or one listed that is none
sql "DELETE FROM journal_breaks" >/dev/null
y check >"$work/check" 2>&1 && fail "check passed without the break listed"
grep -q "journal seq $first: journaled before the record ahead of it, a time break journal_breaks does not list" \
    "$work/check" || fail "check, the break unlisted: $(cat "$work/check")"
sql "INSERT INTO journal_breaks(seq) VALUES ($first), ($((first + 1)))" >/dev/null
y check >"$work/check" 2>&1 && fail "check passed with a break listed that is none"
grep -q "journal seq $((first + 1)): journal_breaks lists it, but it is no time break" "$work/check" ||
    fail "check, a false break: $(cat "$work/check")"
sql "DELETE FROM journal_breaks WHERE seq <> $first" >/dev/null
y check >"$work/check" 2>&1 || fail "check after the list was mended: $(cat "$work/check")"
echo "t_sim_time ($SVC_BACKEND): ok ($settled settlements, 12 pay runs, $total fen payable)"
