#!/usr/bin/env python3
"""coverage_table.py: turns an lcov tracefile into docs/COVERAGE.md.

    scripts/coverage_table.py ROOT TRACEFILE [--command C] [--ran T] [--failed T] [--date D] [--note N]

Sums the line (LF/LH) and function (FNF/FNH) records of every source file
under ROOT/src per module (the folder under src/), prints a Markdown page
with one row per module, a total, the files least covered, the command and
the tests that ran. Called by scripts/coverage.sh.
"""
import argparse
import datetime
import os
import sys

LEAST_COVERED_FILES = 10  # files listed under "least covered"


def read_tracefile(path):
    """{source path: {"LF","LH","FNF","FNH"}} from an lcov .info file."""
    files, current = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                current = files.setdefault(line[3:], {"LF": 0, "LH": 0, "FNF": 0, "FNH": 0})
            elif line == "end_of_record":
                current = None
            elif current is not None and ":" in line:
                key, value = line.split(":", 1)
                if key in current:
                    current[key] += int(value)
    return files


def percent(hit, found):
    return f"{100.0 * hit / found:5.1f} %" if found else "    -  "


def module_of(root, path):
    rel = os.path.relpath(path, os.path.join(root, "src"))
    return rel.split(os.sep)[0] if os.sep in rel else "."


def sum_by_module(root, files):
    modules = {}
    for path, c in files.items():
        m = modules.setdefault(module_of(root, path), {"LF": 0, "LH": 0, "FNF": 0, "FNH": 0})
        for key in m:
            m[key] += c[key]
    return modules


def row(name, c):
    return (f"| {name} | {c['LH']:,} / {c['LF']:,} | {percent(c['LH'], c['LF'])} "
            f"| {c['FNH']:,} / {c['FNF']:,} | {percent(c['FNH'], c['FNF'])} |")


def page(root, files, args):
    modules = sum_by_module(root, files)
    total = {k: sum(m[k] for m in modules.values()) for k in ("LF", "LH", "FNF", "FNH")}
    now = args.date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# Coverage", "",
           f"Line and function coverage of `src/` by the tests, measured {now} with",
           f"`{args.command}` (gcov build in `build/coverage`, `--coverage -O0`; lcov).",
           "The HTML report of that run is in `build/coverage/html/index.html`.", "",
           "| module | lines hit / found | lines | functions hit / found | functions |",
           "| --- | ---: | ---: | ---: | ---: |"]
    out += [row(f"src/{m}", modules[m]) for m in sorted(modules)]
    out += [row("**total**", total), "", "Least covered files (lines):", ""]
    ranked = sorted(files.items(), key=lambda kv: (kv[1]["LH"] / kv[1]["LF"]) if kv[1]["LF"] else 1)
    for path, c in ranked[:LEAST_COVERED_FILES]:
        out.append(f"- `{os.path.relpath(path, root)}`: {percent(c['LH'], c['LF']).strip()} "
                   f"of {c['LF']:,} lines")
    out += ["", f"Tests run: {', '.join(args.ran.split()) or 'none'}."]
    if args.note:
        out.append(args.note)
    out.append(f"Failed: {', '.join(args.failed.split())} (the coverage of a failed test still "
               "counts; its log is in `build/coverage/logs/`)." if args.failed.strip()
               else "All of them passed.")
    return "\n".join(out) + "\n"


def main(argv):
    p = argparse.ArgumentParser(description="per-module coverage table from an lcov tracefile")
    p.add_argument("root")
    p.add_argument("tracefile")
    p.add_argument("--command", default="make coverage")
    p.add_argument("--ran", default="")
    p.add_argument("--failed", default="")
    p.add_argument("--date", default="", help="when the tests ran (default: now)")
    p.add_argument("--note", default="", help="a sentence on how they ran")
    args = p.parse_args(argv)
    files = read_tracefile(args.tracefile)
    assert all(c["LH"] <= c["LF"] and c["FNH"] <= c["FNF"] for c in files.values())
    sys.stdout.write(page(os.path.abspath(args.root), files, args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
