#!/usr/bin/env bash
# bench/hostile.sh: a normal client's latency while an attacker holds
# connections (issue 13 item 6). A city of PERSONS persons on SQLite, `yibao
# serve` with its default limits, then per scenario RUNS runs of:
# `yibao-bench hostile` opening HOSTILE connections (idle, or slowloris: a
# byte every 5 s) from SOURCES addresses 127.0.0.2... and, once it holds
# them, `yibao-bench http` (one-shot 2207, CONNECTIONS keep-alive
# connections from 127.0.0.1) for SECONDS. Scenarios: no attacker; 4,000
# idle from 8 addresses (500 each, under the per-address 512: all held);
# 4,000 slowloris from 8 addresses (shut down by the 10 s header timeout,
# reopened 1 s later); 4,000 idle from one address (512 held, the rest
# refused at accept and retried every second). The scenarios alternate
# within each run. Prints a markdown table: the median run by p99, with the
# range of p99 over the runs. The attacker's
# count of its open connections is its own view: a connection the server
# closed at accept counts until the attacker has read the close.
# SERVE_OPTS adds serve options (--header-timeout-s 3600: idle attackers
# are never shut down, so 4,000 are held the whole run).
#   bench/hostile.sh [SECONDS]   (default 10; RUNS=3 CONNECTIONS=32 HOSTILE=4000 SOURCES=8)
set -euo pipefail
cd "$(dirname "$0")/.."
YIBAO=${YIBAO:-build/release/yibao}
YIBAO_BENCH=${YIBAO_BENCH:-build/release/yibao-bench}
secs=${1:-10}
persons=${PERSONS:-5000}
runs=${RUNS:-3}
conns=${CONNECTIONS:-32}
hostile=${HOSTILE:-4000}
sources=${SOURCES:-8}
[ -x "$YIBAO" ] && [ -x "$YIBAO_BENCH" ] || make release >/dev/null
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/yibao-bench-hostile.XXXXXX)
pid="" hpid=""
cleanup() { # under set -e: nothing here may fail
    if [ -n "$hpid" ]; then kill "$hpid" 2>/dev/null || true; fi
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
$YIBAO gen city --persons "$persons" --seed 1 --registry-only --out "$work/city" >/dev/null
code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$work/city/institutions.csv")
db=$work/db.sqlite
$YIBAO import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
$YIBAO import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
$YIBAO import --db "$db" catalog policies/catalog-conformance.json >/dev/null
$YIBAO import --db "$db" persons "$work/city/persons.csv" >/dev/null
eval "$($YIBAO credential issue "$code" --db "$db" | grep -E '^(paasid|token)=')"
$YIBAO serve --db "$db" --listen 127.0.0.1:0 --nonce-cache 16777216 ${SERVE_OPTS:-} >"$work/serve.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }

field() { sed -n "s|.* $1 \([0-9.]*\).*|\1|p"; }
measure() { # KEY MODE ATTACKERS SOURCES WANT: one run; appends to $work/runs.KEY
    local key=$1 mode=$2 n=$3 src=$4 want=$5 line held="-" from=0 h
    if [ "$n" -gt 0 ]; then
        $YIBAO_BENCH hostile --url "$url" --connections "$n" --sources "$src" --mode "$mode" \
            --seconds $((secs + 30)) >"$work/hostile.out" &
        hpid=$!
        for _ in $(seq 300); do # until it holds what it can (bounded)
            h=$(sed -n 's/^hostile: \([0-9]*\) held$/\1/p' "$work/hostile.out" | tail -n 1)
            [ -n "$h" ] && [ "$h" -ge "$want" ] && break
            sleep 0.1
        done
        sleep 2 # and a while under it before the measurement
        from=$(wc -l <"$work/hostile.out")
    fi
    line=$(YIBAO_TOKEN="$token" $YIBAO_BENCH http --url "$url" --paasid "$paasid" --code "$code" \
        --connections "$conns" --seconds "$secs" --persons "$persons" --seed 1)
    if [ "$n" -gt 0 ]; then
        # its per-second counts during the measurement: least, median, most
        tail -n +"$((from + 1))" "$work/hostile.out" | sed -n 's/^hostile: \([0-9]*\) held$/\1/p' | sort -n >"$work/held"
        held="$(head -n 1 "$work/held")/$(sed -n "$((($(wc -l <"$work/held") + 1) / 2))p" "$work/held")/$(tail -n 1 "$work/held")"
        kill "$hpid" 2>/dev/null || true; wait "$hpid" 2>/dev/null || true; hpid=""
    fi
    echo "bench hostile: $key: held $held: $line" >&2
    echo "$(echo "$line" | field p99) $held $line" >>"$work/runs.$key"
}
row() { # KEY NAME: the median run by p99
    local median lo hi
    median=$(sort -n "$work/runs.$1" | sed -n "$(((runs + 1) / 2))p")
    lo=$(sort -n "$work/runs.$1" | head -n 1 | cut -d' ' -f1)
    hi=$(sort -n "$work/runs.$1" | tail -n 1 | cut -d' ' -f1)
    echo "| $2 | $(echo "$median" | cut -d' ' -f2) | $(echo "$median" | field 'settlements/s') | $(echo "$median" | field p50) | **$(echo "$median" | field p99)** | $lo-$hi | $(echo "$median" | field p999) |"
}

# the scenarios alternate within each run, so that the machine's noise
# falls on all of them alike
for r in $(seq "$runs"); do
    measure none idle 0 1 0
    measure idle8 idle "$hostile" "$sources" "$hostile"
    measure slow8 slowloris "$hostile" "$sources" "$((hostile * 9 / 10))"
    measure idle1 idle "$hostile" 1 "$((hostile < 512 ? hostile : 512))" # the default per-address limit
done
echo "## Hostile connections (issue 13 item 6)"
echo
echo "$(nproc) CPUs, $(uname -r); $persons persons on SQLite. A normal client's latency while an attacker"
echo "holds connections: \`bench/hostile.sh $secs\` (RUNS=$runs; the scenarios alternate within each run;"
echo "the median run by p99). Server and both clients on this machine:"
echo
echo '```'
echo "yibao serve --db DB --listen 127.0.0.1:0 --nonce-cache 16777216${SERVE_OPTS:+ $SERVE_OPTS}"
echo "yibao-bench hostile --url URL --connections $hostile --sources $sources|1 --mode idle|slowloris --seconds $((secs + 30))"
echo "YIBAO_TOKEN=T yibao-bench http --url URL --paasid P --code CODE --connections $conns --seconds $secs --persons $persons --seed 1"
echo '```'
echo
echo "| attacker | its connections open, per second during the run (least/median/most) | settlements/s | p50 ms | p99 ms | p99 range | p999 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row none "none"
row idle8 "$hostile idle from $sources addresses"
row slow8 "$hostile slowloris from $sources addresses"
row idle1 "$hostile idle from 1 address"
