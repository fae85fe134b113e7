#!/usr/bin/env bash
# city.sh: the synthetic city at scale. Generation (1M persons with a year of
# bills; 6.5M registry), import of 1M and 6.5M persons into SQLite, memory per
# insured person, the whole year of a 6.5M-person city settled in memory, the
# whole year of a 1M-person city settled durably through SQLite, and the first
# CITY_BILLS_BIG bills of the 6.5M-person year settled durably. Prints a
# markdown section; diagnostics on stderr. Sizes can be lowered for a quick
# run: CITY_PERSONS_BIG=6500000 CITY_PERSONS=1000000 CITY_BILLS_BIG=5000000.
set -euo pipefail
cd "$(dirname "$0")/.."
yibao=${YIBAO:-$(pwd)/build/release/yibao}
bench=${YIBAO_BENCH:-$(pwd)/build/release/yibao-bench}
big=${CITY_PERSONS_BIG:-6500000}
mid=${CITY_PERSONS:-1000000}
big_bills=${CITY_BILLS_BIG:-5000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/yibao-city.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure NAME CMD...: runs CMD under /usr/bin/time, records seconds and peak RSS.
declare -A secs rss
measure() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time.$name" "$@" > "$work/out.$name" 2> "$work/err.$name" \
        || { echo "city: $name failed:" >&2; tail -5 "$work/err.$name" >&2; return 1; }
    read -r secs[$name] rss[$name] < "$work/time.$name"
}
mib() { echo $(( $1 / 1024 )); }
rows() { echo $(( $(wc -l < "$1") - 1 )); }

echo "city: generating $mid persons with a year of bills" >&2
measure gen_mid "$yibao" gen city --persons "$mid" --seed 1 --out "$work/mid"
bills_mid=$(wc -l < "$work/mid/bills.jsonl"); size_mid=$(du -sm "$work/mid" | cut -f1)
rm -f "$work/mid/bills.jsonl"
echo "city: generating the $big-person registry" >&2
measure gen_big "$yibao" gen city --persons "$big" --seed 2 --out "$work/big" --registry-only

import_city() { # NAME DIR DB
    "$yibao" import --db "$3" institutions "$2/institutions.csv" >/dev/null
    "$yibao" import --db "$3" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
    "$yibao" import --db "$3" catalog policies/catalog-conformance.json >/dev/null
    measure "$1" "$yibao" import --db "$3" persons "$2/persons.csv"
}
echo "city: importing" >&2
import_city import_mid "$work/mid" "$work/mid.db"
import_city import_big "$work/big" "$work/big.db"

echo "city: settling the $big-person year in memory" >&2
measure year_big "$bench" year --persons "$big" --seed 2
echo "city: settling the $mid-person year durably (SQLite)" >&2
measure year_mid "$bench" year --persons "$mid" --seed 1 --db "$work/mid.db"
measure check_mid "$yibao" check --db "$work/mid.db"
rm -f "$work/mid.db"*
echo "city: settling the first $big_bills bills of the $big-person year durably (SQLite)" >&2
measure year_big_db "$bench" year --persons "$big" --seed 2 --db "$work/big.db" --bills "$big_bills"
rm -f "$work/big.db"*

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
yb=$work/out.year_big; ym=$work/out.year_mid; ybd=$work/out.year_big_db
cat <<MD
## The synthetic city at scale

| what | command | wall | peak RSS | result |
|---|---|---:|---:|---|
| generate $mid persons + a year of bills | \`yibao gen city --persons $mid --seed 1 --out DIR\` | ${secs[gen_mid]} s | $(mib "${rss[gen_mid]}") MiB | $(rows "$work/mid/persons.csv") person rows, $bills_mid bills, $size_mid MiB of files |
| generate the $big-person registry | \`yibao gen city --persons $big --seed 2 --registry-only --out DIR\` | ${secs[gen_big]} s | $(mib "${rss[gen_big]}") MiB | $(rows "$work/big/persons.csv") person rows |
| import $mid persons (SQLite) | \`yibao import --db city.db persons persons.csv\` | ${secs[import_mid]} s | $(mib "${rss[import_mid]}") MiB | |
| import $big persons (SQLite) | \`yibao import --db city.db persons persons.csv\` | ${secs[import_big]} s | $(mib "${rss[import_big]}") MiB | |
| whole year, $big persons, in memory (core, no I/O) | \`yibao-bench year --persons $big --seed 2\` | ${secs[year_big]} s | $(mib "${rss[year_big]}") MiB | $(field "$yb" bills) bills, $(field "$yb" settlements_per_s) settlements/s, $(field "$yb" refused) refused |
| whole year, $mid persons, durable (SQLite, fsync'd group commits) | \`yibao-bench year --persons $mid --seed 1 --db city.db\` | ${secs[year_mid]} s | $(mib "${rss[year_mid]}") MiB | $(field "$ym" bills) bills, $(field "$ym" settlements_per_s) settlements/s, $(field "$ym" refused) refused |
| verify that store | \`yibao check --db city.db\` | ${secs[check_mid]} s | $(mib "${rss[check_mid]}") MiB | $(tail -1 "$work/out.check_mid") |
| first $big_bills bills of the $big-person year, durable (SQLite) | \`yibao-bench year --persons $big --seed 2 --db city.db --bills $big_bills\` | ${secs[year_big_db]} s | $(mib "${rss[year_big_db]}") MiB | $(field "$ybd" bills) bills, $(field "$ybd" settlements_per_s) settlements/s, $(field "$ybd" refused) refused |

Memory per insured person while a year is settled in memory: $(field "$yb" state_bytes_per_person) bytes of packed
year state per person; the whole process peaked at $(( ${rss[year_big]} * 1024 / big )) bytes per insured person
(states, the generator's window buffers and the process itself).
The in-memory year includes generating the bills: the generator streams them into settlement
without files (its own cost is about 3 minutes of the 6.5M-person year, see docs/GENERATOR.md).
The durable years settle every bill through the store's commit queue (WAL, synchronous=FULL; year
states and balances written at checkpoints, docs/STORE.md), so their settlements/s is the durable rate
on a real year's mix of persons, nearly every bill a different person. The whole 6.5M-person durable
year would take about $(python3 -c "import json; r=json.load(open('$ybd')); print(round(59.27e6/r['settlements_per_s']/60))") minutes at the rate of its first $big_bills bills and is not part of \`make bench\`
(30-minute budget).

MD
