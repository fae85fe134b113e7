#!/usr/bin/env bash
# t_interop.sh: the compatibility suite (tests/interop/, docs/INTEROP.md):
# five client styles' recorded flows replayed against a real `yibao serve`,
# each answer checked for every field the client reads with the
# interface's type. The steps not served yet are listed with why in
# tests/interop/known-gaps.txt; any other step that fails is a regression,
# and a listed step that passes must leave the list (so it stays true).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gaps=$here/interop/known-gaps.txt
out=$(mktemp /tmp/yibao-interop.XXXXXX)
trap 'rm -f "$out"' EXIT
bash "$here/interop/run.sh" >"$out" 2>&1
summary=$(grep '^interop: ' "$out")
[ -n "$summary" ] || { tail -n 20 "$out"; echo "FAIL: the suite did not finish"; exit 1; }
bad=0
while read -r style step verdict _; do
    case $verdict in PASS | FAIL) ;; *) continue ;; esac
    listed=no
    grep -q "^$style $step	" "$gaps" && listed=yes
    if [ "$verdict" = FAIL ] && [ "$listed" = no ]; then
        echo "REGRESSION: $(grep -m1 "^$style *$step " "$out")"; bad=1
    elif [ "$verdict" = PASS ] && [ "$listed" = yes ]; then
        echo "NOW PASSES (remove it from known-gaps.txt): $style $step"; bad=1
    fi
done < <(grep -E '^[a-z0-9-]+ +[0-9]+-[0-9A-Z]+ +(PASS|FAIL)' "$out")
echo "t_interop: $summary ($(grep -vc '^#' "$gaps") known gaps)"
exit $bad
