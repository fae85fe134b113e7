#!/usr/bin/env bash
# t_service_crash.sh: SIGKILL the server under load, again and again, and
# lose no acknowledged settlement. Several clients send one-shot
# settlements (2207 + feedetail) under one sign_no (9001 once: it must
# survive the kills) and record each acked setl_id and msgid; two more run
# the hospital flow (2201, 2204, 2207 by mdtrt_id) and record acked visits
# and settlements, which must come back linked to their visits; the server is
# killed mid-load KILLS times, `yibao check` passes after each kill, and it
# is restarted. At the end every acked setl_id must be queryable with 5203
# and was acked once, replaying an acked msgid returns the same setl_id,
# and `yibao check` passes.
# Runs once per backend: SQLite (KILLS_SQLITE kills, default 6) and
# PostgreSQL when YIBAO_PG_URI is set (KILLS_PG, default 5).
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 200
if [ "$SVC_BACKEND" = pg ]; then kills=${KILLS_PG:-5}; else kills=${KILLS_SQLITE:-6}; fi
load_s=${LOAD_S:-1.5}                   # load before each kill

make_city
credential H0
serve() { start_server --threads 16; echo "$url" >"$work/url"; }  # clients read the port
serve
sign_in H0

bill() { # PSN: the one-shot bill's input
    echo "{\"data\":{\"psn_no\":\"$1\",\"med_type\":\"11\",\"begntime\":\"2020-06-01\",\"medfee_sumamt\":48.00},\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":10,\"pric\":1.2,\"det_item_fee_sumamt\":12.0},{\"feedetl_sn\":\"2\",\"med_list_codg\":\"SA01\",\"cnt\":1,\"pric\":36,\"det_item_fee_sumamt\":36}]}"
}

client() { # N: sends until killed, appends "setl_id msgid psn" per ack
    local n=$1 i=0 a
    while :; do
        i=$((i + 1))
        local msgid="C${n}X${i}X$RANDOM"
        local psn=$(printf 'P00%02d' $((10 + (n * 7 + i) % 90)))
        envelope 2207 H0 "$(bill "$psn")" "$msgid" >"$work/c$n.json"
        url=$(<"$work/url")
        a=$(post_as H0 "$work/c$n.json" 2>/dev/null) || { sleep 0.05; continue; }  # server down
        [ "$(echo "$a" | jq -r .infcode 2>/dev/null)" = 0 ] || continue
        echo "$(echo "$a" | jq -r .output.setlinfo.setl_id) $msgid $psn" >>"$work/acked.$n"
    done
}

# The hospital flow: 2201 register, 2204 fee lines, 2207 settle by
# mdtrt_id; each step's writes are group-committed by the service tables'
# writer (svcq.c), the settlement by the store's, then linked to its visit.
# Appends "V mdtrt_id msgid psn_no" per acked 2201 and "S setl_id mdtrt_id" per
# acked 2207; a failed step abandons the visit.
vstep() { # N INFNO INPUT MSGID: prints the answer when infcode 0
    local a
    envelope "$2" H0 "$3" "$4" >"$work/v$1.json"
    url=$(<"$work/url")
    a=$(post_as H0 "$work/v$1.json" 2>/dev/null) || return 1
    [ "$(echo "$a" | jq -r .infcode 2>/dev/null)" = 0 ] || return 1
    echo "$a"
}
vclient() { # N: visits until killed
    local n=$1 i=0 a mdtrt psn fee
    while :; do
        i=$((i + 1))
        psn=$(printf 'P00%02d' $((10 + (n * 11 + i) % 90)))
        a=$(vstep "$n" 2201 "{\"data\":{\"psn_no\":\"$psn\",\"insutype\":\"390\",\"begntime\":\"2020-06-01 09:00:00\"}}" "V${n}R${i}X$RANDOM") || { sleep 0.05; continue; }
        mdtrt=$(echo "$a" | jq -r .output.data.mdtrt_id)
        echo "V $mdtrt $(jq -r .msgid "$work/v$n.json") $psn" >>"$work/vacked.$n"
        fee="\"mdtrt_id\":\"$mdtrt\",\"psn_no\":\"$psn\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
        vstep "$n" 2204 "{\"feedetail\":[{$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":10,\"pric\":1.2,\"det_item_fee_sumamt\":12.0},{$fee,\"feedetl_sn\":\"2\",\"med_list_codg\":\"SA01\",\"cnt\":1,\"pric\":36,\"det_item_fee_sumamt\":36}]}" "V${n}F${i}X$RANDOM" >/dev/null || continue
        a=$(vstep "$n" 2207 "{\"data\":{\"psn_no\":\"$psn\",\"mdtrt_id\":\"$mdtrt\",\"medfee_sumamt\":48.00}}" "V${n}S${i}X$RANDOM") || continue
        echo "S $(echo "$a" | jq -r .output.setlinfo.setl_id) $mdtrt" >>"$work/vacked.$n"
    done
}

