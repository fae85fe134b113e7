#!/usr/bin/env bash
# t_demo.sh: `make demo`'s script (issue 15, item 7) in a folder and on a
# port of the test's own (DEMO_DIR, DEMO_PORT=0): a folder it did not make
# is refused and left as it was; the curl line it prints settles vector
# 000's bill (hifp 1435.85); Ctrl-C (SIGINT to its process group, sent once
# it says it serves) stops the server and exits 0; a second run reuses its
# own folder.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
export YIBAO=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$root" || exit 1

mkdir "$tmp/foreign"; echo keep >"$tmp/foreign/mine.txt"
DEMO_DIR=$tmp/foreign DEMO_PORT=0 timeout 60 scripts/demo.sh 200 >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "a foreign DEMO_DIR: exit $rc"
grep -q "was not made by a demo: not touching it" "$tmp/out" || fail "a foreign DEMO_DIR: $(cat "$tmp/out")"
[ "$(cat "$tmp/foreign/mine.txt")" = keep ] || fail "the foreign folder was touched"

run_demo() { # starts the demo in its own process group; waits until it serves
    # emptied here, not by the background job's redirection: that one may
    # come after the first look, which would find the round before's line
    : >"$tmp/out"
    DEMO_DIR=$tmp/demo DEMO_PORT=0 setsid scripts/demo.sh 300 >>"$tmp/out" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        grep -q "Ctrl-C stops" "$tmp/out" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "the demo did not come up: $(cat "$tmp/out")"; return 1
}
stop_demo() { # SIGINT to the group, as Ctrl-C sends it; the demo's exit status
    kill -INT -- "-$pid"
    wait "$pid"; local rc=$?
    pid=""
    return $rc
}
for round in 1 2; do
    run_demo || break
    curl_line=$(grep '^curl ' "$tmp/out" | head -n 1)
    [ -n "$curl_line" ] || fail "round $round: no curl line: $(cat "$tmp/out")"
    answer=$(eval "$curl_line")
    [ "$(echo "$answer" | jq -r .infcode)" = 0 ] || fail "round $round: the curl line: $answer"
    [ "$(echo "$answer" | jq -r .output.setlinfo.hifp_pay)" = 1435.85 ] || fail "round $round: $answer"
    stop_demo; rc=$?
    [ "$rc" = 0 ] || fail "round $round: Ctrl-C: exit $rc: $(tail -n 3 "$tmp/out")"
    grep -q "^demo: stopped; the city and its store stay in $tmp/demo$" "$tmp/out" || fail "round $round: $(tail -n 2 "$tmp/out")"
    [ -f "$tmp/demo/.yibao-demo" ] || fail "round $round: no marker in the demo's folder"
done
[ "$status" = 0 ] && echo "t_demo: ok"
exit "$status"
