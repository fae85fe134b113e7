#!/usr/bin/env bash
# bench/http.sh: load benchmark of the settlement service on this machine:
# a city of PERSONS persons in a temp SQLite db, `yibao serve`, then
# `yibao bench http` (one-shot 2207 settlements of 5-30 lines, signed) at a
# few concurrencies. Prints settlements/s and p50/p99/p999 per concurrency.
#   bench/http.sh [SECONDS] [CONNECTIONS...]   (defaults: 10 s; 16 64 256)
set -euo pipefail
cd "$(dirname "$0")/.."
YIBAO=${YIBAO:-build/release/yibao}
secs=${1:-10}; shift || true
conns=("${@:-16 64 256}"); conns=(${conns[@]})
persons=${PERSONS:-5000}
work=$(mktemp -d /tmp/yibao-bench-http.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill -TERM $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
{
    echo "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc"
    awk -v n="$persons" 'BEGIN { for (i = 0; i < n; i++) printf "B%04d,C%08d,Bench %d,1,1980-01-01,390,adult,,440900,2000-01-01,0\n", i, i, i }'
} >"$work/persons.csv"
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status\nH0,Bench Township,hospital,township,440900,active\n' >"$work/inst.csv"
db=$work/db.sqlite
$YIBAO import --db "$db" institutions "$work/inst.csv" >/dev/null
$YIBAO import --db "$db" policy policies/maoming-2020-resident.json >/dev/null
$YIBAO import --db "$db" catalog policies/catalog-conformance.json >/dev/null
$YIBAO import --db "$db" persons "$work/persons.csv" >/dev/null
eval "$($YIBAO credential issue H0 --db "$db" | grep -E '^(paasid|token)=')"
$YIBAO serve --db "$db" --listen 127.0.0.1:0 ${SERVE_OPTS:-} >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
echo "bench http: $(nproc) cores, $persons persons, one-shot 2207 (5-30 lines), ${secs}s per run"
for c in "${conns[@]}"; do
    $YIBAO bench http --url "$url" --paasid "$paasid" --token "$token" --code H0 \
        --connections "$c" --seconds "$secs" --persons "$persons" --psn-prefix B
done
$YIBAO check --db "$db" | tail -1
