#!/usr/bin/env bash
# core.sh: settle-engine throughput on one core vs bill size (pure core: no
# JSON, no I/O). Prints a markdown section. Median of RUNS runs per size,
# all sizes measured in the same invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${YIBAO_BENCH:-build/release/yibao-bench}
runs=${RUNS:-3}
n=${N:-2000000}
echo "## Core settle throughput vs bill size (one core)"
echo
echo "Command: \`taskset -c 0 $bench settle --n $n --lines L\`, median of $runs runs per L."
echo
echo "| lines per bill | settlements/s (median) | lines/s | ns per settlement |"
echo "|---:|---:|---:|---:|"
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
for lines in 1 3 7 15 30 60; do
    results=()
    for _ in $(seq "$runs"); do
        results+=("$("${pin[@]}" "$bench" settle --n "$n" --lines "$lines")")
    done
    printf '%s\n' "${results[@]}" | python3 -c '
import json, sys, statistics
rows = [json.loads(l) for l in sys.stdin if l.strip()]
s = statistics.median(r["settlements_per_s"] for r in rows)
l = statistics.median(r["lines_per_s"] for r in rows)
ns = statistics.median(r["ns_per_settlement"] for r in rows)
lines = rows[0]["lines_per_bill"]
print(f"| {lines} | {s:,.0f} | {l:,.0f} | {ns:.0f} |")'
done
echo
