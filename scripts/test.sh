#!/usr/bin/env bash
# test.sh: runs every test suite, release build and sanitizer build, and ends
# with one line "N passed, N failed" (suites). Called by `make test`.
#
# Conventions (adding a test needs no change here):
#   tests/test_*.c   cmocka programs; each runs in build/release and build/san.
#   tests/t_*.sh     shell tests; run with YIBAO=<binary> and
#                    YIBAO_BENCH=<its yibao-bench> for each build and
#                    YIBAO_SHARED=<../shared or empty>. Exit 0 = pass.
#   fuzz/fuzz_*.c    libFuzzer targets; each runs briefly over its corpus.
# A PostgreSQL cluster is started once (scripts/pg.sh) when present and its
# URI exported as YIBAO_PG_URI, then stopped at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0; failed=0; failures=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export YIBAO_SHARED=""
[ -d "$root/../shared/conformance" ] && export YIBAO_SHARED="$root/../shared"
export YIBAO_ROOT="$root"

if [ -x scripts/pg.sh ]; then
    if uri=$(scripts/pg.sh start); then
        export YIBAO_PG_URI="$uri"
        trap 'scripts/pg.sh stop >/dev/null 2>&1' EXIT
    else
        echo "test: PostgreSQL could not be started" >&2
        failed=$((failed+1)); failures+=("postgres-start")
    fi
fi

# A test that hangs is killed after TEST_SECONDS_MAX (the slowest takes
# about 100 s here) and fails, instead of holding the run to CI's limit.
# TEST_JOBS suites run at once (default 2, one a core: every test makes
# its own temporary directory, database and port, and waits for progress,
# never for time); each prints its line when it ends and leaves its
# outcome in build/test-logs/NAME.rc, counted at the end.
TEST_SECONDS_MAX=${TEST_SECONDS_MAX:-600}
TEST_JOBS=${TEST_JOBS:-2}
rm -rf build/test-logs && mkdir -p build/test-logs
run() { # name, command...
    local name=$1; shift
    while [ "$(jobs -rp | wc -l)" -ge "$TEST_JOBS" ]; do wait -n; done
    (
        local log="build/test-logs/${name//\//_}.log" start=$SECONDS
        if timeout --kill-after=10 "$TEST_SECONDS_MAX" "$@" >"$log" 2>&1; then
            echo "PASS $name ($((SECONDS-start))s)"; echo pass >"${log%.log}.rc"
        else
            local out # printed at once: the lines of two jobs do not mix
            out="FAIL $name (see $log)"
            [ $((SECONDS-start)) -ge "$TEST_SECONDS_MAX" ] && out+=$'\n'"    (killed after $TEST_SECONDS_MAX s)"
            out+=$'\n'$(tail -n 20 "$log" | sed 's/^/    /')
            printf '%s\n' "$out"
            echo "$name" >"${log%.log}.rc"
        fi
    ) &
}

# The tree's style and its asserts: clang-format (.clang-format) over
# src/ tests/ fuzz/, and at least one assert per function (and none over
# 70 lines) in the store, the service and the application layer.
run "style" scripts/style.sh
run "asserts" python3 scripts/asserts.py --check store,service,app --min 1.0
run "shell-lint" scripts/shell_lint.sh

# Suites that disturb every other user of the shared PostgreSQL cluster
# (test_faults kills and restarts it) run alone: the others wait.
ALONE_TESTS=" test_faults "
run_alone() { # name, command...
    wait
    local jobs=$TEST_JOBS
    TEST_JOBS=1; run "$@"; wait
    TEST_JOBS=$jobs
}

for variant in release san; do
    for t in build/$variant/tests/test_*; do
        [ -x "$t" ] || continue
        if [[ "$ALONE_TESTS" == *" $(basename "$t") "* ]]; then run_alone "$variant/$(basename "$t")" "$t"
        else run "$variant/$(basename "$t")" "$t"; fi
    done
    for t in tests/t_*.sh; do
        [ -f "$t" ] || continue
        run "$variant/$(basename "$t" .sh)" env YIBAO="$root/build/$variant/yibao" \
            YIBAO_BENCH="$root/build/$variant/yibao-bench" YIBAO_VARIANT=$variant bash "$t"
    done
done

for f in build/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f"); corpus="fuzz/corpus/${name#fuzz_}"
    mkdir -p build/fuzz-work/$name
    run "fuzz/$name" "$f" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
        build/fuzz-work/$name $( [ -d "$corpus" ] && echo "$corpus")
done

wait
for rc in build/test-logs/*.rc; do
    [ -f "$rc" ] || continue
    if [ "$(cat "$rc")" = pass ]; then passed=$((passed+1)); else failed=$((failed+1)); failures+=("$(cat "$rc")"); fi
done
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
