#!/usr/bin/env bash
# whatif.sh: the policy what-if (issue 17 item 5) over a generated city-year:
# `yibao whatif` with the year's own policies and with the Maoming 2020
# resident catastrophic ratio changed (0.80 -> 0.75), each under
# /usr/bin/time -v (wall, peak RSS), with the machine and its load before
# and after (the machine is shared). Prints a markdown section; diagnostics
# on stderr.
#   WHATIF_DB=PATH       an existing store of the city-year (else one is built:
#                        `yibao gen city --registry-only`, `yibao import`,
#                        `yibao-bench year --db`: about 7-25 minutes at 1M)
#   WHATIF_PERSONS=N     the city's persons when building (default 1000000)
#   WHATIF_SEED=S        its seed (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
yibao=${YIBAO:-$(pwd)/build/release/yibao}
bench=${YIBAO_BENCH:-$(pwd)/build/release/yibao-bench}
persons=${WHATIF_PERSONS:-1000000}
seed=${WHATIF_SEED:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-whatif.XXXXXX")
trap 'rm -rf "$work"' EXIT

db=${WHATIF_DB:-}
if [ -z "$db" ]; then
    db=$work/city.db
    echo "whatif: building the $persons-person city-year (store $db)" >&2
    "$yibao" gen city --persons "$persons" --seed "$seed" --registry-only --out "$work/reg" >/dev/null
    "$yibao" import --db "$db" institutions "$work/reg/institutions.csv" >/dev/null
    "$yibao" import --db "$db" policy policies/maoming-2020-employee.json \
        policies/maoming-2020-resident.json >/dev/null
    "$yibao" import --db "$db" catalog policies/catalog-conformance.json >/dev/null
    "$yibao" import --db "$db" persons "$work/reg/persons.csv" >/dev/null
    "$bench" year --persons "$persons" --seed "$seed" --db "$db" >"$work/year.json"
fi
jq '.catastrophic.bands[0].ratio = 0.75' policies/maoming-2020-resident.json >"$work/res75.json"

load() { cut -d' ' -f1-3 /proc/loadavg; }
declare -A wall rss cpu
measure() { # NAME ARGS...: yibao whatif ARGS under /usr/bin/time -v
    local name=$1; shift
    echo "whatif: $name" >&2
    /usr/bin/time -v -o "$work/time.$name" "$yibao" whatif --db "$db" --year 2020 --format json "$@" \
        >"$work/out.$name" 2>"$work/err.$name" || { cat "$work/err.$name" >&2; return 1; }
    wall[$name]=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.$name")
    rss[$name]=$(($(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$name") / 1024))
    cpu[$name]=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$work/time.$name")
}
load_before=$(load)
measure own --policy policies/maoming-2020-employee.json --policy policies/maoming-2020-resident.json
measure ratio75 --policy "$work/res75.json"
load_after=$(load)

j() { jq -r "$2" "$work/out.$1"; }
cat <<MD
## The policy what-if

Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, shared with other work:
load average $load_before before, $load_after after. Store: SQLite, the
$(j own .replay.settlements)-settlement year 2020 of a generated city
(\`yibao-bench year --db\`), $(du -m "$db" | cut -f1) MiB.

| what-if | command | wall (m:ss) | CPU s (user + system) | peak RSS | result |
|---|---|---:|---:|---:|---|
| the year's own policies | \`yibao whatif --db city.db --year 2020 --policy maoming-2020-employee.json --policy maoming-2020-resident.json\` | ${wall[own]} | ${cpu[own]} | ${rss[own]} MiB | $(j own .replay.settled_again) settled again, $(j own .replay.revokes) revokes; total fund change $(j own '.funds[] | select(.fund == "total") | .change') yuan |
| resident catastrophic ratio 0.80 -> 0.75 | \`yibao whatif --db city.db --year 2020 --policy res75.json\` | ${wall[ratio75]} | ${cpu[ratio75]} | ${rss[ratio75]} MiB | hifmi $(j ratio75 '.funds[] | select(.fund == "hifmi") | "\(.before) -> \(.after) (\(.change))"') yuan; out-of-pocket change $(j ratio75 .out_of_pocket.change) yuan; hardest hit $(j ratio75 .hardest_hit.persons) of $(j ratio75 .hardest_hit.of) persons |
MD
