#!/usr/bin/env bash
# style.sh: checks that C files are formatted as .clang-format says.
#
#   scripts/style.sh [--fix] [--count] [FILE|DIR...]
#
# With no arguments it checks every .c/.h under src/ tests/ fuzz/. A DIR
# stands for the .c/.h files under it. Exits 1 when a file would change and
# names it; --fix rewrites the files in place instead; --count prints, per
# file, how many lines clang-format would change (and the total) and never
# fails. Called by `make style`; `make test` does not call it yet.
set -euo pipefail
cd "$(dirname "$0")/.."
# .clang-format was written for clang-format 14 (Debian 12); other versions
# may lay out a few constructs differently, so 14 is preferred when present.
default_format=clang-format
command -v clang-format-14 >/dev/null && default_format=clang-format-14
CLANG_FORMAT=${CLANG_FORMAT:-$default_format}
mode=check
case "${1:-}" in
    --fix) mode=fix; shift ;;
    --count) mode=count; shift ;;
esac
command -v "$CLANG_FORMAT" >/dev/null || { echo "style: $CLANG_FORMAT not found (apt-get install clang-format)" >&2; exit 2; }
[ $# -eq 0 ] && set -- src tests fuzz
files=()
for a in "$@"; do
    if [ -d "$a" ]; then
        while IFS= read -r f; do files+=("$f"); done < <(find "$a" -name '*.[ch]' | sort)
    elif [ -f "$a" ]; then
        files+=("$a")
    else
        echo "style: no such file or folder: $a" >&2; exit 2
    fi
done
[ ${#files[@]} -gt 0 ] || { echo "style: no C files"; exit 0; }

case $mode in
fix)
    "$CLANG_FORMAT" --style=file -i "${files[@]}"
    echo "style: formatted ${#files[@]} files" ;;
count)
    total=0
    for f in "${files[@]}"; do
        n=$("$CLANG_FORMAT" --style=file "$f" | diff "$f" - | grep -c '^[<>]' || true)
        total=$((total + n))
        [ "$n" -gt 0 ] && printf '%6d %s\n' "$n" "$f"
    done
    printf '%6d lines would change in %d files\n' "$total" "${#files[@]}" ;;
check)
    bad=()
    for f in "${files[@]}"; do
        "$CLANG_FORMAT" --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [ ${#bad[@]} -gt 0 ]; then
        printf 'style: not formatted: %s\n' "${bad[@]}"
        echo "style: ${#bad[@]} of ${#files[@]} files differ (scripts/style.sh --fix FILE to format)"
        exit 1
    fi
    echo "style: ${#files[@]} files formatted" ;;
esac
