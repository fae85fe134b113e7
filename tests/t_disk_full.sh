#!/usr/bin/env bash
# t_disk_full.sh: `yibao serve` on a store whose disk fills up (a small
# tmpfs): requests are refused with a storage error while it is full, the
# conditions are logged once each (not a line per flush: a full disk once
# wrote 142 "nonce log" lines in 16 s), the service works again once space
# is freed, and `yibao check` passes. SQLite only (the disk is the file's).
# Needs root for the tmpfs mount (CI runs as root); elsewhere it says so
# and passes without running.
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"

full=$work/full
mkdir -p "$full"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=16M tmpfs "$full" 2>/dev/null; then
    echo "t_disk_full: not run: cannot mount a tmpfs here (needs root)"
    exit 0
fi
unmount() { umount "$full" 2>/dev/null || umount -l "$full" 2>/dev/null; }
trap 'stop_server; unmount; cleanup' EXIT
db=$full/db.sqlite

make_city
credential H3
start_server
sign_in H3
bill='{"data":{"psn_no":"P0001","med_type":"11","begntime":"2020-07-01","endtime":"2020-07-01","medfee_sumamt":36},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36}]}'
a=$(call H3 2207 "$bill"); expect_ok "$a"

# fill the disk, then keep the server busy for a few seconds (about 60 nonce flushes)
dd if=/dev/zero of="$full/filler" bs=64k >/dev/null 2>&1
refused=0
for i in $(seq 1 30); do
    a=$(call H3 2207 "$bill")
    [ "$(echo "$a" | jq -r .infcode)" = 0 ] || refused=$((refused + 1))
    a=$(call H3 1101 '{"data":{"psn_no":"P0001"}}')
    sleep 0.1
done
[ "$refused" -gt 0 ] || fail "no settlement was refused on a full disk"
lines=$(grep -c "nonce log" "$work/serve.log")
[ "$lines" -le 2 ] || fail "the full disk was logged $lines times: $(grep "nonce log" "$work/serve.log" | head -5)"

# space again: settlements work, the recovery is logged, the store checks
rm -f "$full/filler"
ok=0
for i in $(seq 1 50); do
    a=$(call H3 2207 "$bill")
    if [ "$(echo "$a" | jq -r .infcode)" = 0 ]; then ok=1; break; fi
    sleep 0.1
done
[ "$ok" = 1 ] || fail "no settlement after space was freed: $a"
stop_server
grep -q "nonce log: writing again" "$work/serve.log" || fail "recovery not logged: $(cat "$work/serve.log")"
"$YIBAO" check --db "$db" >/dev/null || fail "check after the full disk"
echo "t_disk_full: ok ($refused refused while full, $lines log lines)"
