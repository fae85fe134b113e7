#!/usr/bin/env bash
# t_service_crash.sh: SIGKILL the server under load and lose no acknowledged
# settlement. Several clients send one-shot settlements (2207 + feedetail)
# and record each acked setl_id and msgid; the server is killed mid-load
# and restarted; every acked setl_id must be queryable with 5203, exactly
# once in the journal (replaying its msgid returns the same setl_id), and
# `yibao check` must pass.
set -euo pipefail
source "$(dirname "$0")/t_service_lib.sh"
ulimit -t 200

make_city
credential H0
start_server --threads 16
sign_in H0

client() { # N: sends until killed, appends "setl_id msgid" per ack
    local n=$1 i=0
    while :; do
        i=$((i + 1))
        local msgid="C${n}X${i}X$RANDOM"
        local psn=$(printf 'P00%02d' $((10 + (n * 7 + i) % 90)))
        local input="{\"data\":{\"psn_no\":\"$psn\",\"med_type\":\"11\",\"begntime\":\"2020-06-01\",\"medfee_sumamt\":48.00},\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":10,\"pric\":1.2,\"det_item_fee_sumamt\":12.0},{\"feedetl_sn\":\"2\",\"med_list_codg\":\"SA01\",\"cnt\":1,\"pric\":36,\"det_item_fee_sumamt\":36}]}"
        envelope 2207 H0 "$input" "$msgid" >"$work/c$n.json"
        local a
        a=$(post_as H0 "$work/c$n.json" 2>/dev/null) || continue
        [ "$(echo "$a" | jq -r .infcode 2>/dev/null)" = 0 ] || continue
        echo "$(echo "$a" | jq -r .output.setlinfo.setl_id) $msgid $psn" >>"$work/acked.$n"
    done
}

pids=()
for n in 1 2 3 4; do client $n & pids+=($!); done
sleep 4
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
sleep 1
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
cat "$work"/acked.* >"$work/acked" 2>/dev/null || true
count=$(wc -l <"$work/acked")
[ "$count" -gt 0 ] || fail "no settlement was acknowledged before the kill"
"$YIBAO" check --db "$db" >/dev/null || fail "check after the crash"
start_server --threads 4
[ "$(cut -d' ' -f1 "$work/acked" | sort | uniq -d | wc -l)" = 0 ] || fail "a setl_id was acked twice"
while read -r setl msgid psn; do
    a=$(call H0 5203 "{\"data\":{\"setl_id\":\"$setl\"}}")
    expect_ok "$a"; expect_field "$a" .output.setlinfo.medfee_sumamt 48
done <"$work/acked"
# replays of a sample of acked msgids answer with the same setl_id, adding nothing
n=0
while read -r setl msgid psn && [ $n -lt 20 ]; do
    n=$((n + 1))
    input="{\"data\":{\"psn_no\":\"$psn\",\"med_type\":\"11\",\"begntime\":\"2020-06-01\",\"medfee_sumamt\":48.00},\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":10,\"pric\":1.2,\"det_item_fee_sumamt\":12.0},{\"feedetl_sn\":\"2\",\"med_list_codg\":\"SA01\",\"cnt\":1,\"pric\":36,\"det_item_fee_sumamt\":36}]}"
    a=$(call H0 2207 "$input" "$msgid")
    expect_ok "$a"; expect_field "$a" .output.setlinfo.setl_id "$setl"
done <"$work/acked"
stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check at the end"
echo "t_service_crash: ok ($count acknowledged settlements survived)"
