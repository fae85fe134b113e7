#!/usr/bin/env bash
# settle_year_ab.sh: `yibao settle-year` of two binaries side by side on
# one store, in alternated pairs (old, new, old, new, ...), on a loaded
# machine: each run's wall, user and sys seconds and peak RSS
# (/usr/bin/time) with the load beside it, then the medians of each side.
#
#   bench/settle_year_ab.sh OLD_YIBAO NEW_YIBAO STORE YEAR [PAIRS]
#
# STORE is written to (a run catches the tables up and commits its
# batches): give a copy, never a shared store. On a year already settled a
# run reads the whole year, computes every institution's figures and
# commits batches that find every record posted: the reading and the
# posting's checks, which is what a rerun costs.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 OLD_YIBAO NEW_YIBAO STORE YEAR [PAIRS]" >&2; exit 2; }
old=$1 new=$2 store=$3 year=$4 pairs=${5:-3}
out=$(mktemp -d /tmp/settle_year_ab.XXXXXX)
trap 'rm -rf "$out"' EXIT

run() { # SIDE BINARY: one run, its figures appended to $out/SIDE
    /usr/bin/time -f '%e %U %S %M' -o "$out/time" "$2" settle-year --db "$store" --year "$year" \
        >"$out/stdout" 2>"$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall user sys rss <"$out/time"
    echo "$wall $user $sys $rss $load" >>"$out/$1"
    printf '%-4s wall %6.2f s  cpu %6.2f s  peak %5d MiB  load %s\n' "$1" "$wall" \
        "$(echo "$user + $sys" | bc)" "$((rss / 1024))" "$load"
}

for i in $(seq 1 "$pairs"); do
    run old "$old"
    run new "$new"
done
for side in old new; do
    python3 - "$side" "$out/$side" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[2])]
med = lambda k: statistics.median(r[k] for r in rows)
cpu = statistics.median(r[1] + r[2] for r in rows)
print("%s median of %d: wall %.2f s, cpu %.2f s, peak %d MiB, load %.2f"
      % (sys.argv[1], len(rows), med(0), cpu, med(3) / 1024, med(4)))
PY
done
