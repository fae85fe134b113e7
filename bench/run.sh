#!/usr/bin/env bash
# run.sh: `make bench`. Generates what it needs, measures everything in one
# run, and rewrites docs/BENCHMARKS.md from scratch (no figure from an earlier
# run is kept). Sections come from bench/*.sh scripts that exist; each prints
# markdown. Benchmarks report; they never fail the test suite.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh gnuplot-nox time >&2 || exit 1   # plots; /usr/bin/time for peak RSS
out=docs/BENCHMARKS.md
tmp=$(mktemp)
{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
    echo "$(lscpu | sed -n 's/^Model name: *//p' | head -1); $(uname -sr); compiler $(cc --version | head -1)."
    echo "The machine is shared and noisy: figures are medians, and comparisons are measured side by side in the same run."
    echo
} > "$tmp"
for section in core store http city settle_jsonl hostile; do
    script=bench/$section.sh
    [ -x "$script" ] || continue
    echo "bench: $section" >&2
    echo >> "$tmp"
    if ! "$script" >> "$tmp"; then
        echo "bench: $section failed (see above); its section is incomplete" >&2
        printf '\n_%s: the benchmark failed in this run._\n\n' "$section" >> "$tmp"
    fi
done
mv "$tmp" "$out"
# Plots of this run's tables (SVG, gnuplot); earlier plots are removed first.
rm -rf docs/bench
if bench/plot.py "$out" > "$out.plots"; then
    cat "$out.plots" >> "$out"
else
    echo "bench: plotting failed; no plots in this run" >&2
fi
rm -f "$out.plots"
echo "bench: wrote $out" >&2
