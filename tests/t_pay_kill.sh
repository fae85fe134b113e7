#!/usr/bin/env bash
# t_pay_kill.sh: the monthly payment run (`yibao pay --month`, issue 17
# item 3) killed with SIGKILL at random moments: a 2,000-person city's
# bills spread over 200 institutions (each generated institution split in
# 20 of the same kind, level and region), paid one institution a
# transaction; each run is killed once the journal holds a random number
# of its records more (or, one time in five, as soon as it started), then
# started again, until $KILLS kills landed (default 5) or the month is
# paid. Then a run to the end: every institution paid exactly once (one
# record each, no catch-up record: nothing changed), the payables 0, bank
# and deposits equal to the month's payable, `check` passes, a last run
# posts nothing. Waits for progress by polling the journal, never for a
# time. Both backends (SVC_BACKEND=pg with YIBAO_PG_URI). PAY_KILL_SEED=N
# repeats a run's choices.
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

KILLS=${KILLS:-5}
RANDOM=${PAY_KILL_SEED:-$$}
echo "t_pay_kill ($SVC_BACKEND): PAY_KILL_SEED=${PAY_KILL_SEED:-$$}"
city=$work/city
"$YIBAO" gen city --persons 2000 --seed 11 --out "$city" >/dev/null || fail "gen city"
# 20 institutions of each generated one, the bills spread over them
python3 - "$city" "$work" <<'EOF' || fail "split the institutions"
import csv, json, sys
city, work = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(city + "/institutions.csv")))
with open(work + "/institutions.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        for k in range(20):
            w.writerow(dict(r, fixmedins_code="%sK%02d" % (r["fixmedins_code"], k)))
regions = {}
for r in rows:
    for k in range(20):
        regions.setdefault(r["admdvs"], []).append("%sK%02d" % (r["fixmedins_code"], k))
for region, codes in regions.items():
    json.dump({"format": "yibao-payment/1", "id": "pay-" + region, "region": region, "year": 2020,
               "withhold_rate": 0.05,
               "institutions": {c: {"method": "fee_for_service"} for c in codes}},
              open("%s/pay-%s.json" % (work, region), "w"))
with open(work + "/bills.jsonl", "w") as out:
    for i, line in enumerate(open(city + "/bills.jsonl")):
        if i == 4000: break
        b = json.loads(line)
        b["fixmedins_code"] = "%sK%02d" % (b["fixmedins_code"], i % 20)
        out.write(json.dumps(b) + "\n")
EOF
y import institutions "$work/institutions.csv" >/dev/null || fail "import institutions"
y import policy "$root/policies/maoming-2020-employee.json" "$root/policies/maoming-2020-resident.json" >/dev/null ||
    fail "import policy"
y import catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "import catalog"
y import persons "$city/persons.csv" >/dev/null || fail "import persons"
for f in "$work"/pay-*.json; do y import payment "$f" >/dev/null || fail "import $f"; done
y settle "$work/bills.jsonl" >/dev/null 2>&1 || fail "settle"
months=$(sql "SELECT time_us FROM journal WHERE kind IN (1, 2)" |
    python3 -c 'import sys, time; print(" ".join(sorted({time.strftime("%Y-%m", time.localtime(int(l) // 1000000)) for l in sys.stdin})))')
posted() { sql "SELECT count(*) FROM journal WHERE kind = 5"; }

kills=0
for m in $months; do
    while [ "$kills" -lt "$KILLS" ]; do
        start=$(posted)
        if [ $((RANDOM % 5)) = 0 ]; then target=$start; else target=$((start + 1 + RANDOM % 30)); fi
        "$YIBAO" pay --db "$db" --month "$m" --batch 1 >"$work/run.out" 2>&1 &
        pid=$!
        while kill -0 "$pid" 2>/dev/null && [ "$(posted)" -lt "$target" ]; do sleep 0.01; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        [ "$rc" = 137 ] && { kills=$((kills + 1)); continue; }
        [ "$rc" = 0 ] || fail "$m: exit $rc: $(cat "$work/run.out")"
        break # the run ended before the kill: the month is paid
    done
done
[ "$kills" -ge 1 ] || fail "no kill landed"

for m in $months; do y pay --month "$m" --batch 7 >"$work/run.out" 2>&1 || fail "$m after the kills: $(cat "$work/run.out")"; done
got=$(sql "SELECT count(*), count(DISTINCT msgid) FROM journal WHERE kind = 5")
# the institutions the settlements paid anything (a month of cash only is no payable)
want=$(sql "SELECT count(DISTINCT debit) FROM postings WHERE debit LIKE 'I:%'")
[ "$got" = "$want|$want" ] || fail "records|msgids $got, expected one for each of $want institutions"
[ "$(sql "SELECT count(*) FROM journal WHERE kind = 5 AND msgid LIKE 'pay/%/%/%'")" = 0 ] || fail "a catch-up record"
out=$(y check) || fail "check after $kills kills: $out"
j=$(y report trial-balance --format json) || fail "trial-balance"
[ "$(jq -r '[.lines[] | select(.account == "I:*") | .balance] | add // 0' <<<"$j")" = 0 ] || fail "payables left: $j"
[ "$(jq -r '.debit == .credit' <<<"$j")" = true ] || fail "trial balance: $j"
for m in $months; do
    y pay --month "$m" >"$work/run.out" 2>&1 || fail "$m once more"
    grep -q " 0 records posted" "$work/run.out" || fail "$m once more: $(cat "$work/run.out")"
done
echo "ok t_pay_kill ($SVC_BACKEND): $kills kills, $(posted) records"