pids=()
for n in 1 2 3 4; do client $n & pids+=($!); done
for n in 5 6; do vclient $n & pids+=($!); done
# a failing step must not leave the clients running (they would loop for ever)
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
# Progress, not time, decides when to kill: after load_s, the kill waits
# until a visit settlement and a one-shot settlement have been acked since
# the last one (a busy machine can take longer than load_s for either), up
# to PROGRESS_WAIT_MAX polls, so that every round kills under real load.
acks() { { cat "$work"/acked.* 2>/dev/null || true; } | wc -l; }
visit_acks() { { cat "$work"/vacked.* 2>/dev/null || true; } | { grep -c '^S ' || true; }; }
PROGRESS_WAIT_MAX=600 # polls of 0.1 s: a stalled server still ends the test
seen=$(acks); vseen=$(visit_acks)
for k in $(seq "$kills"); do
    sleep "$load_s"
    for _ in $(seq "$PROGRESS_WAIT_MAX"); do
        [ "$(acks)" -gt "$seen" ] && [ "$(visit_acks)" -gt "$vseen" ] && break
        sleep 0.1
    done
    seen=$(acks); vseen=$(visit_acks)
    kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    "$YIBAO" check --db "$db" >/dev/null || fail "check after kill $k"
    if [ "$k" -lt "$kills" ]; then serve; fi
done
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
cat "$work"/acked.* >"$work/acked" 2>/dev/null || true
count=$(wc -l <"$work/acked")
[ "$count" -gt 0 ] || fail "no settlement was acknowledged before the kills"
start_server --threads 4
[ "$(cut -d' ' -f1 "$work/acked" | sort | uniq -d | wc -l)" = 0 ] || fail "a setl_id was acked twice"
verify() { # PART: every acked setl_id of the file answers 5203 (4 at a time: it is most of the time)
    local a setl msgid psn
    while read -r setl msgid psn; do
        envelope 5203 H0 "{\"data\":{\"setl_id\":\"$setl\"}}" >"$1.json"
        a=$(post_as H0 "$1.json")
        [ "$(echo "$a" | jq -r '[.infcode, .output.setlinfo.medfee_sumamt] | @tsv')" = "$(printf '0\t48')" ] ||
            { echo "FAIL: 5203 of acked setl_id $setl: $a" >&2; return 1; }
    done <"$1"
}
split -n l/4 "$work/acked" "$work/part."
vpids=()
for part in "$work"/part.*; do verify "$part" & vpids+=($!); done
for p in "${vpids[@]}"; do wait "$p" || fail "an acknowledged settlement is not queryable"; done
# every acked visit settlement is linked to its visit (5203 names it), and
# every acked registration replays to the same mdtrt_id
cat "$work"/vacked.* >"$work/vacked" 2>/dev/null || true
vcount=$(grep -c '^S ' "$work/vacked" || true)
[ "$vcount" -gt 0 ] || fail "no visit settlement was acknowledged before the kills"
while read -r kind id mdtrt _; do
    if [ "$kind" = S ]; then
        a=$(call H0 5203 "{\"data\":{\"setl_id\":\"$id\"}}")
        [ "$(echo "$a" | jq -r '[.infcode, .output.setlinfo.medfee_sumamt, .output.setlinfo.mdtrt_id] | @tsv')" = "$(printf '0\t48\t%s' "$mdtrt")" ] ||
            fail "acked visit settlement $id of $mdtrt: $a"
    fi
done <"$work/vacked"
n=0
while read -r kind id msgid psn && [ $n -lt 20 ]; do
    [ "$kind" = V ] || continue
    n=$((n + 1))
    # the same request under its msgid (another body would be E_MSGID_REUSED)
    a=$(call H0 2201 "{\"data\":{\"psn_no\":\"$psn\",\"insutype\":\"390\",\"begntime\":\"2020-06-01 09:00:00\"}}" "$msgid")
    expect_ok "$a"; expect_field "$a" .output.data.mdtrt_id "$id"
done <"$work/vacked"
# replays of a sample of acked msgids answer with the same setl_id, adding nothing
n=0
while read -r setl msgid psn && [ $n -lt 20 ]; do
    n=$((n + 1))
    a=$(call H0 2207 "$(bill "$psn")" "$msgid")
    expect_ok "$a"; expect_field "$a" .output.setlinfo.setl_id "$setl"
done <"$work/acked"
stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check at the end"
echo "t_service_crash: ok ($SVC_BACKEND: $kills kills, $count one-shot and $vcount visit settlements acknowledged survived)"
