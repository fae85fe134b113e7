#!/usr/bin/env bash
# t_service_visit_cache.sh: on PostgreSQL a fee upload's prepare (2204)
# starts from the visit as its server last committed it (the visits'
# cache, docs/SERVICE.md "2204's visit from the visits' cache"), and its
# job's locked read judges. Two servers on one database: A registers a
# visit and describes it (2201, 2203), uploads a first batch (2204, from
# its cache); B changes the visit's diagnosis (2203): A's cache is stale.
# A's next upload must still be accepted, priced on the visit as it is
# now (its job finds the visit changed and the prepare runs again on a
# fresh read), answered as B answers the same lines, and its replay by
# msgid gives the same answer. A refusal decided on the cache is decided
# again on a fresh read: a line before a second visit's begntime, refused,
# then accepted once B moved the begntime (A's cache has the old one); after
# B cancels that visit, A's upload is refused as cancelled, as B refuses
# it. `yibao check --deep`
# passes. Passes trivially without YIBAO_PG_URI (SQLite keeps no cache).
set -euo pipefail
if [ -z "${YIBAO_PG_URI:-}" ]; then
    echo "YIBAO_PG_URI not set: skipped"
    exit 0
fi
export SVC_BACKEND=pg
source "$(dirname "$0")/t_service_lib.sh"
ulimit -t 120

make_city
credential H0
start_server --threads 2
sign_in H0
url_a=$url pid_a=$server_pid log_a=$work/serve.log
# server B on the same database, started after the sign-in (it reads them at start)
"$YIBAO" serve --db "$db" --listen 127.0.0.1:0 --threads 2 >"$work/serve_b.log" 2>&1 &
pid_b=$!
url_b=""
for _ in $(seq 1 100); do
    url_b=$(sed -n 's/^yibao serve: listening on //p' "$work/serve_b.log" 2>/dev/null || true)
    [ -n "$url_b" ] && break
    kill -0 "$pid_b" 2>/dev/null || fail "server B exited: $(cat "$work/serve_b.log")"
    sleep 0.1
done
[ -n "$url_b" ] || fail "server B did not start"
stop_b() { kill -TERM "$pid_b" 2>/dev/null && wait "$pid_b" 2>/dev/null; pid_b=""; }
trap 'stop_b; cleanup' EXIT
# on URL: `call` against another server's URL
on() { local saved=$url r; url=$1; shift; r=$(call "$@"); url=$saved; printf '%s' "$r"; }

reg='{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01 09:00:00","ipt_otp_no":"OTP1"}}'
a=$(on "$url_a" H0 2201 "$reg"); expect_ok "$a"; mdt=$(jq -r .output.data.mdtrt_id <<<"$a")
info() { printf '{"mdtrtinfo":{"mdtrt_id":"%s","psn_no":"P0001","med_type":"%s","dise_codg":"%s"}}' "$mdt" "$1" "$2"; }
a=$(on "$url_a" H0 2203 "$(info 11 J06.900)"); expect_ok "$a"
# up SN BCHNO [DAY]: one line of a charge batch (of 2020-06-DAY, 01)
up() {
    printf '{"feedetail":[{"mdtrt_id":"%s","psn_no":"P0001","med_type":"11","fee_ocur_time":"2020-%s 09:30:00","feedetl_sn":"%s","chrg_bchno":"%s","med_list_codg":"XB01","det_item_fee_sumamt":135.00,"cnt":30,"pric":4.5}]}' "$mdt" "${3:-06-01}" "$1" "$2"
}
a=$(on "$url_a" H0 2204 "$(up 1 B1)"); expect_ok "$a"

# B changes what the engine reads of the visit: A's cached visit is stale
b=$(on "$url_b" H0 2203 "$(info 11 K29.700)"); expect_ok "$b"
a=$(on "$url_a" H0 2204 "$(up 2 B2)" CACHE2204); expect_ok "$a"
b=$(on "$url_b" H0 2204 "$(up 3 B3)"); expect_ok "$b"
[ "$(jq -c '.output.result[0] | del(.feedetl_sn)' <<<"$a")" = "$(jq -c '.output.result[0] | del(.feedetl_sn)' <<<"$b")" ] ||
    fail "A's upload on its stale cache is not answered as B answers it: $a / $b"
r=$(on "$url_a" H0 2204 "$(up 2 B2)" CACHE2204); expect_ok "$r"
[ "$(jq -c .output <<<"$a")" = "$(jq -c .output <<<"$r")" ] || fail "replay: $a / $r"
n=$(sql "SELECT count(*) FROM svc_fee f JOIN svc_visit v ON v.id = f.visit_id WHERE v.ipt_otp_no = 'OTP1'")
[ "$n" = 3 ] || fail "fee lines: $n, expected 3"

# a refusal decided on the cache is decided again on a fresh read: A
# refuses a line of the day before the visit's begntime, B moves the
# begntime a day earlier (2203), A's cache still has the old one
reg2='{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01 09:00:00","ipt_otp_no":"OTP2"}}'
a=$(on "$url_a" H0 2201 "$reg2"); expect_ok "$a"; mdt=$(jq -r .output.data.mdtrt_id <<<"$a")
a=$(on "$url_a" H0 2204 "$(up 1 B1 05-31)"); expect_err "$a" "before the visit's begntime"
b=$(on "$url_b" H0 2203 "{\"mdtrtinfo\":{\"mdtrt_id\":\"$mdt\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"dise_codg\":\"J06.900\",\"begntime\":\"2020-05-31 08:00:00\"}}")
expect_ok "$b"
a=$(on "$url_a" H0 2204 "$(up 1 B1 05-31)"); expect_ok "$a"
# and a write of another server refused by the job's locked read, as B refuses it
b=$(on "$url_b" H0 2202 "{\"data\":{\"mdtrt_id\":\"$mdt\",\"psn_no\":\"P0001\"}}"); expect_ok "$b"
a=$(on "$url_a" H0 2204 "$(up 2 B2 05-31)"); expect_err "$a" "visit is cancelled"
b=$(on "$url_b" H0 2204 "$(up 2 B2 05-31)"); expect_err "$b" "visit is cancelled"
[ "$(jq -r .err_msg <<<"$a")" = "$(jq -r .err_msg <<<"$b")" ] || fail "refusals differ: $a / $b"

stop_b
stop_server
out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
echo "t_service_visit_cache: ok"
