#!/usr/bin/env python3
"""plot.py: draws the figures of docs/BENCHMARKS.md as SVG with gnuplot.

Reads the markdown tables that bench/*.sh printed (core throughput vs bill
size, durable settlements/s by backend vs batch size beside pgbench, HTTP
settlements/s and latency vs concurrency), writes docs/bench/*.svg and prints
the markdown lines that show them. A table that is missing is skipped."""
import os
import re
import subprocess
import sys


def tables(text):
    """Yields (header cells, rows of cells) for every markdown table."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:| ]+\|?$", lines[i + 1]):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            yield header, rows
        else:
            i += 1


def number(cell):
    m = re.search(r"-?[\d,]+(\.\d+)?", cell.replace("**", ""))
    return float(m.group(0).replace(",", "")) if m else None


def gnuplot(script, out_dir):
    subprocess.run(["gnuplot"], input=script, text=True, check=True, cwd=out_dir)


STYLE = """set terminal svg size 720,420 dynamic font 'sans,12' background '#ffffff'
set grid
set key left top
set yrange [0:*]
"""


def core_plot(text, out_dir):
    for header, rows in tables(text):
        if header and header[0].startswith("lines per bill"):
            data = "\n".join(f"{number(r[0])} {number(r[1])}" for r in rows if number(r[1]))
            gnuplot(STYLE + f"""set output 'core.svg'
set title 'Settle engine on one core vs bill size'
set xlabel 'lines per bill'; set ylabel 'settlements/s'; set logscale x 2
plot '-' with linespoints lw 2 pt 7 title 'settlements/s (median)'
{data}
e
""", out_dir)
            return "![core settle throughput vs bill size](bench/core.svg)"
    return None


def store_plot(text, out_dir):
    tps = re.search(r"pgbench[^\n]*?\*\*([\d,.]+) TPS\*\*", text)
    for header, rows in tables(text):
        if header and header[0] == "backend" and any(h.startswith("batch") for h in header):
            batches = [number(h) for h in header[1:] if h.startswith("batch")]
            series, plots = [], []
            for r in rows:
                values = [number(c) for c in r[1:1 + len(batches)]]
                points = "\n".join(f"{b} {v}" for b, v in zip(batches, values) if v)
                series.append(points + "\ne")
                plots.append(f"'-' with linespoints lw 2 pt 7 title '{r[0].split()[0]}'")
            if tps:
                plots.append(f"{number(tps.group(1))} with lines dt 2 lw 2 title 'pgbench TPC-B TPS'")
            gnuplot(STYLE + f"""set output 'store.svg'
set title 'Durable settlements/s by backend vs group-commit batch size'
set xlabel 'batch size'; set ylabel 'durable settlements/s'; set logscale x 2
plot {', '.join(plots)}
{chr(10).join(series)}
""", out_dir)
            return "![durable settlements/s by backend vs batch size](bench/store.svg)"
    return None


def http_plot(text, out_dir):
    for header, rows in tables(text):
        lower = [h.lower() for h in header]
        if lower and "connections" in lower[0] and any("p99" in h for h in lower):
            rate = next(i for i, h in enumerate(lower) if "settlements/s" in h)
            p99 = next(i for i, h in enumerate(lower) if "p99" in h)
            data = "\n".join(f"{number(r[0])} {number(r[rate])} {number(r[p99])}" for r in rows)
            gnuplot(STYLE + f"""set output 'http.svg'
set title 'HTTP settlements/s and p99 latency vs concurrency'
set xlabel 'connections'; set ylabel 'settlements/s'; set y2label 'p99 ms'
set logscale x 2; set ytics nomirror; set y2tics; set y2range [0:*]
plot '-' using 1:2 with linespoints lw 2 pt 7 title 'settlements/s', '-' using 1:3 axes x1y2 with linespoints lw 2 pt 5 title 'p99 ms'
{data}
e
{data}
e
""", out_dir)
            return "![HTTP settlements/s and p99 vs concurrency](bench/http.svg)"
    return None


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/BENCHMARKS.md"
    out_dir = os.path.join(os.path.dirname(path), "bench")
    os.makedirs(out_dir, exist_ok=True)
    text = open(path).read()
    shown = [p for p in (f(text, out_dir) for f in (core_plot, store_plot, http_plot)) if p]
    if shown:
        print("## Plots\n\n" + "\n\n".join(shown) + "\n")


if __name__ == "__main__":
    main()
