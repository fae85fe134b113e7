#!/usr/bin/env bash
# reconcile.sh [YIBAO...]: how long a 3201 reconciliation takes on a journal
# of one-shot settlements made over HTTP for SECONDS (default 10) at 32
# connections: for yesterday (no settlements in the period) and for today
# (all of them), with each yibao build given (default build/release/yibao)
# serving the same database in turn; the load comes from YIBAO_BENCH
# (default build/release/yibao-bench). Not part of `make bench`.
#   bench/reconcile.sh /tmp/old/build/release/yibao build/release/yibao
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build/release/yibao
Y=$1
bench=${YIBAO_BENCH:-build/release/yibao-bench}
work=$(mktemp -d /tmp/yibao-reconcile.XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
db=$work/db.sqlite
"$Y" gen city --persons 5000 --seed 1 --registry-only --out "$work/city" >/dev/null
code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$work/city/institutions.csv")
"$Y" import --db "$db" institutions "$work/city/institutions.csv" >/dev/null
"$Y" import --db "$db" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
"$Y" import --db "$db" catalog policies/catalog-conformance.json >/dev/null
"$Y" import --db "$db" persons "$work/city/persons.csv" >/dev/null
eval "$("$Y" credential issue "$code" --db "$db" | grep -E '^(paasid|token)=')"
serve() { # YIBAO: starts it on the database (sign-in off: one-off requests)
    "$1" serve --db "$db" --listen 127.0.0.1:0 --sign-in off >"$work/serve.log" 2>&1 &
    pid=$!
    url=""
    for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
    [ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
}
unserve() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }
serve "$Y"
YIBAO_TOKEN="$token" "$bench" http --url "$url" --paasid "$paasid" --code "$code" --connections 32 \
    --seconds "${SECONDS_LOAD:-10}" --persons 5000 --seed 1 --flow oneshot
unserve
reconcile() { # YIBAO DATE: seconds and the settlements counted
    printf '{"infno":"3201","msgid":"R%s","mdtrtarea_admvs":"440900","insuplc_admdvs":"440900","recer_sys_code":"T","infver":"V1.0","opter_type":"1","opter":"001","opter_name":"T","inf_time":"2020-06-01 10:00:00","fixmedins_code":"%s","fixmedins_name":"x","sign_no":"","input":{"data":{"stmt_begndate":"%s","stmt_enddate":"%s","medfee_sumamt":0,"fund_pay_sumamt":0,"acct_pay":0,"fixmedins_setl_cnt":0}}}' \
        "$RANDOM$RANDOM" "$code" "$2" "$2" >"$work/q.json"
    local -a hdr=()
    while IFS= read -r line; do hdr+=(-H "$line"); done < <(YIBAO_TOKEN="$token" "$1" sign --paasid "$paasid" --body "$work/q.json")
    local t
    t=$(curl -s -o "$work/a.json" -w '%{time_total}' -X POST "$url" "${hdr[@]}" --data-binary @"$work/q.json")
    echo "$t s, $(jq -r '.output.stmtinfo.plaf_fixmedins_setl_cnt' "$work/a.json") settlements counted"
}
for y in "$@"; do
    serve "$y"
    echo "$y: 3201 for yesterday: $(reconcile "$y" "$(date -d yesterday +%F)")"
    echo "$y: 3201 for today:     $(reconcile "$y" "$(date +%F)")"
    unserve
done
