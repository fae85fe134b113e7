#!/usr/bin/env bash
# demo.sh: builds a demo city (`yibao gen city`), imports it into an
# embedded SQLite db, issues a credential for its level-3 hospital, starts
# `yibao serve`, signs the hospital's operator in (9001: the service wants
# the sign_no it returns in every other envelope) and prints a
# ready-to-paste curl line (signed headers from `yibao sign`) that settles
# a bill in one request (2207 with feedetail, carrying that sign_no).
# The server keeps running until Ctrl-C, which stops it and exits 0.
#   scripts/demo.sh [PERSONS] [PORT]      (or make demo)
# Environment: DEMO_DIR (default /tmp/yibao-demo): the folder it works in;
# a folder that exists and was not made by a demo (no .yibao-demo inside)
# is refused, never deleted. DEMO_PORT (default 8080; 0: any free port),
# DEMO_PERSONS (default 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
YIBAO=${YIBAO:-build/release/yibao}
persons=${1:-${DEMO_PERSONS:-3000}}; port=${2:-${DEMO_PORT:-8080}}
dir=${DEMO_DIR:-/tmp/yibao-demo}
if [ -e "$dir" ] && [ ! -f "$dir/.yibao-demo" ]; then
    echo "demo: $dir exists and was not made by a demo: not touching it (set DEMO_DIR to another folder)" >&2
    exit 2
fi
rm -rf "$dir"; mkdir -p "$dir"; : >"$dir/.yibao-demo"
db=$dir/demo.sqlite
$YIBAO gen city --persons "$persons" --seed 3 --out "$dir/city" --registry-only >/dev/null
$YIBAO import --db "$db" institutions "$dir/city/institutions.csv" >/dev/null
$YIBAO import --db "$db" policy policies/maoming-2020-resident.json policies/maoming-2020-employee.json >/dev/null
$YIBAO import --db "$db" catalog policies/catalog-conformance.json >/dev/null
$YIBAO import --db "$db" persons "$dir/city/persons.csv" >/dev/null
code=$(awk -F, 'NR > 1 && $3 == "hospital" && $4 == "level3" { print $1; exit }' "$dir/city/institutions.csv")
psn=$(awk -F, 'NR > 1 && $6 == "390" { print $1; exit }' "$dir/city/persons.csv")
rm -f "$dir/token"   # the token goes to a 0600 file, never onto a command line
eval "$($YIBAO credential issue "$code" --db "$db" --token-file "$dir/token" | grep -E '^paasid=')"
$YIBAO serve --db "$db" --listen "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
stopped() { # Ctrl-C (or TERM): stop the server, say so, exit 0
    trap - INT TERM EXIT
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "demo: stopped; the city and its store stay in $dir"
    exit 0
}
trap stopped INT TERM
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do   # until the server listens (port 0: the one it took)
    url=$(sed -n 's/^yibao serve: listening on //p' "$dir/serve.log")
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "demo: the server did not start: $(cat "$dir/serve.log")" >&2; exit 1; }
cat >"$dir/signin.json" <<JSON
{"infno":"9001","msgid":"${code}$(date +%Y%m%d%H%M%S)0000","infver":"V1.0","opter_type":"1","opter":"001","opter_name":"demo","inf_time":"$(date '+%Y-%m-%d %H:%M:%S')","fixmedins_code":"$code","fixmedins_name":"demo","input":{"signIn":{"opter_no":"001","mac":"00:00:00:00:00:00","ip":"127.0.0.1"}}}
JSON
answer=$(eval "$($YIBAO sign --paasid "$paasid" --token-file "$dir/token" --body "$dir/signin.json" --curl "$url")")
sign_no=$(echo "$answer" | sed -n 's/.*"sign_no":"\([0-9]*\)".*/\1/p')
[ -n "$sign_no" ] || { echo "demo: 9001 sign-in failed: $answer" >&2; exit 1; }
cat >"$dir/settle.json" <<JSON
{"infno":"2207","msgid":"${code}$(date +%Y%m%d%H%M%S)0001","mdtrtarea_admvs":"440900","insuplc_admdvs":"440900","recer_sys_code":"DEMO","infver":"V1.0","opter_type":"1","opter":"001","opter_name":"demo","inf_time":"$(date '+%Y-%m-%d %H:%M:%S')","fixmedins_code":"$code","fixmedins_name":"demo","sign_no":"$sign_no","input":{"data":{"psn_no":"$psn","insutype":"390","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","medfee_sumamt":3586.00,"acct_used_flag":"0"},"feedetail":[
{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0},
{"feedetl_sn":"2","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36.0},
{"feedetl_sn":"3","med_list_codg":"XB01","cnt":20,"pric":4.5,"det_item_fee_sumamt":90.0},
{"feedetl_sn":"4","med_list_codg":"SB01","cnt":1,"pric":280.0,"det_item_fee_sumamt":280.0},
{"feedetl_sn":"5","med_list_codg":"XC01","cnt":2,"pric":150.0,"det_item_fee_sumamt":300.0},
{"feedetl_sn":"6","med_list_codg":"SA02","cnt":1,"pric":2600.0,"det_item_fee_sumamt":2600.0}]}}
JSON
echo
echo "demo: $persons persons in $db; institution $code (paasid $paasid); person $psn; signed in: sign_no $sign_no"
echo "demo: paste this within 5 minutes (the signature's timestamp window) to settle vector 000's bill:"
echo
$YIBAO sign --paasid "$paasid" --token-file "$dir/token" --body "$dir/settle.json" --curl "$url"
echo
echo "demo: new headers for another request: $YIBAO sign --paasid $paasid --token-file $dir/token --body FILE --curl $url"
echo "demo: (its envelope needs \"sign_no\":\"$sign_no\", valid 24 h; 9002 signs out)"
echo "demo: serving at $url (log: $dir/serve.log); Ctrl-C stops."
wait "$pid" || true # Ctrl-C reaches the server too: it stops, then so does the demo
stopped
