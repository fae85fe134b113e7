#!/usr/bin/env bash
# settle_jsonl.sh: `yibao settle --db D BILLS.jsonl` against
# `yibao-bench year --db` for the same bills (issue 15, item 3). A city of
# SETTLE_PERSONS persons (seed 1) is generated once; its first SETTLE_BILLS
# bills are what both settle: `yibao-bench year --bills N` streams them
# from the generator, `yibao settle --db` reads them from `head -N
# bills.jsonl` (the file holds the year in the stream's order), its
# answers written to a file. Each run starts from a fresh store holding the
# city's registry (SQLite). Each of RUNS rounds runs, one after the other,
# year, settle, and settle SIGKILLed twice (at 1/3 and 2/3 of its answers,
# chosen by its output) and run again to the end (its time: the three
# runs' total), all three with `--answers FILE`, so that each run continues
# after the last line answered there; the medians are compared, by
# wall-clock time of the whole commands. After each killed sequence the
# journal must hold each bill exactly once, the answers file one answer per
# line in order, and after the last `yibao check` must pass. Prints a
# markdown section; diagnostics on
# stderr. SETTLE_BILLS=100000 SETTLE_PERSONS=12000 RUNS=1 for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
yibao=${YIBAO:-$(pwd)/build/release/yibao}
bench=${YIBAO_BENCH:-$(pwd)/build/release/yibao-bench}
bills=${SETTLE_BILLS:-1000000}
persons=${SETTLE_PERSONS:-120000}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-settle-jsonl.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
rate() { echo "scale=0; $bills / $1" | bc; }
store() { # DB: a fresh store with the city's registry
    rm -f "$1" "$1"-wal "$1"-shm
    "$yibao" init --db "$1" >/dev/null
    "$yibao" import --db "$1" institutions "$work/city/institutions.csv" >/dev/null
    "$yibao" import --db "$1" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
    "$yibao" import --db "$1" catalog policies/catalog-conformance.json >/dev/null
    "$yibao" import --db "$1" persons "$work/city/persons.csv" >/dev/null
}
settlements() { sqlite3 -batch "$1" "SELECT count(*) || ' ' || count(DISTINCT msgid) FROM journal WHERE kind = 1"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "settle_jsonl: generating $persons persons (seed 1)" >&2
"$yibao" gen city --persons "$persons" --seed 1 --out "$work/city" >/dev/null
head -n "$bills" "$work/city/bills.jsonl" >"$work/bills.jsonl"
rm -f "$work/city/bills.jsonl" "$work/city/labels.jsonl"
[ "$(wc -l <"$work/bills.jsonl")" = "$bills" ] || { echo "settle_jsonl: the city has fewer than $bills bills" >&2; exit 1; }

# The kills watch the answers file's size (at/bills of the uninterrupted
# run's answers file, answer_bytes): counting its lines at every poll read
# up to a GB five times a second and took a core from the run it measured.
answer_bytes=0
# killed twice at 1/3 and 2/3 of the answers, then run to the end: the
# three runs' total time in kill_t, each run's in parts
killed() { # RUN
    store "$work/kill.db"
    echo "settle_jsonl: run $1: settle killed twice and restarted" >&2
    local total=0 part pid at rc t0
    kills=(); parts=()
    : >"$work/kill.out"
    for part in 1 2 3; do
        t0=$(now)
        "$yibao" settle --db "$work/kill.db" --answers "$work/kill.out" "$work/bills.jsonl" 2>"$work/kill.err" &
        pid=$!
        if [ "$part" -lt 3 ]; then
            at_bytes=$((answer_bytes * part / 3))
            while [ "$(stat -c %s "$work/kill.out")" -lt "$at_bytes" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            kills+=("$(wc -l <"$work/kill.out")")
        else
            rc=0; wait "$pid" || rc=$?
            [ "$rc" -le 1 ] || { echo "settle_jsonl: the last run exited $rc" >&2; exit 1; }
        fi
        parts+=("$(elapsed "$t0" "$(now)")")
        total=$(echo "$total + ${parts[-1]}" | bc)
        echo "settle_jsonl: run $1: killed run $part: ${parts[-1]} s: $(tail -1 "$work/kill.err")" >&2
    done
    kill_t+=("$total")
    summary=$(tail -1 "$work/kill.err")
    once=$(settlements "$work/kill.db")
    [ "$once" = "$bills $bills" ] || { echo "settle_jsonl: after the kills the journal holds $once" >&2; exit 1; }
    # the answers file: each line answered once, in order
    [ "$(wc -l <"$work/kill.out")" = "$bills" ] || { echo "settle_jsonl: the answers file has $(wc -l <"$work/kill.out") lines" >&2; exit 1; }
    [ "$(tail -c 200 "$work/kill.out" | grep -o '"input_line":[0-9]*}$')" = "\"input_line\":$bills}" ] ||
        { echo "settle_jsonl: the answers file does not end with line $bills" >&2; exit 1; }
}

year_t=(); settle_t=(); kill_t=()
for r in $(seq 1 "$runs"); do
    store "$work/year.db"
    echo "settle_jsonl: run $r: yibao-bench year --db" >&2
    t0=$(now)
    "$bench" year --persons "$persons" --seed 1 --bills "$bills" --db "$work/year.db" >"$work/year.out"
    year_t+=("$(elapsed "$t0" "$(now)")")
    grep -q "\"bills\":$bills," "$work/year.out" || { echo "settle_jsonl: year: $(cat "$work/year.out")" >&2; exit 1; }
    rm -f "$work/year.db"*
    store "$work/settle.db"
    echo "settle_jsonl: run $r: yibao settle --db" >&2
    t0=$(now)
    rc=0; "$yibao" settle --db "$work/settle.db" "$work/bills.jsonl" >"$work/answers.jsonl" 2>"$work/settle.err" || rc=$?
    settle_t+=("$(elapsed "$t0" "$(now)")")
    [ "$rc" -le 1 ] || { echo "settle_jsonl: settle exited $rc: $(tail -2 "$work/settle.err")" >&2; exit 1; }
    [ "$(settlements "$work/settle.db")" = "$bills $bills" ] || { echo "settle_jsonl: journal $(settlements "$work/settle.db")" >&2; exit 1; }
    answer_bytes=$(stat -c %s "$work/answers.jsonl")
    rm -f "$work/settle.db"* "$work/answers.jsonl"
    killed "$r"
    [ "$r" = "$runs" ] || rm -f "$work/kill.db"*
    echo "settle_jsonl: run $r: year ${year_t[-1]} s, settle ${settle_t[-1]} s, killed twice ${kill_t[-1]} s" >&2
done
year_med=$(printf '%s\n' "${year_t[@]}" | median)
settle_med=$(printf '%s\n' "${settle_t[@]}" | median)
kill_med=$(printf '%s\n' "${kill_t[@]}" | median)
"$yibao" check --db "$work/kill.db" >"$work/check.out" || { echo "settle_jsonl: check failed: $(cat "$work/check.out")" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

yr=$(rate "$year_med"); sr=$(rate "$settle_med"); kr=$(rate "$kill_med")
cat <<MD
## Settling a JSONL file: \`yibao settle --db\` against \`yibao-bench year --db\` (issue 15)

The first $bills bills of the year of a city of $persons persons (seed 1), durably into SQLite
(fsync'd group commits of up to 4096 bills through the commit queue), each run from a fresh store
holding the city's registry; $runs runs of each (year, settle, settle killed twice), alternated; wall-clock time.
\`yibao-bench year\` streams the bills from the generator; \`yibao settle\` reads them from a
$(( $(stat -c %s "$work/bills.jsonl") / 1048576 )) MiB JSONL file and writes one JSON answer a bill to a file.
Load average $load_before before, $load_after after (2 shared cores; other builds were running).

| command | median time | rate | runs (s) |
|---|---:|---:|---|
| \`yibao-bench year --persons $persons --seed 1 --bills $bills --db D\` | $year_med s | $yr bills/s | ${year_t[*]} |
| \`yibao settle --db D bills.jsonl > answers.jsonl\` | $settle_med s | $sr bills/s | ${settle_t[*]} |
| \`yibao settle --db D --answers answers.jsonl bills.jsonl\`, SIGKILLed at 1/3 and 2/3 of the answers and run again to the end (3 runs, total; each continues after the last line answered in the file) | $kill_med s | $kr bills/s | ${kill_t[*]} (the last: ${parts[*]}; killed after ${kills[*]} answers) |

settle / year: $(echo "scale=2; $sr / $yr" | bc) uninterrupted, $(echo "scale=2; $kr / $yr" | bc) killed twice and restarted
(goal: at least 0.80). After the kills: $once (settlements, distinct msgids) in the journal for $bills bills;
the last run's summary: \`$summary\`; \`yibao check\` after the last: $(head -1 "$work/check.out").
Command: \`bench/settle_jsonl.sh\` (SETTLE_BILLS=$bills SETTLE_PERSONS=$persons RUNS=$runs).
MD
