#!/usr/bin/env python3
"""asserts.py: counts functions, assert() calls and long functions per module.

    scripts/asserts.py [--check MODULES] [--min N] [--max-lines N] [--list]

A module is a folder of src/ (core, json, codec, store, service, cli, gen,
app, ...). For each it prints the functions defined in its .c and .h files,
the assert() calls inside them, asserts per function, and every function
whose body is longer than --max-lines (70) lines. --list also prints the
functions that have no assert.

With --check store,service,app it exits 1 when one of those modules has
fewer than --min (1.0) asserts per function or a function over the line
limit; a listed module that does not exist is reported and skipped.

The parser fits this tree's style, not all of C: a function definition
starts at column 0 with its return type and name, may continue its
parameters on later lines, and its body runs from the first '{' to the
matching '}'. Comments, strings and character literals are blanked first,
so braces and the word assert inside them do not count. Body lines are the
lines between the opening and the closing brace (a one-line function: 1).
"""
import argparse
import os
import re
import sys

MODULE_ORDER = ["core", "json", "codec", "store", "service", "cli", "gen", "app"]
MAX_LINES_DEFAULT = 70
MIN_DEFAULT = 1.0
SIGNATURE_LINES_MAX = 12  # lines a signature may span before '{'

ASSERT_RE = re.compile(r"\bassert\s*\(")
# A definition's head: no '=' or ';', a name followed by '(' ... ')', then
# optional attributes, then the body's '{'.
HEAD_RE = re.compile(r"^[^=;{}()#]*?\b([A-Za-z_]\w*)\s*\((.*)\)\s*(__attribute__\s*\(\(.*\)\)\s*)*$",
                     re.S)
KEYWORDS_NOT_FUNCTIONS = {"if", "for", "while", "switch", "return", "sizeof"}


def blank_comments_and_strings(text):
    """Replaces comments and string/char literals by spaces, keeping newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_leading_attributes(head):
    """Drops __attribute__((...)) written before the return type."""
    head = head.strip()
    while head.startswith("__attribute__"):
        depth, i = 0, len("__attribute__")
        for i in range(i, len(head)):
            depth += {"(": 1, ")": -1}.get(head[i], 0)
            if depth == 0 and head[i] == ")":
                break
        head = head[i + 1:].strip()
    return head


def starts_definition(line):
    """True when a line at column 0 may begin a function definition."""
    if not line or line[0] in " \t#}{" or line.startswith(("typedef", "extern \"C\"")):
        return False
    return re.match(r"[A-Za-z_]", line) is not None


def find_body_end(lines, row, col):
    """Row of the '}' closing the '{' at lines[row][col], or None."""
    depth = 0
    for r in range(row, len(lines)):
        start = col if r == row else 0
        for ch in lines[r][start:]:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return r
    return None


def functions_in(path):
    """Yields (name, first_line, body_lines, asserts) for each definition."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = blank_comments_and_strings(f.read()).split("\n")
    row = 0
    while row < len(lines):
        if not starts_definition(lines[row]):
            row += 1
            continue
        head, brace = [], None
        for r in range(row, min(row + SIGNATURE_LINES_MAX, len(lines))):
            text = lines[r]
            if r > row and (not text.strip() or text[0] not in " \t{"):
                break  # a new top-level line: the head ended without a body
            cut = min([i for i in (text.find("{"), text.find(";")) if i >= 0], default=-1)
            if cut >= 0:
                head.append(text[:cut])
                brace = (r, cut) if text[cut] == "{" else None
                break
            head.append(text)
        head_text = strip_leading_attributes(" ".join(head))
        match = HEAD_RE.match(head_text) if brace else None
        if match is None or match.group(1) in KEYWORDS_NOT_FUNCTIONS:
            row += 1
            continue
        end = find_body_end(lines, *brace)
        assert end is not None, f"{path}:{brace[0] + 1}: unbalanced braces"
        body = "\n".join(lines[brace[0]:end + 1])[brace[1]:]
        yield (match.group(1), row + 1, max(1, end - brace[0] - 1),
               len(ASSERT_RE.findall(body)))
        row = end + 1


def module_files(root, module):
    folder = os.path.join(root, "src", module)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.endswith((".c", ".h")))


def modules_present(root):
    found = sorted(d for d in os.listdir(os.path.join(root, "src"))
                   if os.path.isdir(os.path.join(root, "src", d)))
    return [m for m in MODULE_ORDER if m in found] + [m for m in found if m not in MODULE_ORDER]


def survey(root, module, max_lines):
    """Counts for one module: functions, asserts, long and assert-less ones."""
    stats = {"functions": 0, "asserts": 0, "long": [], "bare": []}
    for path in module_files(root, module):
        rel = os.path.relpath(path, root)
        for name, line, body, asserts in functions_in(path):
            stats["functions"] += 1
            stats["asserts"] += asserts
            if body > max_lines:
                stats["long"].append(f"{rel}:{line} {name} ({body} lines)")
            if asserts == 0:
                stats["bare"].append(f"{rel}:{line} {name}")
    return stats


def parse_args(argv):
    p = argparse.ArgumentParser(description="asserts per function and long functions per module")
    p.add_argument("--check", default="", help="modules to hold to the limits, e.g. store,service,app")
    p.add_argument("--min", type=float, default=MIN_DEFAULT, help="least asserts per function")
    p.add_argument("--max-lines", type=int, default=MAX_LINES_DEFAULT, help="most body lines")
    p.add_argument("--list", action="store_true", help="also list functions without an assert")
    p.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    root = os.path.abspath(args.root)
    present = modules_present(root)
    wanted = [m.strip().removeprefix("src/") for m in re.split(r"[,\s]+", args.check) if m.strip()]
    print(f"{'module':<10} {'functions':>9} {'asserts':>8} {'per fn':>7} {'>' + str(args.max_lines) + ' lines':>10}")
    failures = []
    for module in present:
        s = survey(root, module, args.max_lines)
        ratio = s["asserts"] / s["functions"] if s["functions"] else 0.0
        mark = " *" if module in wanted else ""
        print(f"src/{module:<6} {s['functions']:>9} {s['asserts']:>8} {ratio:>7.2f} {len(s['long']):>10}{mark}")
        for entry in s["long"]:
            print(f"    long: {entry}")
        if args.list:
            for entry in s["bare"]:
                print(f"    no assert: {entry}")
        if module in wanted and ratio < args.min:
            failures.append(f"src/{module}: {ratio:.2f} asserts per function, below {args.min}")
        if module in wanted and s["long"]:
            failures.append(f"src/{module}: {len(s['long'])} functions over {args.max_lines} lines")
    for module in wanted:
        if module not in present:
            print(f"asserts: src/{module} does not exist yet; skipped")
    for f in failures:
        print(f"asserts: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
