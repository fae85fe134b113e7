#!/usr/bin/env bash
# t_contribute_kill.sh: contribution runs killed with SIGKILL at random
# moments (issue 16 item 2): twelve employee months and the residents'
# year of a 2,000-person city (tests/enrol_city.py), written 16 persons a
# transaction; each run is killed once the journal holds a random number
# of its records more (or, one time in five, as soon as it started: in its
# registry read), then started again, until at least $KILLS kills landed
# (default 10). Then every period runs to its end: each posts exactly the
# persons tests/ref/contrib_expect.py expects, once each (records counted
# per person and period), a last run of each posts nothing, and `check`
# passes. Waits for progress by polling the journal, never for a time.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI). CONTRIB_KILL_SEED=N
# repeats a run's choices.
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

KILLS=${KILLS:-10}
RANDOM=${CONTRIB_KILL_SEED:-$$}
echo "t_contribute_kill ($SVC_BACKEND): CONTRIB_KILL_SEED=${CONTRIB_KILL_SEED:-$$}"
city=$work/city
pols=("$root/policies/maoming-2020-employee.json" "$root/policies/maoming-2020-resident.json")
months=$(printf "2020-%02d," $(seq 1 12))
"$YIBAO" gen city --persons 2000 --out "$city" --registry-only >/dev/null || fail "gen city"
# the generator writes its own enrolment files; these runs use enrol_city.py's
rm -f "$city"/employers*.csv "$city"/episodes*.csv "$city"/wages*.csv "$city"/bindings*.csv
python3 "$root/tests/enrol_city.py" "$city" --months "${months%,}" || fail "enrol_city.py"
y import institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
y import policy "${pols[@]}" >/dev/null || fail "import policy"
y import persons "$city/persons.csv" >/dev/null || fail "import persons"
for k in employers episodes wages; do
    # shellcheck disable=SC2086
    y import "$k" $(ls "$city"/$k*.csv) >/dev/null 2>"$work/err" || fail "import $k: $(cat "$work/err")"
done
posted() { sql "SELECT count(*) FROM journal WHERE kind = 4"; }
args_of() { # PERIOD: the run's arguments
    if [ "$1" = residents ]; then echo "--year 2020 --residents"; else echo "--month $1"; fi
}
# twelve months and the year: enough runs for the kills on a busy machine,
# where a run may end before the poll sees its target (then the next period)
periods=($(seq -f "2020-%02g" 1 12) residents)

kills=0
i=0
while [ "$kills" -lt "$KILLS" ] && [ "$i" -lt "${#periods[@]}" ]; do
    start=$(posted)
    if [ $((RANDOM % 5)) = 0 ]; then target=$start; else target=$((start + 1 + RANDOM % 200)); fi
    # shellcheck disable=SC2046
    "$YIBAO" contribute --db "$db" $(args_of "${periods[$i]}") --batch 16 >"$work/run.out" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ "$(posted)" -lt "$target" ]; do sleep 0.01; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" = 137 ]; then # killed (not a run that ended as the kill came)
        kills=$((kills + 1))
        continue # the same period again
    fi
    [ "$rc" = 0 ] || fail "${periods[$i]}: exit $rc: $(cat "$work/run.out")"
    i=$((i + 1))
done
[ "$kills" -ge "$KILLS" ] || fail "only $kills kills landed before the periods ran out"

# every period to its end: exactly the expected persons, once each
for p in "${periods[@]}"; do
    # shellcheck disable=SC2046
    y contribute $(args_of "$p") >"$work/run.out" 2>&1 || fail "$p after the kills: $(cat "$work/run.out")"
    # shellcheck disable=SC2046
    python3 "$root/tests/ref/contrib_expect.py" "$city" $(args_of "$p") "${pols[@]}" >"$work/expect" ||
        fail "contrib_expect.py $p"
    want=$(sed -n 's/^counts: posted=\([0-9]*\).*/\1/p' "$work/expect")
    if [ "$p" = residents ]; then prefix=contrib/390/2020/; else prefix=contrib/310/$p/; fi
    got=$(sql "SELECT count(*), count(DISTINCT psn_no) FROM journal WHERE kind = 4 AND msgid LIKE '$prefix%'")
    [ "$got" = "$want|$want" ] || fail "$p: records|persons $got, expected $want each"
    # shellcheck disable=SC2046
    y contribute $(args_of "$p") >"$work/run.out" 2>&1 || fail "$p once more: $(cat "$work/run.out")"
    grep -q ": 0 posted, " "$work/run.out" || fail "$p once more: $(cat "$work/run.out")"
done
out=$(y check) || fail "check after $kills kills: $out"
echo "ok t_contribute_kill ($SVC_BACKEND): $kills kills, $(posted) records"
