#!/usr/bin/env bash
# coverage.sh: line and function coverage of src/ per module, measured by
# running the tests with the gcov build (build/coverage, `--coverage`), and
# written to docs/COVERAGE.md. Called by `make coverage`, which builds that
# variant first; an HTML report goes to build/coverage/html.
#
# Which tests run (the conventions of scripts/test.sh):
#   every cmocka program build/coverage/tests/test_*, and the shell tests
#   tests/t_*.sh named by COVERAGE_SHELL_TESTS (default: all of them except
#   t_core_purity.sh, which inspects the objects and would see gcov's
#   counters, and t_service_pg_reconnect.sh, which terminates PostgreSQL
#   backends). COVERAGE_SHELL_TESTS="t_gen t_cli_errors" runs those two;
#   COVERAGE_SHELL_TESTS=none runs the cmocka programs only.
# PostgreSQL: YIBAO_PG_URI when set, else a cluster of scripts/pg.sh.
# A failing test is reported (and makes the script exit 1) but its coverage
# still counts.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=build/coverage
doc=${COVERAGE_DOC:-docs/COVERAGE.md}
TEST_SECONDS_MAX=${TEST_SECONDS_MAX:-900}
SHELL_TESTS_SKIPPED="t_core_purity t_service_pg_reconnect"
command -v lcov >/dev/null || { echo "coverage: lcov not found (scripts/deps.sh installs it)" >&2; exit 2; }
[ -x $out/yibao ] || { echo "coverage: build $out first (make coverage)" >&2; exit 2; }

export YIBAO_SHARED=${YIBAO_SHARED:-} YIBAO_ROOT="$root"
[ -z "$YIBAO_SHARED" ] && [ -d "$root/../shared/conformance" ] && export YIBAO_SHARED="$root/../shared"
if [ -z "${YIBAO_PG_URI:-}" ] && [ -x scripts/pg.sh ]; then
    if uri=$(scripts/pg.sh start); then
        export YIBAO_PG_URI="$uri"
        trap 'scripts/pg.sh stop >/dev/null 2>&1' EXIT
    fi
fi

shell_tests=()
if [ "${COVERAGE_SHELL_TESTS:-}" = none ]; then
    :
elif [ -n "${COVERAGE_SHELL_TESTS:-}" ]; then
    for t in $COVERAGE_SHELL_TESTS; do shell_tests+=("tests/${t%.sh}.sh"); done
else
    for t in tests/t_*.sh; do
        # t_service_lib.sh is sourced by the service tests, not a test itself.
        case " $SHELL_TESTS_SKIPPED t_service_lib " in *" $(basename "$t" .sh) "*) continue ;; esac
        shell_tests+=("$t")
    done
fi

started=$(date -u '+%Y-%m-%d %H:%M UTC')
note="The fuzz targets and the shell tests $SHELL_TESTS_SKIPPED do not run (docs/TOOLS.md)."
[ -n "${COVERAGE_SHELL_TESTS:-}" ] && note="Shell tests chosen by COVERAGE_SHELL_TESTS; the fuzz targets do not run."
if [ -n "${YIBAO_PG_URI:-}" ]; then note="$note PostgreSQL: the tests' own databases on one cluster."
else note="$note PostgreSQL was not available: its tests passed trivially."; fi
find $out/obj -name '*.gcda' -delete
mkdir -p $out/logs
ran=(); failed=()
run() { # name, command...
    local name=$1; shift
    local start=$SECONDS
    if timeout --kill-after=10 "$TEST_SECONDS_MAX" "$@" >"$out/logs/$name.log" 2>&1; then
        echo "PASS $name ($((SECONDS - start))s)"
    else
        echo "FAIL $name (see $out/logs/$name.log)"; failed+=("$name")
    fi
    ran+=("$name")
}
for t in $out/tests/test_*; do
    [ -x "$t" ] && run "$(basename "$t")" "$t"
done
for t in "${shell_tests[@]}"; do
    run "$(basename "$t" .sh)" env YIBAO="$root/$out/yibao" YIBAO_VARIANT=coverage bash "$t"
done

# The initial (zero) capture lists every compiled file, so a file that no
# test reached counts as 0 % instead of being left out.
capture() { lcov --quiet --capture "$@" --directory $out/obj --base-directory "$root" >>$out/logs/lcov.log 2>&1; }
: >$out/logs/lcov.log
capture --initial --output-file $out/base.info && capture --output-file $out/run.info &&
    lcov --quiet -a $out/base.info -a $out/run.info -o $out/all.info >>$out/logs/lcov.log 2>&1 &&
    lcov --quiet --extract $out/all.info "$root/src/*" -o $out/src.info >>$out/logs/lcov.log 2>&1 ||
    { cat $out/logs/lcov.log; exit 1; }
genhtml --quiet --output-directory $out/html $out/src.info >>$out/logs/lcov.log 2>&1 || true

python3 scripts/coverage_table.py "$root" $out/src.info \
    --command "${COVERAGE_COMMAND:-make coverage}" --date "$started" --note "$note" \
    --ran "${ran[*]}" --failed "${failed[*]}" >"$doc"
cat "$doc"
[ ${#failed[@]} -eq 0 ]
