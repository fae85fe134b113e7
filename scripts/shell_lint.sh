#!/usr/bin/env bash
# shell_lint.sh: refuses a shell pattern that fails tests at random.
#
# Under `set -o pipefail`, `printf '%s\n' "$out" | grep -q PATTERN` races:
# bash's printf and echo write a multi-line value one line per write(2),
# grep -q exits at its first match, and the next write kills the producer
# with SIGPIPE, so the pipeline fails although the line was there (CI of
# the ninth session failed this way). Tests match a variable with a here
# string instead: `grep -q PATTERN <<<"$out"`.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=$(grep -nE "^[^#]*(printf '%s(\\\\n)?'|echo) \"\\\$[A-Za-z_][A-Za-z_0-9]*\" *\| *grep -[A-Za-z]*q" tests/*.sh bench/*.sh scripts/*.sh 2>/dev/null)
if [ -n "$bad" ]; then
    printf '%s\n' "$bad"
    echo "shell_lint: match a variable with grep -q PATTERN <<<\"\$var\", not a pipe (SIGPIPE under pipefail)"
    exit 1
fi
echo "shell_lint: ok"
